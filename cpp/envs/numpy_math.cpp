#include "envs/numpy_math.h"

#include <cmath>
#include <limits>

namespace fastac {

namespace {

// numpy 2.x's float32 sin/cos SIMD kernel (loops_trigonometric.dispatch.cpp,
// simd_sincos_f32), one lane: Cody-Waite reduction by pi/2 with FMAs, then minimax
// polynomials; glibc sinf/cosf beyond the reduction's range. Checked against numpy
// 2.4.6 (X86_V3 dispatch) on all 2^32 float32 inputs: identical bits.
float numpy_sincos_f32(float x, bool cos_op) {
  if (std::isnan(x)) return std::numeric_limits<float>::quiet_NaN();  // NPY_NANF
  const float max_cody = cos_op ? 71476.0625f : 117435.992f;
  if (!(std::fabs(x) <= max_cody)) return cos_op ? std::cos(x) : std::sin(x);  // npy_cosf / npy_sinf
  constexpr float two_over_pi = 0x1.45f306p-1f;
  constexpr float codyw_pio2_highf = -0x1.921fb0p+00f, codyw_pio2_medf = -0x1.5110b4p-22f,
                  codyw_pio2_lowf = -0x1.846988p-48f;
  constexpr float rint_cvt_magic = 0x1.800000p+23f;
  // hn::Mul then hn::Add, which GCC (numpy's wheels; -ffp-contract=fast is its default)
  // contracts into one FMA: rounding x * 2/pi to the nearest integer is done unrounded.
  float quadrant = std::fma(x, two_over_pi, rint_cvt_magic);
  quadrant = quadrant - rint_cvt_magic;
  float r = std::fma(quadrant, codyw_pio2_highf, x);
  r = std::fma(quadrant, codyw_pio2_medf, r);
  r = std::fma(quadrant, codyw_pio2_lowf, r);
  const float r2 = r * r;
  // simd_cosine_poly_f32
  float c = std::fma(0x1.98e616p-16f, r2, -0x1.6c06dcp-10f);
  c = std::fma(c, r2, 0x1.55553cp-05f);
  c = std::fma(c, r2, -0x1.000000p-01f);
  c = std::fma(c, r2, 0x1.000000p+00f);
  // simd_sine_poly_f32
  float s = std::fma(0x1.7d3bbcp-19f, r2, -0x1.a06bbap-13f);
  s = std::fma(s, r2, 0x1.11119ap-07f);
  s = std::fma(s, r2, -0x1.555556p-03f);
  s = std::fma(s, r2, 0.0f);
  s = std::fma(s, r, r);
  int iquadrant = static_cast<int>(quadrant);  // integral already
  if (cos_op) iquadrant += 1;
  float v = (iquadrant & 1) == 0 ? s : c;
  if ((iquadrant & 2) == 2) v = 0.0f - v;
  return v;
}

// Whether numpy runs that kernel here: its dispatch targets are X86_V3/X86_V4 on
// x86 (baseline x86-64-v2 falls back to npy_cosf), and FMA-capable SIMD elsewhere.
bool numpy_has_simd_sincos() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
#else
  return true;
#endif
}

}  // namespace

float numpy_cosf(float x) { return numpy_has_simd_sincos() ? numpy_sincos_f32(x, true) : std::cos(x); }
float numpy_sinf(float x) { return numpy_has_simd_sincos() ? numpy_sincos_f32(x, false) : std::sin(x); }

}  // namespace fastac
