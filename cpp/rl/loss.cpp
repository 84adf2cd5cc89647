#include "rl/loss.h"

#include "nn/kernel_isa.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace fastac {

namespace {

struct LossSums {
  double policy_loss = 0.0, entropy = 0.0, value_loss = 0.0;
};

// Rows [begin, begin + n) of the batch, whose forward (head, values) ws.policy holds: the
// loss's derivatives by head and values, then the policy's backward into grad.
void add_rows_gradient(const ActorCritic& model, const float* params, const void* x, int begin, int n,
                       const float* head, const float* values, const ActionBatch& actions, const float* advantages,
                       const float* returns, const LossConfig& config, float inv_batch, ModelWorkspace& ws,
                       float* grad, LossSums& sums) {
  const Policy& policy = model.policy();
  ws.grad_head.assign(static_cast<size_t>(n) * policy.head_size(), 0.0f);
  ws.grad_values.resize(n);
  model.distribution().policy_gradient(head, params + model.distribution_offset(), n, actions.offset(begin),
                                       advantages + begin, config.entropy_coef, config.bounds_coef, inv_batch,
                                       ws.grad_head.data(), grad + model.distribution_offset(), sums.policy_loss,
                                       sums.entropy);
  for (int b = 0; b < n; ++b) {
    const float value_error = values[b] - returns[begin + b];
    sums.value_loss += value_error * value_error;
    ws.grad_values[b] = inv_batch * config.value_coef * 2.0f * value_error;
  }
  policy.backward(params, x, n, *ws.policy, ws.grad_head.data(), ws.grad_values.data(), grad);
}

LossStats loss_stats(const LossSums& sums, const float* advantages, const float* returns, int batch) {
  const float inv_batch = 1.0f / static_cast<float>(batch);
  LossStats stats;
  stats.policy_loss = static_cast<float>(sums.policy_loss * inv_batch);
  stats.value_loss = static_cast<float>(sums.value_loss * inv_batch);
  stats.entropy = static_cast<float>(sums.entropy * inv_batch);
  stats.explained_variance = explained_variance(advantages, returns, batch);
  return stats;
}

}  // namespace

LossStats compute_gradient(const ActorCritic& model, const float* params, const void* obs, int batch,
                           const ActionBatch& actions, const float* advantages, const float* returns,
                           const LossConfig& config, ModelWorkspace& ws, float* grad, const CancelCheck& cancelled) {
  const Policy& policy = model.policy();
  const size_t row_bytes = static_cast<size_t>(policy.observation_size()) * element_size(policy.observation_dtype());
  const int chunk = policy.gradient_chunk(batch);
  const float inv_batch = 1.0f / static_cast<float>(batch);
  std::fill(grad, grad + model.num_parameters(), 0.0f);  // every chunk adds to it
  LossSums sums;
  for (int begin = 0; begin < batch; begin += chunk) {
    if (begin > 0 && cancelled && cancelled()) throw GradientCancelled();
    const int n = std::min(chunk, batch - begin);
    const void* x = static_cast<const uint8_t*>(obs) + static_cast<size_t>(begin) * row_bytes;
    // Scratch lives in the workspace: no allocation per update once it has grown.
    ws.head.resize(static_cast<size_t>(n) * policy.head_size());
    ws.values.resize(n);
    policy.forward(params, x, n, *ws.policy, ws.head.data(), ws.values.data());
    add_rows_gradient(model, params, x, begin, n, ws.head.data(), ws.values.data(), actions, advantages, returns,
                      config, inv_batch, ws, grad, sums);
  }
  return loss_stats(sums, advantages, returns, batch);
}

LossStats compute_gradient_after_forward(const ActorCritic& model, const float* params, const void* obs, int batch,
                                         const ActionBatch& actions, const float* advantages, const float* returns,
                                         const float* head, const float* values, const LossConfig& config,
                                         ModelWorkspace& ws, float* grad) {
  std::fill(grad, grad + model.num_parameters(), 0.0f);
  LossSums sums;
  add_rows_gradient(model, params, obs, 0, batch, head, values, actions, advantages, returns, config,
                    1.0f / static_cast<float>(batch), ws, grad, sums);
  return loss_stats(sums, advantages, returns, batch);
}

float explained_variance(const float* advantages, const float* returns, int batch) {
  // Two-pass variances in double (the returns can be large and nearly equal).
  double mean_a = 0.0, mean_r = 0.0;
  for (int b = 0; b < batch; ++b) {
    mean_a += advantages[b];
    mean_r += returns[b];
  }
  mean_a /= std::max(batch, 1);
  mean_r /= std::max(batch, 1);
  double var_a = 0.0, var_r = 0.0;
  for (int b = 0; b < batch; ++b) {
    var_a += (advantages[b] - mean_a) * (advantages[b] - mean_a);
    var_r += (returns[b] - mean_r) * (returns[b] - mean_r);
  }
  if (batch == 0 || var_r == 0.0) return std::numeric_limits<float>::quiet_NaN();
  return static_cast<float>(1.0 - var_a / var_r);
}

namespace {

// The norm in double over 8 partial sums (they vectorize; a fixed order keeps the result
// deterministic), compiled for the CPU's ISA (nn/kernel_isa.h).
FASTAC_KERNEL float clip_grad_norm_kernel(float* grad, size_t size, float max_norm) {
  constexpr size_t kLanes = 8;
  double partial[kLanes] = {};
  size_t j = 0;
  for (; j + kLanes <= size; j += kLanes)
    for (size_t k = 0; k < kLanes; ++k) partial[k] += static_cast<double>(grad[j + k]) * grad[j + k];
  double sq = 0.0;
  for (size_t k = 0; k < kLanes; ++k) sq += partial[k];
  for (; j < size; ++j) sq += static_cast<double>(grad[j]) * grad[j];
  const float norm = static_cast<float>(std::sqrt(sq));
  if (max_norm > 0.0f && norm > max_norm) {
    const float scale = max_norm / (norm + 1e-6f);  // torch.nn.utils.clip_grad_norm_ scaling
#pragma omp simd
    for (size_t i = 0; i < size; ++i) grad[i] *= scale;
  }
  return norm;
}

}  // namespace

float clip_grad_norm(float* grad, size_t size, float max_norm) { return clip_grad_norm_kernel(grad, size, max_norm); }

}  // namespace fastac
