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
      rng_(num_envs),
      sin_theta_(num_envs),
      cos_theta_(num_envs),
      force_(num_envs) {
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

namespace {

// Pass 2 of CartPole::step: the Euler step of n sub-environments.
void euler_step(
    int n, const double* __restrict force, const double* __restrict sin_theta, const double* __restrict cos_theta,
    double* __restrict x, double* __restrict x_dot, double* __restrict theta, double* __restrict theta_dot) {
  using C = CartPole;
#pragma omp simd
  for (int i = 0; i < n; ++i) {
    const double costheta = cos_theta[i], sintheta = sin_theta[i];
    // Same expression trees as gymnasium (np.square(v) is v * v).
    const double temp = (force[i] + C::polemass_length * (theta_dot[i] * theta_dot[i]) * sintheta) / C::total_mass;
    const double thetaacc = (C::gravity * sintheta - costheta * temp) /
                            (C::length * (4.0 / 3.0 - C::masspole * (costheta * costheta) / C::total_mass));
    const double xacc = temp - C::polemass_length * thetaacc * costheta / C::total_mass;
    // Explicit Euler ("euler" kinematics integrator).
    x[i] = x[i] + C::tau * x_dot[i];
    x_dot[i] = x_dot[i] + C::tau * xacc;
    theta[i] = theta[i] + C::tau * theta_dot[i];
    theta_dot[i] = theta_dot[i] + C::tau * thetaacc;
  }
}

}  // namespace

// A batched step in three passes over the structure-of-arrays state, so that
// the arithmetic runs over whole arrays: (1) glibc's scalar sin/cos, which
// bit-exactness with gymnasium's math.sin/math.cos requires (no SIMD libm
// matches them), (2) the Euler step, elementwise IEEE arithmetic that the
// compiler vectorizes (each lane does gymnasium's operations in gymnasium's
// order, so the bits are the same), (3) rewards, termination, the time limit
// and autoreset, which branch per environment.
int CartPole::step(const int64_t* actions, const StepResult& out) {
  const int n = num_envs_;
  double* __restrict sin_theta = sin_theta_.data();
  double* __restrict cos_theta = cos_theta_.data();
  double* __restrict force = force_.data();
  for (int i = 0; i < n; ++i) {  // writes only scratch: an invalid action leaves every env as it was
    if (actions[i] < 0 || actions[i] >= kNumActions) return i;
    sin_theta[i] = std::sin(theta_[i]);
    cos_theta[i] = std::cos(theta_[i]);
    force[i] = actions[i] == 1 ? force_mag : -force_mag;  // here: SSE2 has no int64 compare
  }

  // Sub-environments waiting for a NEXT_STEP reset are stepped too (cheaper than
  // a branch); pass 3 overwrites their whole state with the reset.
  euler_step(n, force, sin_theta, cos_theta, x_.data(), x_dot_.data(), theta_.data(), theta_dot_.data());
  const double* x = x_.data();
  const double* theta = theta_.data();

  const bool next_step = config_.autoreset_mode == AutoresetMode::kNextStep;
  const bool same_step = config_.autoreset_mode == AutoresetMode::kSameStep;
  for (int i = 0; i < n; ++i) {
    float* obs = out.obs + static_cast<size_t>(i) * kObservationSize;
    if (next_step && needs_reset_[i]) {
      reset(i, obs);
      out.reward[i] = 0.0f;
      out.terminated[i] = 0;
      out.truncated[i] = 0;
      continue;
    }
    const bool done = x[i] < -x_threshold || x[i] > x_threshold || theta[i] < -theta_threshold_radians ||
                      theta[i] > theta_threshold_radians;
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
    const bool truncated = config_.max_episode_steps > 0 && elapsed_steps_[i] >= config_.max_episode_steps;
    out.reward[i] = reward;
    out.terminated[i] = done;
    out.truncated[i] = truncated;
    if (!(done || truncated)) {
      write_obs(i, obs);
    } else if (same_step) {
      write_obs(i, out.final_obs + static_cast<size_t>(i) * kObservationSize);
      reset(i, obs);
    } else {
      write_obs(i, obs);
      needs_reset_[i] = next_step;
    }
  }
  return -1;
}

}  // namespace fastac
