#include "rl/loss.h"

#include <algorithm>
#include <cmath>

namespace fastac {

LossStats compute_gradient(const ActorCritic& model, const float* params, const float* obs, int batch,
                           const ActionBatch& actions, const float* advantages, const float* returns,
                           const LossConfig& config, ModelWorkspace& ws, float* grad) {
  const Policy& policy = model.policy();
  const Distribution& dist = model.distribution();
  const int H = policy.head_size();
  ws.head.resize(static_cast<size_t>(batch) * H);
  ws.values.resize(batch);
  policy.forward(params, obs, batch, *ws.policy, ws.head.data(), ws.values.data());

  const float inv_batch = 1.0f / static_cast<float>(batch);
  // Scratch lives in the workspace: no allocation per update once it has grown.
  ws.grad_head.assign(static_cast<size_t>(batch) * H, 0.0f);
  ws.grad_values.resize(batch);
  float* grad_own = grad + model.distribution_offset();
  std::fill(grad_own, grad_own + dist.num_parameters(), 0.0f);
  double policy_loss = 0.0, entropy = 0.0, value_loss = 0.0;
  dist.policy_gradient(ws.head.data(), params + model.distribution_offset(), batch, actions, advantages,
                       config.entropy_coef, inv_batch, ws.grad_head.data(), grad_own, policy_loss, entropy);
  for (int b = 0; b < batch; ++b) {
    const float value_error = ws.values[b] - returns[b];
    value_loss += value_error * value_error;
    ws.grad_values[b] = inv_batch * config.value_coef * 2.0f * value_error;
  }
  policy.backward(params, obs, batch, *ws.policy, ws.grad_head.data(), ws.grad_values.data(), grad);

  LossStats stats;
  stats.policy_loss = static_cast<float>(policy_loss * inv_batch);
  stats.value_loss = static_cast<float>(value_loss * inv_batch);
  stats.entropy = static_cast<float>(entropy * inv_batch);
  return stats;
}

float clip_grad_norm(float* grad, size_t size, float max_norm) {
  double sq = 0.0;
  for (size_t j = 0; j < size; ++j) sq += static_cast<double>(grad[j]) * grad[j];
  const float norm = static_cast<float>(std::sqrt(sq));
  if (max_norm > 0.0f && norm > max_norm) {
    const float scale = max_norm / (norm + 1e-6f);  // torch.nn.utils.clip_grad_norm_ scaling
    for (size_t j = 0; j < size; ++j) grad[j] *= scale;
  }
  return norm;
}

}  // namespace fastac
