// numpy's scalar math where it is not the obvious C++ expression, bit for bit on
// glibc (x86-64 / aarch64 Linux): the one implementation the environments share.
//
//   numpy_square(double)  np.float64(x) ** 2 (and Python float `x ** 2`): glibc pow(x, 2.0)
//   numpy_square(float)   np.float32(u) ** 2: glibc powf(u, 2.0f)
//   numpy_cosf/numpy_sinf np.cos / np.sin of a np.float32 (numpy 2.x)
//
// The squares are inline (they are on the environments' step paths). Like the rest of
// cpp/envs they assume no FMA contraction (-ffp-contract=off; also GCC's default with
// -std=c++NN): Veltkamp's split below is only exact when `c - (c - x)` is not fused.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace fastac {

// numpy's scalar `x ** 2` is libm pow(x, 2) (powf for np.float32), and glibc's pow and
// powf are not correctly rounded: they differ from x * x for about 1 in 1200 float64
// squares (1 in 2700 float32 ones in [-2, 2]), all with the exact square near a midpoint.
// So x * x is returned only where it is certainly what pow returns, pow itself otherwise:
// when the exact square x^2 = p + r (p = x * x, r its rounding error, computed exactly)
// has |r| <= 7/16 ULP(p), that is lies at least 1/16 ULP from either rounding midpoint.
// That holds for 7 squares in 8; the rest, and zero, subnormal, huge, non-finite or
// power-of-two squares (where the ULP below p is half as large), call pow.
//  - float64: glibc's pow (ARM optimized-routines, glibc >= 2.28) errs by at most 0.54 ULP
//    (its documented worst case, 0.509 ULP of exp plus the log term), while every double
//    other than p lies at least 1 - 7/16 = 9/16 ULP from x^2: pow can only return p.
//  - float32: glibc's powf (computed in double) only bounds its error by 0.82 ULP, so here
//    the rule rests on an exhaustive check: powf(u, 2) == u * u for every one of the 2^32
//    floats the rule accepts (glibc 2.36; powf misrounds squares only within 0.002 ULP
//    of a midpoint, 0.00166 at most). Its residual needs no split: u * u fits a double.
// The fallback's exponent is hidden from the optimizer, which rewrites pow(x, 2) as x * x.
inline double numpy_square(double x) {
  const double p = x * x;
  uint64_t bits;
  std::memcpy(&bits, &p, sizeof bits);
  const uint64_t exponent = bits & 0x7ff0000000000000ULL, mantissa = bits & 0x000fffffffffffffULL;
  // 2^-900 <= p < 2^1000 (Dekker's product below neither overflows nor underflows), p != 2^k.
  if (exponent >= (123ULL << 52) && exponent < (2023ULL << 52) && mantissa != 0) {
    constexpr double kSplit = 134217729.0;  // 2^27 + 1: Veltkamp's split into 26-bit halves
    const double c = kSplit * x, hi = c - (c - x), lo = x - hi;
    const double r = ((hi * hi - p) + 2.0 * (hi * lo)) + lo * lo;  // x^2 - p, exactly (Dekker)
    const uint64_t ulp_bits = exponent - (52ULL << 52);             // ULP(p) = 2^(e - 52)
    double ulp;
    std::memcpy(&ulp, &ulp_bits, sizeof ulp);
    if (std::fabs(r) <= 0.4375 * ulp) return p;
  }
  double two = 2.0;
  __asm__("" : "+m"(two));
  return std::pow(x, two);
}

inline float numpy_square(float u) {
  const double exact = static_cast<double>(u) * static_cast<double>(u);  // <= 48 bits: exact
  const float p = static_cast<float>(exact);                             // == u * u
  uint32_t bits;
  std::memcpy(&bits, &p, sizeof bits);
  const uint32_t exponent = bits & 0x7f800000U, mantissa = bits & 0x007fffffU;
  if (exponent != 0 && exponent != 0x7f800000U && mantissa != 0) {  // normal, finite, p != 2^k
    float scale;  // 2^e, so ULP(p) = 2^(e - 23)
    std::memcpy(&scale, &exponent, sizeof scale);
    if (std::fabs(exact - static_cast<double>(p)) <= 0.4375 * 0x1p-23 * static_cast<double>(scale)) return p;
  }
  float two = 2.0f;
  __asm__("" : "+m"(two));
  return std::pow(u, two);  // powf
}

// numpy's float32 np.cos / np.sin on this machine (numpy 2.x): its SIMD kernel (FMA
// Cody-Waite reduction by pi/2, minimax polynomials; glibc cosf/sinf beyond
// |x| > 71476.0625 / 117435.992) where numpy dispatches it (x86 with AVX2+FMA3, any
// other architecture with SIMD FMA), else glibc cosf/sinf as numpy's baseline loop.
// Exact because it is numpy's algorithm step for step (same constants, same FMAs) and
// every step is a correctly rounded IEEE operation; checked against numpy 2.4.6's
// X86_V3 kernel on all 2^32 float32 inputs.
float numpy_cosf(float x);
float numpy_sinf(float x);

}  // namespace fastac
