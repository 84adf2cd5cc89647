// The actor-critic model: a policy network (nn/policy.h) and an action
// distribution (rl/distribution.h) over one flat, contiguous float32 parameter
// buffer that a libtorch tensor owns: [policy parameters | distribution parameters].
// Workers and optimizers address it as plain memory, Hogwild updates touch one
// buffer, and a distributed run all-reduces one gradient of the same layout.
//
// This header has no torch include: torch stays inside actor_critic.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "envs/env.h"
#include "nn/mlp.h"
#include "nn/policy.h"
#include "nn/torch_policy.h"
#include "rl/distribution.h"
#include "rl/normalization.h"

namespace fastac {

struct ActorCriticSpec {
  int observation_size = 4;
  Space action_space = Space::discrete(2);
  std::vector<int> hidden_sizes = {128};
  float log_std_init = 0.0f;   // a Box action space's Gaussian: initial log standard deviations
  bool squash_output = false;  // a Box's Gaussian squashed by tanh into its (finite) bounds
  bool normalize_obs = false;  // observations normalized by running statistics (rl/normalization.h)
  bool share_trunk = true;     // one trunk for actor and critic, else one each (nn/mlp.h)
  Activation activation = Activation::kRelu;
  // The policy network: "mlp" (the hand-written kernels, nn/mlp.h), or a libtorch module
  // (nn/torch_policy.h): "nature_cnn", "minatar_cnn", "torch_mlp" (the MLP as a module).
  std::string architecture = "mlp";
  // The observations as the env gives them: shape (empty: [observation_size]) and dtype;
  // an image's channels last ([H, W, C]) or first ([C, H, W]).
  std::vector<int> observation_shape;
  ObsDtype observation_dtype = ObsDtype::kFloat32;
  bool channels_last = false;
};

class ActorCritic {
 public:
  // With `initialize`, orthogonal weights (nn/policy.h WeightInit, nn/init.h) drawn
  // from `seed`, zero biases; without, all zeros (for parameters about to be loaded).
  ActorCritic(const ActorCriticSpec& spec, uint64_t seed, bool initialize = true);
  ~ActorCritic();
  ActorCritic(const ActorCritic&) = delete;
  ActorCritic& operator=(const ActorCritic&) = delete;

  const ActorCriticSpec& spec() const { return spec_; }
  // Unique in the process (unlike an address, never reused by a later model): what a cached
  // workspace is keyed by.
  uint64_t id() const { return id_; }
  const Policy& policy() const { return *policy_; }
  const Distribution& distribution() const { return *distribution_; }
  // The policy as what it is: the kernels' MLP, or a libtorch module (the other is null).
  const MlpPolicy* mlp() const { return mlp_.get(); }
  const TorchPolicy* torch_policy() const { return torch_policy_.get(); }
  float* parameters() { return parameters_; }
  const float* parameters() const { return parameters_; }
  size_t num_parameters() const { return num_parameters_; }
  // Where the distribution's own parameters start in the flat buffer.
  size_t distribution_offset() const { return policy_->num_parameters(); }

  // With spec.normalize_obs, the running statistics of the observations (not
  // parameters: no gradient reaches them; training updates them, inference reads
  // them), else null. The policy's inputs are the normalized observations.
  RunningStats* observation_stats() const { return observation_stats_.get(); }
  // Observations as the policy takes them: normalized with the current statistics
  // into scratch, or obs itself without normalization (any dtype).
  const void* policy_inputs(const void* obs, int batch, std::vector<float>& scratch) const;

 private:
  struct Storage;  // holds the torch::Tensor that owns the memory
  ActorCriticSpec spec_;
  uint64_t id_;
  std::unique_ptr<Distribution> distribution_;
  std::unique_ptr<MlpPolicy> mlp_;
  std::unique_ptr<TorchPolicy> torch_policy_;
  const Policy* policy_;
  size_t num_parameters_;
  std::unique_ptr<Storage> storage_;
  float* parameters_ = nullptr;
  std::unique_ptr<RunningStats> observation_stats_;
};

// Scratch of one thread's forward and backward passes through a model.
struct ModelWorkspace {
  explicit ModelWorkspace(const ActorCritic& model) : policy(model.policy().make_workspace()) {}
  std::unique_ptr<PolicyWorkspace> policy;
  std::vector<float> head, values, grad_head, grad_values;
};

}  // namespace fastac
