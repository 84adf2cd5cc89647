#include "envs/numpy_random.h"

#include <cmath>

#include <algorithm>

namespace fastac {
namespace {

constexpr uint32_t kInitA = 0x43b0d7e5;
constexpr uint32_t kMultA = 0x931e8875;
constexpr uint32_t kInitB = 0x8b51f9dd;
constexpr uint32_t kMultB = 0x58f38ded;
constexpr uint32_t kMixMultL = 0xca01f9dd;
constexpr uint32_t kMixMultR = 0x4973f715;
constexpr int kXShift = 16;
constexpr size_t kPoolSize = 4;

uint32_t hashmix(uint32_t value, uint32_t& hash_const) {
  value ^= hash_const;
  hash_const *= kMultA;
  value *= hash_const;
  value ^= value >> kXShift;
  return value;
}

uint32_t mix(uint32_t x, uint32_t y) {
  uint32_t result = kMixMultL * x - kMixMultR * y;
  result ^= result >> kXShift;
  return result;
}

// SeedSequence.mix_entropy: the pool every generated state is drawn from.
std::vector<uint32_t> mix_entropy(const std::vector<uint32_t>& entropy) {
  std::vector<uint32_t> pool(kPoolSize);
  uint32_t hash_const = kInitA;
  for (size_t i = 0; i < kPoolSize; ++i) pool[i] = hashmix(i < entropy.size() ? entropy[i] : 0u, hash_const);
  for (size_t src = 0; src < kPoolSize; ++src)
    for (size_t dst = 0; dst < kPoolSize; ++dst)
      if (src != dst) pool[dst] = mix(pool[dst], hashmix(pool[src], hash_const));
  for (size_t src = kPoolSize; src < entropy.size(); ++src)
    for (size_t dst = 0; dst < kPoolSize; ++dst) pool[dst] = mix(pool[dst], hashmix(entropy[src], hash_const));
  return pool;
}

}  // namespace

std::vector<uint32_t> seed_to_uint32_words(uint64_t seed) {
  if (seed == 0) return {0u};
  std::vector<uint32_t> words;
  for (; seed != 0; seed >>= 32) words.push_back(static_cast<uint32_t>(seed));
  return words;
}

std::vector<uint32_t> seed_to_uint32_words(uint64_t seed, uint64_t offset) {
  unsigned __int128 sum = static_cast<unsigned __int128>(seed) + offset;
  if (sum == 0) return {0u};
  std::vector<uint32_t> words;
  for (; sum != 0; sum >>= 32) words.push_back(static_cast<uint32_t>(sum));
  return words;
}

std::vector<uint32_t> seed_sequence_generate_state(const std::vector<uint32_t>& entropy_words, int n_words) {
  const std::vector<uint32_t> pool = mix_entropy(entropy_words.empty() ? std::vector<uint32_t>{0u} : entropy_words);
  std::vector<uint32_t> state(static_cast<size_t>(n_words));
  uint32_t hash_const = kInitB;
  for (size_t i = 0; i < state.size(); ++i) {
    uint32_t value = pool[i % kPoolSize];
    value ^= hash_const;
    hash_const *= kMultB;
    value *= hash_const;
    value ^= value >> kXShift;
    state[i] = value;
  }
  return state;
}

Pcg64::Pcg64(const std::vector<uint32_t>& entropy_words) {
  // PCG64 asks SeedSequence for 4 uint64 words (8 uint32, little-endian pairs):
  // words 0-1 are the initial state, words 2-3 the stream (increment) selector.
  const std::vector<uint32_t> w = seed_sequence_generate_state(entropy_words, 8);
  auto u64 = [&](int i) { return static_cast<uint64_t>(w[2 * i]) | (static_cast<uint64_t>(w[2 * i + 1]) << 32); };
  const unsigned __int128 init_state = (static_cast<unsigned __int128>(u64(0)) << 64) | u64(1);
  const unsigned __int128 init_seq = (static_cast<unsigned __int128>(u64(2)) << 64) | u64(3);
  // pcg_setseq_128_srandom_r
  state_ = 0;
  increment_ = (init_seq << 1u) | 1u;
  state_ = state_ * kMultiplier + increment_;
  state_ += init_state;
  state_ = state_ * kMultiplier + increment_;
}

double standard_normal(Pcg64& rng) {
  const double u1 = 1.0 - rng.next_double(), u2 = rng.next_double();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

}  // namespace fastac
