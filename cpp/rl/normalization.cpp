#include "rl/normalization.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace fastac {

Moments Moments::of(const float* x, int batch, int size) {
  Moments m(size);
  m.count = batch;
  if (batch == 0) return m;
  for (int b = 0; b < batch; ++b)
    for (int j = 0; j < size; ++j) m.mean[j] += x[static_cast<size_t>(b) * size + j];
  for (int j = 0; j < size; ++j) m.mean[j] /= batch;
  for (int b = 0; b < batch; ++b)
    for (int j = 0; j < size; ++j) {
      const double d = x[static_cast<size_t>(b) * size + j] - m.mean[j];
      m.var[j] += d * d;
    }
  for (int j = 0; j < size; ++j) m.var[j] /= batch;  // population variance, as numpy's var
  return m;
}

// RunningMeanStd.update_from_moments of Stable-Baselines3.
void Moments::merge(const Moments& other) {
  if (other.count <= 0.0) return;
  const double total = count + other.count;
  for (int j = 0; j < size(); ++j) {
    const double delta = other.mean[j] - mean[j];
    const double m2 = var[j] * count + other.var[j] * other.count + delta * delta * count * other.count / total;
    mean[j] += delta * other.count / total;
    var[j] = m2 / total;
  }
  count = total;
}

void NormalizerSnapshot::normalize(const float* x, int batch, float* out) const {
  const int n = size();
  for (int b = 0; b < batch; ++b)
    for (int j = 0; j < n; ++j) {
      const size_t i = static_cast<size_t>(b) * n + j;
      out[i] = std::clamp((x[i] - mean[j]) * inv_std[j], -kNormalizationClip, kNormalizationClip);
    }
}

RunningStats::RunningStats(int size) : size_(size), moments_(size) {
  if (size < 1) throw std::invalid_argument("normalization statistics need size >= 1, got " + std::to_string(size));
  moments_.count = 1e-4;  // VecNormalize's epsilon count: mean 0, var 1 until data arrives
  std::fill(moments_.var.begin(), moments_.var.end(), 1.0);
}

void RunningStats::update(const Moments& batch) {
  std::lock_guard lock(mutex_);
  moments_.merge(batch);
}

NormalizerSnapshot NormalizerSnapshot::of(const Moments& moments) {
  NormalizerSnapshot s;
  s.mean.resize(moments.size());
  s.inv_std.resize(moments.size());
  for (int j = 0; j < moments.size(); ++j) {
    s.mean[j] = static_cast<float>(moments.mean[j]);
    s.inv_std[j] = static_cast<float>(1.0 / std::sqrt(moments.var[j] + kNormalizationEpsilon));
  }
  return s;
}

NormalizerSnapshot RunningStats::snapshot() const { return NormalizerSnapshot::of(moments()); }

Moments RunningStats::moments() const {
  std::lock_guard lock(mutex_);
  return moments_;
}

void RunningStats::set(const Moments& moments) {
  if (moments.size() != size_)
    throw std::invalid_argument("normalization statistics of size " + std::to_string(moments.size()) +
                                " for a normalizer of size " + std::to_string(size_));
  if (!std::isfinite(moments.count) || !(moments.count > 0.0))
    throw std::invalid_argument("normalization count must be finite and > 0");
  for (int j = 0; j < size_; ++j)
    if (!std::isfinite(moments.mean[j]) || !std::isfinite(moments.var[j]) || moments.var[j] < 0.0)
      throw std::invalid_argument("normalization mean and var must be finite, var >= 0");
  std::lock_guard lock(mutex_);
  moments_ = moments;
}

RewardScaler::RewardScaler(int num_envs, float gamma) : gamma_(gamma), returns_(num_envs, 0.0) {}

void RewardScaler::scale(float* rewards, const uint8_t* dones, const uint8_t* valid, float inv_std) {
  for (size_t n = 0; n < returns_.size(); ++n) {
    if (valid != nullptr && !valid[n]) continue;
    returns_[n] = returns_[n] * gamma_ + rewards[n];
    pending_.push_back(static_cast<float>(returns_[n]));
    rewards[n] = std::clamp(rewards[n] * inv_std, -kNormalizationClip, kNormalizationClip);
    if (dones[n]) returns_[n] = 0.0;
  }
}

Moments RewardScaler::take_pending() {
  Moments moments = Moments::of(pending_.data(), static_cast<int>(pending_.size()), 1);
  pending_.clear();
  return moments;
}

}  // namespace fastac
