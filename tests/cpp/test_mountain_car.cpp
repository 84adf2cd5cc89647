// The native MountainCar-v0 and MountainCarContinuous-v0 against gymnasium
// trajectories (tests/fixtures/*mountain_car_trajectories.txt, made by
// make_mountain_car_fixtures.py), bit for bit, through the generic VectorEnv.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "envs/continuous_mountain_car.h"
#include "envs/mountain_car.h"
#include "envs/vector_env.h"
#include "fixtures.h"

using namespace fastac;

namespace {

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }
bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

struct FixtureCounts {
  int envs = 0, resets = 0, steps = 0, terminations = 0, truncations = 0;
};

// Replays a fixture through VectorEnv<E>(1, kDisabled): every reset and step
// must give gymnasium's observation, state, reward and flags, bit for bit.
template <class E>
FixtureCounts replay_fixture(const std::string& name) {
  const auto rows = fixtures::read_fixture(name);
  EXPECT_GT(rows.size(), 1000u) << name;
  using fixtures::parse_double;
  std::unique_ptr<VectorEnv<E>> env;
  FixtureCounts c;
  float obs[2];
  double reward, state[2];
  uint8_t terminated, truncated;
  for (size_t line = 0; line < rows.size(); ++line) {
    const auto& row = rows[line];
    const std::string where = name + " line " + std::to_string(line + 1);
    if (row[0] == "env") {
      const double goal_velocity = parse_double(row[1]);
      env = std::make_unique<VectorEnv<E>>(1, AutoresetMode::kDisabled, &goal_velocity);
      ++c.envs;
      continue;
    }
    if (row[0] == "reset") {
      if (row[1] != "none") env->seed(0, seed_to_uint32_words(std::stoull(row[1])));
      const double options[2] = {parse_double(row[2]), parse_double(row[3])};
      env->reset(0, obs, options);
      env->get_state(0, state);
      for (int k = 0; k < 2; ++k) {
        EXPECT_TRUE(same_bits(obs[k], static_cast<float>(parse_double(row[4 + k])))) << where;
        EXPECT_TRUE(same_bits(state[k], parse_double(row[6 + k]))) << where;
      }
      ++c.resets;
      continue;
    }
    if (row[0] == "set") {
      const double s[2] = {parse_double(row[1]), parse_double(row[2])};
      env->set_state(0, s);
      continue;
    }
    int64_t discrete = 0;
    float box = 0;
    if (E::spec().action_space.is_discrete()) {
      discrete = std::stoll(row[0]);
    } else {
      box = static_cast<float>(parse_double(row[0]));  // exact: the fixture holds float32 values
    }
    const ActionBatch batch = E::spec().action_space.is_discrete() ? ActionBatch{&discrete, nullptr, 0}
                                                                   : ActionBatch{nullptr, &box, 1};
    EXPECT_EQ(env->step(batch, StepResult{obs, &reward, &terminated, &truncated, nullptr}), -1) << where;
    env->get_state(0, state);
    for (int k = 0; k < 2; ++k) {
      EXPECT_TRUE(same_bits(obs[k], static_cast<float>(parse_double(row[1 + k])))) << where << " obs " << k;
      EXPECT_TRUE(same_bits(state[k], parse_double(row[6 + k]))) << where << " state " << k;
    }
    EXPECT_TRUE(same_bits(reward, parse_double(row[3]))) << where << " reward " << reward;
    EXPECT_EQ(terminated, std::stoi(row[4])) << where;
    EXPECT_EQ(truncated, std::stoi(row[5])) << where;
    if (::testing::Test::HasFailure()) break;  // one mismatch is enough to read
    c.terminations += terminated;
    c.truncations += truncated;
    ++c.steps;
  }
  return c;
}

// A random valid action for sub-env i (discrete: 0..2; continuous: float32 in [-2, 2]).
template <class E>
void random_actions(Pcg64& rng, int n, std::vector<int64_t>& discrete, std::vector<float>& box) {
  discrete.resize(n);
  box.resize(n);
  for (int i = 0; i < n; ++i) {
    discrete[i] = static_cast<int64_t>(rng.next_uint64() % 3);
    box[i] = static_cast<float>(rng.uniform(-2.0, 2.0));
  }
}

template <class E>
ActionBatch batch_of(const std::vector<int64_t>& discrete, const std::vector<float>& box, int offset = 0) {
  if (E::spec().action_space.is_discrete()) return {discrete.data() + offset, nullptr, 0};
  return {nullptr, box.data() + offset, 1};
}

