#include "envs/cartpole.h"

#include <algorithm>
#include <cmath>

namespace fastac {

const EnvSpec& CartPoleEnv::spec() {
  static const EnvSpec s = [] {
    EnvSpec e;
    e.id = "CartPole-v1";
    const float high[4] = {static_cast<float>(x_threshold * 2), INFINITY,
                           static_cast<float>(theta_threshold_radians * 2), INFINITY};
    e.observation_space = Space::box({4}, {-high[0], -high[1], -high[2], -high[3]}, {high[0], high[1], high[2], high[3]});
    e.action_space = Space::discrete(2);
    e.max_episode_steps = 500;
    e.reward_threshold = 475.0;
    e.params = {{"sutton_barto_reward", 0.0, true}};
    e.reset_options = {{"low", -0.05}, {"high", 0.05}};
    e.state_size = 4;
    e.reference_entry_point = "gymnasium.envs.classic_control.cartpole:CartPoleEnv";
    return e;
  }();
  return s;
}

void CartPoleEnv::reset(Pcg64& rng, const double* options) {
  // np_random.uniform(low, high, size=(4,)) draws in state order.
  x = rng.uniform(options[0], options[1]);
  x_dot = rng.uniform(options[0], options[1]);
  theta = rng.uniform(options[0], options[1]);
  theta_dot = rng.uniform(options[0], options[1]);
  steps_beyond_terminated = -1;
}

void CartPoleEnv::get_state(double* s) const {
  s[0] = x;
  s[1] = x_dot;
  s[2] = theta;
  s[3] = theta_dot;
}

void CartPoleEnv::set_state(const double* s) {
  x = s[0];
  x_dot = s[1];
  theta = s[2];
  theta_dot = s[3];
}

namespace {

// The Euler step of one environment (the same expression trees as gymnasium;
// np.square(v) is v * v).
inline void euler_lane(double force, double sintheta, double costheta, double& x, double& x_dot, double& theta,
                       double& theta_dot) {
  using C = CartPoleEnv;
  const double temp = (force + C::polemass_length * (theta_dot * theta_dot) * sintheta) / C::total_mass;
  const double thetaacc = (C::gravity * sintheta - costheta * temp) /
                          (C::length * (4.0 / 3.0 - C::masspole * (costheta * costheta) / C::total_mass));
  const double xacc = temp - C::polemass_length * thetaacc * costheta / C::total_mass;
  // Explicit Euler ("euler" kinematics integrator).
  x = x + C::tau * x_dot;
  x_dot = x_dot + C::tau * xacc;
  theta = theta + C::tau * theta_dot;
  theta_dot = theta_dot + C::tau * thetaacc;
}

// euler_lane over arrays of n environments. Each lane does gymnasium's operations
// in gymnasium's order, so vectorizing changes no bit.
void euler_step(int n, const double* __restrict force, const double* __restrict sin_theta,
                const double* __restrict cos_theta, double* __restrict x, double* __restrict x_dot,
                double* __restrict theta, double* __restrict theta_dot) {
#pragma omp simd
  for (int i = 0; i < n; ++i) euler_lane(force[i], sin_theta[i], cos_theta[i], x[i], x_dot[i], theta[i], theta_dot[i]);
}

}  // namespace

StepOutcome CartPoleEnv::step(const Action& action) {
  const double force = action.discrete == 1 ? force_mag : -force_mag;
  double sin_theta, cos_theta;
  sincos(theta, &sin_theta, &cos_theta);
  euler_lane(force, sin_theta, cos_theta, x, x_dot, theta, theta_dot);
  const bool terminated = done();
  return {reward_after_step(terminated), terminated};
}

// A batched step in three passes over blocks of envs: (1) glibc's scalar sincos
// (the bits of its sin and cos, which bit-exactness with gymnasium's
// math.sin/math.cos requires; no SIMD libm matches them; test_cartpole checks
// sincos against sin and cos) and the force; (2) the Euler step over the state
// arrays, which the compiler vectorizes; (3) termination and reward. Blocks keep
// the scratch arrays in L1 cache. (__restrict: without it, the uint8 stores of
// pass 3 make the compiler reload the arrays' pointers.)
void CartPoleEnv::Batch::step(const ActionBatch& actions, double* __restrict reward, uint8_t* __restrict terminated) {
  const int n = static_cast<int>(x.size());
  constexpr int kBlock = 256;
  alignas(64) double force[kBlock], sin_t[kBlock], cos_t[kBlock];
  for (int begin = 0; begin < n; begin += kBlock) {
    const int m = std::min(kBlock, n - begin);
    const int64_t* action = actions.discrete + begin;
    const double* th = theta.data() + begin;
    for (int i = 0; i < m; ++i) {
      sincos(th[i], &sin_t[i], &cos_t[i]);
      force[i] = action[i] == 1 ? force_mag : -force_mag;
    }
    euler_step(m, force, sin_t, cos_t, x.data() + begin, x_dot.data() + begin, theta.data() + begin,
               theta_dot.data() + begin);
    for (int i = begin; i < begin + m; ++i) {
      CartPoleEnv e = get(i);
      const bool done = e.done();
      terminated[i] = done;
      reward[i] = e.reward_after_step(done);
      steps_beyond_terminated[i] = e.steps_beyond_terminated;
    }
  }
}

}  // namespace fastac
