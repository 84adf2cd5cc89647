// Observation normalization and reward scaling, as Stable-Baselines3's VecNormalize:
//   obs'    = clip((obs - mean) / sqrt(var + 1e-8), -10, 10)   (running mean/var of the observations)
//   reward' = clip(reward / sqrt(var_R + 1e-8), -10, 10)       (running var of the discounted return R)
// The running statistics use the parallel (Chan et al.) merge of batch moments that
// VecNormalize's RunningMeanStd uses, from count 1e-4, mean 0, var 1.
//
// One RunningStats object is shared by every A3C worker: a worker merges a whole
// rollout's moments under a mutex and takes a float snapshot of the statistics at
// the start of its next rollout (a lock per update, not per step; no data race).
// Unlike VecNormalize, which updates its statistics before normalizing each step,
// both trainers normalize a rollout with the statistics of its start and merge the
// rollout afterwards (A2C likewise, per batch): the first rollout of a run sees the
// initial statistics (the identity).
// The observation statistics belong to the model (nn/actor_critic.h): they are
// saved with it and applied, frozen, wherever it acts outside training.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

namespace fastac {

constexpr double kNormalizationEpsilon = 1e-8;
constexpr float kNormalizationClip = 10.0f;

// Moments of a batch, or of everything seen: count, per-element mean and variance.
struct Moments {
  double count = 0.0;
  std::vector<double> mean, var;

  explicit Moments(int size = 0) : mean(size, 0.0), var(size, 0.0) {}
  int size() const { return static_cast<int>(mean.size()); }
  // Moments of rows [batch, size] of x (a float row-major array).
  static Moments of(const float* x, int batch, int size);
  // This followed by other: Chan et al.'s parallel combination.
  void merge(const Moments& other);
};

// What normalizes: mean and 1 / sqrt(var + eps), in float for the hot path.
struct NormalizerSnapshot {
  std::vector<float> mean, inv_std;
  static NormalizerSnapshot of(const Moments& moments);
  int size() const { return static_cast<int>(mean.size()); }
  // out[b] = clip((x[b] - mean) * inv_std, -10, 10); out may be x.
  void normalize(const float* x, int batch, float* out) const;
};

// Running statistics of `size` elements, safe to update and read from several threads.
class RunningStats {
 public:
  explicit RunningStats(int size);
  int size() const { return size_; }
  void update(const Moments& batch);  // merges a batch's moments
  void update(const float* x, int batch) { update(Moments::of(x, batch, size_)); }
  NormalizerSnapshot snapshot() const;
  Moments moments() const;
  // Replaces the statistics (loading a saved model); count > 0, var >= 0, all finite,
  // or std::invalid_argument.
  void set(const Moments& moments);

 private:
  int size_;
  mutable std::mutex mutex_;
  Moments moments_;
};

// Reward scaling for `num_envs` environments: each keeps its discounted return
// R = gamma R + r (reset when its episode ends); the rewards are divided by the
// running standard deviation of R (shared `stats`, of size 1), then clipped.
class RewardScaler {
 public:
  RewardScaler(int num_envs, float gamma);
  int num_envs() const { return static_cast<int>(returns_.size()); }
  // Scales rewards[n] in place by inv_std (the snapshot's of the return statistics;
  // dones[n]: the episode ended at this step) and keeps R for flush(), which merges
  // the returns seen into `stats`. valid[n] = 0 (a NEXT_STEP autoreset row, no
  // transition) leaves sub-env n alone; valid may be null.
  void scale(float* rewards, const uint8_t* dones, const uint8_t* valid, float inv_std);
  void flush(RunningStats& stats) { stats.update(take_pending()); }
  // The moments of the returns seen since the last call (count 0 if none), forgotten
  // here: what flush merges (distributed A2C merges every process's first).
  Moments take_pending();

 private:
  float gamma_;
  std::vector<double> returns_;
  std::vector<float> pending_;  // returns seen since the last flush
};

}  // namespace fastac
