#include "rl/act.h"


namespace fastac {

void act(const ActorCritic& model, const float* params, const void* obs, int batch, Pcg64* rng, ModelWorkspace& ws,
         const ActionBuffer& actions, float* values) {
  ws.head.resize(static_cast<size_t>(batch) * model.policy().head_size());
  model.policy().infer(params, obs, batch, *ws.policy, ws.head.data(), values);
  model.distribution().act(ws.head.data(), params + model.distribution_offset(), batch, rng, actions);
}

void act_rows(const ActorCritic& model, const float* params, const void* obs, int first, int batch, int total,
              Pcg64* rng, ModelWorkspace& ws, const ActionBuffer& actions, float* head, float* values) {
  model.policy().forward_rows(params, obs, first, batch, total, *ws.policy, head, values);
  model.distribution().act(head, params + model.distribution_offset(), batch, rng, actions);
}

void act_per_row(const ActorCritic& model, const float* params, const void* obs, int batch, Pcg64* const* rngs,
                 ModelWorkspace& ws, const ActionBuffer& actions, float* values) {
  const int head = model.policy().head_size();
  ws.head.resize(static_cast<size_t>(batch) * head);
  model.policy().infer(params, obs, batch, *ws.policy, ws.head.data(), values);
  const float* own = params + model.distribution_offset();
  for (int b = 0; b < batch; ++b)
    model.distribution().act(ws.head.data() + static_cast<size_t>(b) * head, own, 1, rngs[b], actions.offset(b));
}

void evaluate_values(const ActorCritic& model, const float* params, const void* obs, int batch, ModelWorkspace& ws,
                     float* values) {
  ws.head.resize(static_cast<size_t>(batch) * model.policy().head_size());
  model.policy().infer(params, obs, batch, *ws.policy, ws.head.data(), values);
}

}  // namespace fastac
