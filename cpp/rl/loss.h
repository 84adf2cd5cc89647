// The actor-critic loss and its gradient: the one implementation that both the
// A3C workers (C++) and the A2C trainer (Python, through the bindings) use.
//
//   loss = policy_loss + value_coef * value_loss - entropy_coef * entropy
//   policy_loss = -mean(A * log pi(a|s)),  value_loss = mean((R - V(s))^2),
//   entropy = mean(H(pi(.|s)))
// as Stable-Baselines3's A2C; A and R are constants (no gradient flows into them).
#pragma once

#include <cstdint>

#include "nn/mlp.h"

namespace fastac {

struct LossConfig {
  float value_coef = 0.5f;
  float entropy_coef = 0.0f;
  float max_grad_norm = 0.5f;  // <= 0: no clipping
};

struct LossStats {
  float policy_loss = 0, value_loss = 0, entropy = 0;
  float grad_norm = 0;  // before clipping
};

// Runs the forward pass over `batch` samples, the loss, the backward pass, and
// clips the global gradient norm to max_grad_norm. Writes the gradient to grad.
LossStats compute_gradient(const ParameterLayout& layout, const float* params, const float* obs, int batch,
                           const int64_t* actions, const float* advantages, const float* returns,
                           const LossConfig& config, MlpWorkspace& ws, float* grad);

// Softmax of one row of logits into probs; returns log-sum-exp.
float softmax(const float* logits, int n, float* probs);

}  // namespace fastac
