// CartPole-v1, bit for bit as gymnasium 1.x `gymnasium.make("CartPole-v1")`
// (gymnasium/envs/classic_control/cartpole.py under TimeLimit(500)).
//
// State (float64, as gymnasium keeps it), also the get_state/set_state layout:
//   0 x          cart position          (m)
//   1 x_dot      cart velocity          (m/s)
//   2 theta      pole angle             (rad, 0 = upright)
//   3 theta_dot  pole angular velocity  (rad/s)
// Observation: the same four values rounded to float32, in that order.
// Actions: Discrete(2); 0 pushes the cart left, 1 pushes it right.
// Parameters: sutton_barto_reward (0/1). Reset options: low, high (default -0.05, 0.05).
//
// Bit-exactness needs gymnasium's operation order, glibc sin/cos and no FMA
// contraction: the envs library is compiled with -ffp-contract=off.
#pragma once

#include <cmath>
#include <cstdint>
#include <tuple>
#include <vector>

#include "envs/env.h"
#include "envs/numpy_random.h"

namespace fastac {

struct CartPoleEnv {
  // Constants as named in gymnasium's cartpole.py.
  static constexpr double gravity = 9.8;
  static constexpr double masscart = 1.0;
  static constexpr double masspole = 0.1;
  static constexpr double total_mass = masspole + masscart;
  static constexpr double length = 0.5;  // half the pole's length
  static constexpr double polemass_length = masspole * length;
  static constexpr double force_mag = 10.0;
  static constexpr double tau = 0.02;  // seconds between state updates
  static constexpr double x_threshold = 2.4;
  static constexpr double theta_threshold_radians = 12 * 2 * M_PI / 360;  // left to right, as Python does

  static const EnvSpec& spec();
  explicit CartPoleEnv(const double* params) : sutton_barto_reward(params[0] != 0.0) {}

  void reset(Pcg64& rng, const double* options);
  StepOutcome step(const Action& action);
  // (Inline: VectorEnv calls them once per env and step.)
  void observe(float* obs) const {
    obs[0] = static_cast<float>(x);
    obs[1] = static_cast<float>(x_dot);
    obs[2] = static_cast<float>(theta);
    obs[3] = static_cast<float>(theta_dot);
  }
  void get_state(double* state) const;
  void set_state(const double* state);

  bool sutton_barto_reward;
  double x = 0, x_dot = 0, theta = 0, theta_dot = 0;
  int32_t steps_beyond_terminated = -1;  // -1: gymnasium's None

  // VectorEnv's storage of a batch (env.h): the fields above as arrays, so that
  // the batched step's arithmetic runs over them with no gather or scatter.
  struct Batch {
    Batch(int n, const double* params)
        : sutton_barto_reward(n, params[0] != 0.0), x(n), x_dot(n), theta(n), theta_dot(n),
          steps_beyond_terminated(n, -1) {}
    CartPoleEnv get(int i) const {
      const double params[1] = {static_cast<double>(sutton_barto_reward[i])};
      CartPoleEnv e(params);
      e.x = x[i];
      e.x_dot = x_dot[i];
      e.theta = theta[i];
      e.theta_dot = theta_dot[i];
      e.steps_beyond_terminated = steps_beyond_terminated[i];
      return e;
    }
    void set(int i, const CartPoleEnv& e) {
      sutton_barto_reward[i] = e.sutton_barto_reward;
      x[i] = e.x;
      x_dot[i] = e.x_dot;
      theta[i] = e.theta;
      theta_dot[i] = e.theta_dot;
      steps_beyond_terminated[i] = e.steps_beyond_terminated;
    }
    // step() on every env, in three passes (cartpole.cpp).
    void step(const ActionBatch& actions, double* reward, uint8_t* terminated);
    template <class Self>
    static auto arrays(Self& b) {
      return std::tie(b.sutton_barto_reward, b.x, b.x_dot, b.theta, b.theta_dot, b.steps_beyond_terminated);
    }

    std::vector<uint8_t> sutton_barto_reward;  // per env, as in the struct: save() carries it
    std::vector<double> x, x_dot, theta, theta_dot;
    std::vector<int32_t> steps_beyond_terminated;
  };

 private:
  bool done() const {
    return x < -x_threshold || x > x_threshold || theta < -theta_threshold_radians || theta > theta_threshold_radians;
  }
  double reward_after_step(bool terminated) {
    if (!terminated) return sutton_barto_reward ? 0.0 : 1.0;
    if (steps_beyond_terminated < 0) {  // the pole just fell
      steps_beyond_terminated = 0;
      return sutton_barto_reward ? -1.0 : 1.0;
    }
    ++steps_beyond_terminated;  // stepping past termination, as gymnasium allows with a warning
    return sutton_barto_reward ? -1.0 : 0.0;
  }
};

}  // namespace fastac
