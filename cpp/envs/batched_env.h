// The interface every native environment implements: N independent copies of
// one environment stepped together, with structure-of-arrays buffers owned by
// the caller. Observations are float32, actions are discrete (int64).
#pragma once

#include <cstdint>
#include <vector>

namespace fastac {

// What step() does with a sub-environment whose episode ended, as gymnasium's
// `gymnasium.vector.AutoresetMode`.
enum class AutoresetMode {
  kNextStep,  // the next step() resets it: reward 0, not done, action ignored
  kSameStep,  // the same step() resets it; the last observation goes to final_obs
  kDisabled,  // never reset by step(); stepping a finished episode is the caller's choice
};

// Caller-owned output buffers of one batched step, each num_envs long
// (obs and final_obs: num_envs x observation_size, row-major).
struct StepResult {
  float* obs;
  float* reward;
  uint8_t* terminated;
  uint8_t* truncated;
  float* final_obs;  // kSameStep only (may be null otherwise): row i valid where i finished
};

class BatchedEnv {
 public:
  virtual ~BatchedEnv() = default;
  virtual int num_envs() const = 0;
  virtual int observation_size() const = 0;
  virtual int num_actions() const = 0;

  // Reseeds the random stream of sub-environment `env` from numpy-style
  // entropy words (see numpy_random.h), as gymnasium's reset(seed=...) does.
  virtual void seed(int env, const std::vector<uint32_t>& entropy_words) = 0;
  // Resets sub-environment `env`, continuing its random stream.
  virtual void reset(int env, float* obs_out) = 0;
  // Steps every sub-environment with actions[i] in [0, num_actions()).
  // Returns the index of the first invalid action (nothing is stepped then), or -1.
  virtual int step(const int64_t* actions, const StepResult& out) = 0;
};

}  // namespace fastac
