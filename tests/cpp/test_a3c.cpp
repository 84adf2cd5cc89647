// Advantages, shared optimizers, the training config, greedy evaluation and the
// A3C trainer, including a worker that throws.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <cmath>
#include <limits>
#include <new>
#include <stdexcept>
#include <string>

#include "envs/registry.h"
#include "nn/actor_critic.h"
#include "rl/a3c.h"
#include "rl/evaluate.h"
#include "rl/rollout.h"
#include "rl/shared_optimizer.h"
#include "rl/train_config.h"

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
  EXPECT_EQ(opt.size(), 2u);
  opt.apply(g, 0.01f);
  EXPECT_FLOAT_EQ(p[0], 1.0f - 0.01f * 0.5f / std::sqrt(0.01f * 0.25f + 0.1f));
  EXPECT_FLOAT_EQ(p[1], -2.0f + 0.01f * 1.0f / std::sqrt(0.01f * 1.0f + 0.1f));
}

// RMSProp on gradients that are mostly 0 (minatar_cnn's sparse layer): the plain formula,
// element by element, over blocks and a partial last block, with -0 among them; the
// averages decay where the gradient is 0.
TEST(SharedOptimizer, RmspropWithZeroGradientsEqualsThePlainFormula) {
  const size_t n = 150;  // two 64-blocks and a 22-value one: chunks of 8 and a partial one
  std::vector<float> p(n), expected_p(n), expected_v(n, 0.0f), g(n);
  for (size_t j = 0; j < n; ++j) p[j] = expected_p[j] = 0.01f * static_cast<float>(j) - 0.7f;
  const float alpha = 0.99f, eps = 1e-5f, lr = 0.003f;
  SharedOptimizer opt(p.data(), n, {OptimizerKind::kRmsprop, alpha, eps});
  for (int step = 0; step < 3; ++step) {
    for (size_t j = 0; j < n; ++j) {
      const size_t chunk = j / 8;
      g[j] = chunk % 3 == 0 ? 0.0f                                            // all +0
             : chunk % 3 == 1 ? (j % 2 ? 0.0f : 0.1f * static_cast<float>(step + 1) - 0.05f * (j % 5))  // some
                              : 0.02f * static_cast<float>(j % 7) - 0.06f;  // none (one -0 below)
    }
    g[17] = -0.0f;
    ASSERT_TRUE(opt.apply(g.data(), lr));
    for (size_t j = 0; j < n; ++j) {
      expected_v[j] = alpha * expected_v[j] + (1.0f - alpha) * g[j] * g[j];
      expected_p[j] -= lr * g[j] / std::sqrt(expected_v[j] + eps);
    }
    const OptimizerState state = opt.state();
    for (size_t j = 0; j < n; ++j) {
      ASSERT_EQ(p[j], expected_p[j]) << "step " << step << " parameter " << j;
      ASSERT_EQ(state.square_avg[j], expected_v[j]) << "step " << step << " average " << j;
    }
  }
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

// Another process's change (distributed A3C): added as is, refused whole if it would
// make a parameter non-finite, and the finiteness bound follows the new values.
TEST(SharedOptimizer, AddToParameters) {
  std::vector<float> p = {1.0f, -2.0f};
  SharedOptimizer opt(p.data(), 2, {OptimizerKind::kSgd});
  const float delta[2] = {0.5f, 1e30f};
  EXPECT_TRUE(opt.add_to_parameters(delta));
  EXPECT_EQ(p, (std::vector<float>{1.5f, 1e30f}));
  const float half_max[2] = {1.0f, 2e38f};
  EXPECT_TRUE(opt.add_to_parameters(half_max));
  EXPECT_FALSE(opt.add_to_parameters(half_max));  // 4e38 overflows float: refused whole
  const float to_inf[2] = {0.0f, std::numeric_limits<float>::infinity()};
  EXPECT_FALSE(opt.add_to_parameters(to_inf));
  EXPECT_EQ(p[0], 2.5f);  // nothing changed by a refused change
}

TEST(SharedOptimizer, Sgd) {
  std::vector<float> p = {1.0f};
  const float g[1] = {2.0f};
  SharedOptimizer opt(p.data(), 1, {OptimizerKind::kSgd});
  opt.apply(g, 0.25f);
  EXPECT_FLOAT_EQ(p[0], 0.5f);
  float copy[1];
  opt.read_parameters(copy);
  EXPECT_EQ(copy[0], 0.5f);
}

// An update that would make a parameter NaN or infinite changes nothing: not the
// parameters, not the optimizer's statistics (RMSProp's mean square, Adam's
// moments and step count): the next update is as if it had never been tried.
TEST(SharedOptimizer, RefusesAnUpdateThatWouldMakeAParameterNonFinite) {
  const float inf = std::numeric_limits<float>::infinity();
  for (OptimizerKind kind : {OptimizerKind::kSgd, OptimizerKind::kRmsprop, OptimizerKind::kAdam}) {
    OptimizerConfig c;
    c.kind = kind;
    std::vector<float> pa = {1.0f, -2.0f, 0.5f}, pb = pa;
    SharedOptimizer a(pa.data(), 3, c), b(pb.data(), 3, c);
    const float g1[3] = {0.5f, -1.0f, 0.25f}, g2[3] = {-0.3f, 0.2f, 1.0f};
    const float huge[3] = {0.0f, 3e38f, 0.0f};
    EXPECT_FALSE(a.apply(g1, inf)) << int(kind);
    if (kind == OptimizerKind::kSgd) EXPECT_FALSE(a.apply(huge, 10.0f));  // -3e39: overflows to -inf
    const float nan_grad[3] = {0.0f, std::numeric_limits<float>::quiet_NaN(), 0.0f};
    EXPECT_FALSE(a.apply(nan_grad, 0.1f)) << int(kind);
    EXPECT_EQ(pa, pb) << int(kind);
    for (const float* g : {g1, g2, g1}) {
      EXPECT_TRUE(a.apply(g, 0.01f));
      EXPECT_TRUE(b.apply(g, 0.01f));
      EXPECT_EQ(pa, pb) << int(kind);
    }
    EXPECT_NE(pa, (std::vector<float>{1.0f, -2.0f, 0.5f}));
  }
}

// The same for a NaN or infinite gradient handed to apply() directly (apply_gradient
// checks the gradient's norm first, so the trainers never do).
TEST(SharedOptimizer, RefusesANonFiniteGradient) {
  for (OptimizerKind kind : {OptimizerKind::kSgd, OptimizerKind::kRmsprop, OptimizerKind::kAdam}) {
    for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
      OptimizerConfig c;
      c.kind = kind;
      std::vector<float> p = {1.0f, -2.0f, 0.5f};
      const std::vector<float> before = p;
      SharedOptimizer opt(p.data(), 3, c);
      const float grad[3] = {0.0f, bad, 0.0f};
      EXPECT_FALSE(opt.apply(grad, 0.1f)) << "kind " << int(kind) << " grad " << bad;
      EXPECT_EQ(p, before) << "kind " << int(kind) << " grad " << bad;
    }
  }
}

