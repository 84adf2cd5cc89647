#include "rl/shared_optimizer.h"

#include "nn/kernel_isa.h"

#include <algorithm>
#include <limits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace fastac {
namespace {

static_assert(std::atomic_ref<float>::is_always_lock_free, "Hogwild needs lock-free float atomics");

inline float load(float& x) { return std::atomic_ref<float>(x).load(std::memory_order_relaxed); }
inline void store(float& x, float v) { std::atomic_ref<float>(x).store(v, std::memory_order_relaxed); }

// n shared floats copied to or from a local array as relaxed atomic accesses of two floats
// at a time where both are in one aligned 8-byte word: every float is still read or
// written whole, as with load()/store(), in half the instructions (no compiler vectorizes
// atomics, and these copies were most of a large network's optimizer step).
typedef uint64_t __attribute__((may_alias)) FloatPair;  // reads and writes float storage
static_assert(sizeof(FloatPair) == 2 * sizeof(float) && __atomic_always_lock_free(sizeof(FloatPair), 0));

inline void load_n(float* shared, float* out, size_t n) {
  size_t j = 0;
  if (reinterpret_cast<uintptr_t>(shared) % sizeof(FloatPair) != 0 && n > 0) out[j] = load(shared[j]), ++j;
  for (; j + 2 <= n; j += 2) {
    const uint64_t pair = __atomic_load_n(reinterpret_cast<const FloatPair*>(shared + j), __ATOMIC_RELAXED);
    std::memcpy(out + j, &pair, sizeof pair);
  }
  for (; j < n; ++j) out[j] = load(shared[j]);
}

inline void store_n(float* shared, const float* values, size_t n) {
  size_t j = 0;
  if (reinterpret_cast<uintptr_t>(shared) % sizeof(FloatPair) != 0 && n > 0) store(shared[j], values[j]), ++j;
  for (; j + 2 <= n; j += 2) {
    uint64_t pair;
    std::memcpy(&pair, values + j, sizeof pair);
    __atomic_store_n(reinterpret_cast<FloatPair*>(shared + j), pair, __ATOMIC_RELAXED);
  }
  for (; j < n; ++j) store(shared[j], values[j]);
}

}  // namespace

SharedOptimizer::SharedOptimizer(float* shared_params, size_t size, OptimizerConfig config)
    : params_(shared_params),
      size_(size),
      config_(config),
      square_avg_(config.kind == OptimizerKind::kSgd ? 0 : size, 0.0f),
      exp_avg_(config.kind == OptimizerKind::kAdam ? size : 0, 0.0f) {
  float max_abs = 0.0f;
  for (size_t j = 0; j < size; ++j) max_abs = std::max(max_abs, std::fabs(shared_params[j]));
  max_abs_param_.store(std::isfinite(max_abs) ? max_abs : std::numeric_limits<float>::infinity());
}

OptimizerState SharedOptimizer::state() const {
  OptimizerState s;
  s.square_avg.resize(square_avg_.size());
  s.exp_avg.resize(exp_avg_.size());
  load_n(const_cast<float*>(square_avg_.data()), s.square_avg.data(), square_avg_.size());
  load_n(const_cast<float*>(exp_avg_.data()), s.exp_avg.data(), exp_avg_.size());
  s.step = step_.load(std::memory_order_relaxed);
  return s;
}

void SharedOptimizer::set_state(const OptimizerState& state) {
  auto check = [](const std::vector<float>& values, size_t expected, const char* name, bool non_negative) {
    if (values.size() != expected)
      throw std::invalid_argument(std::string("optimizer state: ") + name + " has " + std::to_string(values.size()) +
                                  " values, expected " + std::to_string(expected));
    for (float v : values)
      if (!std::isfinite(v) || (non_negative && v < 0.0f))
        throw std::invalid_argument(std::string("optimizer state: ") + name + " holds " + std::to_string(v) +
                                    (non_negative ? ", expected finite values >= 0" : ", expected finite values"));
  };
  check(state.square_avg, square_avg_.size(), "square_avg", true);
  check(state.exp_avg, exp_avg_.size(), "exp_avg", false);
  if (state.step < 0) throw std::invalid_argument("optimizer state: step is " + std::to_string(state.step) + ", expected >= 0");
  store_n(square_avg_.data(), state.square_avg.data(), square_avg_.size());
  store_n(exp_avg_.data(), state.exp_avg.data(), exp_avg_.size());
  step_.store(config_.kind == OptimizerKind::kAdam ? state.step : 0, std::memory_order_relaxed);
}

