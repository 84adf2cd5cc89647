#include "rl/act.h"


namespace fastac {

void act(const ActorCritic& model, const float* params, const void* obs, int batch, Pcg64* rng, ModelWorkspace& ws,
         const ActionBuffer& actions, float* values) {
  ws.head.resize(static_cast<size_t>(batch) * model.policy().head_size());
  model.policy().infer(params, obs, batch, *ws.policy, ws.head.data(), values);
  model.distribution().act(ws.head.data(), params + model.distribution_offset(), batch, rng, actions);
}

void evaluate_values(const ActorCritic& model, const float* params, const void* obs, int batch, ModelWorkspace& ws,
                     float* values) {
  ws.head.resize(static_cast<size_t>(batch) * model.policy().head_size());
  model.policy().infer(params, obs, batch, *ws.policy, ws.head.data(), values);
}

}  // namespace fastac
