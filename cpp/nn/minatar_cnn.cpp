#include "nn/minatar_cnn.h"

#include <ATen/ATen.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "nn/kernel_isa.h"
#include "nn/vector_math.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace fastac {
namespace {

constexpr int kFilters = MinAtarCnnShape::kFilters, kKernel = MinAtarCnnShape::kKernel, kTaps = kKernel * kKernel;

// Calls f(y, x, c, value) for every non-zero input of sample b, in memory order, with the
// value the module's network sees (uint8 / 255, bool and float as they are). Byte images
// are scanned 16 bytes at a time: MinAtar's are about 90 % zeros.
template <class F>
inline void for_each_input(const MinAtarCnnShape& s, const void* obs, int b, F&& f) {
  const int C = s.channels, H = s.height, W = s.width;
  const size_t n = static_cast<size_t>(C) * H * W;
  auto visit = [&](int i, float v) {
    if (s.channels_last)
      f(i / (W * C), (i / C) % W, i % C, v);
    else
      f((i / W) % H, i % W, i / (H * W), v);
  };
  if (s.dtype == ObsDtype::kFloat32) {
    const float* x = static_cast<const float*>(obs) + static_cast<size_t>(b) * n;
    for (size_t i = 0; i < n; ++i)
      if (x[i] != 0.0f) visit(static_cast<int>(i), x[i]);
    return;
  }
  const uint8_t* x = static_cast<const uint8_t*>(obs) + static_cast<size_t>(b) * n;
  const bool scaled = s.dtype == ObsDtype::kUInt8;
  auto value = [scaled](uint8_t v) { return scaled ? static_cast<float>(v) / 255.0f : static_cast<float>(v); };
  size_t i = 0;
#if defined(__SSE2__)
  for (; i + 16 <= n; i += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i));
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_setzero_si128()))) ^ 0xFFFFu;
    for (; mask != 0; mask &= mask - 1) {
      const size_t k = i + static_cast<size_t>(__builtin_ctz(mask));
      visit(static_cast<int>(k), value(x[k]));
    }
  }
#endif
  for (; i < n; ++i)
    if (x[i] != 0) visit(static_cast<int>(i), value(x[i]));
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

// Each non-zero input v adds v w[c, tap, :] to the 16 outputs of every window that holds it;
// z: [P, 16], w_t: the weights as [C, 3, 3, 16].
inline void convolve(const MinAtarCnnShape& s, const float* w_t, const void* obs, int b, float* __restrict z) {
  for_each_input(s, obs, b, [&](int y, int x, int c, float v) {
    const float* w = w_t + static_cast<size_t>(c) * kTaps * kFilters;
    for_each_window(s, y, x, [&](int tap, int p) { axpy(kFilters, v, w + tap * kFilters, z + p * kFilters); });
  });
}

// The passes, compiled for the CPU's ISA (nn/kernel_isa.h).
// Rows [first, first + batch) of a `total`-row forward (minatar_cnn_forward: first 0, total batch).
FASTAC_KERNEL void forward(const MinAtarCnnShape& s, const float* params, const void* obs, int first, int batch,
                           int total, MinAtarCnnActivations& a, float* head, float* values) {
  const int C = s.channels, P = s.out_height() * s.out_width(), n = s.conv_outputs(), F = s.features,
            A = s.head_size;
  a.batch = -1;
  a.conv.resize(static_cast<size_t>(total) * n);
  a.features.resize(static_cast<size_t>(total) * F);
  float* const conv = a.conv.data() + static_cast<size_t>(first) * n;
  float* const features = a.features.data() + static_cast<size_t>(first) * F;
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
    convolve(s, a.conv_weight_t.data(), obs, b, z);
    float* __restrict out = conv + static_cast<size_t>(b) * n;  // channel-major, as torch's Flatten
    for (int o = 0; o < kFilters; ++o)
      for (int p = 0; p < P; ++p) out[o * P + p] = std::max(z[p * kFilters + o], 0.0f);
  }

  // features = ReLU(conv W^T + bias), one matrix product.
  at::Tensor features_out = at::from_blob(features, {batch, F});
  at::addmm_out(features_out, view(params + s.linear_bias, {F}), view(conv, {batch, n}),
                view(params + s.linear_weight, {F, n}).t());
  for (size_t j = 0; j < static_cast<size_t>(batch) * F; ++j) features[j] = std::max(features[j], 0.0f);

  const float* actor_w = params + s.actor_weight;
  const float* critic_w = params + s.critic_weight;
  for (int b = 0; b < batch; ++b) {
    const float* h = features + static_cast<size_t>(b) * F;
    for (int k = 0; k < A; ++k)
      head[static_cast<size_t>(b) * A + k] = params[s.actor_bias + k] + dot(F, actor_w + static_cast<size_t>(k) * F, h);
    values[b] = params[s.critic_bias] + dot(F, critic_w, h);
  }
  a.batch = first + batch == total ? total : -1;
}

