// The rollout (rl/rollout.h): GAE advantages against a hand computation, the
// RolloutBuffer's bootstrapping (next row, final values, last values), no
// bootstrap across a termination, truncation bootstraps, valid-row compaction,
// and the EpisodeAccumulator.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "envs/numpy_random.h"
#include "rl/rollout.h"
#include "rl/run_monitor.h"

using namespace fastac;

namespace {

// GAE(lambda) as written in the paper, per env, in double:
//   delta_t = r_t + gamma (1 - term_t) V_next_t - V_t,  A_t = delta_t + gamma lambda (1 - done_t) A_{t+1}.
void reference_gae(int T, int N, const std::vector<float>& r, const std::vector<float>& v,
                   const std::vector<float>& next_v, const std::vector<uint8_t>& term, const std::vector<uint8_t>& done,
                   double gamma, double lambda, std::vector<double>& adv) {
  adv.assign(static_cast<size_t>(T) * N, 0.0);
  for (int n = 0; n < N; ++n) {
    double next_adv = 0.0;
    for (int t = T - 1; t >= 0; --t) {
      const int i = t * N + n;
      const double delta = r[i] + gamma * (term[i] ? 0.0 : 1.0) * next_v[i] - v[i];
      adv[i] = delta + gamma * lambda * (done[i] ? 0.0 : 1.0) * next_adv;
      next_adv = adv[i];
    }
  }
}

// Fills a [T, N] rollout with distinct, recognisable values:
// obs(t)[n, d] = 100 t + 10 n + d, action = t N + n, value = 0.1 (t N + n) + 0.05.
void fill(RolloutBuffer& rb) {
  const int T = rb.steps(), N = rb.num_envs(), D = rb.observation_size();
  for (int t = 0; t < T; ++t) {
    for (int n = 0; n < N; ++n) {
      for (int d = 0; d < D; ++d) rb.obs(t)[n * D + d] = static_cast<float>(100 * t + 10 * n + d);
      const ActionBuffer a = rb.actions(t);
      if (a.discrete)
        a.discrete[n] = t * N + n;
      else
        for (int k = 0; k < a.box_size; ++k) a.box[n * a.box_size + k] = static_cast<float>(1000 * (t * N + n) + k);
      rb.values(t)[n] = 0.1f * static_cast<float>(t * N + n) + 0.05f;
    }
  }
}

}  // namespace

TEST(ComputeAdvantages, MatchesHandComputationForLambdaOneAndPointNineFive) {
  constexpr int T = 7, N = 3;
  Pcg64 rng = Pcg64::from_seed(17);
  std::vector<float> r(T * N), v(T * N), next_v(T * N), adv(T * N), ret(T * N);
  std::vector<uint8_t> term(T * N), done(T * N);
  for (int i = 0; i < T * N; ++i) {
    r[i] = static_cast<float>(rng.uniform(-1, 2));
    v[i] = static_cast<float>(rng.uniform(-3, 3));
    next_v[i] = static_cast<float>(rng.uniform(-3, 3));
    const double u = rng.next_double();
    term[i] = u < 0.15;                 // terminated (sometimes truncated as well)
    done[i] = term[i] || u > 0.8;       // or truncated only
  }
  int terminations = 0, truncations = 0;
  for (int i = 0; i < T * N; ++i) {
    terminations += term[i];
    truncations += done[i] && !term[i];
  }
  ASSERT_GT(terminations, 0);
  ASSERT_GT(truncations, 0);
  for (float lambda : {1.0f, 0.95f}) {
    for (float gamma : {0.99f, 0.9f}) {
      compute_advantages(T, N, r.data(), v.data(), next_v.data(), term.data(), done.data(), gamma, lambda, adv.data(),
                         ret.data());
      std::vector<double> expected;
      reference_gae(T, N, r, v, next_v, term, done, gamma, lambda, expected);
      for (int i = 0; i < T * N; ++i) {
        EXPECT_NEAR(adv[i], expected[i], 1e-5 * (1 + std::abs(expected[i]))) << "lambda " << lambda << " i " << i;
        EXPECT_NEAR(ret[i], expected[i] + v[i], 1e-5 * (1 + std::abs(expected[i] + v[i])));
      }
    }
  }
}

