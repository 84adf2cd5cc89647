#include "rl/act.h"

#include <algorithm>

namespace fastac {

void act(const ActorCritic& model, const float* params, const float* obs, int batch, Pcg64* rng, ModelWorkspace& ws,
         const ActionBuffer& actions, float* values) {
  ws.head.resize(static_cast<size_t>(batch) * model.policy().head_size());
  model.policy().forward(params, obs, batch, *ws.policy, ws.head.data(), values);
  model.distribution().act(ws.head.data(), params + model.distribution_offset(), batch, rng, actions);
}

ActionBatch clipped_actions(const Space& space, const ActionBuffer& actions, int batch, std::vector<float>& scratch) {
  if (space.is_discrete()) return actions.as_const();
  const int k = actions.box_size;
  scratch.resize(static_cast<size_t>(batch) * k);
  for (int b = 0; b < batch; ++b)
    for (int j = 0; j < k; ++j) {
      const size_t i = static_cast<size_t>(b) * k + j;
      scratch[i] = std::min(std::max(actions.box[i], space.low[j]), space.high[j]);  // NaN stays NaN: refused by the env
    }
  return {nullptr, scratch.data(), k};
}

void evaluate_values(const ActorCritic& model, const float* params, const float* obs, int batch, ModelWorkspace& ws,
                     float* values) {
  ws.head.resize(static_cast<size_t>(batch) * model.policy().head_size());
  model.policy().forward(params, obs, batch, *ws.policy, ws.head.data(), values);
}

}  // namespace fastac
