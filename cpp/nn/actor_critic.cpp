#include "nn/actor_critic.h"

#include <torch/torch.h>

#include <cmath>
#include <stdexcept>

namespace fastac {

ParameterLayout::ParameterLayout(const ActorCriticSpec& s) : spec(s) {
  if (s.observation_size < 1) throw std::invalid_argument("observation_size must be >= 1");
  if (s.num_actions < 2) throw std::invalid_argument("num_actions must be >= 2");
  auto add = [this](const std::string& name, int in, int out) {
    if (out < 1) throw std::invalid_argument("hidden sizes must be >= 1");
    LinearLayout l{name, in, out, out >= in, size, size + static_cast<size_t>(in) * out};
    size = l.bias_offset + out;
    return l;
  };
  int in = s.observation_size;
  for (size_t k = 0; k < s.hidden_sizes.size(); ++k) {
    trunk.push_back(add("trunk." + std::to_string(2 * k), in, s.hidden_sizes[k]));
    in = s.hidden_sizes[k];
  }
  actor = add("actor", in, s.num_actions);
  critic = add("critic", in, 1);
}

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

ActorCritic::ActorCritic(const ActorCriticSpec& spec, uint64_t seed)
    : layout_(spec), storage_(std::make_unique<Storage>()) {
  storage_->flat = torch::zeros({static_cast<int64_t>(layout_.size)}, torch::kFloat32);
  parameters_ = storage_->flat.data_ptr<float>();
  torch::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  auto init = [&](const LinearLayout& l, double gain) {
    torch::Tensor w = orthogonal(l.out, l.in, gain, gen);  // torch's [out, in]
    if (l.input_major) w = w.t().contiguous();
    std::copy(w.data_ptr<float>(), w.data_ptr<float>() + w.numel(), parameters_ + l.weight_offset);
  };
  for (const auto& l : layout_.trunk) init(l, std::sqrt(2.0));
  init(layout_.actor, 0.01);
  init(layout_.critic, 1.0);
}

ActorCritic::~ActorCritic() = default;

}  // namespace fastac
