#include "nn/minatar_cnn.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace fastac {
namespace {

constexpr int kFilters = MinAtarCnnShape::kFilters, kKernel = MinAtarCnnShape::kKernel, kTaps = kKernel * kKernel;

// Calls f(y, x, c, value) for every non-zero input of sample b, with the value the
// module's network sees (uint8 / 255, bool and float as they are).
template <class F>
void for_each_input(const MinAtarCnnShape& s, const void* obs, int b, F&& f) {
  const int C = s.channels, H = s.height, W = s.width;
  const size_t n = static_cast<size_t>(C) * H * W;
  auto visit = [&](const auto* x, auto value) {
    x += static_cast<size_t>(b) * n;
    for (int y = 0; y < H; ++y)
      for (int xx = 0; xx < W; ++xx)
        for (int c = 0; c < C; ++c) {
          const size_t i = s.channels_last ? (static_cast<size_t>(y) * W + xx) * C + c
                                           : (static_cast<size_t>(c) * H + y) * W + xx;
          if (x[i] != 0) f(y, xx, c, value(x[i]));
        }
  };
  if (s.dtype == ObsDtype::kFloat32)
    visit(static_cast<const float*>(obs), [](float v) { return v; });
  else if (s.dtype == ObsDtype::kUInt8)
    visit(static_cast<const uint8_t*>(obs), [](uint8_t v) { return static_cast<float>(v) / 255.0f; });
  else
    visit(static_cast<const uint8_t*>(obs), [](uint8_t v) { return static_cast<float>(v); });
}

// Calls f(tap, p) for each output position p = oy * OW + ox whose 3x3 window holds input
// (y, x), tap = ky * 3 + kx being the input's place in that window.
template <class F>
inline void for_each_window(const MinAtarCnnShape& s, int y, int x, F&& f) {
  const int OH = s.out_height(), OW = s.out_width();
  for (int ky = std::max(0, y - OH + 1); ky <= std::min(kKernel - 1, y); ++ky)
    for (int kx = std::max(0, x - OW + 1); kx <= std::min(kKernel - 1, x); ++kx)
      f(ky * kKernel + kx, (y - ky) * OW + (x - kx));
}

at::Tensor view(const float* data, at::IntArrayRef shape) {
  return at::from_blob(const_cast<float*>(data), shape, at::TensorOptions().dtype(at::kFloat));
}

}  // namespace

void minatar_cnn_forward(const MinAtarCnnShape& s, const float* params, const void* obs, int batch,
                         MinAtarCnnActivations& a, float* head, float* values) {
  const int C = s.channels, P = s.out_height() * s.out_width(), n = s.conv_outputs(), F = s.features,
            A = s.head_size;
  a.batch = -1;
  a.conv.resize(static_cast<size_t>(batch) * n);
  a.features.resize(static_cast<size_t>(batch) * F);
  a.scratch.resize(static_cast<size_t>(P) * kFilters);
  // The convolution's weights [16, C, 3, 3] as [C, 3, 3, 16]: a window's 16 filters contiguous.
  a.conv_weight_t.resize(static_cast<size_t>(C) * kTaps * kFilters);
  const float* conv_w = params + s.conv_weight;
  for (int o = 0; o < kFilters; ++o)
    for (int ct = 0; ct < C * kTaps; ++ct) a.conv_weight_t[static_cast<size_t>(ct) * kFilters + o] = conv_w[o * C * kTaps + ct];
  const float* conv_b = params + s.conv_bias;

  for (int b = 0; b < batch; ++b) {
    float* z = a.scratch.data();  // [P, 16]
    for (int p = 0; p < P; ++p) std::memcpy(z + p * kFilters, conv_b, sizeof(float) * kFilters);
    for_each_input(s, obs, b, [&](int y, int x, int c, float v) {
      const float* w = a.conv_weight_t.data() + static_cast<size_t>(c) * kTaps * kFilters;
      for_each_window(s, y, x, [&](int tap, int p) {
        float* zp = z + p * kFilters;
        const float* wt = w + tap * kFilters;
        for (int o = 0; o < kFilters; ++o) zp[o] += v * wt[o];
      });
    });
    float* out = a.conv.data() + static_cast<size_t>(b) * n;  // channel-major, as torch's Flatten
    for (int p = 0; p < P; ++p)
      for (int o = 0; o < kFilters; ++o) out[o * P + p] = std::max(z[p * kFilters + o], 0.0f);
  }

  // features = ReLU(conv W^T + bias), one matrix product.
  at::Tensor features = at::from_blob(a.features.data(), {batch, F});
  at::addmm_out(features, view(params + s.linear_bias, {F}), view(a.conv.data(), {batch, n}),
                view(params + s.linear_weight, {F, n}).t());
  for (float& h : a.features) h = std::max(h, 0.0f);

  const float* actor_w = params + s.actor_weight;
  const float* critic_w = params + s.critic_weight;
  for (int b = 0; b < batch; ++b) {
    const float* h = a.features.data() + static_cast<size_t>(b) * F;
    for (int k = 0; k < A; ++k) {
      float sum = params[s.actor_bias + k];
      for (int j = 0; j < F; ++j) sum += h[j] * actor_w[static_cast<size_t>(k) * F + j];
      head[static_cast<size_t>(b) * A + k] = sum;
    }
    float v = params[s.critic_bias];
    for (int j = 0; j < F; ++j) v += h[j] * critic_w[j];
    values[b] = v;
  }
  a.batch = batch;
}

