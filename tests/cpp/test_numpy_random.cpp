// SeedSequence and PCG64 against values numpy generated (tests/fixtures/seed_sequence.txt).
#include <gtest/gtest.h>

#include "envs/numpy_random.h"
#include "fixtures.h"

using namespace fastac;

TEST(NumpyRandom, SeedSequenceAndPcg64MatchNumpy) {
  const auto rows = fixtures::read_fixture("seed_sequence.txt");
  ASSERT_EQ(rows.size(), 10u);
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 1u + 8u + 6u);
    const uint64_t seed = std::stoull(row[0]);
    const auto words = seed_sequence_generate_state(seed_to_uint32_words(seed), 8);
    for (int i = 0; i < 8; ++i) EXPECT_EQ(words[i], std::stoul(row[1 + i])) << "seed " << seed << " word " << i;
    Pcg64 rng = Pcg64::from_seed(seed);
    for (int i = 0; i < 6; ++i) {
      const double expected = fixtures::parse_double(row[9 + i]);
      EXPECT_EQ(rng.uniform(-0.05, 0.05), expected) << "seed " << seed << " draw " << i;
    }
  }
}

TEST(NumpyRandom, SeedWordsAreLittleEndianUint32) {
  EXPECT_EQ(seed_to_uint32_words(0), (std::vector<uint32_t>{0}));
  EXPECT_EQ(seed_to_uint32_words(5), (std::vector<uint32_t>{5}));
  EXPECT_EQ(seed_to_uint32_words((1ULL << 32) + 7), (std::vector<uint32_t>{7, 1}));
}

TEST(NumpyRandom, DoublesAreInUnitInterval) {
  Pcg64 rng = Pcg64::from_seed(3);
  for (int i = 0; i < 100000; ++i) {
    const double u = rng.next_double();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

// seed + offset as Python computes it: an integer beyond 2**64 is one more word,
// never a wrap-around onto a small seed.
TEST(NumpyRandom, SeedPlusOffsetDoesNotWrap) {
  EXPECT_EQ(seed_to_uint32_words(0, 0), (std::vector<uint32_t>{0}));
  for (uint64_t seed : {uint64_t{0}, uint64_t{5}, (uint64_t{1} << 32) - 1, uint64_t{123456789012345}})
    for (uint64_t offset : {uint64_t{0}, uint64_t{1}, uint64_t{1} << 32, uint64_t{77}})
      EXPECT_EQ(seed_to_uint32_words(seed, offset), seed_to_uint32_words(seed + offset)) << seed << " + " << offset;
  const uint64_t max = ~uint64_t{0};
  EXPECT_EQ(seed_to_uint32_words(max, 0), seed_to_uint32_words(max));
  EXPECT_EQ(seed_to_uint32_words(max, 1), (std::vector<uint32_t>{0, 0, 1}));  // 2**64, not 0
  EXPECT_EQ(seed_to_uint32_words(max, 6), (std::vector<uint32_t>{5, 0, 1}));
  EXPECT_EQ(seed_to_uint32_words(max, max), (std::vector<uint32_t>{0xFFFFFFFEu, 0xFFFFFFFFu, 1}));
  EXPECT_NE(seed_to_uint32_words(max, 1), seed_to_uint32_words(0));

  // numpy's SeedSequence and PCG64 of those integers (values from numpy 2.x):
  //   SeedSequence(2**64).generate_state(4), Generator(PCG64(SeedSequence(2**64))).uniform(-0.05, 0.05)
  struct Expected {
    uint64_t seed, offset;
    std::vector<uint32_t> state;
    double uniform;
  };
  const std::vector<Expected> cases = {
      {max, 1, {3831201730u, 2013799314u, 3589971085u, 2228851942u}, -0x1.4cab214f9f200p-8},
      {max, max, {37015708u, 3944705487u, 2383288052u, 2655297143u}, -0x1.c2f2d7f1061e0p-7},
      {max, 6, {3598628658u, 1002794727u, 830655469u, 2018478785u}, 0x1.8d9230bf4bc00p-6},
  };
  for (const auto& c : cases) {
    const auto words = seed_to_uint32_words(c.seed, c.offset);
    EXPECT_EQ(seed_sequence_generate_state(words, 4), c.state);
    Pcg64 rng(words);
    EXPECT_EQ(rng.uniform(-0.05, 0.05), c.uniform);
  }
}

// numpy.random.RandomState (MT19937) against numpy's own draws, printed by
//   r = np.random.RandomState(0); [r.rand() for _ in range(3)], [r.randint(2) ...], [r.randint(6) ...]
//   np.random.RandomState([1, 2, 3]).rand() (an array seed: init_by_array)
//   RandomState(12345): the 701st rand() (past the first regeneration of the 624 words).
TEST(NumpyRandom, Mt19937MatchesNumpyRandomState) {
  Mt19937 r;
  r.seed({0});
  EXPECT_EQ(r.rand(), 0.5488135039273248);
  EXPECT_EQ(r.rand(), 0.7151893663724195);
  EXPECT_EQ(r.rand(), 0.6027633760716439);
  for (int64_t expected : {1, 1, 1, 1, 1, 0, 0, 1}) EXPECT_EQ(r.randint(2), expected);
  for (int64_t expected : {0, 0, 4, 2, 1, 0, 1, 5}) EXPECT_EQ(r.randint(6), expected);

  Mt19937 array_seeded;
  array_seeded.seed({1, 2, 3});
  EXPECT_EQ(array_seeded.rand(), 0.6098612722867289);
  EXPECT_EQ(array_seeded.rand(), 0.8866970434146851);

  Mt19937 long_run;
  long_run.seed({12345});
  for (int i = 0; i < 700; ++i) long_run.rand();
  EXPECT_EQ(long_run.rand(), 0.06523207021465494);
}
