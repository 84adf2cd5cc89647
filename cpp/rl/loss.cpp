#include "rl/loss.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace fastac {

float softmax(const float* logits, int n, float* probs) {
  const float m = *std::max_element(logits, logits + n);
  float sum = 0.0f;
  for (int k = 0; k < n; ++k) sum += (probs[k] = std::exp(logits[k] - m));
  for (int k = 0; k < n; ++k) probs[k] /= sum;
  return m + std::log(sum);
}

LossStats compute_gradient(const ParameterLayout& layout, const float* params, const float* obs, int batch,
                           const int64_t* actions, const float* advantages, const float* returns,
                           const LossConfig& config, MlpWorkspace& ws, float* grad) {
  mlp_forward(layout, params, obs, batch, ws);
  const int A = layout.spec.num_actions;
  const float inv_batch = 1.0f / static_cast<float>(batch);
  // Scratch lives in the workspace: no allocation per update once it has grown.
  std::vector<float>& grad_logits = ws.grad_logits;
  std::vector<float>& grad_values = ws.grad_values;
  std::vector<float>& probs = ws.probs;
  grad_logits.resize(static_cast<size_t>(batch) * A);
  grad_values.resize(batch);
  probs.resize(A);
  LossStats stats;
  for (int b = 0; b < batch; ++b) {
    const float* z = ws.logits.data() + static_cast<size_t>(b) * A;
    const float lse = softmax(z, A, probs.data());
    float entropy = 0.0f;
    for (int k = 0; k < A; ++k) entropy -= probs[k] * (z[k] - lse);
    const int a = static_cast<int>(actions[b]);
    stats.policy_loss -= advantages[b] * (z[a] - lse);
    stats.entropy += entropy;
    const float value_error = ws.values[b] - returns[b];
    stats.value_loss += value_error * value_error;
    // d/dz_k of -A log p_a = -A (1[k=a] - p_k); of -H = p_k (log p_k + H).
    float* gz = grad_logits.data() + static_cast<size_t>(b) * A;
    for (int k = 0; k < A; ++k) {
      const float policy = -advantages[b] * ((k == a ? 1.0f : 0.0f) - probs[k]);
      const float negative_entropy = probs[k] * ((z[k] - lse) + entropy);
      gz[k] = inv_batch * (policy + config.entropy_coef * negative_entropy);
    }
    grad_values[b] = inv_batch * config.value_coef * 2.0f * value_error;
  }
  stats.policy_loss *= inv_batch;
  stats.value_loss *= inv_batch;
  stats.entropy *= inv_batch;

  mlp_backward(layout, params, obs, ws, grad_logits.data(), grad_values.data(), grad);
  double sq = 0.0;
  for (size_t j = 0; j < layout.size; ++j) sq += static_cast<double>(grad[j]) * grad[j];
  stats.grad_norm = static_cast<float>(std::sqrt(sq));
  if (config.max_grad_norm > 0.0f && stats.grad_norm > config.max_grad_norm) {
    // torch.nn.utils.clip_grad_norm_ scaling
    const float scale = config.max_grad_norm / (stats.grad_norm + 1e-6f);
    for (size_t j = 0; j < layout.size; ++j) grad[j] *= scale;
  }
  return stats;
}

}  // namespace fastac
