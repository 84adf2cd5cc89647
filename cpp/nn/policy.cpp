#include "nn/policy.h"

#include <algorithm>

namespace fastac {

int Policy::gradient_chunk(int batch) const {
  // About 2^24 multiply-adds a chunk: forward and backward cost about 3 per weight and sample.
  constexpr size_t kChunkWork = size_t{1} << 24;
  const size_t per_sample = 3 * std::max<size_t>(forward_work(), 1);
  return static_cast<int>(std::clamp<size_t>(kChunkWork / per_sample, 1, std::max(batch, 1)));
}

}  // namespace fastac
