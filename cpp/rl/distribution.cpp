#include "rl/distribution.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace fastac {

float softmax(const float* logits, int n, float* probs) {
  const float m = *std::max_element(logits, logits + n);
  float sum = 0.0f;
  for (int k = 0; k < n; ++k) sum += (probs[k] = std::exp(logits[k] - m));
  for (int k = 0; k < n; ++k) probs[k] /= sum;
  return m + std::log(sum);
}

Categorical::Categorical(int n, int64_t start) : n_(n), start_(start) {
  if (n < 1) throw std::invalid_argument("a categorical distribution needs n >= 1, got " + std::to_string(n));
}

void Categorical::act(const float* inputs, const float*, int batch, Pcg64* rng, const ActionBuffer& actions) const {
  thread_local std::vector<float> probs;
  probs.resize(n_);
  for (int b = 0; b < batch; ++b) {
    const float* z = inputs + static_cast<size_t>(b) * n_;
    if (rng == nullptr) {
      actions.discrete[b] = start_ + (std::max_element(z, z + n_) - z);
      continue;
    }
    // Inverse CDF of one uniform draw.
    softmax(z, n_, probs.data());
    float u = static_cast<float>(rng->next_double());
    int64_t a = n_ - 1;  // also where rounding leaves u above the last cumulative sum
    for (int k = 0; k < n_ - 1; ++k) {
      if (u < probs[k]) {
        a = k;
        break;
      }
      u -= probs[k];
    }
    actions.discrete[b] = start_ + a;
  }
}

void Categorical::policy_gradient(const float* inputs, const float*, int batch, const ActionBatch& actions,
                                  const float* advantages, float entropy_coef, float /*bounds_coef*/, float scale,
                                  float* grad_inputs, float*, double& policy_loss, double& entropy) const {
  thread_local std::vector<float> probs;
  probs.resize(n_);
  for (int b = 0; b < batch; ++b) {
    const float* z = inputs + static_cast<size_t>(b) * n_;
    const float lse = softmax(z, n_, probs.data());
    float h = 0.0f;
    for (int k = 0; k < n_; ++k) h -= probs[k] * (z[k] - lse);
    const int a = static_cast<int>(actions.discrete[b] - start_);
    policy_loss -= advantages[b] * (z[a] - lse);
    entropy += h;
    // d/dz_k of -A log p_a = -A (1[k=a] - p_k); of -H = p_k (log p_k + H).
    float* gz = grad_inputs + static_cast<size_t>(b) * n_;
    for (int k = 0; k < n_; ++k) {
      const float pg = -advantages[b] * ((k == a ? 1.0f : 0.0f) - probs[k]);
      const float negative_entropy = probs[k] * ((z[k] - lse) + h);
      gz[k] += scale * (pg + entropy_coef * negative_entropy);
    }
  }
}

namespace {
constexpr double kHalfLog2Pi = 0.91893853320467274178;  // log(2 pi) / 2
}  // namespace

ActionBatch Distribution::env_actions(const ActionBuffer& actions, int /*batch*/,
                                      std::vector<float>& /*scratch*/) const {
  return actions.as_const();
}

DiagGaussian::DiagGaussian(int size, float log_std_init, std::vector<float> low, std::vector<float> high)
    : size_(size), log_std_init_(log_std_init), low_(std::move(low)), high_(std::move(high)) {
  if (size < 1) throw std::invalid_argument("a Gaussian distribution needs size >= 1, got " + std::to_string(size));
  if (low_.size() != high_.size() || (!low_.empty() && low_.size() != static_cast<size_t>(size)))
    throw std::invalid_argument("a Gaussian distribution's bounds must both be empty or have `size` elements");
  if (!std::isfinite(log_std_init) || std::abs(log_std_init) > 20.0f)
    throw std::invalid_argument("log_std_init must be in [-20, 20], got " + std::to_string(log_std_init));
}

void DiagGaussian::initialize(float* own) const { std::fill(own, own + size_, log_std_init_); }

void DiagGaussian::act(const float* inputs, const float* own, int batch, Pcg64* rng,
                       const ActionBuffer& actions) const {
  for (int b = 0; b < batch; ++b) {
    const float* mean = inputs + static_cast<size_t>(b) * size_;
    float* a = actions.box + static_cast<size_t>(b) * size_;
    for (int j = 0; j < size_; ++j)
      a[j] = rng == nullptr ? mean[j] : mean[j] + std::exp(own[j]) * static_cast<float>(standard_normal(*rng));
  }
}