// A state carried into a new optimizer continues the first one exactly: the updates
// after set_state equal those of an optimizer that never stopped.
TEST(SharedOptimizer, StateCarriedIntoANewOptimizerContinuesIt) {
  for (OptimizerKind kind : {OptimizerKind::kSgd, OptimizerKind::kRmsprop, OptimizerKind::kAdam}) {
    OptimizerConfig c;
    c.kind = kind;
    const float g1[3] = {0.3f, -1.0f, 0.2f}, g2[3] = {-0.5f, 0.25f, 2.0f};
    std::vector<float> uninterrupted = {1.0f, -2.0f, 0.5f};
    SharedOptimizer a(uninterrupted.data(), 3, c);
    for (int k = 0; k < 3; ++k) ASSERT_TRUE(a.apply(g1, 0.01f));
    const OptimizerState saved = a.state();
    std::vector<float> continued = uninterrupted;
    for (int k = 0; k < 3; ++k) ASSERT_TRUE(a.apply(g2, 0.01f));
    SharedOptimizer b(continued.data(), 3, c);
    b.set_state(saved);
    for (int k = 0; k < 3; ++k) ASSERT_TRUE(b.apply(g2, 0.01f));
    EXPECT_EQ(continued, uninterrupted) << int(kind);
    EXPECT_EQ(saved.step, kind == OptimizerKind::kAdam ? 3 : 0);
    EXPECT_EQ(saved.square_avg.size(), kind == OptimizerKind::kSgd ? 0u : 3u);
    EXPECT_EQ(saved.exp_avg.size(), kind == OptimizerKind::kAdam ? 3u : 0u);
  }
}

