// An update: the gradient of the shared loss (rl/loss.h), then hooks on the flat
// gradient (an all-reduce goes here), then clipping, a finiteness check and the
// optimizer's apply. A2C runs it through Learner; the A3C workers call
// apply_gradient on their own gradients.
#pragma once

#include <cstdint>
#include <vector>

#include "nn/actor_critic.h"
#include "rl/loss.h"
#include "rl/shared_optimizer.h"

namespace fastac {

struct UpdateStats {
  LossStats loss;
  bool skipped = false;  // non-finite gradient or parameters: parameters left as they were
};

// Clips grad to max_grad_norm (recording the norm before in stats.grad_norm) and
// applies it with lr, unless it is not finite or would make a parameter non-finite:
// then nothing changes and it returns false.
bool apply_gradient(SharedOptimizer& optimizer, float* grad, float max_grad_norm, float lr, LossStats& stats);

class Learner {
 public:
  // Updates `model`'s parameters in place; the model must outlive the learner.
  Learner(ActorCritic& model, const OptimizerConfig& optimizer, const LossConfig& loss);

  // Step 1: the gradient of the batch into gradient().
  LossStats compute_gradient(const void* obs, int batch, const ActionBatch& actions, const float* advantages,
                             const float* returns, const CancelCheck& cancelled = {});
  // Step 2 (optional): the caller may change gradient() in place (e.g. average it across processes).
  float* gradient() { return grad_.data(); }
  size_t gradient_size() const { return grad_.size(); }
  // Step 3: clip and apply it.
  UpdateStats apply(const LossStats& loss, float lr);
  // Steps 1 and 3.
  UpdateStats update(const float* obs, int batch, const ActionBatch& actions, const float* advantages,
                     const float* returns, float lr) {
    return apply(compute_gradient(obs, batch, actions, advantages, returns), lr);
  }
  const ActorCritic& model() const { return model_; }
  SharedOptimizer& optimizer() { return optimizer_; }

 private:
  ActorCritic& model_;
  LossConfig loss_;
  SharedOptimizer optimizer_;
  ModelWorkspace ws_;
  std::vector<float> grad_;
};

}  // namespace fastac
