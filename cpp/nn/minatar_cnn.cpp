#include "nn/minatar_cnn.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "nn/kernel_isa.h"
#include "nn/vector_math.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

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

// Each non-zero input v adds v w[c, tap, :] to the 16 outputs of every window that holds it;
// z: [P, 16], w_t: the weights as [C, 3, 3, 16].
inline void convolve(const MinAtarCnnShape& s, const float* w_t, const void* obs, int b, float* __restrict z) {
  for_each_input(s, obs, b, [&](int y, int x, int c, float v) {
    const float* w = w_t + static_cast<size_t>(c) * kTaps * kFilters;
    for_each_window(s, y, x, [&](int tap, int p) { axpy(kFilters, v, w + tap * kFilters, z + p * kFilters); });
  });
}

// Copies the linear weight's columns of filter o (outputs o*P to o*P + P - 1) into the
// transposed weight wt [n, F], in 8 x 8 blocks where they fit.
inline void transpose_filter(const MinAtarCnnShape& s, const float* __restrict w, int o, float* __restrict wt) {
  const int F = s.features, P = s.out_height() * s.out_width();
  const size_t n = static_cast<size_t>(s.conv_outputs()), first = static_cast<size_t>(o) * P;
  const int F8 = F - F % 8, P8 = P - P % 8;
  for (int j = 0; j < F8; j += 8)
    for (int p = 0; p < P8; p += 8) transpose8x8(w + j * n + first + p, n, wt + (first + p) * F + j, F, false);
  for (int j = 0; j < F; ++j)
    for (int p = j < F8 ? P8 : 0; p < P; ++p) wt[(first + p) * F + j] = w[j * n + first + p];
}

// Makes sure the transposed weight holds the filters in `filters` (bits), for the
// params of the forward that start() began.
inline void transpose_filters(const MinAtarCnnShape& s, const float* params, uint32_t filters,
                              MinAtarCnnActivations& a) {
  for (uint32_t m = filters & ~a.weight_t_filters; m != 0; m &= m - 1)
    transpose_filter(s, params + s.linear_weight, __builtin_ctz(m), a.weight_t.data());
  a.weight_t_filters |= filters;
}