// log pi(a) = sum_j -(a_j - mu_j)^2 / (2 sigma_j^2) - log sigma_j - log(2 pi) / 2
// H = sum_j log sigma_j + (1 + log(2 pi)) / 2   (state-independent)
void DiagGaussian::policy_gradient(const float* inputs, const float* own, int batch, const ActionBatch& actions,
                                   const float* advantages, float entropy_coef, float bounds_coef, float scale,
                                   float* grad_inputs, float* grad_own, double& policy_loss, double& entropy) const {
  const bool bounded = bounds_coef > 0.0f && !low_.empty();
  double h = 0.0;
  for (int j = 0; j < size_; ++j) h += own[j] + 0.5 + kHalfLog2Pi;
  for (int b = 0; b < batch; ++b) {
    const float* mean = inputs + static_cast<size_t>(b) * size_;
    const float* a = actions.box + static_cast<size_t>(b) * size_;
    float* g_mean = grad_inputs + static_cast<size_t>(b) * size_;
    const float adv = advantages[b];
    double log_prob = 0.0;
    for (int j = 0; j < size_; ++j) {
      const float inv_var = std::exp(-2.0f * own[j]);
      const float d = a[j] - mean[j];
      log_prob += -0.5 * d * d * inv_var - own[j] - kHalfLog2Pi;
      // d/d mu of -A log pi = -A d / sigma^2; d/d log sigma of -A log pi = -A (d^2 / sigma^2 - 1),
      // of -entropy_coef H = -entropy_coef.
      g_mean[j] += scale * (-adv * d * inv_var);
      grad_own[j] += scale * (-adv * (d * d * inv_var - 1.0f) - entropy_coef);
      if (bounded) {
        const float excess = mean[j] > high_[j] ? mean[j] - high_[j] : (mean[j] < low_[j] ? mean[j] - low_[j] : 0.0f);
        g_mean[j] += scale * bounds_coef * 2.0f * excess;
        policy_loss += static_cast<double>(bounds_coef) * excess * excess;
      }
    }
    policy_loss -= adv * log_prob;
    entropy += h;
  }
}

ActionBatch DiagGaussian::env_actions(const ActionBuffer& actions, int batch, std::vector<float>& scratch) const {
  if (low_.empty()) return actions.as_const();
  scratch.resize(static_cast<size_t>(batch) * size_);
  for (int b = 0; b < batch; ++b)
    for (int j = 0; j < size_; ++j) {
      const size_t i = static_cast<size_t>(b) * size_ + j;
      scratch[i] = std::min(std::max(actions.box[i], low_[j]), high_[j]);  // NaN stays NaN: refused by the env
    }
  return {nullptr, scratch.data(), size_};
}

SquashedDiagGaussian::SquashedDiagGaussian(int size, float log_std_init, std::vector<float> low,
                                           std::vector<float> high)
    : DiagGaussian(size, log_std_init, std::move(low), std::move(high)) {
  if (low_.empty()) throw std::invalid_argument("squash_output needs the Box's bounds");
  for (int j = 0; j < size_; ++j)
    if (!std::isfinite(low_[j]) || !std::isfinite(high_[j]) || !(low_[j] < high_[j]))
      throw std::invalid_argument("squash_output needs a Box with finite bounds low < high; element " +
                                  std::to_string(j) + " has [" + std::to_string(low_[j]) + ", " +
                                  std::to_string(high_[j]) + "]");
}

void SquashedDiagGaussian::policy_gradient(const float* inputs, const float* own, int batch,
                                           const ActionBatch& actions, const float* advantages, float entropy_coef,
                                           float /*bounds_coef*/, float scale, float* grad_inputs, float* grad_own,
                                           double& policy_loss, double& entropy) const {
  DiagGaussian::policy_gradient(inputs, own, batch, actions, advantages, entropy_coef, 0.0f, scale, grad_inputs,
                                grad_own, policy_loss, entropy);
  constexpr double kEpsilon = 1e-6;  // Stable-Baselines3's: keeps the log finite where tanh saturates
  for (int b = 0; b < batch; ++b) {
    const float* u = actions.box + static_cast<size_t>(b) * size_;
    double correction = 0.0;
    for (int j = 0; j < size_; ++j) {
      const double t = std::tanh(static_cast<double>(u[j]));
      correction += std::log(1.0 - t * t + kEpsilon);
    }
    policy_loss += advantages[b] * correction;  // -A (log N(u) - correction)
  }
}

ActionBatch SquashedDiagGaussian::env_actions(const ActionBuffer& actions, int batch,
                                              std::vector<float>& scratch) const {
  scratch.resize(static_cast<size_t>(batch) * size_);
  for (int b = 0; b < batch; ++b)
    for (int j = 0; j < size_; ++j) {
      const size_t i = static_cast<size_t>(b) * size_ + j;
      const float a = low_[j] + 0.5f * (std::tanh(actions.box[i]) + 1.0f) * (high_[j] - low_[j]);
      scratch[i] = std::min(std::max(a, low_[j]), high_[j]);  // rounding can step past a bound
    }
  return {nullptr, scratch.data(), size_};
}

std::unique_ptr<Distribution> make_distribution(const Space& action_space, float log_std_init, bool squash_output) {
  if (action_space.is_discrete()) {
    if (action_space.n > (1 << 24)) throw std::invalid_argument("Discrete action spaces are limited to 2**24 actions");
    return std::make_unique<Categorical>(static_cast<int>(action_space.n), action_space.start);
  }
  if (squash_output)
    return std::make_unique<SquashedDiagGaussian>(action_space.size(), log_std_init, action_space.low,
                                                  action_space.high);
  return std::make_unique<DiagGaussian>(action_space.size(), log_std_init, action_space.low, action_space.high);
}

}  // namespace fastac