template <class E>
class MountainCarTest : public ::testing::Test {};
using Envs = ::testing::Types<MountainCarEnv, MountainCarContinuousEnv>;
TYPED_TEST_SUITE(MountainCarTest, Envs);

}  // namespace

TEST(MountainCar, MatchesGymnasiumBitForBit) {
  const FixtureCounts c = replay_fixture<MountainCarEnv>("mountain_car_trajectories.txt");
  EXPECT_EQ(c.envs, 4);
  EXPECT_GT(c.steps, 2000);
  EXPECT_GT(c.terminations, 10);  // the pumping episodes reach the goal
  EXPECT_GT(c.truncations, 5);    // random ones reach the 200-step limit
}

TEST(MountainCarContinuous, MatchesGymnasiumBitForBit) {
  const FixtureCounts c = replay_fixture<MountainCarContinuousEnv>("continuous_mountain_car_trajectories.txt");
  EXPECT_EQ(c.envs, 4);
  EXPECT_GT(c.steps, 3000);
  EXPECT_GT(c.terminations, 10);
  EXPECT_GT(c.truncations, 2);  // 999-step episodes
}

TEST(MountainCar, Spec) {
  const EnvSpec& s = MountainCarEnv::spec();
  EXPECT_EQ(s.id, "MountainCar-v0");
  EXPECT_TRUE(s.action_space.is_discrete());
  EXPECT_EQ(s.action_space.n, 3);
  EXPECT_EQ(s.observation_space.shape, std::vector<int>{2});
  EXPECT_EQ(s.observation_space.low, (std::vector<float>{-1.2f, -0.07f}));
  EXPECT_EQ(s.observation_space.high, (std::vector<float>{0.6f, 0.07f}));
  EXPECT_EQ(s.max_episode_steps, 200);
  EXPECT_EQ(s.reward_threshold, -110.0);
  ASSERT_EQ(s.params.size(), 1u);
  EXPECT_EQ(s.params[0].name, "goal_velocity");
  ASSERT_EQ(s.reset_options.size(), 2u);
  EXPECT_EQ(s.reset_options[0].default_value, -0.6);
  EXPECT_EQ(s.reset_options[1].default_value, -0.4);
  EXPECT_EQ(s.state_size, 2);
  EXPECT_EQ(s.reference_entry_point, "gymnasium.envs.classic_control.mountain_car:MountainCarEnv");
}

TEST(MountainCarContinuous, Spec) {
  const EnvSpec& s = MountainCarContinuousEnv::spec();
  EXPECT_EQ(s.id, "MountainCarContinuous-v0");
  EXPECT_FALSE(s.action_space.is_discrete());
  EXPECT_EQ(s.action_space.shape, std::vector<int>{1});
  EXPECT_EQ(s.action_space.low, std::vector<float>{-1.0f});
  EXPECT_EQ(s.action_space.high, std::vector<float>{1.0f});
  EXPECT_EQ(s.observation_space.low, (std::vector<float>{-1.2f, -0.07f}));
  EXPECT_EQ(s.observation_space.high, (std::vector<float>{0.6f, 0.07f}));
  EXPECT_EQ(s.max_episode_steps, 999);
  EXPECT_EQ(s.reward_threshold, 90.0);
  ASSERT_EQ(s.params.size(), 1u);
  EXPECT_EQ(s.params[0].name, "goal_velocity");
  EXPECT_EQ(s.reset_options.size(), 2u);
  EXPECT_EQ(s.state_size, 2);
  EXPECT_EQ(s.reference_entry_point,
            "gymnasium.envs.classic_control.continuous_mountain_car:Continuous_MountainCarEnv");
}