TEST(SharedOptimizer, RefusesAStateThatDoesNotFit) {
  std::vector<float> p = {1.0f, 2.0f};
  SharedOptimizer opt(p.data(), 2, {OptimizerKind::kRmsprop});
  EXPECT_THROW(opt.set_state({{1.0f}, {}, 0}), std::invalid_argument);                   // wrong size
  EXPECT_THROW(opt.set_state({{1.0f, -1.0f}, {}, 0}), std::invalid_argument);            // negative mean square
  EXPECT_THROW(opt.set_state({{1.0f, NAN}, {}, 0}), std::invalid_argument);              // not finite
  EXPECT_THROW(opt.set_state({{1.0f, 1.0f}, {0.0f, 0.0f}, 0}), std::invalid_argument);   // Adam's m for RMSProp
  EXPECT_THROW(opt.set_state({{1.0f, 1.0f}, {}, -1}), std::invalid_argument);            // negative step
  opt.set_state({{1.0f, 4.0f}, {}, 0});
  EXPECT_EQ(opt.state().square_avg, (std::vector<float>{1.0f, 4.0f}));
}

TEST(Loss, ExplainedVarianceIsOneMinusTheUnexplainedShare) {
  // returns 1, 2, 3, 4 (variance 1.25); values predict them up to advantages +-0.5 (variance 0.25).
  const float returns[4] = {1, 2, 3, 4}, advantages[4] = {0.5f, -0.5f, 0.5f, -0.5f};
  EXPECT_NEAR(explained_variance(advantages, returns, 4), 1.0 - 0.25 / 1.25, 1e-6);
  const float same[4] = {2, 2, 2, 2};
  EXPECT_TRUE(std::isnan(explained_variance(advantages, same, 4)));  // SB3: NaN when the returns do not vary
  const float zero[4] = {0, 0, 0, 0};
  EXPECT_FLOAT_EQ(explained_variance(zero, returns, 4), 1.0f);
}

TEST(TrainConfig, OptimizerConfigByName) {
  TrainConfig c;
  c.rmsprop_alpha = 0.9f;
  c.optimizer_eps = 1e-3f;
  OptimizerConfig o = c.optimizer_config();
  EXPECT_EQ(o.kind, OptimizerKind::kRmsprop);
  EXPECT_EQ(o.alpha, 0.9f);
  EXPECT_EQ(o.eps, 1e-3f);
  c.optimizer = "adam";
  EXPECT_EQ(c.optimizer_config().kind, OptimizerKind::kAdam);
  c.optimizer = "sgd";
  EXPECT_EQ(c.optimizer_config().kind, OptimizerKind::kSgd);
  c.optimizer = "lbfgs";
  EXPECT_THROW(c.optimizer_config(), std::invalid_argument);
  // The trainer refuses it before starting any thread.
  ActorCritic net({4, Space::discrete(2), {8}}, 0);
  EXPECT_THROW(A3CTrainer(c, net), std::invalid_argument);

  c.value_coef = 0.25f;
  c.entropy_coef = 0.01f;
  c.max_grad_norm = 2.0f;
  const LossConfig l = c.loss();
  EXPECT_EQ(l.value_coef, 0.25f);
  EXPECT_EQ(l.entropy_coef, 0.01f);
  EXPECT_EQ(l.max_grad_norm, 2.0f);
}

