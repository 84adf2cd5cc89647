// Choosing actions: one forward pass over a batch of observations, then either a
// sample from softmax(logits) by inverse CDF of caller-supplied uniforms (so the
// caller owns the random stream: a C++ Pcg64 in A3C, a numpy Generator in A2C)
// or, without uniforms, the greedy argmax.
#pragma once

#include <cstdint>

#include "nn/mlp.h"

namespace fastac {

// actions[b] and values[b] (V(obs[b])) for b < batch; uniforms: batch floats in
// [0, 1), or nullptr for argmax actions.
void act(const ParameterLayout& layout, const float* params, const float* obs, int batch, const float* uniforms,
         MlpWorkspace& ws, int64_t* actions, float* values);

}  // namespace fastac
