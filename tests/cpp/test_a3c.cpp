// Advantages, shared optimizers and the A3C trainer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "nn/actor_critic.h"
#include "rl/a3c.h"
#include "envs/registry.h"
#include "rl/advantages.h"
#include "rl/evaluate.h"
#include "rl/shared_optimizer.h"

using namespace fastac;

TEST(Advantages, NStepReturnsWithBootstrapTerminationAndTruncation) {
  // One env, 4 steps: termination after step 1, truncation after step 3.
  const float r[4] = {1, 2, 3, 4}, v[4] = {0.5f, 0.25f, 1.0f, 2.0f};
  const float next_v[4] = {0.25f, 99.0f, 2.0f, 10.0f};  // 99: unused after a termination
  const uint8_t term[4] = {0, 1, 0, 0}, done[4] = {0, 1, 0, 1};
  float adv[4], ret[4];
  const float g = 0.9f;
  compute_advantages(4, 1, r, v, next_v, term, done, g, 1.0f, adv, ret);
  EXPECT_FLOAT_EQ(ret[1], 2.0f);
  EXPECT_FLOAT_EQ(ret[0], 1.0f + g * 2.0f);
  EXPECT_FLOAT_EQ(ret[3], 4.0f + g * 10.0f);  // truncation bootstraps
  EXPECT_FLOAT_EQ(ret[2], 3.0f + g * ret[3]);
  for (int t = 0; t < 4; ++t) EXPECT_FLOAT_EQ(adv[t], ret[t] - v[t]);
}

TEST(Advantages, GaeLambdaZeroIsOneStepTd) {
  const float r[2] = {1, 1}, v[2] = {0.5f, 0.7f}, next_v[2] = {0.7f, 0.9f};
  const uint8_t term[2] = {0, 0}, done[2] = {0, 0};
  float adv[2], ret[2];
  compute_advantages(2, 1, r, v, next_v, term, done, 0.99f, 0.0f, adv, ret);
  EXPECT_FLOAT_EQ(adv[0], 1 + 0.99f * 0.7f - 0.5f);
  EXPECT_FLOAT_EQ(adv[1], 1 + 0.99f * 0.9f - 0.7f);
}

TEST(SharedOptimizer, RmspropEpsilonInsideSqrt) {
  std::vector<float> p = {1.0f, -2.0f};
  const float g[2] = {0.5f, -1.0f};
  SharedOptimizer opt(p.data(), 2, {OptimizerKind::kRmsprop, 0.99f, 0.1f});
  opt.apply(g, 0.01f);
  EXPECT_FLOAT_EQ(p[0], 1.0f - 0.01f * 0.5f / std::sqrt(0.01f * 0.25f + 0.1f));
  EXPECT_FLOAT_EQ(p[1], -2.0f + 0.01f * 1.0f / std::sqrt(0.01f * 1.0f + 0.1f));
}

TEST(SharedOptimizer, AdamFirstStepIsLrTimesSign) {
  std::vector<float> p = {0.0f, 0.0f};
  const float g[2] = {3.0f, -0.001f};
  OptimizerConfig c;
  c.kind = OptimizerKind::kAdam;
  c.eps = 1e-8f;
  SharedOptimizer opt(p.data(), 2, c);
  opt.apply(g, 0.1f);
  EXPECT_NEAR(p[0], -0.1f, 1e-5);
  EXPECT_NEAR(p[1], 0.1f, 1e-4);
}

TEST(SharedOptimizer, Sgd) {
  std::vector<float> p = {1.0f};
  const float g[1] = {2.0f};
  SharedOptimizer opt(p.data(), 1, {OptimizerKind::kSgd});
  opt.apply(g, 0.25f);
  EXPECT_FLOAT_EQ(p[0], 0.5f);
}

namespace {

A3CConfig short_config(int workers, int64_t steps) {
  A3CConfig c;
  c.num_workers = workers;
  c.envs_per_worker = 2;
  c.total_steps = steps;
  c.seed = 3;
  return c;
}

std::vector<float> train(const A3CConfig& config, uint64_t init_seed, A3CProgress* progress = nullptr,
                         StopReason* reason = nullptr) {
  ActorCritic net({4, 2, {64}}, init_seed);
  A3CTrainer trainer(config, net);
  trainer.start();
  while (!trainer.wait_for(0.05)) {
  }
  trainer.join();
  if (progress) *progress = trainer.progress();
  if (reason) *reason = trainer.stop_reason();
  return {net.parameters(), net.parameters() + net.num_parameters()};
}

}  // namespace