namespace {

const ActorCriticSpec kSmallNet{4, Space::discrete(2), {64}};

TrainConfig short_config(int workers, int64_t steps) {
  TrainConfig c;
  c.num_workers = workers;
  c.envs_per_worker = 2;
  c.total_steps = steps;
  c.seed = 3;
  return c;
}

std::vector<float> train(const TrainConfig& config, uint64_t init_seed, Progress* progress = nullptr,
                         StopReason* reason = nullptr) {
  ActorCritic net(kSmallNet, init_seed);
  A3CTrainer trainer(config, net);
  trainer.start();
  while (!trainer.wait_for(0.05)) {
  }
  EXPECT_TRUE(trainer.finished());
  trainer.join();
  if (progress) *progress = trainer.monitor().progress();
  if (reason) *reason = trainer.monitor().stop_reason();
  return {net.parameters(), net.parameters() + net.num_parameters()};
}

}  // namespace

TEST(A3C, OneWorkerIsReproducible) {
  const auto a = train(short_config(1, 20000), 1), b = train(short_config(1, 20000), 1);
  EXPECT_EQ(a, b);
  const auto c = train(short_config(1, 20000), 2);
  EXPECT_NE(a, c);
  TrainConfig other_seed = short_config(1, 20000);
  other_seed.seed = 4;  // the environments' and the sampling's seed
  EXPECT_NE(a, train(other_seed, 1));
}

// Training continued from a trainer's counters and optimizer state counts on from them.
TEST(A3C, ContinuesFromCountersAndOptimizerState) {
  TrainConfig c = short_config(1, 4000);
  c.num_workers = 1;
  ActorCritic net(kSmallNet, 0);
  RunCounters counters;
  OptimizerState state;
  {
    A3CTrainer first(c, net);
    first.start();
    first.join();
    counters = first.monitor().counters();
    state = first.optimizer().state();
  }
  EXPECT_GE(counters.env_steps, 4000);
  EXPECT_EQ(counters.recent_returns.size(), std::min<size_t>(counters.episodes, 100));
  TrainConfig more = c;
  more.total_steps = counters.env_steps + 2000;
  A3CTrainer second(more, net);
  second.monitor().resume(counters);
  second.optimizer().set_state(state);
  EXPECT_EQ(second.monitor().progress().env_steps, counters.env_steps);
  EXPECT_EQ(second.monitor().progress().episodes, counters.episodes);
  second.start();
  second.join();
  const Progress p = second.monitor().progress();
  EXPECT_GE(p.env_steps, counters.env_steps + 2000);
  EXPECT_LT(p.run_env_steps, 2000 + 100);
  EXPECT_GT(p.updates, counters.updates);
  EXPECT_GT(second.optimizer().state().square_avg[0] + second.optimizer().state().square_avg[1], 0.0f);
}

TEST(A3C, StopsAtTotalStepsAndRecordsEpisodes) {
  Progress p;
  StopReason reason;
  train(short_config(2, 30000), 1, &p, &reason);
  EXPECT_EQ(reason, StopReason::kTotalSteps);
  EXPECT_GE(p.env_steps, 30000);
  EXPECT_LT(p.env_steps, 30000 + 2 * 2 * 5 * 2);  // at most one rollout per worker past the budget
  EXPECT_GT(p.episodes, 10);
  EXPECT_EQ(p.skipped_updates, 0);
  EXPECT_GT(p.updates, 30000 / 10 - 2);
  EXPECT_EQ(p.env_steps, p.updates * 2 * 5);  // every update is one whole rollout of 2 envs x t_max 5
  EXPECT_EQ(p.evaluations, 0);
}

class A3CStress : public ::testing::TestWithParam<int> {};

TEST_P(A3CStress, ManyWorkersStayFinite) {
  TrainConfig c = short_config(GetParam(), 40000);
  c.envs_per_worker = 1;
  Progress p;
  const auto params = train(c, 5, &p);
  for (float v : params) ASSERT_TRUE(std::isfinite(v));
  EXPECT_GE(p.env_steps, 40000);
}

INSTANTIATE_TEST_SUITE_P(Workers, A3CStress, ::testing::Values(16, 64));

