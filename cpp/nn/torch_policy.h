// Policies made of libtorch modules, on the policy interface (nn/policy.h): the CNNs
// for image observations, and an MLP (the network of nn/mlp.h's kernels, to check one
// against the other and to measure where each wins).
//
// Convolutions belong to libtorch; the hand-written kernels stay for small MLPs, where
// libtorch's per-op (~1 us) and autograd (~0.4 ms a backward) costs would dominate.
//
// The module is torch.nn's: `trunk` (a Sequential) -> `actor` (Linear, the
// distribution's inputs) and `critic` (Linear, the value), the trunk shared. Its
// parameters are not owned by the module: every forward points them (Tensor::set_data)
// at the caller's flat buffer, in named_parameters() order, each in torch's own shape
// and memory layout, so the model's state_dict is a plain split of the flat buffer;
// the gradient (libtorch autograd's, or the CNNs' passes without it, below) is added into
// the caller's flat gradient. So the
// shared (Hogwild) optimizer, the A2C learner, save/load and the exports see one flat
// buffer as for the MLP kernels.
//
// Architectures (Stable-Baselines3 / the MinAtar paper), ReLU after every trunk layer:
//   nature_cnn   Conv(C,32,8,s4) Conv(32,64,4,s2) Conv(64,64,3,s1) Flatten Linear(n,512)
//   minatar_cnn  Conv(C,16,3,s1) Flatten Linear(n,128)
//   mlp          Linear(D,h1) ... Linear(h_{k-1},h_k), on the flattened observation
// hidden_sizes overrides the feature layer's width ({512} / {128}) or gives the MLP's.
// Observations are the env's: uint8 images are scaled by 1/255 inside the network,
// bool become 0/1, channel-last images are permuted to channel-first.
//
// minatar_cnn's forward and backward are hand-written (nn/minatar_cnn.h) unless
// spec.autograd: at A3C's batches libtorch's per-call costs outweigh that small network's
// arithmetic. nature_cnn's are "explicit passes" unless spec.autograd: the module's
// network op by op with libtorch's kernels (conv2d, addmm; convolution_backward,
// threshold_backward, mm), no autograd, images in channels-last memory (oneDNN's faster
// layout), the activations kept per block of rows so that A3C's acting forwards serve its
// backward (forward_rows). The module still defines the parameters (names, shapes, offsets).
//
// No torch include here: torch stays inside torch_policy.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nn/minatar_cnn.h"
#include "nn/mlp.h"
#include "nn/policy.h"

namespace fastac {

struct TorchPolicySpec {
  std::string architecture = "nature_cnn";  // "nature_cnn", "minatar_cnn" or "mlp"
  std::vector<int> observation_shape;       // as the env gives it; an image: [C, H, W] or [H, W, C]
  bool channels_last = false;               // an image is [H, W, C]
  ObsDtype observation_dtype = ObsDtype::kFloat32;
  int head_size = 1;                        // the distribution's inputs
  std::vector<int> hidden_sizes;            // empty: the architecture's default
  Activation activation = Activation::kRelu;
  // minatar_cnn and nature_cnn run their passes without autograd (nn/minatar_cnn.h, the
  // explicit passes: the same network and parameters) unless this is set (tests, benchmarks).
  bool autograd = false;
};

struct CnnChain;  // nature_cnn's explicit passes (torch_policy.cpp)

// One named parameter's place in the flat buffer: numel(shape) floats at offset.
struct TorchParameter {
  std::string name;  // the torch module's state_dict key, e.g. "trunk.0.weight"
  std::vector<int64_t> shape;
  size_t offset = 0;
};

class TorchPolicy final : public Policy {
 public:
  // std::invalid_argument for an unknown architecture, a shape the architecture cannot
  // take (an image smaller than its kernels, a CNN on a non-3-D shape), bad sizes.
  explicit TorchPolicy(const TorchPolicySpec& spec);
  ~TorchPolicy() override;

  const TorchPolicySpec& spec() const { return spec_; }
  const std::vector<TorchParameter>& named_parameters() const { return parameters_; }

  size_t num_parameters() const override { return num_parameters_; }
  int observation_size() const override { return observation_size_; }
  ObsDtype observation_dtype() const override { return spec_.observation_dtype; }
  int head_size() const override { return spec_.head_size; }
  size_t forward_work() const override { return forward_work_; }
  int gradient_chunk(int batch) const override;
  std::unique_ptr<PolicyWorkspace> make_workspace() const override;
  std::vector<WeightInit> initializers() const override;
  void forward(const float* params, const void* obs, int batch, PolicyWorkspace& ws, float* head,
               float* values) const override;
  void infer(const float* params, const void* obs, int batch, PolicyWorkspace& ws, float* head,
             float* values) const override;
  bool has_forward_rows() const override;  // minatar_cnn's and nature_cnn's explicit passes
  void forward_rows(const float* params, const void* obs, int first, int batch, int total, PolicyWorkspace& ws,
                    float* head, float* values) const override;
  void backward(const float* params, const void* obs, int batch, PolicyWorkspace& ws, const float* grad_head,
                const float* grad_values, float* grad) const override;

 private:
  TorchPolicySpec spec_;
  std::vector<TorchParameter> parameters_;
  std::vector<WeightInit> initializers_;
  size_t num_parameters_ = 0, forward_work_ = 0;
  int observation_size_ = 0;
  std::unique_ptr<MinAtarCnnShape> minatar_;  // set: minatar_cnn's hand-written passes
  std::unique_ptr<CnnChain> chain_;            // set: nature_cnn's explicit passes
};

// The calling thread's libtorch intra-op threads (OpenMP's are per thread): an A3C
// worker takes one, the workers being the parallelism.
void set_torch_threads(int threads);
int torch_threads();

}  // namespace fastac