TEST(A3C, OneWorkerIsReproducible) {
  const auto a = train(short_config(1, 20000), 1), b = train(short_config(1, 20000), 1);
  EXPECT_EQ(a, b);
  const auto c = train(short_config(1, 20000), 2);
  EXPECT_NE(a, c);
}

TEST(A3C, StopsAtTotalStepsAndRecordsEpisodes) {
  A3CProgress p;
  StopReason reason;
  train(short_config(2, 30000), 1, &p, &reason);
  EXPECT_EQ(reason, StopReason::kTotalSteps);
  EXPECT_GE(p.env_steps, 30000);
  EXPECT_LT(p.env_steps, 30000 + 2 * 2 * 5 * 2);  // at most one rollout per worker past the budget
  EXPECT_GT(p.episodes, 10);
  EXPECT_EQ(p.skipped_updates, 0);
  EXPECT_GT(p.updates, 30000 / 10 - 2);
}

class A3CStress : public ::testing::TestWithParam<int> {};

TEST_P(A3CStress, ManyWorkersStayFinite) {
  A3CConfig c = short_config(GetParam(), 40000);
  c.envs_per_worker = 1;
  A3CProgress p;
  const auto params = train(c, 5, &p);
  for (float v : params) ASSERT_TRUE(std::isfinite(v));
  EXPECT_GE(p.env_steps, 40000);
}

INSTANTIATE_TEST_SUITE_P(Workers, A3CStress, ::testing::Values(16, 64));

TEST(A3C, LearnsCartPole) {
  A3CConfig c = short_config(2, 600000);
  c.envs_per_worker = 8;
  c.lr = 3e-3f;
  c.stop_at_return = 195.0;
  A3CProgress p;
  StopReason reason;
  train(c, 0, &p, &reason);
  EXPECT_GE(p.mean_return, 195.0) << "after " << p.env_steps << " steps";
  EXPECT_EQ(reason, StopReason::kStopAtReturn);
}

TEST(A3C, StopsAtMaxSecondsOrOnRequestAndSaysWhy) {
  A3CConfig c = short_config(2, int64_t{1} << 60);
  c.max_seconds = 0.2;
  StopReason reason;
  train(c, 0, nullptr, &reason);
  EXPECT_EQ(reason, StopReason::kMaxSeconds);
  EXPECT_STREQ(stop_reason_name(reason), "max_seconds");

  c.max_seconds = std::numeric_limits<double>::infinity();
  ActorCritic net({4, 2, {64}}, 0);
  A3CTrainer trainer(c, net);
  trainer.start();
  EXPECT_FALSE(trainer.wait_for(0.1));
  trainer.request_stop();
  EXPECT_TRUE(trainer.wait_for(5.0));  // every worker finishes its rollout and stops
  trainer.join();
  EXPECT_EQ(trainer.stop_reason(), StopReason::kRequested);
}

TEST(Evaluate, GreedyEpisodesMatchTheEnvironmentPlayedByHand) {
  // All-zero parameters: tied logits, so argmax always picks action 0.
  ActorCritic net({4, 2, {16}}, 0);
  std::fill(net.parameters(), net.parameters() + net.num_parameters(), 0.0f);
  const int episodes = 7;
  const uint64_t seed = 11;
  const EvaluationResult result = evaluate_greedy("CartPole-v1", net.layout(), net.parameters(), episodes, seed);

  double total = 0.0;
  int64_t steps = 0;
  for (int e = 0; e < episodes; ++e) {
    auto env = make_batched_env("CartPole-v1", 1, AutoresetMode::kDisabled);
    env->seed(0, {static_cast<uint32_t>(seed), 0u, static_cast<uint32_t>(e), 0xE7A1u});
    float obs[4], reward;
    uint8_t terminated = 0, truncated = 0;
    env->reset(0, obs);
    const int64_t action = 0;
    while (!terminated && !truncated) {
      env->step(&action, {obs, &reward, &terminated, &truncated, nullptr});
      total += reward;
      ++steps;
    }
  }
  EXPECT_EQ(result.env_steps, steps);
  EXPECT_DOUBLE_EQ(result.mean_return, total / episodes);
  EXPECT_LT(result.mean_return, 20.0);  // always pushing left fails fast
}