// Box actions (the Gaussian policy) through the whole A3C loop on native Pendulum-v1 and
// MountainCarContinuous-v0: updates happen, parameters stay finite, the log-stds learn.
TEST(A3C, TrainsGaussianPoliciesOnBoxActionSpaces) {
  for (const char* env : {"Pendulum-v1", "MountainCarContinuous-v0"}) {
    TrainConfig c = short_config(2, 20000);
    c.env = env;
    const EnvSpec& env_spec = find_native_env(env)->spec();
    ActorCritic net({env_spec.observation_space.size(), env_spec.action_space, {16}, -0.5f}, 3);
    A3CTrainer trainer(c, net);
    trainer.start();
    while (!trainer.wait_for(0.05)) {
    }
    trainer.join();
    const Progress p = trainer.monitor().progress();
    EXPECT_GE(p.env_steps, 20000) << env;
    EXPECT_GT(p.updates, 0) << env;
    EXPECT_EQ(p.skipped_updates, 0) << env;
    for (size_t j = 0; j < net.num_parameters(); ++j) ASSERT_TRUE(std::isfinite(net.parameters()[j])) << env;
    EXPECT_NE(net.parameters()[net.distribution_offset()], -0.5f) << env;
  }
}

// Normalization through the A3C loop: two workers share the model's observation
// statistics and the trainer's return statistics (TSan checks the sharing); every
// full rollout's observations reach the statistics; the policy stays finite.
TEST(A3C, SharesNormalizationStatisticsAcrossWorkers) {
  TrainConfig c = short_config(2, 20000);
  c.env = "Pendulum-v1";
  c.normalize_obs = c.normalize_reward = true;
  const EnvSpec& env_spec = find_native_env(c.env)->spec();
  ActorCriticSpec spec{env_spec.observation_space.size(), env_spec.action_space, {16}, -0.5f};
  spec.normalize_obs = true;
  ActorCritic net(spec, 3);
  A3CTrainer trainer(c, net);
  trainer.start();
  while (!trainer.wait_for(0.05)) {
  }
  trainer.join();
  const Progress p = trainer.monitor().progress();
  const Moments m = net.observation_stats()->moments();
  const double rollout = static_cast<double>(c.envs_per_worker) * c.t_max;
  EXPECT_NEAR(m.count - 1e-4, rollout * p.updates, 1e-6);  // one merge per applied update
  EXPECT_GT(m.var[2], 1.0);                                   // the angular velocity's spread
  EXPECT_EQ(p.skipped_updates, 0);
  for (size_t j = 0; j < net.num_parameters(); ++j) ASSERT_TRUE(std::isfinite(net.parameters()[j]));
}

// stop_at_return with the greedy confirmation (stop_eval_episodes = 100): the run
// stops on an evaluation that reached the target, and the model then holds the
// evaluated snapshot (evaluating it again on the same episodes gives the target).
TEST(A3C, LearnsCartPole) {
  TrainConfig c = short_config(2, 600000);
  c.envs_per_worker = 8;
  c.lr = 3e-3f;
  c.stop_at_return = 195.0;
  ASSERT_EQ(c.stop_eval_episodes, 100);
  ActorCritic net(kSmallNet, 0);
  A3CTrainer trainer(c, net);
  trainer.start();
  trainer.join();
  const Progress p = trainer.monitor().progress();
  ASSERT_EQ(trainer.monitor().stop_reason(), StopReason::kStopAtReturn) << "after " << p.env_steps << " steps";
  EXPECT_GE(p.evaluations, 1);
  EXPECT_GE(p.eval_env_steps, 100 * 195);  // the passing evaluation: 100 episodes averaging >= 195 steps
  EXPECT_GE(p.mean_return, 195.0) << "after " << p.env_steps << " steps";
  EXPECT_LT(p.env_steps, 600000);
  bool reproduced = false;
  for (int64_t stream = 0; stream < p.evaluations && !reproduced; ++stream) {
    const EvaluationResult again = evaluate_greedy(c.env, net, net.parameters(), c.stop_eval_episodes, c.seed, stream);
    reproduced = again.mean_return >= c.stop_at_return;
  }
  EXPECT_TRUE(reproduced) << "the model is not the snapshot that passed the evaluation";
}

