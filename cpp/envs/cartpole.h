// CartPole-v1, bit for bit as gymnasium 1.x `gymnasium.make("CartPole-v1")`
// (CartPoleEnv under TimeLimit(500)), batched as structure of arrays.
//
// State of sub-environment i (float64, as gymnasium keeps it):
//   x_[i]          cart position          (m)
//   x_dot_[i]      cart velocity          (m/s)
//   theta_[i]      pole angle             (rad, 0 = upright)
//   theta_dot_[i]  pole angular velocity  (rad/s)
// Observation: the same four values rounded to float32, in that order.
// Actions: 0 pushes the cart left, 1 pushes it right.
//
// Bit-exactness needs the gymnasium operation order, glibc sin/cos and no FMA
// contraction: this file's translation unit is compiled with -ffp-contract=off.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "envs/batched_env.h"
#include "envs/numpy_random.h"

namespace fastac {

struct CartPoleConfig {
  int max_episode_steps = 500;       // TimeLimit of CartPole-v1; <= 0 disables truncation
  bool sutton_barto_reward = false;  // gymnasium's `sutton_barto_reward` option
  AutoresetMode autoreset_mode = AutoresetMode::kNextStep;
};

class CartPole final : public BatchedEnv {
 public:
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
  static const double theta_threshold_radians;  // 12 * 2 * pi / 360, computed as Python does
  static constexpr double default_reset_low = -0.05;
  static constexpr double default_reset_high = 0.05;
  static constexpr int kObservationSize = 4;
  static constexpr int kNumActions = 2;

  CartPole(int num_envs, CartPoleConfig config = {});

  int num_envs() const override { return num_envs_; }
  int observation_size() const override { return kObservationSize; }
  int num_actions() const override { return kNumActions; }
  const CartPoleConfig& config() const { return config_; }

  void seed(int env, const std::vector<uint32_t>& entropy_words) override { rng_[env] = Pcg64(entropy_words); }
  void reset(int env, float* obs_out) override;
  int step(const int64_t* actions, const StepResult& out) override;

  // reset() with gymnasium's `options={"low": low, "high": high}`.
  void reset_with_bounds(int env, double low, double high, float* obs_out);

  // The observation of sub-environment i's current state (float32 of the state).
  void observe(int env, float* obs_out) const { write_obs(env, obs_out); }
  // The float64 state of sub-environment i: {x, x_dot, theta, theta_dot}.
  void get_state(int env, double* state_out) const;
  int elapsed_steps(int env) const { return elapsed_steps_[env]; }

 private:
  void write_obs(int i, float* obs) const {
    obs[0] = static_cast<float>(x_[i]);
    obs[1] = static_cast<float>(x_dot_[i]);
    obs[2] = static_cast<float>(theta_[i]);
    obs[3] = static_cast<float>(theta_dot_[i]);
  }

  int num_envs_;
  CartPoleConfig config_;
  std::vector<double> x_, x_dot_, theta_, theta_dot_;
  std::vector<int32_t> elapsed_steps_;
  std::vector<int32_t> steps_beyond_terminated_;  // -1: gymnasium's None
  std::vector<uint8_t> needs_reset_;              // kNextStep: finished on the previous step
  std::vector<Pcg64> rng_;
  std::vector<double> sin_theta_, cos_theta_, force_;  // step() scratch
};

}  // namespace fastac
