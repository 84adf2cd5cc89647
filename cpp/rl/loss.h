// The actor-critic loss and its gradient: the one implementation that the A3C
// workers and the A2C learner use.
//
//   loss = policy_loss + value_coef * value_loss - entropy_coef * entropy
//   policy_loss = -mean(A * log pi(a|s)),  value_loss = mean((R - V(s))^2),
//   entropy = mean(H(pi(.|s)))
// as Stable-Baselines3's A2C; A and R are constants (no gradient flows into them).
// The gradient is not clipped here: an update is gradient, then hooks (clipping,
// an all-reduce), then the optimizer's apply (rl/learner.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>

#include "nn/actor_critic.h"

namespace fastac {

struct LossConfig {
  float value_coef = 0.5f;
  float entropy_coef = 0.0f;
  float max_grad_norm = 0.5f;  // <= 0: no clipping
  float bounds_coef = 1.0f;    // a Box's penalty on Gaussian means beyond its bounds (rl/distribution.h)
};

struct LossStats {
  float policy_loss = 0, value_loss = 0, entropy = 0;
  float grad_norm = 0;  // before clipping
  // 1 - Var(R - V) / Var(R) over the batch, V the rollout's values (SB3's
  // train/explained_variance: 1 predicts the returns, 0 no better than their mean;
  // NaN when the returns do not vary).
  float explained_variance = 0;
};

// 1 - Var(returns - values) / Var(returns), from the advantages (returns - values).
float explained_variance(const float* advantages, const float* returns, int batch);

// Thrown by compute_gradient when its cancel check says so.
struct GradientCancelled : std::exception {
  const char* what() const noexcept override { return "gradient computation cancelled"; }
};

// Asked between chunks of a long gradient computation; true cancels it.
using CancelCheck = std::function<bool()>;

// Forward pass over `batch` samples, the loss, the backward pass: writes the
// gradient of the whole model (model.num_parameters() floats) to grad. A large
// batch is done in chunks (Policy::gradient_chunk), with `cancelled` (if set) asked
// between them, so that a stop never waits long for one huge update; it may also
// throw, which propagates. obs: [batch, observation_size] of the policy's dtype.
LossStats compute_gradient(const ActorCritic& model, const float* params, const void* obs, int batch,
                           const ActionBatch& actions, const float* advantages, const float* returns,
                           const LossConfig& config, ModelWorkspace& ws, float* grad,
                           const CancelCheck& cancelled = {});

// compute_gradient without its forward pass: the policy's workspace ws.policy already
// holds the forward of these params over all `batch` rows of obs (Policy::forward_rows,
// as A3C keeps it while acting), whose outputs are head [batch, head_size] and values
// [batch]. One backward pass over the whole batch, not asking to stop: for a batch of one
// gradient chunk (Policy::gradient_chunk), as compute_gradient would do it.
LossStats compute_gradient_after_forward(const ActorCritic& model, const float* params, const void* obs, int batch,
                                         const ActionBatch& actions, const float* advantages, const float* returns,
                                         const float* head, const float* values, const LossConfig& config,
                                         ModelWorkspace& ws, float* grad);

// The global L2 norm of grad; scales it to max_norm where it is larger (as
// torch.nn.utils.clip_grad_norm_; max_norm <= 0: no clipping). Returns the norm before.
float clip_grad_norm(float* grad, size_t size, float max_norm);

}  // namespace fastac
