// The native Pendulum against gymnasium trajectories (tests/fixtures/pendulum_trajectories.txt,
// made by make_pendulum_fixtures.py), bit for bit, driven through VectorEnv<PendulumEnv>;
// batched stepping, state round trips, reset options and invalid actions.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <vector>

#include "envs/pendulum.h"
#include "envs/vector_env.h"
#include "fixtures.h"

using namespace fastac;

namespace {

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }
bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

using Pendulum = VectorEnv<PendulumEnv>;

// One step of a single-env VectorEnv with a float32 torque.
int step1(Pendulum& env, float torque, float* obs, double* reward, uint8_t* te, uint8_t* tr) {
  return env.step(ActionBatch{nullptr, &torque, 1}, StepResult{obs, reward, te, tr, nullptr});
}

// The reward as gymnasium computes it, from libm directly: numpy's scalar `x ** 2` is
// pow(x, 2) (powf for the float32 torque), which is not always x * x.
volatile double kTwo = 2.0;
volatile float kTwoF = 2.0f;
double reference_reward(double th, double thdot, float u) {
  u = std::fmin(std::fmax(u, -2.0f), 2.0f);
  double an = std::fmod(th + M_PI, 2 * M_PI);  // Python's floored %
  if (an != 0 && an < 0) an += 2 * M_PI;
  an -= M_PI;
  const float torque_cost = static_cast<float>(0.001) * std::pow(u, static_cast<float>(kTwoF));
  return -((std::pow(an, static_cast<double>(kTwo)) + 0.1 * std::pow(thdot, static_cast<double>(kTwo))) +
           static_cast<double>(torque_cost));
}

std::vector<double> state_of(const BatchedEnv& env, int i) {
  std::vector<double> s(2);
  env.get_state(i, s.data());
  return s;
}

}  // namespace

TEST(Pendulum, Spec) {
  const EnvSpec& s = PendulumEnv::spec();
  EXPECT_EQ(s.id, "Pendulum-v1");
  EXPECT_EQ(s.observation_space.shape, std::vector<int>{3});
  EXPECT_EQ(s.observation_space.low, (std::vector<float>{-1.0f, -1.0f, -8.0f}));
  EXPECT_EQ(s.observation_space.high, (std::vector<float>{1.0f, 1.0f, 8.0f}));
  EXPECT_FALSE(s.action_space.is_discrete());
  EXPECT_EQ(s.action_space.shape, std::vector<int>{1});
  EXPECT_EQ(s.action_space.low, std::vector<float>{-2.0f});
  EXPECT_EQ(s.action_space.high, std::vector<float>{2.0f});
  EXPECT_EQ(s.max_episode_steps, 200);
  EXPECT_TRUE(std::isnan(s.reward_threshold));
  ASSERT_EQ(s.params.size(), 1u);
  EXPECT_EQ(s.params[0].name, "g");
  EXPECT_EQ(s.params[0].default_value, 10.0);
  ASSERT_EQ(s.reset_options.size(), 2u);
  EXPECT_EQ(s.reset_options[0].name, "x_init");
  EXPECT_EQ(s.reset_options[0].default_value, M_PI);
  EXPECT_EQ(s.reset_options[1].name, "y_init");
  EXPECT_EQ(s.reset_options[1].default_value, 1.0);
  EXPECT_EQ(s.state_size, 2);
  EXPECT_EQ(s.reference_entry_point, "gymnasium.envs.classic_control.pendulum:PendulumEnv");
}