FASTAC_KERNEL void backward(const MinAtarCnnShape& s, const float* params, const void* obs, int batch,
                            MinAtarCnnActivations& a, const float* grad_head, const float* grad_values, float* grad) {
  const int C = s.channels, P = s.out_height() * s.out_width(), n = s.conv_outputs(), F = s.features,
            A = s.head_size;
  const float* actor_w = params + s.actor_weight;
  const float* critic_w = params + s.critic_weight;

  // The heads, and the gradient at the features' pre-activations (ReLU: where > 0).
  a.grad_features.assign(static_cast<size_t>(batch) * F, 0.0f);
  float* linear_b_grad = grad + s.linear_bias;
  for (int b = 0; b < batch; ++b) {
    const float* h = a.features.data() + static_cast<size_t>(b) * F;
    const float* gh = grad_head + static_cast<size_t>(b) * A;
    float* gf = a.grad_features.data() + static_cast<size_t>(b) * F;
    for (int k = 0; k < A; ++k) {
      axpy(F, gh[k], h, grad + s.actor_weight + static_cast<size_t>(k) * F);
      axpy(F, gh[k], actor_w + static_cast<size_t>(k) * F, gf);
      grad[s.actor_bias + k] += gh[k];
    }
    axpy(F, grad_values[b], h, grad + s.critic_weight);
    axpy(F, grad_values[b], critic_w, gf);
    grad[s.critic_bias] += grad_values[b];
    for (int j = 0; j < F; ++j)
      if (h[j] <= 0.0f) gf[j] = 0.0f;
    axpy(F, 1.0f, gf, linear_b_grad);
  }

  // The linear layer: weight += gf^T conv, and the conv outputs' gradient.
  const at::Tensor gf = view(a.grad_features.data(), {batch, F});
  const at::Tensor conv = view(a.conv.data(), {batch, n});
  at::from_blob(grad + s.linear_weight, {F, n}).addmm_(gf.t(), conv);
  a.grad_conv.resize(static_cast<size_t>(batch) * n);
  at::Tensor grad_conv = at::from_blob(a.grad_conv.data(), {batch, n});
  at::mm_out(grad_conv, gf, view(params + s.linear_weight, {F, n}));

  // The convolution: its gradient at the outputs (ReLU: where > 0), transposed to
  // [P, 16]; each non-zero input adds it to the weights of its windows.
  std::vector<float>& wt_grad = a.conv_weight_t;  // [C, 3, 3, 16], reused as the accumulator
  wt_grad.assign(static_cast<size_t>(C) * kTaps * kFilters, 0.0f);
  a.scratch.resize(static_cast<size_t>(P) * kFilters);
  float bias_grad[kFilters] = {};
  for (int b = 0; b < batch; ++b) {
    const float* out = a.conv.data() + static_cast<size_t>(b) * n;
    const float* g = a.grad_conv.data() + static_cast<size_t>(b) * n;
    float* __restrict gz = a.scratch.data();
    for (int o = 0; o < kFilters; ++o) {
      float sum = 0.0f;
      for (int p = 0; p < P; ++p) {
        const float d = out[o * P + p] > 0.0f ? g[o * P + p] : 0.0f;
        gz[p * kFilters + o] = d;
        sum += d;
      }
      bias_grad[o] += sum;
    }
    for_each_input(s, obs, b, [&](int y, int x, int c, float v) {
      float* w = wt_grad.data() + static_cast<size_t>(c) * kTaps * kFilters;
      for_each_window(s, y, x, [&](int tap, int p) { axpy(kFilters, v, gz + p * kFilters, w + tap * kFilters); });
    });
  }
  axpy(kFilters, 1.0f, bias_grad, grad + s.conv_bias);
  float* conv_w_grad = grad + s.conv_weight;
  for (int o = 0; o < kFilters; ++o)
    for (int ct = 0; ct < C * kTaps; ++ct) conv_w_grad[o * C * kTaps + ct] += wt_grad[static_cast<size_t>(ct) * kFilters + o];
  a.batch = -1;
}

}  // namespace

void minatar_cnn_forward(const MinAtarCnnShape& s, const float* params, const void* obs, int batch,
                         MinAtarCnnActivations& a, float* head, float* values) {
  forward(s, params, obs, 0, batch, batch, a, head, values);
}

void minatar_cnn_forward_rows(const MinAtarCnnShape& s, const float* params, const void* obs, int first, int batch,
                              int total, MinAtarCnnActivations& a, float* head, float* values) {
  forward(s, params, obs, first, batch, total, a, head, values);
}

void minatar_cnn_backward(const MinAtarCnnShape& s, const float* params, const void* obs, int batch,
                          MinAtarCnnActivations& a, const float* grad_head, const float* grad_values, float* grad) {
  backward(s, params, obs, batch, a, grad_head, grad_values, grad);
}

}  // namespace fastac
