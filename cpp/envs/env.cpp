#include "envs/env.h"

#include <stdexcept>

namespace fastac {

Space Space::discrete(int64_t n, int64_t start) {
  if (n < 1) throw std::invalid_argument("Discrete space needs n >= 1");
  Space s;
  s.kind = Kind::kDiscrete;
  s.n = n;
  s.start = start;
  return s;
}

Space Space::box(std::vector<int> shape, std::vector<float> low, std::vector<float> high) {
  Space s;
  s.kind = Kind::kBox;
  s.shape = std::move(shape);
  s.low = std::move(low);
  s.high = std::move(high);
  if (s.low.size() != static_cast<size_t>(s.size()) || s.high.size() != s.low.size())
    throw std::invalid_argument("Box bounds must have one value per element");
  return s;
}

const char* obs_dtype_name(ObsDtype dtype) {
  switch (dtype) {
    case ObsDtype::kFloat32: return "float32";
    case ObsDtype::kUInt8: return "uint8";
    case ObsDtype::kBool: return "bool";
  }
  return "?";
}

std::string EnvSpec::fastac_id() const {
  std::string name = id;
  for (char& c : name)
    if (c == '/') c = '-';
  return "fastac/" + name;
}

ObsDtype obs_dtype_from_name(const std::string& name) {
  if (name == "float32") return ObsDtype::kFloat32;
  if (name == "uint8") return ObsDtype::kUInt8;
  if (name == "bool") return ObsDtype::kBool;
  throw std::invalid_argument("observation dtype must be 'float32', 'uint8' or 'bool', got '" + name + "'");
}

}  // namespace fastac
