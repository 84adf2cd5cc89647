// Greedy evaluation of a model on fresh environments: `episodes` sub-environments
// each play one episode with the distribution's mode. With
// observation normalization, the observations are normalized with `observations`
// (fixed for the whole evaluation), or, if null, with a snapshot of the model's
// statistics taken at the start.
#pragma once

#include <cstdint>
#include <string>

#include "envs/vector_env.h"
#include "nn/actor_critic.h"

namespace fastac {

struct EvaluationResult {
  double mean_return = 0.0;
  int64_t env_steps = 0;
};

// Throws std::invalid_argument unless `env`'s observations and actions are the
// model's (sizes, and Discrete or Box): a mismatch would read past the buffers.
void check_env_fits_model(const BatchedEnv& env, const ActorCritic& model);

// Sub-environment e is seeded from the entropy words {seed low, seed high, stream,
// e, tag}: a stream apart from the training envs' seeds, and a new one per `stream`
// (the caller's evaluation count), so no seed arithmetic can overflow.
EvaluationResult evaluate_greedy(const std::string& env_id, const ActorCritic& model, const float* params,
                                 int episodes, uint64_t seed, uint64_t stream,
                                 const NormalizerSnapshot* observations = nullptr);
// The same on given environments (native or not): one episode per sub-environment,
// which must autoreset on the same step (a sub-env's steps after its episode end
// are not counted) and not be reset yet.
EvaluationResult evaluate_greedy(BatchedEnv& env, const ActorCritic& model, const float* params, uint64_t seed,
                                 uint64_t stream, const NormalizerSnapshot* observations = nullptr);

}  // namespace fastac
