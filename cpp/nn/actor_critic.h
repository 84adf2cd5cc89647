// The actor-critic network: a shared ReLU trunk (default one 128-unit layer),
// a softmax actor head and a scalar value head, as in the seed notebook.
//
// All parameters live in one flat, contiguous float32 libtorch tensor, so that
// workers and optimizers address them as plain memory and Hogwild updates touch
// one buffer. A layer that widens (out >= in, the first trunk layer) stores its
// weight input-major [in, out]; a layer that narrows (the heads) stores it
// output-major [out, in] as torch.nn.Linear does. Then every loop of the
// hand-written kernels in mlp.cpp runs over contiguous memory (an axpy over
// outputs or a dot over inputs); state_dict export transposes as needed.
//
// This header has no torch include: torch stays inside actor_critic.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fastac {

struct ActorCriticSpec {
  int observation_size = 4;
  int num_actions = 2;
  std::vector<int> hidden_sizes = {128};
};

// Where one linear layer's parameters sit in the flat buffer.
struct LinearLayout {
  std::string name;  // torch module name: "trunk.0", "trunk.2", ..., "actor", "critic"
  int in = 0, out = 0;
  bool input_major = true;   // weight stored [in, out] row-major if true, else [out, in]
  size_t weight_offset = 0;
  size_t bias_offset = 0;    // [out]
};

struct ParameterLayout {
  explicit ParameterLayout(const ActorCriticSpec& spec);
  ActorCriticSpec spec;
  std::vector<LinearLayout> trunk;  // ReLU after each
  LinearLayout actor, critic;
  size_t size = 0;  // number of floats
  int last_hidden() const { return trunk.empty() ? spec.observation_size : trunk.back().out; }
};

class ActorCritic {
 public:
  // Orthogonal weights (gain sqrt(2) for the trunk, 0.01 for the actor, 1 for the
  // critic, zero biases, as Stable-Baselines3 and CleanRL), drawn by libtorch from `seed`.
  ActorCritic(const ActorCriticSpec& spec, uint64_t seed);
  ~ActorCritic();
  ActorCritic(const ActorCritic&) = delete;
  ActorCritic& operator=(const ActorCritic&) = delete;

  const ParameterLayout& layout() const { return layout_; }
  float* parameters() { return parameters_; }
  const float* parameters() const { return parameters_; }
  size_t num_parameters() const { return layout_.size; }

 private:
  struct Storage;  // holds the torch::Tensor that owns the memory
  ParameterLayout layout_;
  std::unique_ptr<Storage> storage_;
  float* parameters_ = nullptr;
};

}  // namespace fastac
