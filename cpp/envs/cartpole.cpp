#include "envs/cartpole.h"

#include <stdexcept>
#include <string>

namespace fastac {

// Python evaluates `12 * 2 * math.pi / 360` left to right in float64.
const double CartPole::theta_threshold_radians = 12 * 2 * M_PI / 360;

CartPole::CartPole(int num_envs, CartPoleConfig config)
    : num_envs_(num_envs),
      config_(config),
      x_(num_envs, 0.0),
      x_dot_(num_envs, 0.0),
      theta_(num_envs, 0.0),
      theta_dot_(num_envs, 0.0),
      elapsed_steps_(num_envs, 0),
      steps_beyond_terminated_(num_envs, -1),
      needs_reset_(num_envs, 0),
      rng_(num_envs) {
  if (num_envs < 1) throw std::invalid_argument("num_envs must be >= 1, got " + std::to_string(num_envs));
}

void CartPole::reset_with_bounds(int i, double low, double high, float* obs_out) {
  // np_random.uniform(low, high, size=(4,)) draws in state order.
  x_[i] = rng_[i].uniform(low, high);
  x_dot_[i] = rng_[i].uniform(low, high);
  theta_[i] = rng_[i].uniform(low, high);
  theta_dot_[i] = rng_[i].uniform(low, high);
  elapsed_steps_[i] = 0;
  steps_beyond_terminated_[i] = -1;
  needs_reset_[i] = 0;
  if (obs_out != nullptr) write_obs(i, obs_out);
}

void CartPole::reset(int i, float* obs_out) { reset_with_bounds(i, default_reset_low, default_reset_high, obs_out); }

void CartPole::get_state(int i, double* s) const {
  s[0] = x_[i];
  s[1] = x_dot_[i];
  s[2] = theta_[i];
  s[3] = theta_dot_[i];
}

float CartPole::step_one(int i, int64_t action, uint8_t& terminated, uint8_t& truncated) {
  double x = x_[i], x_dot = x_dot_[i], theta = theta_[i], theta_dot = theta_dot_[i];
  const double force = action == 1 ? force_mag : -force_mag;
  const double costheta = std::cos(theta);
  const double sintheta = std::sin(theta);
  // Same expression trees as gymnasium (np.square(v) is v * v).
  const double temp = (force + polemass_length * (theta_dot * theta_dot) * sintheta) / total_mass;
  const double thetaacc =
      (gravity * sintheta - costheta * temp) /
      (length * (4.0 / 3.0 - masspole * (costheta * costheta) / total_mass));
  const double xacc = temp - polemass_length * thetaacc * costheta / total_mass;
  // Explicit Euler ("euler" kinematics integrator).
  x = x + tau * x_dot;
  x_dot = x_dot + tau * xacc;
  theta = theta + tau * theta_dot;
  theta_dot = theta_dot + tau * thetaacc;
  x_[i] = x;
  x_dot_[i] = x_dot;
  theta_[i] = theta;
  theta_dot_[i] = theta_dot;

  const bool done = x < -x_threshold || x > x_threshold || theta < -theta_threshold_radians ||
                    theta > theta_threshold_radians;
  terminated = done;
  float reward;
  if (!done) {
    reward = config_.sutton_barto_reward ? 0.0f : 1.0f;
  } else if (steps_beyond_terminated_[i] < 0) {  // the pole just fell
    steps_beyond_terminated_[i] = 0;
    reward = config_.sutton_barto_reward ? -1.0f : 1.0f;
  } else {  // stepping past termination, as gymnasium allows with a warning
    ++steps_beyond_terminated_[i];
    reward = config_.sutton_barto_reward ? -1.0f : 0.0f;
  }
  // TimeLimit: step max_episode_steps is truncated, terminated or not.
  ++elapsed_steps_[i];
  truncated = config_.max_episode_steps > 0 && elapsed_steps_[i] >= config_.max_episode_steps;
  return reward;
}

int CartPole::step(const int64_t* actions, const StepResult& out) {
  for (int i = 0; i < num_envs_; ++i)
    if (actions[i] < 0 || actions[i] >= kNumActions) return i;

  for (int i = 0; i < num_envs_; ++i) {
    float* obs = out.obs + static_cast<size_t>(i) * kObservationSize;
    if (config_.autoreset_mode == AutoresetMode::kNextStep && needs_reset_[i]) {
      reset(i, obs);
      out.reward[i] = 0.0f;
      out.terminated[i] = 0;
      out.truncated[i] = 0;
      continue;
    }
    out.reward[i] = step_one(i, actions[i], out.terminated[i], out.truncated[i]);
    const bool finished = out.terminated[i] || out.truncated[i];
    if (!finished) {
      write_obs(i, obs);
    } else if (config_.autoreset_mode == AutoresetMode::kSameStep) {
      write_obs(i, out.final_obs + static_cast<size_t>(i) * kObservationSize);
      reset(i, obs);
    } else {
      write_obs(i, obs);
      needs_reset_[i] = config_.autoreset_mode == AutoresetMode::kNextStep;
    }
  }
  return -1;
}

}  // namespace fastac