void SharedOptimizer::read_parameters(float* out) const { load_n(params_, out, size_); }

bool SharedOptimizer::add_to_parameters(const float* delta) {
  float max_abs = 0.0f;
  for (size_t j = 0; j < size_; ++j) max_abs = std::max(max_abs, std::fabs(load(params_[j]) + delta[j]));
  if (!std::isfinite(max_abs)) return false;
  for (size_t j = 0; j < size_; ++j) store(params_[j], load(params_[j]) + delta[j]);
  raise_max_abs_param(max_abs);
  return true;
}

// The fast path (update_is_finite) updates in one pass over blocks: relaxed atomic
// loads of a block into locals, the arithmetic, relaxed stores back. Otherwise in two
// passes. (1) Over blocks: relaxed atomic loads of a block of
// the shared values into locals, the arithmetic on the locals (which vectorizes), the
// results into thread-local scratch, noting whether every new parameter is finite.
// (2) Only if they all are, relaxed atomic stores of the scratch back. Another worker
// may write between our load and store of a block; that lost update is the Hogwild
// trade-off, not a data race.
bool SharedOptimizer::apply(const float* grad, float lr) {
  if (update_is_finite(grad, lr)) {
    apply_blocks(grad, lr, /*two_pass=*/false);
    return true;
  }
  return apply_blocks(grad, lr, /*two_pass=*/true);
}

// A cheap sufficient condition for every new parameter to be finite: a bound of
// every parameter's magnitude (max_abs_param_: the largest value this optimizer has
// stored, or found at construction) plus a bound of the step. SGD moves a parameter by
// lr |g|; RMSProp by lr |g| / sqrt(alpha v + (1 - alpha) g^2 + eps) <= lr / sqrt(1 - alpha).
// Adam has no such simple bound. (The optimizer is the parameters' only writer.)
FASTAC_KERNEL bool SharedOptimizer::update_is_finite(const float* grad, float lr) const {
  if (config_.kind == OptimizerKind::kAdam || !(config_.alpha < 1.0f) || !(lr >= 0.0f)) return false;
  float max_g = 0.0f, not_finite = 0.0f;  // not_finite stays 0 unless some g is NaN or inf
#pragma omp simd reduction(max : max_g) reduction(+ : not_finite)
  for (size_t j = 0; j < size_; ++j) {
    max_g = std::max(max_g, std::fabs(grad[j]));
    not_finite += grad[j] - grad[j];
  }
  constexpr double kLimit = 0.5 * std::numeric_limits<float>::max();
  // lr * g is computed in float32: it must not overflow either.
  if (not_finite != 0.0f || static_cast<double>(lr) * max_g >= kLimit) return false;
  const double step = config_.kind == OptimizerKind::kSgd ? static_cast<double>(lr) * max_g
                                                          : lr / std::sqrt(1.0 - static_cast<double>(config_.alpha));
  return max_abs_param_.load(std::memory_order_relaxed) + step < kLimit;
}

void SharedOptimizer::raise_max_abs_param(float value) {
  float current = max_abs_param_.load(std::memory_order_relaxed);
  while (value > current && !max_abs_param_.compare_exchange_weak(current, value, std::memory_order_relaxed)) {
  }
}