// get_state -> set_state into another env, right after a reset and mid-episode,
// continues identically.
TYPED_TEST(MountainCarTest, StateRoundTripContinuesIdentically) {
  using E = TypeParam;
  VectorEnv<E> a(1, AutoresetMode::kDisabled), b(1, AutoresetMode::kDisabled);
  a.seed(0, seed_to_uint32_words(5));
  b.seed(0, seed_to_uint32_words(6));
  float obs_a[2], obs_b[2];
  a.reset(0, obs_a, nullptr);
  b.reset(0, obs_b, nullptr);
  Pcg64 rng = Pcg64::from_seed(3);
  std::vector<int64_t> d;
  std::vector<float> f;
  double reward_a, reward_b, s[2], t[2];
  uint8_t te_a, tr_a, te_b, tr_b;
  for (int step = 0; step < 150; ++step) {
    if (step == 0 || step == 40) {
      a.get_state(0, s);
      b.set_state(0, s);
      b.get_state(0, t);
      ASSERT_TRUE(same_bits(s[0], t[0]) && same_bits(s[1], t[1]));
    }
    random_actions<E>(rng, 1, d, f);
    a.step(batch_of<E>(d, f), {obs_a, &reward_a, &te_a, &tr_a, nullptr});
    b.step(batch_of<E>(d, f), {obs_b, &reward_b, &te_b, &tr_b, nullptr});
    ASSERT_EQ(std::memcmp(obs_a, obs_b, sizeof obs_a), 0) << step;
    ASSERT_TRUE(same_bits(reward_a, reward_b)) << step;
    ASSERT_EQ(te_a, te_b);
  }
}

// The continuous env's first step after a reset computes in float64 (gymnasium's
// reset state is a float64 array), later ones in float32; set_state picks float64
// for a state that is not made of float32 numbers.
TEST(MountainCarContinuous, SetStateKeepsFloat64AfterReset) {
  const double params[1] = {0.0};
  MountainCarContinuousEnv a(params), b(params);
  Pcg64 rng = Pcg64::from_seed(0);
  const double options[2] = {-0.6, -0.4};
  a.reset(rng, options);
  EXPECT_FALSE(a.float32_state);
  double s[2];
  a.get_state(s);
  b.set_state(s);
  EXPECT_FALSE(b.float32_state);
  const float push = 2.0f;  // clipped: a float64 term, rounded differently in float32
  a.step({0, &push});
  EXPECT_TRUE(a.float32_state);
  a.get_state(s);
  b.set_state(s);
  EXPECT_TRUE(b.float32_state);
}

TYPED_TEST(MountainCarTest, BatchedStepEqualsIndependentEnvs) {
  using E = TypeParam;
  constexpr int n = 16;
  VectorEnv<E> batch(n, AutoresetMode::kNextStep);
  std::vector<std::unique_ptr<VectorEnv<E>>> singles;
  std::vector<float> obs(n * 2), single_obs(2);
  std::vector<double> reward(n);
  std::vector<uint8_t> term(n), trunc(n);
  for (int i = 0; i < n; ++i) {
    batch.seed(i, seed_to_uint32_words(100 + i));
    batch.reset(i, obs.data() + 2 * i, nullptr);
    singles.push_back(std::make_unique<VectorEnv<E>>(1, AutoresetMode::kNextStep));
    singles[i]->seed(0, seed_to_uint32_words(100 + i));
    singles[i]->reset(0, single_obs.data(), nullptr);
    ASSERT_EQ(std::memcmp(single_obs.data(), obs.data() + 2 * i, 2 * sizeof(float)), 0);
  }
  Pcg64 rng = Pcg64::from_seed(9);
  std::vector<int64_t> d;
  std::vector<float> f;
  int finished = 0;
  const int steps = E::spec().max_episode_steps * 3 + 17;
  for (int t = 0; t < steps; ++t) {
    random_actions<E>(rng, n, d, f);
    for (int i = 0; i < n; ++i) {  // energy pumping on half of them, so that goals are reached
      double s[2];
      batch.get_state(i, s);
      if (i % 2 == 0) d[i] = s[1] >= 0 ? 2 : 0, f[i] = s[1] >= 0 ? 1.0f : -1.0f;
    }
    ASSERT_EQ(batch.step(batch_of<E>(d, f), {obs.data(), reward.data(), term.data(), trunc.data(), nullptr}), -1);
    for (int i = 0; i < n; ++i) {
      double r;
      uint8_t te, tr;
      ASSERT_EQ(singles[i]->step(batch_of<E>(d, f, i), {single_obs.data(), &r, &te, &tr, nullptr}), -1);
      ASSERT_EQ(std::memcmp(single_obs.data(), obs.data() + 2 * i, 2 * sizeof(float)), 0) << t << " " << i;
      ASSERT_TRUE(same_bits(r, reward[i]));
      ASSERT_EQ(te, term[i]);
      ASSERT_EQ(tr, trunc[i]);
      finished += te || tr;
    }
  }
  EXPECT_GT(finished, 2 * n);  // terminations and truncations, then autoresets
}

