#include "nn/init.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace fastac {
namespace {

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

// A panel's reflectors v_k (k = k0 .. k0+b-1, as the QR below leaves them in a)
// in the compact WY form H_k0 ... H_k0+b-1 = I - Y T Y^T (LAPACK's dlarft):
// Y is h x b column-major over rows k0 .. m-1 (zero above each v_k's first row), T
// is b x b upper triangular, column-major.
void panel_wy(const double* a, int m, int k0, int b, const double* tau, std::vector<double>& Y,
              std::vector<double>& T) {
  const int h = m - k0;
  Y.assign(static_cast<size_t>(h) * b, 0.0);
  T.assign(static_cast<size_t>(b) * b, 0.0);
  for (int i = 0; i < b; ++i) {
    const double* v = a + static_cast<size_t>(k0 + i) * m;
    std::copy(v + k0 + i, v + m, Y.data() + static_cast<size_t>(i) * h + i);
  }
  std::vector<double> w(b);
  for (int i = 0; i < b; ++i) {
    // T[0:i, i] = -tau_i T[0:i, 0:i] (Y[:, 0:i]^T y_i); T[i, i] = tau_i.
    const double* yi = Y.data() + static_cast<size_t>(i) * h;
    for (int j = 0; j < i; ++j) w[j] = dot(h - i, Y.data() + static_cast<size_t>(j) * h + i, yi + i);
    for (int r = 0; r < i; ++r) {
      double s = 0.0;
      for (int j = r; j < i; ++j) s += T[r + static_cast<size_t>(j) * b] * w[j];
      T[r + static_cast<size_t>(i) * b] = -tau[i] * s;
    }
    T[i + static_cast<size_t>(i) * b] = tau[i];
  }
}

// c <- (I - Y T Y^T) c, or with T^T when `transpose`, for one column c of length h.
void apply_wy(const std::vector<double>& Y, const std::vector<double>& T, int h, int b, bool transpose, double* c,
              double* w, double* tw) {
  for (int i = 0; i < b; ++i) w[i] = dot(h - i, Y.data() + static_cast<size_t>(i) * h + i, c + i);
  for (int i = 0; i < b; ++i) {
    double s = 0.0;
    if (transpose) {
      for (int j = 0; j <= i; ++j) s += T[j + static_cast<size_t>(i) * b] * w[j];
    } else {
      for (int j = i; j < b; ++j) s += T[i + static_cast<size_t>(j) * b] * w[j];
    }
    tw[i] = s;
  }
  for (int i = 0; i < b; ++i) axpy(h - i, -tw[i], Y.data() + static_cast<size_t>(i) * h + i, c + i);
}

}  // namespace

std::vector<float> orthogonal_matrix(int rows, int cols, double gain, Pcg64& rng) {
  // QR of the tall matrix A (m x n, m >= n): A = rows x cols, or its transpose.
  const bool transpose = rows < cols;
  const int m = transpose ? cols : rows, n = transpose ? rows : cols;
  std::vector<double> a(static_cast<size_t>(m) * n);  // column-major: a[i + j * m]
  for (double& x : a) x = standard_normal(rng);

  // Blocked Householder QR (LAPACK's dgeqrf scheme): each panel of kPanel columns
  // is factored column by column, then the columns right of it are updated once
  // through the panel's WY form, so that a large matrix streams through the
  // cache once per panel rather than once per column. Reflectors v_k are left
  // below the diagonal (v_k[k] on it), R's diagonal in r_diag.
  constexpr int kPanel = 32;
  std::vector<double> tau(n), r_diag(n), Y, T, w(kPanel), tw(kPanel);
  for (int k0 = 0; k0 < n; k0 += kPanel) {
    const int b = std::min(kPanel, n - k0);
    for (int k = k0; k < k0 + b; ++k) {
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
      for (int j = k + 1; j < k0 + b; ++j) {  // H = I - tau v v^T on the panel's other columns
        double* cj = a.data() + static_cast<size_t>(j) * m;
        axpy(m - k, -tau[k] * dot(m - k, col + k, cj + k), col + k, cj + k);
      }
    }
    if (k0 + b >= n) break;
    // The columns right of the panel: c <- H_k0+b-1 ... H_k0 c = (I - Y T Y^T)^T c.
    panel_wy(a.data(), m, k0, b, tau.data() + k0, Y, T);
    for (int j = k0 + b; j < n; ++j)
      apply_wy(Y, T, m - k0, b, /*transpose=*/true, a.data() + static_cast<size_t>(j) * m + k0, w.data(), tw.data());
  }
  // Q's first n columns: H_0 ... H_{n-1} applied to the first n unit vectors,
  // panel by panel from the last. Columns j < k0 are still e_j then, zero where a
  // panel starting at k0 acts (rows >= k0): skipped.
  std::vector<double> q(static_cast<size_t>(m) * n, 0.0);
  for (int j = 0; j < n; ++j) q[j + static_cast<size_t>(j) * m] = 1.0;
  for (int k0 = (n - 1) / kPanel * kPanel; k0 >= 0; k0 -= kPanel) {
    const int b = std::min(kPanel, n - k0);
    panel_wy(a.data(), m, k0, b, tau.data() + k0, Y, T);
    for (int j = k0; j < n; ++j)
      apply_wy(Y, T, m - k0, b, /*transpose=*/false, q.data() + static_cast<size_t>(j) * m + k0, w.data(), tw.data());
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
