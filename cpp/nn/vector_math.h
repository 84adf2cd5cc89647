// The two loops the hand-written layers reduce to, over contiguous floats, inline so
// that they compile inside each FASTAC_KERNEL (nn/kernel_isa.h) for its ISA. The dot
// keeps 16 partial sums so that it vectorizes without -ffast-math, and sums in a fixed
// order: results are deterministic.
#pragma once

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

}  // namespace fastac
