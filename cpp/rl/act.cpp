#include "rl/act.h"

#include <algorithm>

#include "rl/loss.h"

namespace fastac {

void act(const ParameterLayout& layout, const float* params, const float* obs, int batch, const float* uniforms,
         MlpWorkspace& ws, int64_t* actions, float* values) {
  mlp_forward(layout, params, obs, batch, ws);
  const int A = layout.spec.num_actions;
  ws.probs.resize(A);
  for (int b = 0; b < batch; ++b) {
    const float* z = ws.logits.data() + static_cast<size_t>(b) * A;
    values[b] = ws.values[b];
    if (uniforms == nullptr) {
      actions[b] = std::max_element(z, z + A) - z;
      continue;
    }
    softmax(z, A, ws.probs.data());
    float u = uniforms[b];
    int64_t a = A - 1;  // also where rounding leaves u above the last cumulative sum
    for (int k = 0; k < A - 1; ++k) {
      if (u < ws.probs[k]) {
        a = k;
        break;
      }
      u -= ws.probs[k];
    }
    actions[b] = a;
  }
}

}  // namespace fastac