// The passes, compiled for the CPU's ISA (nn/kernel_isa.h).
// Rows [first, first + batch) of the `a.total`-row forward that start() began.
FASTAC_KERNEL void forward(const MinAtarCnnShape& s, const float* params, const void* obs, int first, int batch,
                           MinAtarCnnActivations& a, float* head, float* values) {
  const int C = s.channels, P = s.out_height() * s.out_width(), n = s.conv_outputs(), F = s.features,
            A = s.head_size, total = a.total;
  // The convolution's weights [16, C, 3, 3] as [C, 3, 3, 16]: a window's 16 filters contiguous.
  a.conv_weight_t.resize(static_cast<size_t>(C) * kTaps * kFilters);
  const float* conv_w = params + s.conv_weight;
  for (int o = 0; o < kFilters; ++o)
    for (int ct = 0; ct < C * kTaps; ++ct) a.conv_weight_t[static_cast<size_t>(ct) * kFilters + o] = conv_w[o * C * kTaps + ct];
  const float* conv_b = params + s.conv_bias;
  const float* actor_w = params + s.actor_weight;
  const float* critic_w = params + s.critic_weight;

  for (int b = 0; b < batch; ++b) {
    const int row = first + b;
    float* z = a.scratch.data();  // [P, 16]
    for (int p = 0; p < P; ++p) std::memcpy(z + p * kFilters, conv_b, sizeof(float) * kFilters);
    convolve(s, a.conv_weight_t.data(), obs, b, z);

    // ReLU, stored filter by filter ([P, 16] to [16, P]: 8 x 8 blocks where they fit).
    float* const conv = a.conv.data() + static_cast<size_t>(row) * P;
    const size_t filter_stride = static_cast<size_t>(total) * P;
    const int P8 = P - P % 8;
    for (int p = 0; p < P8; p += 8)
      for (int o = 0; o < kFilters; o += 8)
        transpose8x8(z + p * kFilters + o, kFilters, conv + o * filter_stride + p, filter_stride, true);
    for (int o = 0; o < kFilters; ++o)
      for (int p = P8; p < P; ++p) {
        const float v = z[p * kFilters + o];
        conv[o * filter_stride + p] = v > 0.0f ? v : 0.0f;  // (as the blocks: NaN to 0)
      }
    // The row's non-zero outputs, skipping 8 zeros at a time.
    int32_t* active = a.active.data() + static_cast<size_t>(row) * n;
    float* active_value = a.active_value.data() + static_cast<size_t>(row) * n;
    int count = 0;
    uint32_t filters = 0;
    for (int o = 0; o < kFilters; ++o) {
      const float* out = conv + o * filter_stride;
      const int before = count;
      for (int p = 0; p < P; ++p) {
        if (p % 8 == 0 && p + 8 <= P && !any_positive8(out + p)) {
          p += 7;
          continue;
        }
        active[count] = o * P + p;  // (count <= o * P + p < n: in the row's slots)
        active_value[count] = out[p];
        count += out[p] > 0.0f;
      }
      if (count > before) filters |= 1u << o;
    }
    a.active_count[row] = count;
    a.row_filters[row] = filters;
    // features = ReLU(bias + the weight's columns of the non-zero outputs, scaled by them),
    // from the transposed weight. A forward of one row (an acting or evaluation step) would
    // transpose more than it multiplies: it takes dense dot products with the weight's rows.
    float* h = a.features.data() + static_cast<size_t>(row) * F;
    if (total == 1) {
      const float* w = params + s.linear_weight;
      for (int j = 0; j < F; ++j) h[j] = params[s.linear_bias + j] + dot(n, w + static_cast<size_t>(j) * n, conv);
    } else {
      std::memcpy(h, params + s.linear_bias, sizeof(float) * F);
      transpose_filters(s, params, filters, a);
      add_scaled_rows(F, count, active, active_value, a.weight_t.data(), F, h);
    }
    for (int j = 0; j < F; ++j) h[j] = std::max(h[j], 0.0f);

    for (int k = 0; k < A; ++k)
      head[static_cast<size_t>(b) * A + k] = params[s.actor_bias + k] + dot(F, actor_w + static_cast<size_t>(k) * F, h);
    values[b] = params[s.critic_bias] + dot(F, critic_w, h);
  }
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

  // The linear weight's gradient, gf^T conv: for each feature j, the rows whose gradient
  // at j is non-zero, over the filters with any non-zero output.
  uint32_t filters = 0;
  for (int b = 0; b < batch; ++b) filters |= a.row_filters[b];
  a.feature_rows.resize(batch);
  a.feature_grads.resize(batch);
  for (int j = 0; j < F; ++j) {
    int count = 0;
    for (int b = 0; b < batch; ++b) {
      const float g = a.grad_features[static_cast<size_t>(b) * F + j];
      a.feature_rows[count] = b;
      a.feature_grads[count] = g;
      count += g != 0.0f;
    }
    if (count == 0) continue;
    float* w_grad = grad + s.linear_weight + static_cast<size_t>(j) * n;
    for (uint32_t f = filters; f != 0; f &= f - 1) {
      const int o = __builtin_ctz(f);
      add_scaled_rows(P, count, a.feature_rows.data(), a.feature_grads.data(),
                      a.conv.data() + static_cast<size_t>(o) * batch * P, P, w_grad + static_cast<size_t>(o) * P);
    }
  }

  // The convolution: the gradient at its non-zero outputs (elsewhere the ReLU makes it 0),
  // a dot product of gf with the transposed weight's row, as [P, 16]; each non-zero input
  // adds it to the weights of its windows.
  transpose_filters(s, params, filters, a);  // (a one-row forward took dot products instead)
  std::vector<float>& wt_grad = a.conv_weight_t;  // [C, 3, 3, 16], reused as the accumulator
  wt_grad.assign(static_cast<size_t>(C) * kTaps * kFilters, 0.0f);
  a.scratch.resize(static_cast<size_t>(P) * kFilters);
  float bias_grad[kFilters] = {};
  for (int b = 0; b < batch; ++b) {
    const float* gf = a.grad_features.data() + static_cast<size_t>(b) * F;
    const int32_t* active = a.active.data() + static_cast<size_t>(b) * n;
    float* __restrict gz = a.scratch.data();
    std::fill(gz, gz + static_cast<size_t>(P) * kFilters, 0.0f);
    for (int i = 0; i < a.active_count[b]; ++i) {
      const int k = active[i], o = k / P, p = k % P;
      const float g = dot(F, gf, a.weight_t.data() + static_cast<size_t>(k) * F);
      gz[p * kFilters + o] = g;
      bias_grad[o] += g;
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
}

// Sizes a's buffers for a forward over `total` rows, with no filter transposed yet.
void start(const MinAtarCnnShape& s, int total, MinAtarCnnActivations& a) {
  const size_t n = static_cast<size_t>(s.conv_outputs()), rows = static_cast<size_t>(total);
  a.batch = -1;
  a.total = total;
  a.next_row = 0;
  a.conv.resize(rows * n);
  a.active.resize(rows * n);
  a.active_value.resize(rows * n);
  a.active_count.assign(rows, 0);
  a.row_filters.assign(rows, 0);
  a.features.resize(rows * s.features);
  a.weight_t.resize(n * s.features);
  a.weight_t_filters = 0;
  a.scratch.resize(static_cast<size_t>(s.out_height()) * s.out_width() * kFilters);
}

}  // namespace

void minatar_cnn_forward(const MinAtarCnnShape& s, const float* params, const void* obs, int batch,
                         MinAtarCnnActivations& a, float* head, float* values) {
  minatar_cnn_forward_rows(s, params, obs, 0, batch, batch, a, head, values);
}

void minatar_cnn_forward_rows(const MinAtarCnnShape& s, const float* params, const void* obs, int first, int batch,
                              int total, MinAtarCnnActivations& a, float* head, float* values) {
  if (first == 0) {
    start(s, total, a);
  } else if (first != a.next_row || total != a.total) {
    a.batch = -1;
    throw std::logic_error("forward_rows: rows [" + std::to_string(first) + ", ...) of " + std::to_string(total) +
                           " after rows up to " + std::to_string(a.next_row) + " of " + std::to_string(a.total) +
                           ": rows come in order from 0");
  }
  forward(s, params, obs, first, batch, a, head, values);
  a.next_row = first + batch;
  a.batch = a.next_row == total ? total : -1;
}

void minatar_cnn_backward(const MinAtarCnnShape& s, const float* params, const void* obs, int batch,
                          MinAtarCnnActivations& a, const float* grad_head, const float* grad_values, float* grad) {
  backward(s, params, obs, batch, a, grad_head, grad_values, grad);
  a.batch = -1;
}

}  // namespace fastac
