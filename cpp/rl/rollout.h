// The rollout: T steps of N environments, stored [T, N] row-major, and what is
// computed from it: bootstrapped values, GAE(lambda) advantages and returns, and
// the compaction to the valid samples. Both trainers fill it the same way: the
// A3C workers in C++, A2C from Python through numpy views of the same buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "envs/env.h"
#include "nn/policy.h"
#include "rl/distribution.h"

namespace fastac {

// GAE(lambda) over [T, N] arrays; with lambda = 1 the n-step discounted return
// bootstrapped from V at the rollout end, minus V.
//   next_values[t] V(s_{t+1}) of the state that followed step t: for a truncated
//                  episode, V of its final observation (a truncation bootstraps);
//                  unused where terminated (a termination does not)
//   dones[t]       the episode ended at step t: no return flows back across it
// delta_t = r_t + gamma * (1 - terminated_t) * next_values_t - values_t
// A_t     = delta_t + gamma * lambda * (1 - dones_t) * A_{t+1};  returns = A + values
void compute_advantages(int T, int N, const float* rewards, const float* values, const float* next_values,
                        const uint8_t* terminated, const uint8_t* dones, float gamma, float gae_lambda,
                        float* advantages, float* returns);

class RolloutBuffer {
 public:
  // Observations are stored as the policy takes them: float32, or one byte per value
  // for uint8 / bool images (no float copy of an image batch).
  RolloutBuffer(int steps, int num_envs, int observation_size, const Space& action_space,
                ObsDtype observation_dtype = ObsDtype::kFloat32);

  int steps() const { return T_; }
  int num_envs() const { return N_; }
  int observation_size() const { return D_; }
  ObsDtype observation_dtype() const { return dtype_; }
  size_t rows() const { return static_cast<size_t>(T_) * N_; }

  // Row t of each array ([N] or [N, D]); obs(t) of float32 observations only.
  float* obs(int t) { return reinterpret_cast<float*>(obs_row(t)); }
  uint8_t* obs_row(int t) { return obs_bytes() + static_cast<size_t>(t) * N_ * row_bytes_; }
  ActionBuffer actions(int t) { return actions_all().offset(static_cast<size_t>(t) * N_); }
  float* values(int t) { return values_.data() + static_cast<size_t>(t) * N_; }

  // What step t of the environments returned. valid[n] = 0 marks a row that is no
  // transition (a NEXT_STEP autoreset step: reward 0, action ignored); nullptr: all valid.
  void record_step(int t, const double* rewards, const uint8_t* terminated, const uint8_t* truncated,
                   const uint8_t* valid);
  // V of the final observation of sub-env n's episode that ended at step t (SAME_STEP
  // autoreset hands it over); by default the next row's value is the bootstrap.
  void set_final_value(int t, int n, float value);

  // After the last step: next_values (values of row t + 1, last_values after row T - 1,
  // the final values where set), then advantages and returns.
  void finish(const float* last_values, float gamma, float gae_lambda);
  // Moves the valid samples to the front of obs, actions, advantages and returns;
  // returns how many there are.
  size_t compact_valid();

  // Whole arrays (for the update and for numpy views).
  float* obs_data() { return reinterpret_cast<float*>(obs_.data()); }  // float32 observations
  uint8_t* obs_bytes() { return reinterpret_cast<uint8_t*>(obs_.data()); }
  ActionBuffer actions_all();
  float* values_data() { return values_.data(); }
  float* rewards_data() { return rewards_.data(); }
  uint8_t* terminated_data() { return terminated_.data(); }
  uint8_t* dones_data() { return dones_.data(); }
  uint8_t* valid_data() { return valid_.data(); }
  float* advantages_data() { return advantages_.data(); }
  float* returns_data() { return returns_.data(); }

 private:
  int T_, N_, D_;
  ObsDtype dtype_;
  size_t row_bytes_;  // one observation
  int action_size_;  // 0 for discrete
  std::vector<float> obs_;  // rows() * row_bytes_ bytes (floats, or bytes in float storage)
  std::vector<int64_t> discrete_actions_;
  std::vector<float> box_actions_;
  std::vector<float> values_, next_values_, final_values_, rewards_, advantages_, returns_;
  std::vector<uint8_t> terminated_, dones_, valid_, has_final_;
};

class RunMonitor;

// Per-environment running return and length of the current episodes, and the
// transitions counted since the last update; hands each finished episode to the
// RunMonitor (stamped with the steps taken when it ended).
class EpisodeAccumulator {
 public:
  explicit EpisodeAccumulator(int num_envs) : returns_(num_envs, 0.0), lengths_(num_envs, 0) {}
  // One step of N environments (rewards, dones and valid as RolloutBuffer row t).
  void step(const float* rewards, const uint8_t* dones, const uint8_t* valid, RunMonitor& monitor);
  // The transitions counted since the last call (what RunMonitor::after_update takes).
  int64_t take_steps() { return std::exchange(steps_, 0); }

 private:
  std::vector<double> returns_;
  std::vector<int32_t> lengths_;
  int64_t steps_ = 0;
};

}  // namespace fastac
