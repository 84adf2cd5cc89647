// Choosing actions: one forward pass of the model over a batch of observations,
// then the distribution's sample (with the caller's random stream) or its mode.
#pragma once

#include <vector>

#include "envs/numpy_random.h"
#include "nn/actor_critic.h"

namespace fastac {

// actions and values (V(obs[b])) of `batch` observations [batch, observation_size] (of the
// policy's dtype);
// params: the model's layout (the model's own or a copy). rng null: the mode.
void act(const ActorCritic& model, const float* params, const void* obs, int batch, Pcg64* rng, ModelWorkspace& ws,
         const ActionBuffer& actions, float* values);

// As act, keeping the forward pass in ws for a gradient over `total` rows that follows with
// the same params (Policy::forward_rows, compute_gradient_after_forward): these observations
// are rows [first, first + batch); their head values go to head [batch, head_size].
void act_rows(const ActorCritic& model, const float* params, const void* obs, int first, int batch, int total,
              Pcg64* rng, ModelWorkspace& ws, const ActionBuffer& actions, float* head, float* values);

// As act, with one random stream per observation: row b samples with rngs[b] (none null).
// A batch split across processes (data-parallel A2C) then samples what the whole batch
// would in one process.
void act_per_row(const ActorCritic& model, const float* params, const void* obs, int batch, Pcg64* const* rngs,
                 ModelWorkspace& ws, const ActionBuffer& actions, float* values);

// V(obs[b]) only (bootstrapping).
void evaluate_values(const ActorCritic& model, const float* params, const void* obs, int batch, ModelWorkspace& ws,
                     float* values);

}  // namespace fastac