// Small hand-written cases, exact to float rounding.
TEST(ComputeAdvantages, HandWrittenGae) {
  // One env, 3 steps, no done: lambda 0.5, gamma 0.5.
  const float r[3] = {1, 2, 3}, v[3] = {1, 1, 1}, next_v[3] = {1, 1, 2};
  const uint8_t none[3] = {0, 0, 0};
  float adv[3], ret[3];
  compute_advantages(3, 1, r, v, next_v, none, none, 0.5f, 0.5f, adv, ret);
  const float d2 = 3 + 0.5f * 2 - 1, d1 = 2 + 0.5f * 1 - 1, d0 = 1 + 0.5f * 1 - 1;
  EXPECT_FLOAT_EQ(adv[2], d2);
  EXPECT_FLOAT_EQ(adv[1], d1 + 0.25f * d2);
  EXPECT_FLOAT_EQ(adv[0], d0 + 0.25f * (d1 + 0.25f * d2));
  for (int t = 0; t < 3; ++t) EXPECT_FLOAT_EQ(ret[t], adv[t] + v[t]);
}

// Bootstrapping in the buffer, seen through one-step advantages (lambda 0):
// A = r + gamma * next - V, so `next` is what the buffer bootstrapped from.
TEST(RolloutBuffer, BootstrapsFromNextRowFinalValuesAndLastValues) {
  constexpr int T = 3, N = 3;
  const float gamma = 0.5f;
  RolloutBuffer rb(T, N, 2, Space::discrete(2));
  EXPECT_EQ(rb.rows(), 9u);
  fill(rb);
  const double rewards[N] = {1.0, 2.0, 3.0};
  const uint8_t no[N] = {0, 0, 0};
  // env 1 truncated at t = 1 (final value 7), env 2 terminated at t = 1 (no bootstrap),
  // env 0 terminated and truncated at t = 0 with a final value set anyway (ignored).
  const uint8_t term1[N] = {0, 0, 1}, trunc1[N] = {0, 1, 0}, both0[N] = {1, 0, 0};
  rb.record_step(0, rewards, both0, both0, nullptr);
  rb.set_final_value(0, 0, 123.0f);
  rb.record_step(1, rewards, term1, trunc1, nullptr);
  rb.set_final_value(1, 1, 7.0f);
  rb.record_step(2, rewards, no, no, nullptr);
  const float last[N] = {-1.0f, -2.0f, -3.0f};
  rb.finish(last, gamma, 0.0f);

  auto V = [&](int t, int n) { return rb.values(t)[n]; };
  const float* adv = rb.advantages_data();
  const float* ret = rb.returns_data();
  auto expect_adv = [&](int t, int n, float next, bool terminated) {
    const float expected = static_cast<float>(rewards[n]) + (terminated ? 0.0f : gamma * next) - V(t, n);
    EXPECT_FLOAT_EQ(adv[t * N + n], expected) << "t " << t << " n " << n;
    EXPECT_FLOAT_EQ(ret[t * N + n], expected + V(t, n)) << "t " << t << " n " << n;
  };
  expect_adv(0, 0, 0.0f, true);     // terminated: no bootstrap, final value or not
  expect_adv(1, 0, V(2, 0), false);  // the next row's value
  expect_adv(2, 0, last[0], false);  // after the last row: last_values
  expect_adv(0, 1, V(1, 1), false);
  expect_adv(1, 1, 7.0f, false);     // truncated: the final observation's value
  expect_adv(2, 1, last[1], false);
  expect_adv(0, 2, V(1, 2), false);
  expect_adv(1, 2, 0.0f, true);
  expect_adv(2, 2, last[2], false);
  for (int n = 0; n < N; ++n) EXPECT_EQ(rb.dones_data()[N + n], n != 0);
  EXPECT_EQ(rb.terminated_data()[2 * N + 0], 0);
  EXPECT_EQ(rb.rewards_data()[N + 2], 3.0f);

  // The next rollout in the same buffer: record_step clears the final values.
  rb.record_step(0, rewards, no, no, nullptr);
  rb.record_step(1, rewards, no, no, nullptr);
  rb.record_step(2, rewards, no, no, nullptr);
  rb.finish(last, gamma, 0.0f);
  expect_adv(0, 0, V(1, 0), false);
  expect_adv(1, 1, V(2, 1), false);  // no stale final value 7
}