void minatar_cnn_backward(const MinAtarCnnShape& s, const float* params, const void* obs, int batch,
                          MinAtarCnnActivations& a, const float* grad_head, const float* grad_values, float* grad) {
  const int C = s.channels, P = s.out_height() * s.out_width(), n = s.conv_outputs(), F = s.features,
            A = s.head_size;
  const float* actor_w = params + s.actor_weight;
  const float* critic_w = params + s.critic_weight;

  // The heads, and the gradient at the features' pre-activations (ReLU: where > 0).
  a.grad_features.assign(static_cast<size_t>(batch) * F, 0.0f);
  for (int b = 0; b < batch; ++b) {
    const float* h = a.features.data() + static_cast<size_t>(b) * F;
    const float* gh = grad_head + static_cast<size_t>(b) * A;
    float* gf = a.grad_features.data() + static_cast<size_t>(b) * F;
    for (int k = 0; k < A; ++k) {
      float* gw = grad + s.actor_weight + static_cast<size_t>(k) * F;
      for (int j = 0; j < F; ++j) {
        gw[j] += gh[k] * h[j];
        gf[j] += gh[k] * actor_w[static_cast<size_t>(k) * F + j];
      }
      grad[s.actor_bias + k] += gh[k];
    }
    float* gw = grad + s.critic_weight;
    for (int j = 0; j < F; ++j) {
      gw[j] += grad_values[b] * h[j];
      gf[j] += grad_values[b] * critic_w[j];
      if (h[j] <= 0.0f) gf[j] = 0.0f;
    }
    grad[s.critic_bias] += grad_values[b];
  }

  // The linear layer: weight += gf^T conv, bias += column sums, and the conv outputs' gradient.
  const at::Tensor gf = view(a.grad_features.data(), {batch, F});
  const at::Tensor conv = view(a.conv.data(), {batch, n});
  at::from_blob(grad + s.linear_weight, {F, n}).addmm_(gf.t(), conv);
  float* gb = grad + s.linear_bias;
  for (int b = 0; b < batch; ++b)
    for (int j = 0; j < F; ++j) gb[j] += a.grad_features[static_cast<size_t>(b) * F + j];
  a.grad_conv.resize(static_cast<size_t>(batch) * n);
  at::Tensor grad_conv = at::from_blob(a.grad_conv.data(), {batch, n});
  at::mm_out(grad_conv, gf, view(params + s.linear_weight, {F, n}));

  // The convolution: its gradient at the outputs (ReLU: where > 0), transposed to
  // [P, 16]; each non-zero input adds it to the weights of its windows.
  std::vector<float>& wt_grad = a.conv_weight_t;  // [C, 3, 3, 16], reused as the accumulator
  wt_grad.assign(static_cast<size_t>(C) * kTaps * kFilters, 0.0f);
  a.scratch.resize(static_cast<size_t>(P) * kFilters);
  float* conv_b_grad = grad + s.conv_bias;
  for (int b = 0; b < batch; ++b) {
    const float* out = a.conv.data() + static_cast<size_t>(b) * n;
    const float* g = a.grad_conv.data() + static_cast<size_t>(b) * n;
    float* gz = a.scratch.data();
    for (int o = 0; o < kFilters; ++o)
      for (int p = 0; p < P; ++p) {
        const float d = out[o * P + p] > 0.0f ? g[o * P + p] : 0.0f;
        gz[p * kFilters + o] = d;
        conv_b_grad[o] += d;
      }
    for_each_input(s, obs, b, [&](int y, int x, int c, float v) {
      float* w = wt_grad.data() + static_cast<size_t>(c) * kTaps * kFilters;
      for_each_window(s, y, x, [&](int tap, int p) {
        const float* gp = gz + p * kFilters;
        float* wg = w + tap * kFilters;
        for (int o = 0; o < kFilters; ++o) wg[o] += v * gp[o];
      });
    });
  }
  float* conv_w_grad = grad + s.conv_weight;
  for (int o = 0; o < kFilters; ++o)
    for (int ct = 0; ct < C * kTaps; ++ct) conv_w_grad[o * C * kTaps + ct] += wt_grad[static_cast<size_t>(ct) * kFilters + o];
  a.batch = -1;
}

}  // namespace fastac
