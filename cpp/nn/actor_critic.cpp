#include "nn/actor_critic.h"

#include <torch/torch.h>

#include <cmath>
#include <stdexcept>

namespace fastac {

struct ActorCritic::Storage {
  torch::Tensor flat;
};

namespace {

// torch.nn.init.orthogonal_, with an explicit generator so that the global
// torch RNG (the user's torch.manual_seed state) is left untouched.
torch::Tensor orthogonal(int rows, int cols, double gain, torch::Generator& gen) {
  torch::Tensor flat = at::normal(0.0, 1.0, {rows, cols}, gen, torch::kFloat64);
  if (rows < cols) flat = flat.t();
  auto [q, r] = torch::linalg_qr(flat);
  q = q * torch::sign(torch::diagonal(r));
  if (rows < cols) q = q.t();
  return (q * gain).to(torch::kFloat32);
}

}  // namespace

ActorCritic::ActorCritic(const ActorCriticSpec& spec, uint64_t seed, bool initialize)
    : spec_(spec), distribution_(make_distribution(spec.action_space)) {
  mlp_ = std::make_unique<MlpPolicy>(spec.observation_size, distribution_->input_size(), spec.hidden_sizes);
  policy_ = mlp_.get();
  num_parameters_ = policy_->num_parameters() + distribution_->num_parameters();
  storage_ = std::make_unique<Storage>();
  storage_->flat = torch::zeros({static_cast<int64_t>(num_parameters_)}, torch::kFloat32);
  parameters_ = storage_->flat.data_ptr<float>();
  if (!initialize) return;
  torch::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  for (const WeightInit& w : policy_->initializers()) {
    torch::Tensor m = orthogonal(w.out, w.in, w.gain, gen);  // torch's [out, in]
    if (w.input_major) m = m.t().contiguous();
    std::copy(m.data_ptr<float>(), m.data_ptr<float>() + m.numel(), parameters_ + w.offset);
  }
  distribution_->initialize(parameters_ + distribution_offset());
}

ActorCritic::~ActorCritic() = default;

}  // namespace fastac
