#include "envs/minatar_breakout.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

namespace fastac {

template <bool kMinimalActionSet>
const EnvSpec& MinAtarBreakoutEnv<kMinimalActionSet>::spec() {
  static const EnvSpec s = [] {
    EnvSpec e;
    e.id = kMinimalActionSet ? "MinAtar/Breakout-v1" : "MinAtar/Breakout-v0";
    // spaces.Box(0.0, 1.0, shape=[10, 10, 4], dtype=bool)
    const int n = kSize * kSize * kChannels;
    e.observation_space = Space::box({kSize, kSize, kChannels}, std::vector<float>(n, 0.0f), std::vector<float>(n, 1.0f));
    e.observation_dtype = ObsDtype::kBool;
    e.action_space = Space::discrete(kMinimalActionSet ? 3 : 6);
    e.max_episode_steps = 0;  // minatar registers no time limit
    e.params = {{"sticky_action_prob", 0.1}, {"difficulty_ramping", 1.0, true}};
    e.state_size = 9 + kSize * kSize;
    e.reference_entry_point = "minatar.gym:BaseEnv";
    e.render_modes = {};  // minatar draws from its game object, which has no settable state
    return e;
  }();
  return s;
}

template <bool kMinimalActionSet>
void MinAtarBreakoutEnv<kMinimalActionSet>::reset(Pcg64&, const double*) {
  ball_y = 3;
  const int64_t ball_start = random.randint(2);
  ball_x = ball_start == 0 ? 0 : 9;  // [(0, 2), (9, 3)][ball_start]
  ball_dir = ball_start == 0 ? 2 : 3;
  pos = 4;
  std::memset(brick_map, 0, sizeof brick_map);
  for (int y = 1; y < 4; ++y)
    for (int x = 0; x < kSize; ++x) brick_map[y][x] = 1;
  strike = 0;
  last_x = ball_x;
  last_y = ball_y;
  terminal = 0;
}

template <bool kMinimalActionSet>
StepOutcome MinAtarBreakoutEnv<kMinimalActionSet>::step(const Action& action) {
  // BaseEnv.step: action_set[action]; Environment.act: the sticky action.
  static constexpr int32_t kMinimalActions[3] = {kNoop, kLeft, kRight};
  int32_t a = kMinimalActionSet ? kMinimalActions[action.discrete] : static_cast<int32_t>(action.discrete);
  if (random.rand() < sticky_action_prob) a = last_action;
  last_action = a;
  if (terminal) return {0.0, true};

  double reward = 0.0;
  if (a == kLeft) {
    pos = std::max(0, pos - 1);
  } else if (a == kRight) {
    pos = std::min(9, pos + 1);
  }

  last_x = ball_x;
  last_y = ball_y;
  static constexpr int32_t kDx[4] = {-1, 1, 1, -1}, kDy[4] = {-1, -1, 1, 1};
  int32_t new_x = ball_x + kDx[ball_dir], new_y = ball_y + kDy[ball_dir];

  static constexpr int32_t kBounceX[4] = {1, 0, 3, 2}, kBounceY[4] = {3, 2, 1, 0}, kBouncePaddleEdge[4] = {2, 3, 0, 1};
  bool strike_toggle = false;
  if (new_x < 0 || new_x > 9) {
    new_x = std::min(std::max(new_x, 0), 9);
    ball_dir = kBounceX[ball_dir];
  }
  if (new_y < 0) {
    new_y = 0;
    ball_dir = kBounceY[ball_dir];
  } else if (brick_map[new_y][new_x] == 1) {
    strike_toggle = true;
    if (!strike) {
      reward += 1.0;
      strike = 1;
      brick_map[new_y][new_x] = 0;
      new_y = last_y;
      ball_dir = kBounceY[ball_dir];
    }
  } else if (new_y == 9) {
    bool any_brick = false;
    for (int y = 0; y < kSize; ++y)
      for (int x = 0; x < kSize; ++x) any_brick |= brick_map[y][x] != 0;
    if (!any_brick)
      for (int y = 1; y < 4; ++y)
        for (int x = 0; x < kSize; ++x) brick_map[y][x] = 1;
    if (ball_x == pos) {
      ball_dir = kBounceY[ball_dir];
      new_y = last_y;
    } else if (new_x == pos) {
      ball_dir = kBouncePaddleEdge[ball_dir];
      new_y = last_y;
    } else {
      terminal = 1;
    }
  }
  if (!strike_toggle) strike = 0;
  ball_x = new_x;
  ball_y = new_y;
  return {reward, terminal != 0};
}

template <bool kMinimalActionSet>
void MinAtarBreakoutEnv<kMinimalActionSet>::observe(uint8_t* obs) const {
  auto at = [obs](int y, int x, int c) -> uint8_t& { return obs[(y * kSize + x) * kChannels + c]; };
  for (int y = 0; y < kSize; ++y)
    for (int x = 0; x < kSize; ++x) {
      at(y, x, kPaddle) = 0;
      at(y, x, kBall) = 0;
      at(y, x, kTrail) = 0;
      at(y, x, kBrick) = brick_map[y][x];
    }
  at(ball_y, ball_x, kBall) = 1;
  at(9, pos, kPaddle) = 1;
  at(last_y, last_x, kTrail) = 1;
}

template <bool kMinimalActionSet>
void MinAtarBreakoutEnv<kMinimalActionSet>::get_state(double* s) const {
  const int32_t fields[9] = {ball_x, ball_y, ball_dir, pos, last_x, last_y, strike, terminal, last_action};
  for (int k = 0; k < 9; ++k) s[k] = fields[k];
  for (int y = 0; y < kSize; ++y)
    for (int x = 0; x < kSize; ++x) s[9 + y * kSize + x] = brick_map[y][x];
}

template <bool kMinimalActionSet>
void MinAtarBreakoutEnv<kMinimalActionSet>::set_state(const double* s) {
  static const char* const kNames[9] = {"ball_x", "ball_y", "ball_dir", "pos", "last_x", "last_y",
                                        "strike", "terminal", "last_action"};
  static constexpr int kHigh[9] = {9, 9, 3, 9, 9, 9, 1, 1, 5};
  auto checked = [](double v, int high, const std::string& name) {
    if (!(v >= 0 && v <= high && v == std::floor(v)))
      throw std::invalid_argument("state: " + name + " must be an integer in [0, " + std::to_string(high) +
                                  "], got " + std::to_string(v));
    return static_cast<int32_t>(v);
  };
  int32_t f[9];
  uint8_t bricks[kSize][kSize];
  for (int k = 0; k < 9; ++k) f[k] = checked(s[k], kHigh[k], kNames[k]);
  for (int y = 0; y < kSize; ++y)
    for (int x = 0; x < kSize; ++x)
      bricks[y][x] = static_cast<uint8_t>(checked(s[9 + y * kSize + x], 1, "brick_map[" + std::to_string(y) + "][" +
                                                                              std::to_string(x) + "]"));
  ball_x = f[0], ball_y = f[1], ball_dir = f[2], pos = f[3], last_x = f[4], last_y = f[5];
  strike = static_cast<uint8_t>(f[6]), terminal = static_cast<uint8_t>(f[7]), last_action = f[8];
  std::memcpy(brick_map, bricks, sizeof bricks);
}

template struct MinAtarBreakoutEnv<false>;
template struct MinAtarBreakoutEnv<true>;

}  // namespace fastac
