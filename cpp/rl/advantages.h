// Advantages and returns of a rollout: GAE(lambda), which with lambda = 1 is the
// n-step discounted return bootstrapped from V at the rollout end, minus V.
#pragma once

#include <cstdint>

namespace fastac {

// All arrays are [T, N] row-major (step t, sub-env n).
//   values[t]      V(s_t)
//   next_values[t] V(s_{t+1}) of the state that followed step t: for a truncated
//                  episode, V of its final observation (a truncation bootstraps);
//                  unused where terminated (a termination does not)
//   dones[t]       the episode ended at step t (terminated or truncated): no
//                  return flows back across it
// delta_t = r_t + gamma * (1 - terminated_t) * next_values_t - values_t
// A_t     = delta_t + gamma * lambda * (1 - dones_t) * A_{t+1};  returns = A + values
void compute_advantages(int T, int N, const float* rewards, const float* values, const float* next_values,
                        const uint8_t* terminated, const uint8_t* dones, float gamma, float gae_lambda,
                        float* advantages, float* returns);

}  // namespace fastac