TEST(Pendulum, MatchesGymnasiumBitForBit) {
  using fixtures::parse_double;
  const auto rows = fixtures::read_fixture("pendulum_trajectories.txt");
  ASSERT_GT(rows.size(), 3000u);
  std::unique_ptr<Pendulum> env;
  float obs[3];
  double reward;
  uint8_t terminated, truncated;
  int episodes = 0, steps = 0, truncations = 0, episode_steps = 0;
  for (const auto& row : rows) {
    if (row[0] == "episode") {
      ASSERT_EQ(row.size(), 10u);
      const double g = parse_double(row[2]);
      if (row[1] != "none") {
        env = std::make_unique<Pendulum>(1, AutoresetMode::kDisabled, &g);
        env->seed(0, seed_to_uint32_words(std::stoull(row[1])));
      }
      ASSERT_TRUE(env);
      const double options[2] = {parse_double(row[3]), parse_double(row[4])};
      env->reset(0, obs, options);
      const auto state = state_of(*env, 0);
      for (int k = 0; k < 3; ++k) ASSERT_TRUE(same_bits(obs[k], float(parse_double(row[5 + k])))) << "reset obs " << k;
      for (int k = 0; k < 2; ++k) ASSERT_TRUE(same_bits(state[k], parse_double(row[8 + k]))) << "reset state " << k;
      ++episodes;
      episode_steps = 0;
      continue;
    }
    ASSERT_EQ(row.size(), 9u);
    const float action = float(parse_double(row[0]));
    ASSERT_EQ(step1(*env, action, obs, &reward, &terminated, &truncated), -1);
    ++episode_steps;
    const auto state = state_of(*env, 0);
    for (int k = 0; k < 3; ++k)
      ASSERT_TRUE(same_bits(obs[k], float(parse_double(row[1 + k])))) << "step " << steps << " obs " << k;
    ASSERT_TRUE(same_bits(reward, parse_double(row[4]))) << "step " << steps << ": " << reward << " vs " << row[4];
    ASSERT_EQ(terminated, std::stoi(row[5])) << "step " << steps;
    ASSERT_EQ(truncated, std::stoi(row[6])) << "step " << steps;
    ASSERT_EQ(truncated, episode_steps >= 200) << "step " << steps;
    for (int k = 0; k < 2; ++k)
      ASSERT_TRUE(same_bits(state[k], parse_double(row[7 + k]))) << "step " << steps << " state " << k;
    truncations += truncated;
    ++steps;
  }
  EXPECT_EQ(episodes, 16);
  EXPECT_EQ(steps, 16 * 200 + 3);
  EXPECT_EQ(truncations, 16 + 3);  // every episode reaches 200; the last one steps 3 times past it
}

TEST(Pendulum, SetStateGetStateRoundTrip) {
  Pendulum a(1, AutoresetMode::kDisabled), b(1, AutoresetMode::kDisabled);
  Pcg64 rng = Pcg64::from_seed(3);
  float obs_a[3], obs_b[3];
  double ra, rb;
  uint8_t te, tr;
  const double states[][2] = {{0.0, 0.0}, {-0.0, -0.0}, {M_PI, -8.0}, {-M_PI, 8.0}, {1e6, 3.5}, {-123.25, 1e-300},
                              {0.1, 100.0}};  // a speed beyond max_speed: the next step clips it
  for (const auto& s : states) {
    a.set_state(0, s);
    const auto got = state_of(a, 0);
    EXPECT_TRUE(same_bits(got[0], s[0]) && same_bits(got[1], s[1]));
    a.observe(0, obs_a);
    EXPECT_TRUE(same_bits(obs_a[0], float(std::cos(s[0]))));
    EXPECT_TRUE(same_bits(obs_a[1], float(std::sin(s[0]))));
    EXPECT_TRUE(same_bits(obs_a[2], float(s[1])));
    // A copy through get_state/set_state steps exactly as the original.
    b.set_state(0, got.data());
    for (int t = 0; t < 20; ++t) {
      const float u = static_cast<float>(rng.uniform(-3, 3));
      step1(a, u, obs_a, &ra, &te, &tr);
      step1(b, u, obs_b, &rb, &te, &tr);
      ASSERT_EQ(std::memcmp(obs_a, obs_b, sizeof obs_a), 0);
      ASSERT_TRUE(same_bits(ra, rb));
      ASSERT_EQ(state_of(a, 0), state_of(b, 0));
      ASSERT_LE(std::abs(state_of(a, 0)[1]), PendulumEnv::max_speed);
    }
  }
}

