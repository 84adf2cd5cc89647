// Greedy evaluation of the actor-critic policy on fresh native environments:
// `episodes` sub-environments each play one episode with argmax actions.
#pragma once

#include <cstdint>
#include <string>

#include "nn/actor_critic.h"

namespace fastac {

struct EvaluationResult {
  double mean_return = 0.0;
  int64_t env_steps = 0;
};

// Sub-environment e is seeded from the entropy words {seed low, seed high, e, tag},
// a stream disjoint from the training envs' seeds.
EvaluationResult evaluate_greedy(const std::string& env_id, const ParameterLayout& layout, const float* params,
                                 int episodes, uint64_t seed);

}  // namespace fastac
