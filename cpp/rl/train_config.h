// The C++ mirror of fastac.TrainConfig (python/fastac/config.py), which holds
// the documentation, defaults and checks of every field. Python fills this struct
// field by field by name (fastac/config.py: to_core), and a test checks that the
// two have the same fields, so the mirror cannot drift.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "rl/loss.h"
#include "rl/shared_optimizer.h"

namespace fastac {

struct TrainConfig {
  std::string env = "CartPole-v1";  // a native env id (the C++ trainer runs native envs)
  int64_t total_steps = 1'000'000;
  double stop_at_return = std::numeric_limits<double>::quiet_NaN();  // NaN: off
  int stop_eval_episodes = 100;
  double max_seconds = std::numeric_limits<double>::infinity();
  uint64_t seed = 0;
  float gamma = 0.99f;
  float gae_lambda = 1.0f;
  float lr = 3e-3f;
  bool anneal_lr = false;
  float entropy_coef = 0.0f;
  float bounds_coef = 1.0f;
  float value_coef = 0.5f;
  float max_grad_norm = 0.5f;
  std::string optimizer = "rmsprop";
  float rmsprop_alpha = 0.99f;
  float optimizer_eps = 1e-5f;
  std::vector<int> hidden_sizes = {128};
  std::string activation = "relu";  // the model's spec decides; mirrored for the record
  bool share_trunk = true;
  std::string architecture = "auto";  // the model's spec decides; mirrored for the record
  int features_dim = 0;               // a CNN's feature layer; 0: the architecture's default
  float log_std_init = 0.0f;   // a Box action space's Gaussian
  bool squash_output = false;
  bool normalize_obs = false;     // the model's spec decides; mirrored for the record
  bool normalize_reward = false;  // scale rewards by the running std of the discounted return
  // A3C
  int num_workers = 2;
  int envs_per_worker = 8;
  int t_max = 5;
  // A2C
  int num_envs = 8;
  int n_steps = 5;

  LossConfig loss() const { return {value_coef, entropy_coef, max_grad_norm, bounds_coef}; }
  OptimizerConfig optimizer_config() const;  // throws std::invalid_argument for an unknown optimizer
};

}  // namespace fastac
