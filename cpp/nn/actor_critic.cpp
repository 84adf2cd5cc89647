#include "nn/actor_critic.h"

#include <torch/torch.h>

#include <algorithm>

#include "nn/init.h"

namespace fastac {

struct ActorCritic::Storage {
  torch::Tensor flat;
};

ActorCritic::ActorCritic(const ActorCriticSpec& spec, uint64_t seed, bool initialize)
    : spec_(spec), distribution_(make_distribution(spec.action_space, spec.log_std_init, spec.squash_output)) {
  mlp_ = std::make_unique<MlpPolicy>(spec.observation_size, distribution_->input_size(), spec.hidden_sizes,
                                     spec.share_trunk, spec.activation);
  if (spec.normalize_obs) observation_stats_ = std::make_unique<RunningStats>(spec.observation_size);
  policy_ = mlp_.get();
  num_parameters_ = policy_->num_parameters() + distribution_->num_parameters();
  storage_ = std::make_unique<Storage>();
  // empty + a plain fill rather than torch::zeros: no ATen kernel (and so no OpenMP
  // team, which can hang in a fork()ed child) runs here.
  storage_->flat = torch::empty({static_cast<int64_t>(num_parameters_)}, torch::kFloat32);
  parameters_ = storage_->flat.data_ptr<float>();
  std::fill_n(parameters_, num_parameters_, 0.0f);
  if (!initialize) return;
  Pcg64 rng({static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), 0x1417u});
  for (const WeightInit& w : policy_->initializers()) {
    // torch's [out, in] matrix, stored transposed for an input-major layer.
    const std::vector<float> m = orthogonal_matrix(w.input_major ? w.in : w.out, w.input_major ? w.out : w.in,
                                                   w.gain, rng);
    std::copy(m.begin(), m.end(), parameters_ + w.offset);
  }
  distribution_->initialize(parameters_ + distribution_offset());
}

ActorCritic::~ActorCritic() = default;

const float* ActorCritic::policy_inputs(const float* obs, int batch, std::vector<float>& scratch) const {
  if (!observation_stats_) return obs;
  scratch.resize(static_cast<size_t>(batch) * spec_.observation_size);
  observation_stats_->snapshot().normalize(obs, batch, scratch.data());
  return scratch.data();
}

}  // namespace fastac