// The squares take x * x only where glibc's pow/powf certainly return it: random
// states and torques, many of whose squares pow rounds differently from x * x.
TEST(Pendulum, SquaresAreLibmPowAsInNumpy) {
  Pendulum env(1, AutoresetMode::kDisabled);
  Pcg64 rng = Pcg64::from_seed(2024);
  float obs[3];
  double reward;
  uint8_t te, tr;
  int pow_differs = 0, powf_differs = 0;
  for (int k = 0; k < 400000; ++k) {
    const double s[2] = {rng.uniform(-40, 40), k % 2 ? rng.uniform(-8, 8) : rng.uniform(-1e-3, 1e-3)};
    const float u = static_cast<float>(rng.uniform(-2.2, 2.2));
    env.set_state(0, s);
    step1(env, u, obs, &reward, &te, &tr);
    ASSERT_TRUE(same_bits(reward, reference_reward(s[0], s[1], u))) << std::hexfloat << s[0] << " " << s[1] << " " << u;
    pow_differs += std::pow(s[1], static_cast<double>(kTwo)) != s[1] * s[1];
    const float uc = std::fmin(std::fmax(u, -2.0f), 2.0f);
    powf_differs += std::pow(uc, static_cast<float>(kTwoF)) != uc * uc;
  }
  EXPECT_GT(pow_differs, 50);  // the fallback to pow was exercised
  EXPECT_GT(powf_differs, 50);
}

TEST(Pendulum, BatchedStepEqualsIndependentEnvs) {
  constexpr int n = 16;
  const double g = 9.81;
  Pendulum batch(n, AutoresetMode::kNextStep, &g);
  std::vector<std::unique_ptr<Pendulum>> singles;
  std::vector<float> obs(n * 3), single_obs(3);
  std::vector<double> reward(n);
  std::vector<uint8_t> term(n), trunc(n);
  for (int i = 0; i < n; ++i) {
    batch.seed(i, seed_to_uint32_words(100 + i));
    batch.reset(i, obs.data() + 3 * i, nullptr);
    singles.push_back(std::make_unique<Pendulum>(1, AutoresetMode::kNextStep, &g));
    singles[i]->seed(0, seed_to_uint32_words(100 + i));
    singles[i]->reset(0, single_obs.data(), nullptr);
    ASSERT_EQ(std::memcmp(single_obs.data(), obs.data() + 3 * i, 3 * sizeof(float)), 0);
  }
  Pcg64 rng = Pcg64::from_seed(9);
  std::vector<float> actions(n);
  int truncations = 0;
  for (int t = 0; t < 450; ++t) {
    for (auto& a : actions) a = static_cast<float>(rng.uniform(-2.5, 2.5));
    ASSERT_EQ(batch.step(ActionBatch{nullptr, actions.data(), 1},
                         {obs.data(), reward.data(), term.data(), trunc.data(), nullptr}),
              -1);
    for (int i = 0; i < n; ++i) {
      double r;
      uint8_t te, tr;
      ASSERT_EQ(step1(*singles[i], actions[i], single_obs.data(), &r, &te, &tr), -1);
      ASSERT_EQ(std::memcmp(single_obs.data(), obs.data() + 3 * i, 3 * sizeof(float)), 0) << "t " << t << " env " << i;
      ASSERT_TRUE(same_bits(r, reward[i]));
      ASSERT_EQ(te, term[i]);
      ASSERT_EQ(tr, trunc[i]);
      ASSERT_EQ(state_of(*singles[i], 0), state_of(batch, i));
      ASSERT_FALSE(te);
      truncations += tr;
    }
  }
  EXPECT_EQ(truncations, 2 * n);  // truncated at steps 200 and 401 (step 201 is the autoreset)
}

