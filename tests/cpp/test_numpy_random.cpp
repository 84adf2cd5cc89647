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