// With lambda 1 the n-step return runs back to the rollout start but stops at a done.
TEST(RolloutBuffer, NoReturnFlowsBackAcrossTerminationOrTruncation) {
  constexpr int T = 4, N = 2;
  const float g = 0.9f;
  RolloutBuffer rb(T, N, 1, Space::discrete(3));
  fill(rb);
  for (int t = 0; t < T; ++t) std::fill(rb.values(t), rb.values(t) + N, 0.0f);  // returns = advantages
  const double r[T][N] = {{1, 1}, {2, 2}, {3, 3}, {4, 4}};
  const uint8_t term[T][N] = {{0, 0}, {1, 0}, {0, 0}, {0, 0}};
  const uint8_t trunc[T][N] = {{0, 0}, {0, 1}, {0, 0}, {0, 0}};
  for (int t = 0; t < T; ++t) rb.record_step(t, r[t], term[t], trunc[t], nullptr);
  rb.set_final_value(1, 1, 10.0f);
  const float last[N] = {5.0f, 5.0f};
  rb.finish(last, g, 1.0f);
  const float* ret = rb.returns_data();
  // Env 0: terminated at t = 1.
  EXPECT_FLOAT_EQ(ret[1 * N + 0], 2.0f);
  EXPECT_FLOAT_EQ(ret[0 * N + 0], 1.0f + g * 2.0f);
  EXPECT_FLOAT_EQ(ret[3 * N + 0], 4.0f + g * 5.0f);
  EXPECT_FLOAT_EQ(ret[2 * N + 0], 3.0f + g * ret[3 * N + 0]);
  // Env 1: truncated at t = 1, bootstrapped from its final value 10.
  EXPECT_FLOAT_EQ(ret[1 * N + 1], 2.0f + g * 10.0f);
  EXPECT_FLOAT_EQ(ret[0 * N + 1], 1.0f + g * ret[1 * N + 1]);
  EXPECT_FLOAT_EQ(ret[2 * N + 1], 3.0f + g * (4.0f + g * 5.0f));
  for (size_t i = 0; i < rb.rows(); ++i) EXPECT_FLOAT_EQ(rb.advantages_data()[i], ret[i]);
}

// compact_valid keeps the valid rows in order and moves obs, actions, advantages
// and returns together.
template <class Check>
void compact_case(const Space& action_space, Check check_action) {
  constexpr int T = 3, N = 2, D = 3;
  RolloutBuffer rb(T, N, D, action_space);
  fill(rb);
  const double rewards[N] = {1.0, -1.0};
  const uint8_t no[N] = {0, 0};
  const uint8_t valid[T][N] = {{1, 0}, {1, 1}, {0, 1}};
  for (int t = 0; t < T; ++t) rb.record_step(t, rewards, no, no, valid[t]);
  for (int t = 0; t < T; ++t)
    for (int n = 0; n < N; ++n) EXPECT_EQ(rb.valid_data()[t * N + n], valid[t][n]);
  const float last[N] = {0.5f, 0.25f};
  rb.finish(last, 0.9f, 0.95f);
  const std::vector<float> adv(rb.advantages_data(), rb.advantages_data() + rb.rows());
  const std::vector<float> ret(rb.returns_data(), rb.returns_data() + rb.rows());
  ASSERT_EQ(rb.compact_valid(), 4u);
  const int kept[4] = {0, 2, 3, 5};  // row indices t * N + n of the valid rows
  for (int k = 0; k < 4; ++k) {
    const int i = kept[k], t = i / N, n = i % N;
    for (int d = 0; d < D; ++d) EXPECT_EQ(rb.obs_data()[k * D + d], static_cast<float>(100 * t + 10 * n + d)) << k;
    check_action(rb.actions_all(), k, i);
    EXPECT_EQ(rb.advantages_data()[k], adv[i]) << k;
    EXPECT_EQ(rb.returns_data()[k], ret[i]) << k;
  }
  // All valid: nothing moves.
  for (int t = 0; t < T; ++t) rb.record_step(t, rewards, no, no, nullptr);
  EXPECT_EQ(rb.compact_valid(), rb.rows());
}

