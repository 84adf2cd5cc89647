// The Categorical distribution (rl/distribution.h): sampling frequencies, the
// mode, one uniform draw per sample, Discrete(n, start) offsets; softmax;
// make_distribution; and act() / evaluate_values (rl/act.h) on a model.
// Its policy_gradient is checked against autograd in test_gradient_vs_autograd.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <limits>
#include <vector>

#include "envs/numpy_random.h"
#include "nn/actor_critic.h"
#include "rl/act.h"
#include "rl/distribution.h"

using namespace fastac;

namespace {

std::vector<double> softmax_reference(const std::vector<float>& z) {
  double m = z[0], sum = 0;
  for (float v : z) m = std::max(m, double(v));
  std::vector<double> p;
  for (float v : z) sum += std::exp(v - m);
  for (float v : z) p.push_back(std::exp(v - m) / sum);
  return p;
}

}  // namespace

TEST(Softmax, ProbabilitiesAndLogSumExp) {
  const std::vector<float> z = {1.0f, -2.0f, 0.5f, 3.0f};
  std::vector<float> p(4);
  const float lse = softmax(z.data(), 4, p.data());
  const auto ref = softmax_reference(z);
  double sum = 0, lse_ref = 0;
  for (float v : z) lse_ref += std::exp(double(v));
  for (int k = 0; k < 4; ++k) {
    EXPECT_NEAR(p[k], ref[k], 1e-6);
    sum += p[k];
  }
  EXPECT_NEAR(sum, 1.0, 1e-6);
  EXPECT_NEAR(lse, std::log(lse_ref), 1e-5);
  // Large logits do not overflow.
  const float big[2] = {1000.0f, 999.0f};
  float pb[2];
  EXPECT_NEAR(softmax(big, 2, pb), 1000.0 + std::log1p(std::exp(-1.0)), 1e-3);
  EXPECT_NEAR(pb[0], 1.0 / (1.0 + std::exp(-1.0)), 1e-6);
}

// Sampled frequencies match the softmax probabilities (within 5 standard errors),
// in a batch whose rows have different logits; actions are start + k.
TEST(Categorical, SamplingFrequenciesMatchProbabilities) {
  const int n = 4, rows = 2, draws = 100000;
  const int64_t start = 2;
  Categorical dist(n, start);
  const std::vector<std::vector<float>> logits = {{0.0f, 1.0f, 2.0f, -1.0f}, {0.3f, 0.3f, -4.0f, 0.0f}};
  std::vector<float> inputs;
  for (const auto& row : logits) inputs.insert(inputs.end(), row.begin(), row.end());
  std::vector<std::vector<int64_t>> counts(rows, std::vector<int64_t>(n, 0));
  std::vector<int64_t> actions(rows);
  Pcg64 rng = Pcg64::from_seed(42);
  for (int d = 0; d < draws; ++d) {
    dist.act(inputs.data(), nullptr, rows, &rng, {actions.data(), nullptr, 0});
    for (int r = 0; r < rows; ++r) {
      ASSERT_GE(actions[r], start);
      ASSERT_LT(actions[r], start + n);
      ++counts[r][actions[r] - start];
    }
  }
  for (int r = 0; r < rows; ++r) {
    const auto p = softmax_reference(logits[r]);
    for (int k = 0; k < n; ++k) {
      const double freq = double(counts[r][k]) / draws;
      const double se = std::sqrt(p[k] * (1 - p[k]) / draws);
      EXPECT_NEAR(freq, p[k], 5 * se + 1e-9) << "row " << r << " action " << k;
    }
  }
  EXPECT_GT(counts[1][2], 0);  // a rare action (p ~ 0.005) still comes up
}

// One uniform draw per sample: the stream advances by exactly `batch` numbers,
// and the same stream gives the same actions.
TEST(Categorical, OneDrawPerSampleAndReproducible) {
  Categorical dist(3);
  const int batch = 50;
  std::vector<float> inputs(batch * 3);
  for (int i = 0; i < batch * 3; ++i) inputs[i] = std::sin(float(i));
  std::vector<int64_t> a(batch), b(batch);
  Pcg64 r1 = Pcg64::from_seed(7), r2 = Pcg64::from_seed(7), r3 = Pcg64::from_seed(7);
  dist.act(inputs.data(), nullptr, batch, &r1, {a.data(), nullptr, 0});
  dist.act(inputs.data(), nullptr, batch, &r2, {b.data(), nullptr, 0});
  EXPECT_EQ(a, b);
  for (int i = 0; i < batch; ++i) r3.next_double();
  EXPECT_EQ(r1.next_uint64(), r3.next_uint64());
  // A one-action distribution samples its only action, start.
  Categorical one(1, -3);
  int64_t only;
  const float z = 0.0f;
  one.act(&z, nullptr, 1, &r1, {&only, nullptr, 0});
  EXPECT_EQ(only, -3);
}

