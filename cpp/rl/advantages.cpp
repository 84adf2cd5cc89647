#include "rl/advantages.h"

#include <vector>

namespace fastac {

void compute_advantages(int T, int N, const float* rewards, const float* values, const float* next_values,
                        const uint8_t* terminated, const uint8_t* dones, float gamma, float gae_lambda,
                        float* advantages, float* returns) {
  std::vector<float> running(N, 0.0f);  // A_{t+1}
  for (int t = T - 1; t >= 0; --t) {
    for (int n = 0; n < N; ++n) {
      const int i = t * N + n;
      const float bootstrap = terminated[i] ? 0.0f : gamma * next_values[i];
      const float delta = rewards[i] + bootstrap - values[i];
      running[n] = delta + (dones[i] ? 0.0f : gamma * gae_lambda * running[n]);
      advantages[i] = running[n];
      returns[i] = running[n] + values[i];
    }
  }
}

}  // namespace fastac
