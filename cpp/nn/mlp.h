// Hand-written forward and backward passes of the actor-critic network over the
// flat parameter buffer (see actor_critic.h). At this network's size libtorch's
// per-op dispatch (~1 us) and autograd (~0.4 ms a backward) would dominate a
// training step; these loops cost well under a microsecond per sample.
// tests/cpp/test_gradient_vs_autograd.cpp checks them against libtorch autograd.
#pragma once

#include <vector>

#include "nn/actor_critic.h"

namespace fastac {

// Activations of one forward pass, kept for the backward pass.
struct MlpWorkspace {
  int batch = 0;
  std::vector<std::vector<float>> hidden;  // post-ReLU output of each trunk layer, [batch, out]
  std::vector<float> logits;               // [batch, num_actions]
  std::vector<float> values;               // [batch]
  std::vector<float> grad_hidden, grad_scratch;  // backward scratch
  std::vector<float> grad_logits, grad_values, probs;  // loss scratch (rl/loss.cpp)
};

// logits and values of `batch` observations ([batch, observation_size], row-major).
void mlp_forward(const ParameterLayout& layout, const float* params, const float* obs, int batch, MlpWorkspace& ws);

// Gradient of a loss with d loss / d logits = grad_logits and d loss / d values =
// grad_values, written (not accumulated) into grad (layout.size floats).
// ws must hold the forward pass of the same params and obs; its backward scratch is reused.
void mlp_backward(const ParameterLayout& layout, const float* params, const float* obs, MlpWorkspace& ws,
                  const float* grad_logits, const float* grad_values, float* grad);

}  // namespace fastac
