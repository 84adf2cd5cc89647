#include "nn/policy.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace fastac {

int Policy::gradient_chunk(int batch) const {
  // About 2^24 multiply-adds a chunk: forward and backward cost about 3 per weight and sample.
  constexpr size_t kChunkWork = size_t{1} << 24;
  const size_t per_sample = 3 * std::max<size_t>(forward_work(), 1);
  return static_cast<int>(std::clamp<size_t>(kChunkWork / per_sample, 1, std::max(batch, 1)));
}

void check_rows(int first, int batch, int total) {
  if (first < 0 || batch < 0 || total < 0 || first > total - batch)
    throw std::invalid_argument("forward_rows: rows [" + std::to_string(first) + ", " + std::to_string(first) + " + " +
                                std::to_string(batch) + ") are not within a batch of " + std::to_string(total));
}

void Policy::forward_rows(const float*, const void*, int, int, int, PolicyWorkspace&, float*, float*) const {
  throw std::logic_error("this policy keeps one forward pass at a time (has_forward_rows() is false)");
}

}  // namespace fastac