TEST(Pendulum, NaNActionsRejectedSteppingNothing) {
  Pendulum env(3, AutoresetMode::kNextStep);
  float obs[9], obs_before[9];
  double reward[3];
  uint8_t te[3], tr[3];
  for (int i = 0; i < 3; ++i) {
    env.seed(i, seed_to_uint32_words(i));
    env.reset(i, obs_before + 3 * i, nullptr);
  }
  std::vector<std::vector<double>> before;
  for (int i = 0; i < 3; ++i) before.push_back(state_of(env, i));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float bad_middle[3] = {0.5f, nan, 1.0f}, bad_last[3] = {0.5f, 1.0f, -nan};
  EXPECT_EQ(env.step(ActionBatch{nullptr, bad_middle, 1}, {obs, reward, te, tr, nullptr}), 1);
  EXPECT_EQ(env.step(ActionBatch{nullptr, bad_last, 1}, {obs, reward, te, tr, nullptr}), 2);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(state_of(env, i), before[i]);
    EXPECT_EQ(env.elapsed_steps(i), 0);
    env.observe(i, obs);
    EXPECT_EQ(std::memcmp(obs, obs_before + 3 * i, 3 * sizeof(float)), 0);
  }
  // Infinite torques are valid (gymnasium clips them to +-max_torque).
  const float inf = std::numeric_limits<float>::infinity();
  const float infinite[3] = {inf, -inf, 2.0f};
  EXPECT_EQ(env.step(ActionBatch{nullptr, infinite, 1}, {obs, reward, te, tr, nullptr}), -1);
}

TEST(Pendulum, InfiniteTorqueIsClippedToMaxTorque) {
  Pendulum a(1, AutoresetMode::kDisabled), b(1, AutoresetMode::kDisabled);
  const double s[2] = {0.3, -1.0};
  for (float u : {std::numeric_limits<float>::infinity(), 1e30f}) {
    a.set_state(0, s);
    b.set_state(0, s);
    float oa[3], ob[3];
    double ra, rb;
    uint8_t te, tr;
    step1(a, u, oa, &ra, &te, &tr);
    step1(b, 2.0f, ob, &rb, &te, &tr);
    EXPECT_EQ(std::memcmp(oa, ob, sizeof oa), 0);
    EXPECT_TRUE(same_bits(ra, rb));
  }
}

TEST(Pendulum, ResetOptionsCheckedAsNumpyDoes) {
  Pendulum env(1, AutoresetMode::kDisabled);
  float obs[3], fresh_obs[3];
  env.seed(0, seed_to_uint32_words(11));
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  const double negative[2] = {-1.0, 1.0}, negative_zero[2] = {1.0, -0.0}, infinite[2] = {inf, 1.0},
               overflowing[2] = {1e308, -1.0}, not_a_number[2] = {1.0, nan};
  EXPECT_THROW(env.reset(0, obs, negative), std::invalid_argument);
  EXPECT_THROW(env.reset(0, obs, negative_zero), std::invalid_argument);
  EXPECT_THROW(env.reset(0, obs, infinite), std::overflow_error);
  EXPECT_THROW(env.reset(0, obs, overflowing), std::overflow_error);  // non-finite range is checked first
  EXPECT_THROW(env.reset(0, obs, not_a_number), std::overflow_error);
  // Nothing was drawn by the refused resets.
  env.reset(0, obs, nullptr);
  Pendulum fresh(1, AutoresetMode::kDisabled);
  fresh.seed(0, seed_to_uint32_words(11));
  fresh.reset(0, fresh_obs, nullptr);
  EXPECT_EQ(std::memcmp(obs, fresh_obs, sizeof obs), 0);
  // Zero ranges are allowed: the pendulum starts at rest, upright (th = +0.0).
  const double zero[2] = {0.0, 0.0};
  env.reset(0, obs, zero);
  EXPECT_TRUE(same_bits(state_of(env, 0)[0], 0.0));
  EXPECT_TRUE(same_bits(state_of(env, 0)[1], 0.0));
}