// stop_eval_episodes = 0: the training episodes alone stop the run.
TEST(A3C, StopsAtReturnOnTrainingEpisodesWithoutEvaluation) {
  TrainConfig c = short_config(2, 200000);
  c.stop_at_return = 15.0;  // a random policy's CartPole episodes average ~22
  c.stop_eval_episodes = 0;
  Progress p;
  StopReason reason;
  train(c, 0, &p, &reason);
  EXPECT_EQ(reason, StopReason::kStopAtReturn);
  EXPECT_GE(p.episodes, 100);
  EXPECT_EQ(p.evaluations, 0);
  EXPECT_LT(p.env_steps, 200000);
}

TEST(A3C, StopsAtMaxSecondsOrOnRequestAndSaysWhy) {
  TrainConfig c = short_config(2, int64_t{1} << 60);
  c.max_seconds = 0.2;
  StopReason reason;
  train(c, 0, nullptr, &reason);
  EXPECT_EQ(reason, StopReason::kMaxSeconds);
  EXPECT_STREQ(stop_reason_name(reason), "max_seconds");

  c.max_seconds = std::numeric_limits<double>::infinity();
  ActorCritic net(kSmallNet, 0);
  A3CTrainer trainer(c, net);
  trainer.start();
  EXPECT_FALSE(trainer.wait_for(0.1));
  EXPECT_FALSE(trainer.finished());
  trainer.request_stop();
  EXPECT_TRUE(trainer.wait_for(5.0));  // every worker finishes its rollout and stops
  trainer.join();
  EXPECT_EQ(trainer.monitor().stop_reason(), StopReason::kRequested);
}

TEST(A3C, DestructorStopsARunningTrainer) {
  TrainConfig c = short_config(2, int64_t{1} << 60);
  ActorCritic net(kSmallNet, 0);
  {
    A3CTrainer trainer(c, net);
    trainer.start();
    EXPECT_FALSE(trainer.wait_for(0.05));
  }  // must stop and join its workers, not hang or terminate
  for (size_t j = 0; j < net.num_parameters(); ++j) ASSERT_TRUE(std::isfinite(net.parameters()[j]));
}

// A worker that throws stops the run; join() rethrows its exception.
TEST(A3CErrors, UnknownEnvIsRethrownByJoin) {
  TrainConfig c = short_config(3, int64_t{1} << 60);
  c.env = "NoSuchEnv-v0";
  ActorCritic net(kSmallNet, 0);
  A3CTrainer trainer(c, net);
  trainer.start();
  EXPECT_TRUE(trainer.wait_for(10.0));
  EXPECT_TRUE(trainer.finished());
  EXPECT_EQ(trainer.monitor().stop_reason(), StopReason::kError);
  EXPECT_STREQ(stop_reason_name(trainer.monitor().stop_reason()), "error");
  try {
    trainer.join();
    FAIL() << "join() did not rethrow";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("NoSuchEnv-v0"), std::string::npos);
  }
  EXPECT_NO_THROW(trainer.join());  // rethrown once
  EXPECT_EQ(trainer.monitor().progress().updates, 0);
}

// Only one worker fails (the one that takes the greedy evaluation, which cannot
// build its environments: stop_eval_episodes < 0); the others, which were training
// fine with no other stop condition, stop too, and join() rethrows.
TEST(A3CErrors, OneFailingWorkerStopsTheOthers) {
  TrainConfig c = short_config(3, int64_t{1} << 60);
  c.stop_at_return = 0.0;  // every episode meets it: an evaluation is requested at 100 episodes
  c.stop_eval_episodes = -1;
  ActorCritic net(kSmallNet, 0);
  A3CTrainer trainer(c, net);
  trainer.start();
  EXPECT_TRUE(trainer.wait_for(30.0)) << "the other workers did not stop";
  EXPECT_EQ(trainer.monitor().stop_reason(), StopReason::kError);
  const Progress p = trainer.monitor().progress();
  EXPECT_GE(p.episodes, 100);
  EXPECT_GT(p.updates, 0);
  EXPECT_EQ(p.evaluations, 0);
  EXPECT_THROW(trainer.join(), std::invalid_argument);
  for (size_t j = 0; j < net.num_parameters(); ++j) ASSERT_TRUE(std::isfinite(net.parameters()[j]));
}

