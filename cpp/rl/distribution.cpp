#include "rl/distribution.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
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
                                  const float* advantages, float entropy_coef, float scale, float* grad_inputs,
                                  float*, double& policy_loss, double& entropy) const {
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

std::unique_ptr<Distribution> make_distribution(const Space& action_space) {
  if (action_space.is_discrete()) {
    if (action_space.n > (1 << 24)) throw std::invalid_argument("Discrete action spaces are limited to 2**24 actions");
    return std::make_unique<Categorical>(static_cast<int>(action_space.n), action_space.start);
  }
  throw std::invalid_argument("no distribution for a Box action space yet (Discrete action spaces only)");
}

}  // namespace fastac
