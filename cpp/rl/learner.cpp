#include "rl/learner.h"

#include <cmath>

namespace fastac {

Learner::Learner(ActorCritic& network, const OptimizerConfig& optimizer, const LossConfig& loss)
    : network_(network),
      loss_(loss),
      optimizer_(network.parameters(), network.num_parameters(), optimizer),
      grad_(network.num_parameters()) {}

UpdateStats Learner::update(const float* obs, int batch, const int64_t* actions, const float* advantages,
                            const float* returns, float lr) {
  UpdateStats stats;
  stats.loss = compute_gradient(network_.layout(), network_.parameters(), obs, batch, actions, advantages, returns,
                                loss_, ws_, grad_.data());
  stats.skipped = !std::isfinite(stats.loss.grad_norm);  // never let NaN/inf into the weights
  if (!stats.skipped) optimizer_.apply(grad_.data(), lr);
  return stats;
}

}  // namespace fastac