// An allocation that fails in every worker (a rollout of 2^16 envs x 2^30 steps:
// a petabyte) comes back as std::bad_alloc. Sanitizer allocators abort on such a
// request instead of throwing, so this runs in the plain build only.
TEST(A3CErrors, FailedAllocationIsRethrownByJoin) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "sanitizer allocators abort on impossible allocations";
#else
  TrainConfig c = short_config(2, int64_t{1} << 60);
  c.envs_per_worker = 1 << 16;
  c.t_max = 1 << 30;
  ActorCritic net(kSmallNet, 0);
  A3CTrainer trainer(c, net);
  trainer.start();
  EXPECT_TRUE(trainer.wait_for(30.0));
  EXPECT_EQ(trainer.monitor().stop_reason(), StopReason::kError);
  try {
    trainer.join();
    ADD_FAILURE() << "join did not rethrow";
  } catch (const std::bad_alloc& e) {  // saying what could not be allocated
    EXPECT_NE(std::string(e.what()).find("lower envs_per_worker, t_max or hidden_sizes"), std::string::npos)
        << e.what();
  }
#endif
}

namespace {

// Native CartPole behind the EnvSource seam, counting the envs made and destroyed,
// and throwing from its `fail_at`-th step (0: never): an env the trainer knows
// nothing about, as the bindings' Python envs are.
struct ForeignEnvCounts {
  std::atomic<int> made{0}, destroyed{0}, steps{0};
};
class ForeignEnv final : public BatchedEnv {
 public:
  ForeignEnv(int n, ForeignEnvCounts& counts, int fail_at)
      : ForeignEnv(make_batched_env("CartPole-v1", n, AutoresetMode::kSameStep), counts, fail_at) {}
  ~ForeignEnv() override { ++counts_.destroyed; }
  void seed(int i, const std::vector<uint32_t>& w) override { inner_->seed(i, w); }
  void reset(int i, void* obs, const double* o) override { inner_->reset(i, obs, o); }
  void observe(int i, void* obs) const override { inner_->observe(i, obs); }
  int step(const ActionBatch& a, const StepResult& out) override {
    if (++counts_.steps == fail_at_) throw std::runtime_error("the env broke on step " + std::to_string(fail_at_));
    return inner_->step(a, out);
  }
  void get_state(int i, double* s) const override { inner_->get_state(i, s); }
  void set_state(int i, const double* s) override { inner_->set_state(i, s); }
  int elapsed_steps(int i) const override { return inner_->elapsed_steps(i); }
  std::string save() const override { return inner_->save(); }
  void load(const std::string& b) override { inner_->load(b); }

 private:
  ForeignEnv(std::unique_ptr<BatchedEnv> inner, ForeignEnvCounts& counts, int fail_at)
      : BatchedEnv(inner->spec(), inner->num_envs(), AutoresetMode::kSameStep, 0),
        inner_(std::move(inner)),
        counts_(counts),
        fail_at_(fail_at) {
    ++counts_.made;
  }
  std::unique_ptr<BatchedEnv> inner_;
  ForeignEnvCounts& counts_;
  int fail_at_;
};

EnvSource foreign_source(ForeignEnvCounts& counts, int fail_at) {
  return {[&counts, fail_at](int, int n) { return std::make_unique<ForeignEnv>(n, counts, fail_at); },
          [&counts](int n) { return std::make_unique<ForeignEnv>(n, counts, 0); }};
}

}  // namespace

