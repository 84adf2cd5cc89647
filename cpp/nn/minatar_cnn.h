// The MinAtar CNN (Young and Tian 2019: Conv(C, 16, 3) ReLU, Flatten, Linear(n, F) ReLU,
// then the actor and critic heads) computed without autograd, over the flat parameters
// of TorchPolicy's "minatar_cnn" module (same names, shapes and offsets).
//
// Why: at the batches A3C acts and learns on (8 to 40 samples), libtorch's convolution
// on a 10x10 image and autograd's bookkeeping cost more than the arithmetic. MinAtar's
// observations are 0/1 and mostly 0 (a ball, a paddle, a trail, the bricks), so the
// convolution and its weight gradient run over the non-zero inputs only (each adds its
// 3x3 window of weights into the outputs it touches), and nothing needs the input's
// gradient. The one large layer, Linear(n = 16 * (H-2) * (W-2), F), is sparse too: after
// the ReLU, 30 % of the convolution's outputs are non-zero at initialization and 3-12 %
// once Breakout trains, and 14-49 % of the features (bench/minatar_sparsity.py). So its
// forward adds the weight columns of the non-zero outputs only, its input gradient is a
// dot product at those outputs only (the ReLU zeroes the rest), and its weight gradient
// goes over the non-zero (sample, feature) pairs and the filters with any output. Those
// passes read the weight [F, n] by column; a worker's workspace keeps it transposed,
// filter by filter as the rows need them, once for a rollout's forward passes
// (forward_rows) and its backward. A forward of one row takes dense dot products with the
// weight's rows instead (transposing for one row costs more than it saves). Dense matrix
// products (MKL) took half of an A3C run, two fifths of that re-packing the weight for each
// call; at a third of the outputs non-zero they still win at batches of 40 and more
// (bench/README.md).
//
// The outputs and gradient equal autograd's up to float rounding (summation order):
// tests/cpp/test_torch_policy.cpp checks both against a plain torch model. Each row is
// computed alone and every sum runs in a fixed order, so forward_rows pieces equal one
// whole forward bit for bit, on any ISA. Zeros are skipped, not multiplied (except in the
// one-row dense dot products): a weight that is inf or NaN reaches only the outputs it
// touches (the optimizer refuses non-finite steps anyway).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "envs/env.h"  // ObsDtype

namespace fastac {

struct MinAtarCnnShape {
  int channels = 0, height = 0, width = 0;  // of the input image
  bool channels_last = false;               // [H, W, C] rather than [C, H, W]
  ObsDtype dtype = ObsDtype::kBool;         // uint8 is scaled by 1/255, as the module does
  int features = 128;                       // F
  int head_size = 1;
  // Offsets in the flat buffer: trunk.0.weight [16, C, 3, 3], trunk.0.bias [16],
  // trunk.3.weight [F, 16 * OH * OW], trunk.3.bias [F], actor.weight [A, F], actor.bias [A],
  // critic.weight [1, F], critic.bias [1].
  size_t conv_weight = 0, conv_bias = 0, linear_weight = 0, linear_bias = 0, actor_weight = 0, actor_bias = 0,
         critic_weight = 0, critic_bias = 0;

  static constexpr int kFilters = 16, kKernel = 3;
  int out_height() const { return height - kKernel + 1; }
  int out_width() const { return width - kKernel + 1; }
  int conv_outputs() const { return kFilters * out_height() * out_width(); }  // n, in torch's flatten order
};

// What forward() keeps for backward(), per thread; reused across calls.
struct MinAtarCnnActivations {
  std::vector<float> conv;          // [16, total, P]: ReLU(conv), filter by filter (the weight gradient's rows)
  std::vector<int32_t> active;      // [total, n]: per row, the indices (torch's flatten order) of its
  std::vector<float> active_value;  //   non-zero conv outputs and their values, the first active_count[row]
  std::vector<int32_t> active_count;
  std::vector<uint32_t> row_filters;  // [total]: bit o set if filter o has a non-zero output in the row
  std::vector<float> features;        // [total, F]: ReLU(linear)
  std::vector<float> weight_t;        // [n, F]: the linear weight transposed, for the filters in weight_t_filters
  uint32_t weight_t_filters = 0;
  std::vector<float> scratch, grad_features, conv_weight_t, feature_grads;
  std::vector<int32_t> feature_rows;
  int total = 0, next_row = 0;  // the rows' forward passes so far
  int batch = -1;               // of the forward kept; -1: none
};

void minatar_cnn_forward(const MinAtarCnnShape& s, const float* params, const void* obs, int batch,
                         MinAtarCnnActivations& a, float* head, float* values);
// Rows [first, first + batch) of a forward over `total` rows (Policy::forward_rows): obs,
// head and values are the rows' own; a keeps every row's activations, and holds the whole
// batch's once its last row is done. Rows come in order, with the same params: the first
// call's first is 0, each next one's the previous first + batch (std::logic_error if not).
void minatar_cnn_forward_rows(const MinAtarCnnShape& s, const float* params, const void* obs, int first, int batch,
                              int total, MinAtarCnnActivations& a, float* head, float* values);
// Adds the gradient of a loss with derivatives grad_head [batch, A] and grad_values [batch]
// to grad; a must hold forward() of the same params and obs.
void minatar_cnn_backward(const MinAtarCnnShape& s, const float* params, const void* obs, int batch,
                          MinAtarCnnActivations& a, const float* grad_head, const float* grad_values, float* grad);

}  // namespace fastac
