#include "nn/actor_critic.h"

#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <string>

#include "nn/init.h"

namespace fastac {

namespace {
std::atomic<uint64_t> next_model_id{1};
}  // namespace

struct ActorCritic::Storage {
  torch::Tensor flat;
};

ActorCritic::ActorCritic(const ActorCriticSpec& spec, uint64_t seed, bool initialize)
    : spec_(spec),
      id_(next_model_id.fetch_add(1, std::memory_order_relaxed)),
      distribution_(make_distribution(spec.action_space, spec.log_std_init, spec.squash_output)) {
  if (spec.observation_shape.empty()) spec_.observation_shape = {spec.observation_size};
  if (spec.architecture == "mlp") {
    if (spec.observation_dtype != ObsDtype::kFloat32 || spec_.observation_shape.size() != 1)
      throw std::invalid_argument("architecture 'mlp' (the hand-written kernels) takes flat float32 observations; "
                                  "'torch_mlp' takes any");
    mlp_ = std::make_unique<MlpPolicy>(spec.observation_size, distribution_->input_size(), spec.hidden_sizes,
                                       spec.share_trunk, spec.activation);
    policy_ = mlp_.get();
  } else {
    if (!spec.share_trunk) throw std::invalid_argument("share_trunk=False is for architecture 'mlp' only");
    TorchPolicySpec torch_spec;
    torch_spec.architecture = spec.architecture == "torch_mlp" ? "mlp" : spec.architecture;
    torch_spec.observation_shape = spec_.observation_shape;
    torch_spec.channels_last = spec.channels_last;
    torch_spec.observation_dtype = spec.observation_dtype;
    torch_spec.head_size = distribution_->input_size();
    torch_spec.hidden_sizes = spec.hidden_sizes;
    torch_spec.activation = spec.activation;
    torch_policy_ = std::make_unique<TorchPolicy>(torch_spec);
    policy_ = torch_policy_.get();
    spec_.hidden_sizes = torch_policy_->spec().hidden_sizes;
  }
  if (policy_->observation_size() != spec.observation_size)
    throw std::invalid_argument("observation_size " + std::to_string(spec.observation_size) +
                                " is not the observation shape's size " +
                                std::to_string(policy_->observation_size()));
  if (spec.normalize_obs) {
    if (spec.observation_dtype != ObsDtype::kFloat32)
      throw std::invalid_argument(std::string("normalize_obs is for float32 observations, not ") +
                                  obs_dtype_name(spec.observation_dtype) + " images");
    observation_stats_ = std::make_unique<RunningStats>(spec.observation_size);
  }
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

const void* ActorCritic::policy_inputs(const void* obs, int batch, std::vector<float>& scratch) const {
  if (!observation_stats_) return obs;
  scratch.resize(static_cast<size_t>(batch) * spec_.observation_size);
  observation_stats_->snapshot().normalize(static_cast<const float*>(obs), batch, scratch.data());
  return scratch.data();
}

}  // namespace fastac