TEST(MountainCarContinuous, NaNActionRejectedStepsNothing) {
  VectorEnv<MountainCarContinuousEnv> env(4, AutoresetMode::kNextStep);
  float obs[8];
  double reward[4], before[8], after[8];
  uint8_t te[4], tr[4];
  for (int i = 0; i < 4; ++i) {
    env.seed(i, seed_to_uint32_words(i));
    env.reset(i, obs + 2 * i, nullptr);
  }
  const float ok[4] = {0.5f, -1.0f, 3.0f, 0.0f};
  ASSERT_EQ(env.step({nullptr, ok, 1}, {obs, reward, te, tr, nullptr}), -1);
  for (int i = 0; i < 4; ++i) env.get_state(i, before + 2 * i);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float bad[4] = {0.5f, 0.5f, nan, 0.5f};
  EXPECT_EQ(env.step({nullptr, bad, 1}, {obs, reward, te, tr, nullptr}), 2);
  const float bad0[4] = {-nan, 0.5f, 0.5f, 0.5f};
  EXPECT_EQ(env.step({nullptr, bad0, 1}, {obs, reward, te, tr, nullptr}), 0);
  for (int i = 0; i < 4; ++i) {
    env.get_state(i, after + 2 * i);
    EXPECT_EQ(env.elapsed_steps(i), 1);
  }
  EXPECT_EQ(std::memcmp(before, after, sizeof before), 0);
  // Infinite actions are not NaN: accepted (force clipped, reward -inf), as in gymnasium.
  const float inf[4] = {INFINITY, -INFINITY, 1.0f, -1.0f};
  ASSERT_EQ(env.step({nullptr, inf, 1}, {obs, reward, te, tr, nullptr}), -1);
  EXPECT_EQ(reward[0], -INFINITY);
  EXPECT_EQ(reward[1], -INFINITY);
}

TEST(MountainCar, OutOfRangeActionRejectedStepsNothing) {
  VectorEnv<MountainCarEnv> env(3, AutoresetMode::kNextStep);
  float obs[6];
  double reward[3], before[6], after[6];
  uint8_t te[3], tr[3];
  for (int i = 0; i < 3; ++i) {
    env.seed(i, seed_to_uint32_words(i));
    env.reset(i, obs + 2 * i, nullptr);
    env.get_state(i, before + 2 * i);
  }
  const int64_t three[3] = {0, 1, 3}, negative[3] = {-1, 1, 2};
  EXPECT_EQ(env.step({three, nullptr, 0}, {obs, reward, te, tr, nullptr}), 2);
  EXPECT_EQ(env.step({negative, nullptr, 0}, {obs, reward, te, tr, nullptr}), 0);
  for (int i = 0; i < 3; ++i) {
    env.get_state(i, after + 2 * i);
    EXPECT_EQ(env.elapsed_steps(i), 0);
  }
  EXPECT_EQ(std::memcmp(before, after, sizeof before), 0);
}

TYPED_TEST(MountainCarTest, TruncatesAtTheTimeLimitAndAutoresets) {
  using E = TypeParam;
  VectorEnv<E> env(1, AutoresetMode::kNextStep);
  env.seed(0, seed_to_uint32_words(0));
  float obs[2];
  double reward;
  uint8_t te = 0, tr = 0;
  env.reset(0, obs, nullptr);
  const int64_t idle = 1;
  const float zero = 0.0f;
  const ActionBatch a = E::spec().action_space.is_discrete() ? ActionBatch{&idle, nullptr, 0} : ActionBatch{nullptr, &zero, 1};
  int t = 0;
  while (!tr) {  // doing nothing never reaches the goal
    env.step(a, {obs, &reward, &te, &tr, nullptr});
    ++t;
    ASSERT_FALSE(te);
  }
  EXPECT_EQ(t, E::spec().max_episode_steps);
  env.step(a, {obs, &reward, &te, &tr, nullptr});  // the NEXT_STEP reset
  EXPECT_EQ(reward, 0.0);
  EXPECT_FALSE(tr);
  EXPECT_EQ(env.elapsed_steps(0), 0);
  EXPECT_GE(obs[0], -0.6f);
  EXPECT_LE(obs[0], -0.4f);
  EXPECT_EQ(obs[1], 0.0f);
}
