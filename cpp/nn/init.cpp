#include "nn/init.h"

#include <cmath>
#include <utility>

namespace fastac {
namespace {

// A standard normal draw (Box-Muller on two uniforms in (0, 1]).
double standard_normal(Pcg64& rng) {
  const double u1 = 1.0 - rng.next_double(), u2 = rng.next_double();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

// The two loops of Householder QR, over contiguous doubles. The reduction is
// vectorized (a fixed summation order for a given build: deterministic).
inline double dot(int n, const double* __restrict x, const double* __restrict y) {
  double s = 0.0;
#pragma omp simd reduction(+ : s)
  for (int i = 0; i < n; ++i) s += x[i] * y[i];
  return s;
}

inline void axpy(int n, double a, const double* __restrict x, double* __restrict y) {
#pragma omp simd
  for (int i = 0; i < n; ++i) y[i] += a * x[i];
}

}  // namespace

std::vector<float> orthogonal_matrix(int rows, int cols, double gain, Pcg64& rng) {
  // QR of the tall matrix A (m x n, m >= n): A = rows x cols, or its transpose.
  const bool transpose = rows < cols;
  const int m = transpose ? cols : rows, n = transpose ? rows : cols;
  std::vector<double> a(static_cast<size_t>(m) * n);  // column-major: a[i + j * m]
  for (double& x : a) x = standard_normal(rng);

  // Householder QR: reflectors v_k stored below the diagonal, R on and above it.
  std::vector<double> tau(n), r_diag(n);
  for (int k = 0; k < n; ++k) {
    double* col = a.data() + static_cast<size_t>(k) * m;
    const double norm = std::sqrt(dot(m - k, col + k, col + k));
    const double alpha = col[k] > 0 ? -norm : norm;  // R's diagonal entry
    r_diag[k] = alpha;
    if (norm == 0.0) {
      tau[k] = 0.0;
      continue;
    }
    col[k] -= alpha;  // v = x - alpha e_k
    const double vnorm2 = dot(m - k, col + k, col + k);
    tau[k] = vnorm2 > 0 ? 2.0 / vnorm2 : 0.0;
    for (int j = k + 1; j < n; ++j) {  // apply H = I - tau v v^T to the remaining columns
      double* cj = a.data() + static_cast<size_t>(j) * m;
      axpy(m - k, -tau[k] * dot(m - k, col + k, cj + k), col + k, cj + k);
    }
  }
  // Q's first n columns: H_0 ... H_{n-1} applied to the first n unit vectors.
  std::vector<double> q(static_cast<size_t>(m) * n, 0.0);
  for (int j = 0; j < n; ++j) q[j + static_cast<size_t>(j) * m] = 1.0;
  for (int k = n - 1; k >= 0; --k) {
    const double* v = a.data() + static_cast<size_t>(k) * m;
    for (int j = k; j < n; ++j) {  // columns j < k are still e_j, zero where H_k acts (rows >= k)
      double* qj = q.data() + static_cast<size_t>(j) * m;
      axpy(m - k, -tau[k] * dot(m - k, v + k, qj + k), v + k, qj + k);
    }
  }
  // Signs as torch: q *= sign(diag(r)), so that the result is unique for A.
  for (int j = 0; j < n; ++j) {
    const double s = r_diag[j] < 0 ? -1.0 : 1.0;
    for (int i = 0; i < m; ++i) q[i + static_cast<size_t>(j) * m] *= s;
  }
  std::vector<float> out(static_cast<size_t>(rows) * cols);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      const float value = static_cast<float>(gain * q[i + static_cast<size_t>(j) * m]);
      if (transpose)
        out[static_cast<size_t>(j) * cols + i] = value;  // Q^T: rows x cols
      else
        out[static_cast<size_t>(i) * cols + j] = value;
    }
  return out;
}

}  // namespace fastac
