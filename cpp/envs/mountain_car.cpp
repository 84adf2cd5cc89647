#include "envs/mountain_car.h"

#include <algorithm>
#include <cmath>

namespace fastac {

const EnvSpec& MountainCarEnv::spec() {
  static const EnvSpec s = [] {
    EnvSpec e;
    e.id = "MountainCar-v0";
    // np.array([min_position, -max_speed]) and np.array([max_position, max_speed]), as float32.
    e.observation_space = Space::box({2}, {static_cast<float>(min_position), static_cast<float>(-max_speed)},
                                     {static_cast<float>(max_position), static_cast<float>(max_speed)});
    e.action_space = Space::discrete(3);
    e.max_episode_steps = 200;
    e.reward_threshold = -110.0;
    e.params = {{"goal_velocity", 0.0}};
    e.reset_options = {{"low", -0.6}, {"high", -0.4}};
    e.state_size = 2;
    e.reference_entry_point = "gymnasium.envs.classic_control.mountain_car:MountainCarEnv";
    return e;
  }();
  return s;
}

void MountainCarEnv::reset(Pcg64& rng, const double* options) {
  // self.state = np.array([np_random.uniform(low=low, high=high), 0])
  position = rng.uniform(options[0], options[1]);
  velocity = 0.0;
}

inline bool MountainCarEnv::advance(int64_t action) {
  // (action - 1) * self.force: -1.0, 0.0 or 1.0 times force. (Computed in double so that
  // step_batch, which also steps envs awaiting a NEXT_STEP reset with unvalidated actions,
  // cannot overflow an int64.)
  velocity += (static_cast<double>(action) - 1.0) * force + std::cos(3 * position) * (-gravity);
  velocity = std::min(std::max(velocity, -max_speed), max_speed);  // np.clip
  position += velocity;
  position = std::min(std::max(position, min_position), max_position);  // np.clip
  if (position == min_position && velocity < 0) velocity = 0.0;  // the left wall stops the car
  return position >= goal_position && velocity >= goal_velocity;  // terminated
}

StepOutcome MountainCarEnv::step(const Action& action) { return {-1.0, advance(action.discrete)}; }

void MountainCarEnv::step_batch(MountainCarEnv* envs, int n, const ActionBatch& actions, double* reward,
                                uint8_t* terminated) {
  for (int i = 0; i < n; ++i) {
    terminated[i] = envs[i].advance(actions.discrete[i]);
    reward[i] = -1.0;
  }
}

void MountainCarEnv::observe(float* obs) const {
  obs[0] = static_cast<float>(position);
  obs[1] = static_cast<float>(velocity);
}

void MountainCarEnv::get_state(double* s) const {
  s[0] = position;
  s[1] = velocity;
}

void MountainCarEnv::set_state(const double* s) {
  position = s[0];
  velocity = s[1];
}

}  // namespace fastac
