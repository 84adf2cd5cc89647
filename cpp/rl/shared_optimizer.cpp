#include "rl/shared_optimizer.h"

#include <algorithm>
#include <cmath>

namespace fastac {
namespace {

static_assert(std::atomic_ref<float>::is_always_lock_free, "Hogwild needs lock-free float atomics");

inline float load(float& x) { return std::atomic_ref<float>(x).load(std::memory_order_relaxed); }
inline void store(float& x, float v) { std::atomic_ref<float>(x).store(v, std::memory_order_relaxed); }

}  // namespace

SharedOptimizer::SharedOptimizer(float* shared_params, size_t size, OptimizerConfig config)
    : params_(shared_params),
      size_(size),
      config_(config),
      square_avg_(config.kind == OptimizerKind::kSgd ? 0 : size, 0.0f),
      exp_avg_(config.kind == OptimizerKind::kAdam ? size : 0, 0.0f) {}

void SharedOptimizer::read_parameters(float* out) const {
  for (size_t j = 0; j < size_; ++j) out[j] = load(params_[j]);
}

// Each update runs over blocks: relaxed atomic loads of a block of the shared
// values into locals, the arithmetic on the locals (which vectorizes), relaxed
// atomic stores back. Another worker may write between our load and store of a
// block; that lost update is the Hogwild trade-off, not a data race.
void SharedOptimizer::apply(const float* grad, float lr) {
  constexpr size_t kBlock = 64;
  float p[kBlock], g2[kBlock], m[kBlock];
  int64_t t = 0;
  float step_size = lr, sqrt_c2 = 1.0f;
  if (config_.kind == OptimizerKind::kAdam) {
    t = step_.fetch_add(1, std::memory_order_relaxed) + 1;
    step_size = lr / (1.0f - std::pow(config_.beta1, static_cast<float>(t)));
    sqrt_c2 = std::sqrt(1.0f - std::pow(config_.beta2, static_cast<float>(t)));
  }
  for (size_t start = 0; start < size_; start += kBlock) {
    const size_t n = std::min(kBlock, size_ - start);
    const float* gr = grad + start;
    for (size_t j = 0; j < n; ++j) p[j] = load(params_[start + j]);
    switch (config_.kind) {
      case OptimizerKind::kSgd:
        for (size_t j = 0; j < n; ++j) p[j] -= lr * gr[j];
        break;
      case OptimizerKind::kRmsprop: {
        // g = alpha g + (1 - alpha) grad^2;  theta -= lr grad / sqrt(g + eps)
        const float a = config_.alpha, eps = config_.eps;
        for (size_t j = 0; j < n; ++j) g2[j] = load(square_avg_[start + j]);
        for (size_t j = 0; j < n; ++j) {
          g2[j] = a * g2[j] + (1.0f - a) * gr[j] * gr[j];
          p[j] -= lr * gr[j] / std::sqrt(g2[j] + eps);
        }
        for (size_t j = 0; j < n; ++j) store(square_avg_[start + j], g2[j]);
        break;
      }
      case OptimizerKind::kAdam: {
        const float b1 = config_.beta1, b2 = config_.beta2, eps = config_.eps;
        for (size_t j = 0; j < n; ++j) m[j] = load(exp_avg_[start + j]);
        for (size_t j = 0; j < n; ++j) g2[j] = load(square_avg_[start + j]);
        for (size_t j = 0; j < n; ++j) {
          m[j] = b1 * m[j] + (1.0f - b1) * gr[j];
          g2[j] = b2 * g2[j] + (1.0f - b2) * gr[j] * gr[j];
          p[j] -= step_size * m[j] / (std::sqrt(g2[j]) / sqrt_c2 + eps);
        }
        for (size_t j = 0; j < n; ++j) store(exp_avg_[start + j], m[j]);
        for (size_t j = 0; j < n; ++j) store(square_avg_[start + j], g2[j]);
        break;
      }
    }
    for (size_t j = 0; j < n; ++j) store(params_[start + j], p[j]);
  }
}

}  // namespace fastac
