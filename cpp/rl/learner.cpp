#include "rl/learner.h"

#include <cmath>

namespace fastac {

bool apply_gradient(SharedOptimizer& optimizer, float* grad, float max_grad_norm, float lr, LossStats& stats) {
  stats.grad_norm = clip_grad_norm(grad, optimizer.size(), max_grad_norm);
  if (!std::isfinite(stats.grad_norm)) return false;  // never let NaN/inf into the weights
  return optimizer.apply(grad, lr);
}

Learner::Learner(ActorCritic& model, const OptimizerConfig& optimizer, const LossConfig& loss)
    : model_(model),
      loss_(loss),
      optimizer_(model.parameters(), model.num_parameters(), optimizer),
      ws_(model),
      grad_(model.num_parameters()) {}

LossStats Learner::compute_gradient(const void* obs, int batch, const ActionBatch& actions, const float* advantages,
                                    const float* returns, const CancelCheck& cancelled) {
  return fastac::compute_gradient(model_, model_.parameters(), obs, batch, actions, advantages, returns, loss_, ws_,
                                  grad_.data(), cancelled);
}

UpdateStats Learner::apply(const LossStats& loss, float lr) {
  UpdateStats stats{loss, false};
  stats.skipped = !apply_gradient(optimizer_, grad_.data(), loss_.max_grad_norm, lr, stats.loss);
  return stats;
}

}  // namespace fastac
