// Greedy evaluation of a model on fresh native environments: `episodes`
// sub-environments each play one episode with the distribution's mode. With
// observation normalization, the observations are normalized with `observations`
// (fixed for the whole evaluation), or, if null, with a snapshot of the model's
// statistics taken at the start.
#pragma once

#include <cstdint>
#include <string>

#include "nn/actor_critic.h"

namespace fastac {

struct EvaluationResult {
  double mean_return = 0.0;
  int64_t env_steps = 0;
};

// Sub-environment e is seeded from the entropy words {seed low, seed high, stream,
// e, tag}: a stream apart from the training envs' seeds, and a new one per `stream`
// (the caller's evaluation count), so no seed arithmetic can overflow.
EvaluationResult evaluate_greedy(const std::string& env_id, const ActorCritic& model, const float* params,
                                 int episodes, uint64_t seed, uint64_t stream,
                                 const NormalizerSnapshot* observations = nullptr);

}  // namespace fastac
