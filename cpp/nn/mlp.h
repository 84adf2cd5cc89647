// The MLP policy: a shared trunk (default one 128-unit ReLU layer), a linear
// head for the distribution's inputs and a scalar value head, as in the seed
// notebook; or, with share_trunk = false, Stable-Baselines3's layout: separate
// actor and critic trunks of the same sizes (no gradient of the value loss reaches
// the actor's features). The activation is ReLU or tanh (SB3's default: tanh
// bounds the features, so that a normalized input clipped at +-10 cannot blow
// the logits up). Hand-written forward and backward passes over the flat parameters:
// at this network's size libtorch's per-op dispatch (~1 us) and autograd (~0.4 ms
// a backward) would dominate a training step, while these loops cost well under a
// microsecond per sample. tests/cpp/test_gradient_vs_autograd.cpp checks them
// against libtorch autograd.
//
// Parameter layout: a layer that widens (out >= in, the first trunk layer) stores
// its weight input-major [in, out]; a layer that narrows (the heads) stores it
// output-major [out, in] as torch.nn.Linear does. Then every loop runs over
// contiguous memory (an axpy over outputs or a dot over inputs); state_dict export
// transposes as needed.
#pragma once

#include <string>
#include <vector>

#include "nn/policy.h"

namespace fastac {

// Where one linear layer's parameters sit in the flat buffer.
struct LinearLayout {
  std::string name;  // torch module name: "trunk.0", "trunk.2", ..., "actor", "critic"
  int in = 0, out = 0;
  bool input_major = true;  // weight stored [in, out] row-major if true, else [out, in]
  size_t weight_offset = 0;
  size_t bias_offset = 0;  // [out]
};

enum class Activation { kRelu, kTanh };
Activation activation_from_name(const std::string& name);  // "relu" or "tanh", else std::invalid_argument
const char* activation_name(Activation activation);

// obs -> trunk -> (actor_trunk -> actor, critic_trunk -> critic). A shared trunk
// leaves the branch trunks empty; separate trunks leave the shared one empty.
struct MlpLayout {
  MlpLayout(int observation_size, int head_size, const std::vector<int>& hidden_sizes, bool share_trunk = true);
  int observation_size, head_size;
  std::vector<LinearLayout> trunk, actor_trunk, critic_trunk;  // the activation after each
  LinearLayout actor, critic;
  size_t size = 0;  // number of floats
  std::vector<LinearLayout> layers() const;  // trunk..., actor_trunk..., actor, critic_trunk..., critic
};

class MlpPolicy final : public Policy {
 public:
  MlpPolicy(int observation_size, int head_size, const std::vector<int>& hidden_sizes, bool share_trunk = true,
            Activation activation = Activation::kRelu)
      : layout_(observation_size, head_size, hidden_sizes, share_trunk), activation_(activation) {}
  const MlpLayout& layout() const { return layout_; }
  Activation activation() const { return activation_; }

  size_t num_parameters() const override { return layout_.size; }
  int observation_size() const override { return layout_.observation_size; }
  int head_size() const override { return layout_.head_size; }
  std::unique_ptr<PolicyWorkspace> make_workspace() const override;
  std::vector<WeightInit> initializers() const override;
  void forward(const float* params, const void* obs, int batch, PolicyWorkspace& ws, float* head,
               float* values) const override;
  bool has_forward_rows() const override { return true; }
  void forward_rows(const float* params, const void* obs, int first, int batch, int total, PolicyWorkspace& ws,
                    float* head, float* values) const override;
  void backward(const float* params, const void* obs, int batch, PolicyWorkspace& ws, const float* grad_head,
                const float* grad_values, float* grad) const override;

 private:
  MlpLayout layout_;
  Activation activation_;
};

}  // namespace fastac
