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

}  // namespace fastac