// The workers and the stop evaluation take their envs from the EnvSource, and
// destroy them on their threads when done.
TEST(A3C, LearnsOnEnvsFromAnEnvSource) {
  // One worker: reproducible, so the stop (whose greedy evaluation runs on the
  // source's envs) comes at the same point on every run.
  TrainConfig c = short_config(1, 400000);
  c.envs_per_worker = 8;
  c.lr = 3e-3f;
  c.stop_at_return = 100.0;
  c.stop_eval_episodes = 10;
  ForeignEnvCounts counts;
  ActorCritic net(kSmallNet, 1);
  {
    A3CTrainer trainer(c, net, foreign_source(counts, 0));
    trainer.start();
    while (!trainer.wait_for(0.05)) {
    }
    trainer.join();
    EXPECT_EQ(trainer.monitor().stop_reason(), StopReason::kStopAtReturn);
    EXPECT_GE(trainer.monitor().progress().evaluations, 1);
  }
  EXPECT_GE(counts.made.load(), 2);  // the worker's envs and at least one evaluation's
  EXPECT_EQ(counts.made.load(), counts.destroyed.load());
}

// An env that throws stops every worker; join() rethrows its error; every env is destroyed.
TEST(A3CErrors, AnEnvThatThrowsStopsTheRun) {
  TrainConfig c = short_config(2, int64_t{1} << 60);
  ForeignEnvCounts counts;
  ActorCritic net(kSmallNet, 1);
  A3CTrainer trainer(c, net, foreign_source(counts, 100));
  trainer.start();
  EXPECT_TRUE(trainer.wait_for(30.0));
  EXPECT_EQ(trainer.monitor().stop_reason(), StopReason::kError);
  try {
    trainer.join();
    FAIL() << "join() did not rethrow";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "the env broke on step 100");
  }
  EXPECT_EQ(counts.made.load(), 2);
  EXPECT_EQ(counts.destroyed.load(), 2);
}

// An env whose observations or actions are not the model's is refused, not read past.
TEST(A3CErrors, AnEnvThatDoesNotFitTheModelIsRefused) {
  TrainConfig c = short_config(1, 1000);
  ActorCritic net({3, Space::discrete(2), {8}}, 1);  // CartPole has 4 observation values
  ForeignEnvCounts counts;
  A3CTrainer trainer(c, net, foreign_source(counts, 0));
  trainer.start();
  EXPECT_TRUE(trainer.wait_for(30.0));
  try {
    trainer.join();
    FAIL() << "join() did not rethrow";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("observations of size 4"), std::string::npos) << e.what();
  }
}

TEST(Evaluate, GreedyEpisodesMatchTheEnvironmentPlayedByHand) {
  // All-zero parameters: tied logits, so argmax always picks action 0.
  ActorCritic net({4, Space::discrete(2), {16}}, 0, /*initialize=*/false);
  const int episodes = 7;
  const uint64_t seed = 11;
  std::vector<double> means;
  for (uint64_t stream : {uint64_t{0}, uint64_t{3}}) {
    const EvaluationResult result = evaluate_greedy("CartPole-v1", net, net.parameters(), episodes, seed, stream);
    double total = 0.0;
    int64_t steps = 0;
    for (int e = 0; e < episodes; ++e) {
      auto env = make_batched_env("CartPole-v1", 1, AutoresetMode::kDisabled);
      env->seed(0, {static_cast<uint32_t>(seed), 0u, static_cast<uint32_t>(stream), 0u, static_cast<uint32_t>(e),
                    0xE7A1u});
      float obs[4];
      double reward;
      uint8_t terminated = 0, truncated = 0;
      env->reset(0, obs);
      const int64_t action = 0;
      while (!terminated && !truncated) {
        ASSERT_EQ(env->step({&action, nullptr, 0}, {obs, &reward, &terminated, &truncated, nullptr}), -1);
        total += reward;
        ++steps;
      }
    }
    EXPECT_EQ(result.env_steps, steps) << "stream " << stream;
    EXPECT_DOUBLE_EQ(result.mean_return, total / episodes) << "stream " << stream;
    EXPECT_LT(result.mean_return, 20.0);  // always pushing left fails fast
    means.push_back(result.mean_return);
  }
  EXPECT_NE(means[0], means[1]);  // another stream, other episodes
}
