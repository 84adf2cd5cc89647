// The native CartPole against gymnasium trajectories (tests/fixtures/cartpole_trajectories.txt),
// bit for bit, and the batched stepping and autoreset modes.
#include <gtest/gtest.h>

#include <cstring>

#include "envs/cartpole.h"
#include "fixtures.h"

using namespace fastac;

namespace {

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }
bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

TEST(CartPole, MatchesGymnasiumBitForBit) {
  const auto rows = fixtures::read_fixture("cartpole_trajectories.txt");
  ASSERT_GT(rows.size(), 600u);
  std::unique_ptr<CartPole> env;
  float obs[4], reward;
  uint8_t terminated, truncated;
  int episodes = 0, steps = 0, truncations = 0;
  for (const auto& row : rows) {
    if (row[0] == "episode") {
      CartPoleConfig config;
      config.sutton_barto_reward = row[2] == "1";
      config.autoreset_mode = AutoresetMode::kDisabled;
      env = std::make_unique<CartPole>(1, config);
      env->seed(0, seed_to_uint32_words(std::stoull(row[1])));
      env->reset(0, obs);
      for (int k = 0; k < 4; ++k) ASSERT_TRUE(same_bits(obs[k], float(fixtures::parse_double(row[3 + k]))));
      ++episodes;
      continue;
    }
    const int64_t action = std::stoll(row[0]);
    ASSERT_EQ(env->step(&action, StepResult{obs, &reward, &terminated, &truncated, nullptr}), -1);
    double state[4];
    env->get_state(0, state);
    for (int k = 0; k < 4; ++k) {
      ASSERT_TRUE(same_bits(obs[k], float(fixtures::parse_double(row[1 + k])))) << "step " << steps << " obs " << k;
      ASSERT_TRUE(same_bits(state[k], fixtures::parse_double(row[8 + k]))) << "step " << steps << " state " << k;
    }
    ASSERT_EQ(reward, float(fixtures::parse_double(row[5]))) << "step " << steps;
    ASSERT_EQ(terminated, std::stoi(row[6])) << "step " << steps;
    ASSERT_EQ(truncated, std::stoi(row[7])) << "step " << steps;
    truncations += truncated;
    ++steps;
  }
  EXPECT_EQ(episodes, 8);
  EXPECT_GT(truncations, 0);  // the fixture includes a 500-step episode
}

TEST(CartPole, BatchedStepEqualsIndependentEnvs) {
  constexpr int n = 16;
  CartPoleConfig config;
  config.autoreset_mode = AutoresetMode::kNextStep;
  CartPole batch(n, config);
  std::vector<std::unique_ptr<CartPole>> singles;
  std::vector<float> obs(n * 4), reward(n), single_obs(4);
  std::vector<uint8_t> term(n), trunc(n);
  for (int i = 0; i < n; ++i) {
    batch.seed(i, seed_to_uint32_words(100 + i));
    batch.reset(i, obs.data() + 4 * i);
    singles.push_back(std::make_unique<CartPole>(1, config));
    singles[i]->seed(0, seed_to_uint32_words(100 + i));
    singles[i]->reset(0, single_obs.data());
  }
  Pcg64 rng = Pcg64::from_seed(9);
  std::vector<int64_t> actions(n);
  int finished = 0;
  for (int t = 0; t < 300; ++t) {
    for (auto& a : actions) a = static_cast<int64_t>(rng.next_uint64() & 1);
    ASSERT_EQ(batch.step(actions.data(), {obs.data(), reward.data(), term.data(), trunc.data(), nullptr}), -1);
    for (int i = 0; i < n; ++i) {
      float r;
      uint8_t te, tr;
      singles[i]->step(&actions[i], {single_obs.data(), &r, &te, &tr, nullptr});
      ASSERT_EQ(std::memcmp(single_obs.data(), obs.data() + 4 * i, 4 * sizeof(float)), 0);
      ASSERT_EQ(r, reward[i]);
      ASSERT_EQ(te, term[i]);
      ASSERT_EQ(tr, trunc[i]);
      finished += te || tr;
    }
  }
  EXPECT_GT(finished, 50);  // plenty of autoresets happened
}

TEST(CartPole, NextStepAutoresetGivesZeroRewardResetStep) {
  CartPole env(1, {});
  float obs[4], reward;
  uint8_t te = 0, tr = 0;
  env.seed(0, seed_to_uint32_words(0));
  env.reset(0, obs);
  const int64_t push = 1;
  while (!te) env.step(&push, {obs, &reward, &te, &tr, nullptr});
  EXPECT_EQ(reward, 1.0f);  // the terminating step is rewarded
  env.step(&push, {obs, &reward, &te, &tr, nullptr});
  EXPECT_EQ(reward, 0.0f);
  EXPECT_FALSE(te);
  EXPECT_FALSE(tr);
  EXPECT_EQ(env.elapsed_steps(0), 0);
  for (float v : obs) EXPECT_LE(std::abs(v), 0.05f);
}

TEST(CartPole, SameStepAutoresetReportsFinalObservation) {
  CartPoleConfig config;
  config.autoreset_mode = AutoresetMode::kSameStep;
  config.max_episode_steps = 5;
  CartPole env(1, config);
  float obs[4], final_obs[4], reward;
  uint8_t te = 0, tr = 0;
  env.seed(0, seed_to_uint32_words(1));
  env.reset(0, obs);
  const int64_t action = 0;
  for (int t = 0; t < 5; ++t) env.step(&action, {obs, &reward, &te, &tr, final_obs});
  EXPECT_TRUE(tr);
  EXPECT_EQ(env.elapsed_steps(0), 0);  // already reset
  EXPECT_NE(std::memcmp(obs, final_obs, sizeof obs), 0);
}

TEST(CartPole, InvalidActionStepsNothing) {
  CartPole env(2, {});
  float obs[8], reward[2];
  uint8_t te[2], tr[2];
  env.seed(0, {1});
  env.seed(1, {2});
  env.reset(0, obs);
  env.reset(1, obs + 4);
  const int64_t actions[2] = {1, 2};
  EXPECT_EQ(env.step(actions, {obs, reward, te, tr, nullptr}), 1);
  EXPECT_EQ(env.elapsed_steps(0), 0);
  const int64_t negative[2] = {-1, 0};
  EXPECT_EQ(env.step(negative, {obs, reward, te, tr, nullptr}), 0);
}
