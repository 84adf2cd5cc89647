// One synchronous actor-critic update on a batch of samples: the A2C step.
// The gradient is the shared loss of rl/loss.h over the whole batch (the average
// over every agent's samples), applied by the same optimizers A3C uses.
#pragma once

#include <cstdint>

#include "nn/actor_critic.h"
#include "rl/loss.h"
#include "rl/shared_optimizer.h"

namespace fastac {

struct UpdateStats {
  LossStats loss;
  bool skipped = false;  // non-finite gradient: parameters left as they were
};

class Learner {
 public:
  // Updates `network`'s parameters in place; the network must outlive the learner.
  Learner(ActorCritic& network, const OptimizerConfig& optimizer, const LossConfig& loss);

  UpdateStats update(const float* obs, int batch, const int64_t* actions, const float* advantages,
                     const float* returns, float lr);
  const ActorCritic& network() const { return network_; }

 private:
  ActorCritic& network_;
  LossConfig loss_;
  SharedOptimizer optimizer_;
  MlpWorkspace ws_;
  std::vector<float> grad_;
};

}  // namespace fastac
