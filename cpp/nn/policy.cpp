#include "nn/policy.h"

#include <algorithm>
#include <stdexcept>

namespace fastac {

const char* obs_dtype_name(ObsDtype dtype) {
  switch (dtype) {
    case ObsDtype::kFloat32: return "float32";
    case ObsDtype::kUInt8: return "uint8";
    case ObsDtype::kBool: return "bool";
  }
  return "?";
}

ObsDtype obs_dtype_from_name(const std::string& name) {
  if (name == "float32") return ObsDtype::kFloat32;
  if (name == "uint8") return ObsDtype::kUInt8;
  if (name == "bool") return ObsDtype::kBool;
  throw std::invalid_argument("observation dtype must be 'float32', 'uint8' or 'bool', got '" + name + "'");
}

int Policy::gradient_chunk(int batch) const {
  // About 2^24 multiply-adds a chunk: forward and backward cost about 3 per weight and sample.
  constexpr size_t kChunkWork = size_t{1} << 24;
  const size_t per_sample = 3 * std::max<size_t>(forward_work(), 1);
  return static_cast<int>(std::clamp<size_t>(kChunkWork / per_sample, 1, std::max(batch, 1)));
}

}  // namespace fastac
