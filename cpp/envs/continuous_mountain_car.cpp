#include "envs/continuous_mountain_car.h"

#include <cmath>

namespace fastac {

const EnvSpec& MountainCarContinuousEnv::spec() {
  static const EnvSpec s = [] {
    EnvSpec e;
    e.id = "MountainCarContinuous-v0";
    e.observation_space = Space::box({2}, {static_cast<float>(min_position), static_cast<float>(-max_speed)},
                                     {static_cast<float>(max_position), static_cast<float>(max_speed)});
    e.action_space = Space::box({1}, {static_cast<float>(min_action)}, {static_cast<float>(max_action)});
    e.max_episode_steps = 999;
    e.reward_threshold = 90.0;
    e.params = {{"goal_velocity", 0.0}};
    e.reset_options = {{"low", -0.6}, {"high", -0.4}};
    e.state_size = 2;
    e.reference_entry_point = "gymnasium.envs.classic_control.continuous_mountain_car:Continuous_MountainCarEnv";
    return e;
  }();
  return s;
}

void MountainCarContinuousEnv::reset(Pcg64& rng, const double* options) {
  // self.state = np.array([np_random.uniform(low=low, high=high), 0]): float64.
  position = rng.uniform(options[0], options[1]);
  velocity = 0.0;
  float32_state = false;
}

inline StepOutcome MountainCarContinuousEnv::advance(float a) {
  // force = min(max(action[0], min_action), max_action): the Python float bound when
  // the float32 action is outside it (a NaN passes through, as in Python).
  const bool clipped = a < -1.0f || a > 1.0f;
  const double bound = a < -1.0f ? min_action : max_action;

  // Each value is either float32 (np.float32) or float64 (np.float64, Python float
  // or int); `*_f32` says which, as numpy's promotion decides it.
  double vel, pos;  // the values after the velocity / position clips
  bool vel_f32, pos_f32;
  if (float32_state) {
    const float p = static_cast<float>(position), v = static_cast<float>(velocity);
    const double gravity_term = 0.0025 * std::cos(static_cast<double>(3.0f * p));  // 3 * np.float32: float32
    // velocity += force * power - gravity_term: float32 for the np.float32 force; for
    // the Python float bound, float64 then rounded to float32 (np.float32 + Python float).
    const float term_f64 = static_cast<float>(bound * power - gravity_term);
    const float term_f32 = a * static_cast<float>(power) - static_cast<float>(gravity_term);
    const float v1 = v + (clipped ? term_f64 : term_f32);
    if (v1 > static_cast<float>(max_speed)) {
      vel = max_speed, vel_f32 = false;
    } else if (v1 < static_cast<float>(-max_speed)) {
      vel = -max_speed, vel_f32 = false;
    } else {
      vel = v1, vel_f32 = true;
    }
    const float p1 = p + static_cast<float>(vel);  // np.float32 + Python float: float32
    if (p1 > static_cast<float>(max_position)) {
      pos = max_position, pos_f32 = false;
    } else if (p1 < static_cast<float>(min_position)) {
      pos = min_position, pos_f32 = false;
    } else {
      pos = p1, pos_f32 = true;
    }
  } else {
    const double gravity_term = 0.0025 * std::cos(3 * position);
    // np.float64 + (np.float32 or Python float): float64.
    const double v1 = velocity + (clipped ? bound * power - gravity_term
                                          : static_cast<double>(a * static_cast<float>(power) -
                                                                static_cast<float>(gravity_term)));
    vel = v1 > max_speed ? max_speed : v1 < -max_speed ? -max_speed : v1;
    const double p1 = position + vel;
    pos = p1 > max_position ? max_position : p1 < min_position ? min_position : p1;
    vel_f32 = pos_f32 = false;
  }
  const bool at_left_wall =
      pos_f32 ? static_cast<float>(pos) == static_cast<float>(min_position) : pos == min_position;
  if (at_left_wall && vel < 0) vel = 0.0, vel_f32 = false;  // the int 0
  const bool terminated =
      (pos_f32 ? static_cast<float>(pos) >= static_cast<float>(goal_position) : pos >= goal_position) &&
      (vel_f32 ? static_cast<float>(vel) >= static_cast<float>(goal_velocity) : vel >= goal_velocity);

  // reward = 100.0 if terminated else 0; reward -= math.pow(action[0], 2) * 0.1
  double reward = terminated ? 100.0 : 0.0;
  reward -= std::pow(static_cast<double>(a), 2.0) * 0.1;

  // self.state = np.array([position, velocity], dtype=np.float32)
  position = static_cast<float>(pos);
  velocity = static_cast<float>(vel);
  float32_state = true;
  return {reward, terminated};
}

StepOutcome MountainCarContinuousEnv::step(const Action& action) { return advance(action.box[0]); }

void MountainCarContinuousEnv::step_batch(MountainCarContinuousEnv* envs, int n, const ActionBatch& actions,
                                          double* reward, uint8_t* terminated) {
  for (int i = 0; i < n; ++i) {
    const StepOutcome r = envs[i].advance(actions[i].box[0]);
    reward[i] = r.reward;
    terminated[i] = r.terminated;
  }
}

void MountainCarContinuousEnv::observe(float* obs) const {
  obs[0] = static_cast<float>(position);
  obs[1] = static_cast<float>(velocity);
}

void MountainCarContinuousEnv::get_state(double* s) const {
  s[0] = position;
  s[1] = velocity;
}

void MountainCarContinuousEnv::set_state(const double* s) {
  position = s[0];
  velocity = s[1];
  float32_state = static_cast<double>(static_cast<float>(s[0])) == s[0] &&
                  static_cast<double>(static_cast<float>(s[1])) == s[1];
}

}  // namespace fastac
