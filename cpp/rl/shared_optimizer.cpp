#include "rl/shared_optimizer.h"

#include <cmath>
#include <stdexcept>

namespace fastac {
namespace {

static_assert(std::atomic_ref<float>::is_always_lock_free, "Hogwild needs lock-free float atomics");

inline float load(float& x) { return std::atomic_ref<float>(x).load(std::memory_order_relaxed); }
inline void store(float& x, float v) { std::atomic_ref<float>(x).store(v, std::memory_order_relaxed); }

}  // namespace

OptimizerKind parse_optimizer_kind(const std::string& name) {
  if (name == "rmsprop") return OptimizerKind::kRmsprop;
  if (name == "adam") return OptimizerKind::kAdam;
  if (name == "sgd") return OptimizerKind::kSgd;
  throw std::invalid_argument("optimizer must be 'rmsprop', 'adam' or 'sgd', got '" + name + "'");
}

SharedOptimizer::SharedOptimizer(float* shared_params, size_t size, OptimizerConfig config)
    : params_(shared_params),
      size_(size),
      config_(config),
      square_avg_(config.kind == OptimizerKind::kSgd ? 0 : size, 0.0f),
      exp_avg_(config.kind == OptimizerKind::kAdam ? size : 0, 0.0f) {}

void SharedOptimizer::read_parameters(float* out) const {
  for (size_t j = 0; j < size_; ++j) out[j] = load(params_[j]);
}

void SharedOptimizer::apply(const float* grad, float lr) {
  switch (config_.kind) {
    case OptimizerKind::kSgd:
      for (size_t j = 0; j < size_; ++j) store(params_[j], load(params_[j]) - lr * grad[j]);
      break;
    case OptimizerKind::kRmsprop: {
      // g = alpha g + (1 - alpha) grad^2;  theta -= lr grad / sqrt(g + eps)
      const float a = config_.alpha;
      for (size_t j = 0; j < size_; ++j) {
        const float g = a * load(square_avg_[j]) + (1.0f - a) * grad[j] * grad[j];
        store(square_avg_[j], g);
        store(params_[j], load(params_[j]) - lr * grad[j] / std::sqrt(g + config_.eps));
      }
      break;
    }
    case OptimizerKind::kAdam: {
      const int64_t t = step_.fetch_add(1, std::memory_order_relaxed) + 1;
      const float b1 = config_.beta1, b2 = config_.beta2;
      const float correction1 = 1.0f - std::pow(b1, static_cast<float>(t));
      const float correction2 = 1.0f - std::pow(b2, static_cast<float>(t));
      const float step_size = lr / correction1;
      const float sqrt_c2 = std::sqrt(correction2);
      for (size_t j = 0; j < size_; ++j) {
        const float m = b1 * load(exp_avg_[j]) + (1.0f - b1) * grad[j];
        const float v = b2 * load(square_avg_[j]) + (1.0f - b2) * grad[j] * grad[j];
        store(exp_avg_[j], m);
        store(square_avg_[j], v);
        store(params_[j], load(params_[j]) - step_size * m / (std::sqrt(v) / sqrt_c2 + config_.eps));
      }
      break;
    }
  }
}

}  // namespace fastac