TEST(RolloutBuffer, CompactValidDiscrete) {
  compact_case(Space::discrete(6), [](const ActionBuffer& a, int k, int i) {
    ASSERT_NE(a.discrete, nullptr);
    EXPECT_EQ(a.box, nullptr);
    EXPECT_EQ(a.discrete[k], i);
  });
}

TEST(RolloutBuffer, CompactValidBox) {
  compact_case(Space::box({3}, {-1, -1, -1}, {1, 1, 1}), [](const ActionBuffer& a, int k, int i) {
    ASSERT_NE(a.box, nullptr);
    EXPECT_EQ(a.discrete, nullptr);
    ASSERT_EQ(a.box_size, 3);
    for (int j = 0; j < 3; ++j) EXPECT_EQ(a.box[k * 3 + j], static_cast<float>(1000 * i + j));
  });
}

TEST(RolloutBuffer, ActionRowsAreOffsetsIntoTheWholeArray) {
  RolloutBuffer d(4, 3, 2, Space::discrete(2));
  EXPECT_EQ(d.actions(2).discrete, d.actions_all().discrete + 6);
  EXPECT_EQ(d.obs(2), d.obs_data() + 12);
  EXPECT_EQ(d.values(3), d.values_data() + 9);
  RolloutBuffer b(4, 3, 2, Space::box({2, 2}, {0, 0, 0, 0}, {1, 1, 1, 1}));
  EXPECT_EQ(b.actions(2).box, b.actions_all().box + 6 * 4);
  EXPECT_EQ(b.actions(2).box_size, 4);
  EXPECT_EQ(b.actions(2).as_const().box, b.actions(2).box);
}

// Episodes: running return and length per env; invalid rows (NEXT_STEP reset
// steps) count for neither; a done hands the episode to the monitor.
TEST(EpisodeAccumulator, SumsEpisodesAndSkipsInvalidRows) {
  RunMonitor monitor(TrainConfig{});
  EpisodeAccumulator acc(2);
  const float r0[2] = {1.0f, 0.5f}, r1[2] = {2.0f, 0.5f}, r2[2] = {0.0f, 0.5f}, r3[2] = {4.0f, 0.5f};
  const uint8_t d0[2] = {0, 0}, d1[2] = {1, 0}, d2[2] = {0, 1}, d3[2] = {1, 0};
  const uint8_t v2[2] = {0, 1};  // env 0's reset step
  acc.step(r0, d0, nullptr, monitor);
  acc.step(r1, d1, nullptr, monitor);  // env 0: return 3 over 2 steps
  acc.step(r2, d2, v2, monitor);       // env 1: return 1.5 over 3 steps
  acc.step(r3, d3, nullptr, monitor);  // env 0: return 4 over 1 step (the reset step not counted)
  const auto h = monitor.history();
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].episode_return, 3.0f);
  EXPECT_EQ(h[0].length, 2);
  EXPECT_EQ(h[1].episode_return, 1.5f);
  EXPECT_EQ(h[1].length, 3);
  EXPECT_EQ(h[2].episode_return, 4.0f);
  EXPECT_EQ(h[2].length, 1);
  // Each episode is stamped with the valid transitions counted when it ended.
  EXPECT_EQ(h[0].env_steps, 3);
  EXPECT_EQ(h[1].env_steps, 5);
  EXPECT_EQ(h[2].env_steps, 6);
  EXPECT_EQ(acc.take_steps(), 7);  // 8 rows, 1 invalid
  EXPECT_EQ(acc.take_steps(), 0);
  monitor.after_update(7, {}, false);
  acc.step(r0, d3, nullptr, monitor);  // env 0 ends an episode: 7 counted + 1 pending
  EXPECT_EQ(monitor.history().back().env_steps, 8);
  EXPECT_EQ(monitor.progress().episodes, 4);
  EXPECT_EQ(acc.take_steps(), 2);
  EXPECT_DOUBLE_EQ(monitor.progress().mean_return, (3.0 + 1.5 + 4.0 + 1.0) / 4);
}