FASTAC_KERNEL bool SharedOptimizer::apply_blocks(const float* grad, float lr, bool two_pass) {
  constexpr size_t kBlock = 64, kPrefetchAhead = 8 * kBlock;
  thread_local std::vector<float> new_p, new_g2, new_m;
  if (two_pass) {
    new_p.resize(size_);
    new_g2.resize(square_avg_.size());
    new_m.resize(exp_avg_.size());
  }
  float p[kBlock], g2[kBlock], m[kBlock];
  int64_t t = 0;
  float step_size = lr, sqrt_c2 = 1.0f;
  if (config_.kind == OptimizerKind::kAdam) {
    t = step_.load(std::memory_order_relaxed) + 1;
    step_size = lr / (1.0f - std::pow(config_.beta1, static_cast<float>(t)));
    sqrt_c2 = std::sqrt(1.0f - std::pow(config_.beta2, static_cast<float>(t)));
  }
  float stored_max = 0.0f;
  float finite = 0.0f;  // stays 0 while every new parameter is finite (x - x is NaN for inf and NaN)
  for (size_t start = 0; start < size_; start += kBlock) {
    const size_t n = std::min(kBlock, size_ - start);
    const float* gr = grad + start;
    if (start + kPrefetchAhead + kBlock <= size_) {
      // The other workers wrote these lines last: ask for them ahead, many at once, rather
      // than wait for each in turn (a cache-to-cache transfer between cores).
      for (size_t k = 0; k < kBlock; k += 16) {
        __builtin_prefetch(params_ + start + kPrefetchAhead + k, 1);
        if (!square_avg_.empty()) __builtin_prefetch(square_avg_.data() + start + kPrefetchAhead + k, 1);
        if (!exp_avg_.empty()) __builtin_prefetch(exp_avg_.data() + start + kPrefetchAhead + k, 1);
      }
    }
    load_n(params_ + start, p, n);
    switch (config_.kind) {
      case OptimizerKind::kSgd:
        for (size_t j = 0; j < n; ++j) p[j] -= lr * gr[j];
        break;
      case OptimizerKind::kRmsprop: {
        // g = alpha g + (1 - alpha) grad^2;  theta -= lr grad / sqrt(g + eps)
        const float a = config_.alpha, eps = config_.eps;
        load_n(square_avg_.data() + start, g2, n);
        for (size_t j = 0; j < n; ++j) {
          g2[j] = a * g2[j] + (1.0f - a) * gr[j] * gr[j];
          p[j] -= lr * gr[j] / std::sqrt(g2[j] + eps);
        }
        if (two_pass)
          std::copy(g2, g2 + n, new_g2.data() + start);
        else
          store_n(square_avg_.data() + start, g2, n);
        break;
      }
      case OptimizerKind::kAdam: {
        const float b1 = config_.beta1, b2 = config_.beta2, eps = config_.eps;
        load_n(exp_avg_.data() + start, m, n);
        load_n(square_avg_.data() + start, g2, n);
        for (size_t j = 0; j < n; ++j) {
          m[j] = b1 * m[j] + (1.0f - b1) * gr[j];
          g2[j] = b2 * g2[j] + (1.0f - b2) * gr[j] * gr[j];
          p[j] -= step_size * m[j] / (std::sqrt(g2[j]) / sqrt_c2 + eps);
        }
        if (two_pass) {
          std::copy(m, m + n, new_m.data() + start);
          std::copy(g2, g2 + n, new_g2.data() + start);
        } else {
          store_n(exp_avg_.data() + start, m, n);
          store_n(square_avg_.data() + start, g2, n);
        }
        break;
      }
    }
    if (!two_pass) {
      store_n(params_ + start, p, n);
#pragma omp simd reduction(max : stored_max)
      for (size_t j = 0; j < n; ++j) stored_max = std::max(stored_max, std::fabs(p[j]));
      continue;
    }
    for (size_t j = 0; j < n; ++j) finite += p[j] - p[j];
    std::copy(p, p + n, new_p.data() + start);
  }
  if (!two_pass) {
    raise_max_abs_param(stored_max);
    if (config_.kind == OptimizerKind::kAdam) step_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  if (finite != 0.0f) return false;  // NaN: some parameter would not be finite; change nothing
  store_n(params_, new_p.data(), size_);
#pragma omp simd reduction(max : stored_max)
  for (size_t j = 0; j < size_; ++j) stored_max = std::max(stored_max, std::fabs(new_p[j]));
  raise_max_abs_param(stored_max);
  store_n(square_avg_.data(), new_g2.data(), new_g2.size());
  store_n(exp_avg_.data(), new_m.data(), new_m.size());
  if (config_.kind == OptimizerKind::kAdam) step_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

}  // namespace fastac
