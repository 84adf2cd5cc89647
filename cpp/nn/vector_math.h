// The loops the hand-written layers reduce to, over contiguous floats, inline so that they
// compile inside each FASTAC_KERNEL (nn/kernel_isa.h) for its ISA. Every output is summed
// in a fixed order whatever the vector width (the dot keeps 16 partial sums, so that it
// vectorizes without -ffast-math): results are deterministic and equal across ISAs.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fastac {

// y += a x
inline void axpy(int n, float a, const float* __restrict x, float* __restrict y) {
#pragma omp simd
  for (int k = 0; k < n; ++k) y[k] += a * x[k];
}

inline float dot(int n, const float* __restrict x, const float* __restrict y) {
  constexpr int kLanes = 16;
  float partial[kLanes] = {};
  int k = 0;
  for (; k + kLanes <= n; k += kLanes)
    for (int j = 0; j < kLanes; ++j) partial[j] += x[k + j] * y[k + j];
  float s = 0.0f;
  for (int j = 0; j < kLanes; ++j) s += partial[j];
  for (; k < n; ++k) s += x[k] * y[k];
  return s;
}

// Eight floats as one value (the GCC/Clang vector extension): one AVX register, two SSE
// registers in the baseline build; its pointers load and store at any alignment. (No
// function takes or returns one: that would change the baseline build's ABI.)
typedef float f32x8 __attribute__((vector_size(32), aligned(4), may_alias));
inline const f32x8* as_f32x8(const float* p) { return reinterpret_cast<const f32x8*>(p); }
inline f32x8* as_f32x8(float* p) { return reinterpret_cast<f32x8*>(p); }

// Transposes the 8 x 8 block at src (rows src_stride floats apart) into dst (rows
// dst_stride apart), with max(x, 0) on the way if relu: three rounds of shuffles.
inline void transpose8x8(const float* __restrict src, size_t src_stride, float* __restrict dst, size_t dst_stride,
                         bool relu) {
  typedef int32_t i32x8 __attribute__((vector_size(32)));
#if defined(__clang__)
#define FASTAC_SHUFFLE(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
#define FASTAC_SHUFFLE(a, b, ...) __builtin_shuffle(a, b, (i32x8){__VA_ARGS__})
#endif
  f32x8 r[8];
  for (int i = 0; i < 8; ++i) {
    r[i] = *as_f32x8(src + i * src_stride);
    if (relu) r[i] = reinterpret_cast<f32x8>(reinterpret_cast<i32x8>(r[i]) & (r[i] > 0.0f));  // (NaN: 0)
  }
  f32x8 t[8], u[8];
  for (int i = 0; i < 8; i += 2) {  // t: rows i, i+1 interleaved (columns 0 1 4 5 | 2 3 6 7)
    t[i] = FASTAC_SHUFFLE(r[i], r[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
    t[i + 1] = FASTAC_SHUFFLE(r[i], r[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
  }
  for (int i = 0; i < 8; i += 4) {  // u: columns c and c + 4 of rows i to i+3
    u[i] = FASTAC_SHUFFLE(t[i], t[i + 2], 0, 1, 8, 9, 4, 5, 12, 13);
    u[i + 1] = FASTAC_SHUFFLE(t[i], t[i + 2], 2, 3, 10, 11, 6, 7, 14, 15);
    u[i + 2] = FASTAC_SHUFFLE(t[i + 1], t[i + 3], 0, 1, 8, 9, 4, 5, 12, 13);
    u[i + 3] = FASTAC_SHUFFLE(t[i + 1], t[i + 3], 2, 3, 10, 11, 6, 7, 14, 15);
  }
  for (int c = 0; c < 4; ++c) {
    *as_f32x8(dst + c * dst_stride) = FASTAC_SHUFFLE(u[c], u[c + 4], 0, 1, 2, 3, 8, 9, 10, 11);
    *as_f32x8(dst + (c + 4) * dst_stride) = FASTAC_SHUFFLE(u[c], u[c + 4], 4, 5, 6, 7, 12, 13, 14, 15);
  }
#undef FASTAC_SHUFFLE
}

// True if any of the 8 floats at p is > 0.
inline bool any_positive8(const float* p) {
  typedef int64_t i64x4 __attribute__((vector_size(32)));
  const i64x4 q = reinterpret_cast<i64x4>(*as_f32x8(p) > 0.0f);
  return (q[0] | q[1] | q[2] | q[3]) != 0;
}

// out[0, m) += sum over i < count of scale[i] * rows[index[i] * stride + (0, m)], added in
// i's order. The sparse products' one loop: the rows picked by index are those with a
// non-zero factor. Blocks of 64 outputs stay in registers while the rows stream by.
inline void add_scaled_rows(int m, int count, const int32_t* __restrict index, const float* __restrict scale,
                            const float* __restrict rows, size_t stride, float* __restrict out) {
  int j = 0;
  for (; j + 64 <= m; j += 64) {
    f32x8 acc[8];
    for (int v = 0; v < 8; ++v) acc[v] = *as_f32x8(out + j + 8 * v);
    for (int i = 0; i < count; ++i) {
      const float c = scale[i];
      const float* r = rows + static_cast<size_t>(index[i]) * stride + j;
      for (int v = 0; v < 8; ++v) acc[v] += c * *as_f32x8(r + 8 * v);
    }
    for (int v = 0; v < 8; ++v) *as_f32x8(out + j + 8 * v) = acc[v];
  }
  for (; j + 8 <= m; j += 8) {
    f32x8 acc = *as_f32x8(out + j);
    for (int i = 0; i < count; ++i) acc += scale[i] * *as_f32x8(rows + static_cast<size_t>(index[i]) * stride + j);
    *as_f32x8(out + j) = acc;
  }
  for (; j < m; ++j) {
    float acc = out[j];
    for (int i = 0; i < count; ++i) acc += scale[i] * rows[static_cast<size_t>(index[i]) * stride + j];
    out[j] = acc;
  }
}

}  // namespace fastac
