// numpy's SeedSequence and PCG64 bit generator, reimplemented so that native
// environments draw exactly the numbers gymnasium's `np_random` draws:
// gymnasium seeds with Generator(PCG64(SeedSequence(seed))).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace fastac {

// numpy.random.SeedSequence(entropy).generate_state(n_words, uint32), for an
// entropy given as little-endian uint32 words (numpy's _coerce_to_uint32_array)
// and no spawn key.
std::vector<uint32_t> seed_sequence_generate_state(const std::vector<uint32_t>& entropy_words,
                                                   int n_words);

// A non-negative Python int split into little-endian uint32 words, as numpy does.
std::vector<uint32_t> seed_to_uint32_words(uint64_t seed);
// The words of the integer seed + offset, computed without wrapping around 2**64
// (so that seed + i never collides with a small seed, as in Python).
std::vector<uint32_t> seed_to_uint32_words(uint64_t seed, uint64_t offset);

// numpy.random.PCG64 (XSL-RR 128/64). The state is a 128-bit LCG.
class Pcg64 {
 public:
  Pcg64() = default;
  // PCG64(SeedSequence(entropy)).
  explicit Pcg64(const std::vector<uint32_t>& entropy_words);
  static Pcg64 from_seed(uint64_t seed) { return Pcg64(seed_to_uint32_words(seed)); }

  uint64_t next_uint64() {
    state_ = state_ * kMultiplier + increment_;
    const uint64_t high = static_cast<uint64_t>(state_ >> 64);
    const uint64_t low = static_cast<uint64_t>(state_);
    const unsigned rotation = static_cast<unsigned>(state_ >> 122);
    const uint64_t value = high ^ low;
    return (value >> rotation) | (value << ((64u - rotation) & 63u));
  }
  // numpy's next_double: the top 53 bits scaled to [0, 1).
  double next_double() { return static_cast<double>(next_uint64() >> 11) * (1.0 / 9007199254740992.0); }
  // Generator.uniform(low, high): low + (high - low) * next_double().
  double uniform(double low, double high) { return low + (high - low) * next_double(); }

  // The generator's position (state and increment, high and low 64-bit halves),
  // to save and restore it exactly.
  std::array<uint64_t, 4> state_words() const {
    return {static_cast<uint64_t>(state_ >> 64), static_cast<uint64_t>(state_), static_cast<uint64_t>(increment_ >> 64),
            static_cast<uint64_t>(increment_)};
  }
  void set_state_words(const std::array<uint64_t, 4>& w) {
    state_ = (static_cast<unsigned __int128>(w[0]) << 64) | w[1];
    increment_ = (static_cast<unsigned __int128>(w[2]) << 64) | w[3];
  }

 private:
  static constexpr unsigned __int128 kMultiplier =
      (static_cast<unsigned __int128>(0x2360ED051FC65DA4ULL) << 64) | 0x4385DF649FCCF645ULL;
  unsigned __int128 state_ = 0;
  unsigned __int128 increment_ = 1;
};

// numpy.random.RandomState's bit generator, MT19937, with RandomState's own draws:
// the generator of envs that keep a RandomState of their own (MinAtar) rather than
// gymnasium's np_random. Plain values only (copied as bytes by VectorEnv::save).
class Mt19937 {
 public:
  static constexpr int kStateSize = 624;
  // RandomState(5489), as a default-constructed std::mt19937.
  Mt19937() { seed({5489u}); }
  // RandomState(seed): one word (a seed below 2**32) is numpy's mt19937_seed (the
  // reference init_genrand); more words, numpy's init_by_array (RandomState takes an
  // array seed so; an int seed of 2**32 or more it refuses).
  void seed(const std::vector<uint32_t>& entropy_words);
  uint32_t next_uint32() {
    if (position_ >= kStateSize) generate();
    uint32_t y = key_[position_++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    return y ^ (y >> 18);
  }
  // RandomState.rand() / random_sample(): numpy's legacy 53-bit double from two words.
  double rand() {
    const int32_t a = static_cast<int32_t>(next_uint32() >> 5), b = static_cast<int32_t>(next_uint32() >> 6);
    return (a * 67108864.0 + b) / 9007199254740992.0;
  }
  // RandomState.randint(high) for 1 <= high <= 2**32: numpy's masked rejection sampling
  // on 32-bit words (RandomState's legacy bounded integers).
  int64_t randint(int64_t high);

 private:
  void generate();
  uint32_t key_[kStateSize];
  int32_t position_ = kStateSize;
};

// A standard normal draw from two uniforms in (0, 1] (Box-Muller; not numpy's
// ziggurat): the weight init and the Gaussian policy's samples.
double standard_normal(Pcg64& rng);

}  // namespace fastac