// rng == nullptr: the mode (argmax; the first of tied maxima), no draw.
TEST(Categorical, ModeIsArgmax) {
  Categorical dist(4, 1);
  const float inputs[3 * 4] = {0.1f, 0.5f, -1.0f, 0.2f,   // argmax 1
                               3.0f, 3.0f, 3.0f, 2.0f,    // tie: the first
                               -5.0f, -4.0f, -3.0f, -2.5f};
  int64_t actions[3];
  dist.act(inputs, nullptr, 3, nullptr, {actions, nullptr, 0});
  EXPECT_EQ(actions[0], 1 + 1);
  EXPECT_EQ(actions[1], 1 + 0);
  EXPECT_EQ(actions[2], 1 + 3);
}

TEST(Categorical, ConstructionAndMakeDistribution) {
  EXPECT_THROW(Categorical(0), std::invalid_argument);
  auto d = make_distribution(Space::discrete(5, -2));
  ASSERT_NE(d, nullptr);
  EXPECT_TRUE(d->discrete());
  EXPECT_EQ(d->input_size(), 5);
  const float z[5] = {0, 0, 0, 9, 0};
  int64_t a;
  d->act(z, nullptr, 1, nullptr, {&a, nullptr, 0});
  EXPECT_EQ(a, -2 + 3);
  EXPECT_THROW(make_distribution(Space::discrete(int64_t{1} << 25)), std::invalid_argument);
  // A Box (any shape, flattened): a Gaussian over its elements with its own log-stds.
  auto g = make_distribution(Space::box({2, 3}, std::vector<float>(6, -1), std::vector<float>(6, 1)), -0.5f);
  EXPECT_FALSE(g->discrete());
  EXPECT_EQ(g->input_size(), 6);
  EXPECT_EQ(g->num_parameters(), 6u);
  std::vector<float> own(6);
  g->initialize(own.data());
  EXPECT_EQ(own, std::vector<float>(6, -0.5f));
}

// A Box action space's model: [policy | log_std], the log-stds initialised from the
// spec; actions leave act() unclipped, and the distribution's env_actions bounds them
// to the space (infinite bounds: unclipped); with squash_output, tanh maps them in.
TEST(Act, GaussianModelActionsAndClipping) {
  const float inf = std::numeric_limits<float>::infinity();
  const Space space = Space::box({2}, {-2.0f, -inf}, {2.0f, inf});
  ActorCritic net({3, space, {8}, -1.0f}, 1);
  EXPECT_EQ(net.num_parameters(), net.policy().num_parameters() + 2);
  EXPECT_EQ(net.parameters()[net.distribution_offset()], -1.0f);
  EXPECT_EQ(net.parameters()[net.distribution_offset() + 1], -1.0f);
  const int batch = 4;
  std::vector<float> obs(batch * 3, 0.5f), values(batch), sampled(batch * 2), mode(batch * 2);
  ModelWorkspace ws(net);
  Pcg64 rng = Pcg64::from_seed(1);
  act(net, net.parameters(), obs.data(), batch, &rng, ws, {nullptr, sampled.data(), 2}, values.data());
  act(net, net.parameters(), obs.data(), batch, nullptr, ws, {nullptr, mode.data(), 2}, values.data());
  EXPECT_NE(sampled, mode);
  for (int b = 1; b < batch; ++b) EXPECT_EQ(mode[2 * b], mode[0]);  // the same observation: the same mean

  std::vector<float> wide = {5.0f, 1e30f, -7.0f, -1e30f, 1.0f, 0.0f, -2.0f, 3.0f}, scratch;
  const ActionBatch clipped = net.distribution().env_actions({nullptr, wide.data(), 2}, batch, scratch);
  EXPECT_EQ(std::vector<float>(clipped.box, clipped.box + 8),
            (std::vector<float>{2.0f, 1e30f, -2.0f, -1e30f, 1.0f, 0.0f, -2.0f, 3.0f}));
  EXPECT_EQ(wide[0], 5.0f);  // the rollout keeps the unclipped sample
  std::vector<int64_t> discrete = {1, 0};
  ActorCritic categorical({3, Space::discrete(2), {8}}, 1);
  EXPECT_EQ(categorical.distribution().env_actions({discrete.data(), nullptr, 0}, 2, scratch).discrete,
            discrete.data());

  const Space bounded = Space::box({2}, {-2.0f, 0.0f}, {2.0f, 1.0f});
  ActorCritic squashed({3, bounded, {8}, 0.0f, /*squash_output=*/true}, 1);
  std::vector<float> raw = {0.0f, 0.0f, 50.0f, -50.0f};
  const ActionBatch env = squashed.distribution().env_actions({nullptr, raw.data(), 2}, 2, scratch);
  EXPECT_EQ(std::vector<float>(env.box, env.box + 4), (std::vector<float>{0.0f, 0.5f, 2.0f, 0.0f}));
  EXPECT_THROW(ActorCritic({3, space, {8}, 0.0f, true}, 1), std::invalid_argument);  // an infinite bound
}

