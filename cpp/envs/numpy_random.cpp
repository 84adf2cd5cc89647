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

void Mt19937::seed(const std::vector<uint32_t>& words) {
  // mt19937_seed / init_genrand
  key_[0] = words.empty() ? 0u : words[0];
  for (int i = 1; i < kStateSize; ++i)
    key_[i] = 1812433253u * (key_[i - 1] ^ (key_[i - 1] >> 30)) + static_cast<uint32_t>(i);
  position_ = kStateSize;
  if (words.size() <= 1) return;
  // mt19937_init_by_array: init_genrand(19650218), then the words mixed in.
  key_[0] = 19650218u;
  for (int i = 1; i < kStateSize; ++i)
    key_[i] = 1812433253u * (key_[i - 1] ^ (key_[i - 1] >> 30)) + static_cast<uint32_t>(i);
  const int length = static_cast<int>(words.size());
  int i = 1, j = 0;
  for (int k = std::max(kStateSize, length); k > 0; --k) {
    key_[i] = (key_[i] ^ ((key_[i - 1] ^ (key_[i - 1] >> 30)) * 1664525u)) + words[j] + static_cast<uint32_t>(j);
    ++i;
    ++j;
    if (i >= kStateSize) {
      key_[0] = key_[kStateSize - 1];
      i = 1;
    }
    if (j >= length) j = 0;
  }
  for (int k = kStateSize - 1; k > 0; --k) {
    key_[i] = (key_[i] ^ ((key_[i - 1] ^ (key_[i - 1] >> 30)) * 1566083941u)) - static_cast<uint32_t>(i);
    ++i;
    if (i >= kStateSize) {
      key_[0] = key_[kStateSize - 1];
      i = 1;
    }
  }
  key_[0] = 0x80000000u;  // non-zero initial state
}

void Mt19937::generate() {
  constexpr int kShift = 397;
  constexpr uint32_t kMatrixA = 0x9908b0dfu, kUpper = 0x80000000u, kLower = 0x7fffffffu;
  for (int i = 0; i < kStateSize; ++i) {
    const uint32_t y = (key_[i] & kUpper) | (key_[(i + 1) % kStateSize] & kLower);
    key_[i] = key_[(i + kShift) % kStateSize] ^ (y >> 1) ^ ((y & 1u) ? kMatrixA : 0u);
  }
  position_ = 0;
}

int64_t Mt19937::randint(int64_t high) {
  const uint32_t range = static_cast<uint32_t>(high - 1);  // numpy's rng: high - 1
  if (range == 0) return 0;
  uint32_t mask = range;  // the smallest all-ones mask covering range
  mask |= mask >> 1;
  mask |= mask >> 2;
  mask |= mask >> 4;
  mask |= mask >> 8;
  mask |= mask >> 16;
  uint32_t value;
  while ((value = next_uint32() & mask) > range) {
  }
  return value;
}

double standard_normal(Pcg64& rng) {
  const double u1 = 1.0 - rng.next_double(), u2 = rng.next_double();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

}  // namespace fastac
