// rl/normalization.h: batch moments and their merge, the running statistics
// (VecNormalize's RunningMeanStd), normalizing, reward scaling, and concurrent
// updates from several threads (built with TSan).
#include "rl/normalization.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

namespace fastac {
namespace {

std::vector<float> random_rows(int batch, int size, unsigned seed, float scale = 3.0f, float shift = 1.0f) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> normal(shift, scale);
  std::vector<float> x(static_cast<size_t>(batch) * size);
  for (float& v : x) v = normal(gen);
  return x;
}

TEST(Normalization, MomentsOfABatchAndTheirMergeEqualTheWholeData) {
  const int size = 3;
  const auto a = random_rows(50, size, 1), b = random_rows(70, size, 2, 0.5f, -4.0f);
  std::vector<float> all(a);
  all.insert(all.end(), b.begin(), b.end());
  Moments merged = Moments::of(a.data(), 50, size);
  merged.merge(Moments::of(b.data(), 70, size));
  const Moments whole = Moments::of(all.data(), 120, size);
  EXPECT_DOUBLE_EQ(merged.count, 120.0);
  for (int j = 0; j < size; ++j) {
    EXPECT_NEAR(merged.mean[j], whole.mean[j], 1e-9);
    EXPECT_NEAR(merged.var[j], whole.var[j], 1e-9);
    double mean = 0, var = 0;  // population variance, by hand
    for (int r = 0; r < 120; ++r) mean += all[r * size + j];
    mean /= 120;
    for (int r = 0; r < 120; ++r) var += (all[r * size + j] - mean) * (all[r * size + j] - mean);
    EXPECT_NEAR(whole.mean[j], mean, 1e-9);
    EXPECT_NEAR(whole.var[j], var / 120, 1e-9);
  }
  Moments empty(size);
  merged.merge(empty);  // nothing to merge: unchanged
  EXPECT_DOUBLE_EQ(merged.count, 120.0);
}

// VecNormalize starts from count 1e-4, mean 0, var 1 and normalizes
// clip((x - mean) / sqrt(var + 1e-8), -10, 10).
TEST(Normalization, RunningStatsStartAsVecNormalizeAndNormalizeWithClipping) {
  RunningStats stats(2);
  NormalizerSnapshot s = stats.snapshot();
  EXPECT_EQ(s.mean, (std::vector<float>{0.0f, 0.0f}));
  EXPECT_FLOAT_EQ(s.inv_std[0], static_cast<float>(1.0 / std::sqrt(1.0 + 1e-8)));
  EXPECT_DOUBLE_EQ(stats.moments().count, 1e-4);

  const auto x = random_rows(1000, 2, 3, 5.0f, 20.0f);
  stats.update(x.data(), 1000);
  const Moments m = stats.moments();
  Moments expected(2);
  expected.count = 1e-4;
  expected.var = {1.0, 1.0};
  expected.merge(Moments::of(x.data(), 1000, 2));
  EXPECT_NEAR(m.mean[0], expected.mean[0], 1e-9);
  EXPECT_NEAR(m.var[1], expected.var[1], 1e-9);
  EXPECT_NEAR(m.mean[0], 20.0, 0.5);
  EXPECT_NEAR(std::sqrt(m.var[0]), 5.0, 0.3);

  s = stats.snapshot();
  const std::vector<float> in = {static_cast<float>(m.mean[0]), 1e6f, -1e6f, static_cast<float>(m.mean[1])};
  std::vector<float> out(4);
  s.normalize(in.data(), 2, out.data());
  EXPECT_FLOAT_EQ(out[0], 0.0f);
  EXPECT_FLOAT_EQ(out[1], 10.0f);
  EXPECT_FLOAT_EQ(out[2], -10.0f);
  EXPECT_FLOAT_EQ(out[3], 0.0f);
}

TEST(Normalization, SetRefusesStatisticsOutOfRange) {
  RunningStats stats(2);
  Moments m(2);
  m.count = 10;
  m.mean = {1.0, 2.0};
  m.var = {4.0, 0.0};
  stats.set(m);
  EXPECT_EQ(stats.moments().mean, m.mean);
  m.var[0] = -1.0;
  EXPECT_THROW(stats.set(m), std::invalid_argument);
  m.var[0] = 1.0;
  m.count = 0.0;
  EXPECT_THROW(stats.set(m), std::invalid_argument);
  m.count = 1.0;
  m.mean[1] = std::nan("");
  EXPECT_THROW(stats.set(m), std::invalid_argument);
  EXPECT_THROW(stats.set(Moments(3)), std::invalid_argument);
  EXPECT_THROW(RunningStats(0), std::invalid_argument);
}

// R = gamma R + r per env, reset after a done; rewards / std(R), clipped; invalid rows skipped.
TEST(Normalization, RewardScalerKeepsDiscountedReturnsPerEnv) {
  RewardScaler scaler(2, 0.5f);
  RunningStats stats(1);
  std::vector<float> rewards = {2.0f, 4.0f};
  const std::vector<uint8_t> not_done = {0, 0}, first_done = {1, 0}, second_invalid = {1, 0};
  scaler.scale(rewards.data(), not_done.data(), nullptr, 0.5f);
  EXPECT_EQ(rewards, (std::vector<float>{1.0f, 2.0f}));
  rewards = {2.0f, 4.0f};
  scaler.scale(rewards.data(), first_done.data(), nullptr, 0.5f);  // R = {3, 6}; env 0's episode ends
  rewards = {100.0f, 4.0f};
  scaler.scale(rewards.data(), not_done.data(), second_invalid.data(), 1.0f);  // env 1 skipped; R0 = 100
  EXPECT_EQ(rewards, (std::vector<float>{10.0f, 4.0f}));  // clipped; the invalid row untouched
  scaler.flush(stats);
  // Returns seen: {2, 4}, {3, 6}, {100}.
  const std::vector<float> seen = {2, 4, 3, 6, 100};
  Moments expected(1);
  expected.count = 1e-4;
  expected.var = {1.0};
  expected.merge(Moments::of(seen.data(), 5, 1));
  EXPECT_NEAR(stats.moments().mean[0], expected.mean[0], 1e-9);
  EXPECT_NEAR(stats.moments().var[0], expected.var[0], 1e-9);
  scaler.flush(stats);  // nothing pending: unchanged
  EXPECT_NEAR(stats.moments().count, 5.0001, 1e-12);
}

// take_pending: the moments flush would merge, handed out (distributed A2C merges every
// process's before its statistics take them) and forgotten.
TEST(Normalization, RewardScalerTakePending) {
  RewardScaler scaler(2, 1.0f);
  std::vector<float> rewards = {1.0f, 3.0f};
  const std::vector<uint8_t> not_done = {0, 0};
  scaler.scale(rewards.data(), not_done.data(), nullptr, 1.0f);
  rewards = {1.0f, 3.0f};
  scaler.scale(rewards.data(), not_done.data(), nullptr, 1.0f);  // R = {1, 3}, then {2, 6}
  const Moments m = scaler.take_pending();
  EXPECT_EQ(m.count, 4.0);
  EXPECT_DOUBLE_EQ(m.mean[0], 3.0);
  EXPECT_DOUBLE_EQ(m.var[0], (4.0 + 0.0 + 1.0 + 9.0) / 4);
  EXPECT_EQ(scaler.take_pending().count, 0.0);
  RunningStats stats(1);
  scaler.flush(stats);  // nothing pending: unchanged
  EXPECT_NEAR(stats.moments().count, 1e-4, 1e-12);
}

// Workers update and snapshot one RunningStats concurrently (TSan checks the locking);
// the result is the moments of everything they merged, in any order.
TEST(Normalization, ConcurrentUpdatesAndSnapshots) {
  RunningStats stats(4);
  const int threads = 4, updates = 200, batch = 8;
  std::vector<std::thread> workers;
  for (int w = 0; w < threads; ++w)
    workers.emplace_back([&, w] {
      const auto x = random_rows(batch, 4, 100 + w);
      for (int u = 0; u < updates; ++u) {
        stats.update(x.data(), batch);
        const NormalizerSnapshot s = stats.snapshot();
        ASSERT_EQ(s.size(), 4);
      }
    });
  for (auto& t : workers) t.join();
  EXPECT_NEAR(stats.moments().count, 1e-4 + threads * updates * batch, 1e-6);
}

}  // namespace
}  // namespace fastac