// act_per_row: row b samples with its own stream, as act() on that row alone would.
TEST(Act, PerRowStreamsSampleEachRowAsAlone) {
  ActorCritic net({3, Space::discrete(4), {8}}, 1);
  const int batch = 3;
  std::vector<float> obs(batch * 3);
  for (size_t i = 0; i < obs.size(); ++i) obs[i] = std::sin(float(i));
  ModelWorkspace ws(net);
  std::vector<int64_t> together(batch);
  std::vector<float> values(batch);
  std::vector<Pcg64> rngs = {Pcg64::from_seed(1), Pcg64::from_seed(2), Pcg64::from_seed(3)};
  std::vector<Pcg64*> pointers = {&rngs[0], &rngs[1], &rngs[2]};
  act_per_row(net, net.parameters(), obs.data(), batch, pointers.data(), ws, {together.data(), nullptr, 0},
              values.data());
  for (int b = 0; b < batch; ++b) {
    Pcg64 alone = Pcg64::from_seed(static_cast<uint64_t>(b + 1));
    int64_t action = -1;
    float value = 0;
    act(net, net.parameters(), obs.data() + 3 * b, 1, &alone, ws, {&action, nullptr, 0}, &value);
    EXPECT_EQ(action, together[b]);
    EXPECT_FLOAT_EQ(value, values[b]);
    EXPECT_EQ(alone.state_words(), rngs[b].state_words());  // each stream drew as much
  }
}

// act(): the policy's forward then the distribution; values are the critic's.
TEST(Act, ActionsAndValuesOfTheModel) {
  ActorCritic net({3, Space::discrete(4, 10), {8}}, 1);
  const int batch = 5;
  std::vector<float> obs(batch * 3);
  for (size_t i = 0; i < obs.size(); ++i) obs[i] = std::cos(float(i));
  ModelWorkspace ws(net);
  std::vector<int64_t> greedy(batch), sampled(batch), expected(batch);
  std::vector<float> values(batch), values_only(batch), head(batch * 4), forward_values(batch);
  act(net, net.parameters(), obs.data(), batch, nullptr, ws, {greedy.data(), nullptr, 0}, values.data());
  auto pws = net.policy().make_workspace();
  net.policy().forward(net.parameters(), obs.data(), batch, *pws, head.data(), forward_values.data());
  net.distribution().act(head.data(), nullptr, batch, nullptr, {expected.data(), nullptr, 0});
  EXPECT_EQ(greedy, expected);
  EXPECT_EQ(values, forward_values);
  evaluate_values(net, net.parameters(), obs.data(), batch, ws, values_only.data());
  EXPECT_EQ(values_only, forward_values);
  Pcg64 rng = Pcg64::from_seed(0), same = Pcg64::from_seed(0);
  act(net, net.parameters(), obs.data(), batch, &rng, ws, {sampled.data(), nullptr, 0}, values.data());
  net.distribution().act(head.data(), nullptr, batch, &same, {expected.data(), nullptr, 0});
  EXPECT_EQ(sampled, expected);
  for (int64_t a : sampled) {
    EXPECT_GE(a, 10);
    EXPECT_LT(a, 14);
  }
}
