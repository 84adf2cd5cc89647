// Orthogonal weight initialization (torch.nn.init.orthogonal_'s method) in plain
// C++: Gaussian draws from a Pcg64 stream, a blocked Householder QR in float64, the sign
// correction of Q by R's diagonal, the gain. No libtorch op and no OpenMP team is
// involved, so that creating a network in a fork()ed child cannot hang in a
// thread pool inherited from the parent (as linalg_qr's could).
#pragma once

#include <cstdint>
#include <vector>

#include "envs/numpy_random.h"

namespace fastac {

// A rows x cols matrix (row-major) whose rows (if rows <= cols) or columns are
// orthonormal, times gain.
std::vector<float> orthogonal_matrix(int rows, int cols, double gain, Pcg64& rng);

}  // namespace fastac
