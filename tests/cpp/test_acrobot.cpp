// The native Acrobot against gymnasium trajectories (tests/fixtures/acrobot_trajectories.txt,
// made by make_acrobot_fixtures.py), bit for bit, and VectorEnv<AcrobotEnv> batching.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "envs/acrobot.h"
#include "envs/numpy_math.h"
#include "envs/vector_env.h"
#include "fixtures.h"

using namespace fastac;

namespace {

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }
bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }
double hex(const std::string& s) { return fixtures::parse_double(s); }

constexpr int kObs = 6;

}  // namespace

TEST(Acrobot, Spec) {
  const EnvSpec& s = AcrobotEnv::spec();
  EXPECT_EQ(s.id, "Acrobot-v1");
  EXPECT_EQ(s.observation_space.shape, std::vector<int>{6});
  EXPECT_EQ(s.observation_space.high[4], static_cast<float>(4 * M_PI));
  EXPECT_EQ(s.observation_space.low[5], -static_cast<float>(9 * M_PI));
  EXPECT_EQ(s.observation_space.high[0], 1.0f);
  EXPECT_TRUE(s.action_space.is_discrete());
  EXPECT_EQ(s.action_space.n, 3);
  EXPECT_EQ(s.max_episode_steps, 500);
  EXPECT_EQ(s.reward_threshold, -100.0);
  EXPECT_TRUE(s.params.empty());
  ASSERT_EQ(s.reset_options.size(), 2u);
  EXPECT_EQ(s.reset_options[0].name, "low");
  EXPECT_EQ(s.reset_options[1].default_value, 0.1);
  EXPECT_EQ(s.state_size, 4);
  EXPECT_EQ(AcrobotEnv::torque_noise_max, 0.0);
}

// Each fixture episode twice: through VectorEnv<AcrobotEnv> (kDisabled autoreset, so the
// 500-step truncation and stepping past the end are the fixture's), and the bare struct.
TEST(Acrobot, MatchesGymnasiumBitForBit) {
  const auto rows = fixtures::read_fixture("acrobot_trajectories.txt");
  ASSERT_GT(rows.size(), 1000u);
  std::unique_ptr<VectorEnv<AcrobotEnv>> venv;
  AcrobotEnv bare(nullptr);
  Pcg64 bare_rng;
  float obs[kObs], bare_obs[kObs];
  double reward;
  uint8_t terminated, truncated;
  int episodes = 0, steps = 0, truncations = 0, terminations = 0, trig_values = 0;
  for (const auto& row : rows) {
    if (row[0] == "f32trig") {
      const float x = static_cast<float>(hex(row[1]));
      ASSERT_TRUE(same_bits(numpy_cosf(x), static_cast<float>(hex(row[2])))) << "cos " << row[1];
      ASSERT_TRUE(same_bits(numpy_sinf(x), static_cast<float>(hex(row[3])))) << "sin " << row[1];
      ++trig_values;
      continue;
    }
    double state[4], bare_state[4];
    if (row[0] == "episode") {
      ASSERT_EQ(row.size(), 4u + kObs + 4u);
      const double options[2] = {hex(row[2]), hex(row[3])};
      const auto words = seed_to_uint32_words(std::stoull(row[1]));
      venv = std::make_unique<VectorEnv<AcrobotEnv>>(1, AutoresetMode::kDisabled);
      venv->seed(0, words);
      venv->reset(0, obs, options);
      bare_rng = Pcg64(words);
      bare.reset(bare_rng, options);
      bare.observe(bare_obs);
      venv->get_state(0, state);
      bare.get_state(bare_state);
      for (int k = 0; k < kObs; ++k) {
        ASSERT_TRUE(same_bits(obs[k], static_cast<float>(hex(row[4 + k])))) << "episode " << episodes << " obs " << k;
        ASSERT_TRUE(same_bits(bare_obs[k], obs[k]));
      }
      for (int k = 0; k < 4; ++k) {
        ASSERT_TRUE(same_bits(state[k], hex(row[4 + kObs + k]))) << "episode " << episodes << " state " << k;
        ASSERT_TRUE(same_bits(bare_state[k], state[k]));
      }
      ++episodes;
      continue;
    }
    ASSERT_EQ(row.size(), 1u + kObs + 3u + 4u);
    const int64_t action = std::stoll(row[0]);
    ASSERT_EQ(venv->step(ActionBatch{&action, nullptr, 0}, StepResult{obs, &reward, &terminated, &truncated, nullptr}),
              -1);
    const StepOutcome bare_out = bare.step(Action{action, nullptr});
    bare.observe(bare_obs);
    venv->get_state(0, state);
    bare.get_state(bare_state);
    for (int k = 0; k < kObs; ++k) {
      ASSERT_TRUE(same_bits(obs[k], static_cast<float>(hex(row[1 + k])))) << "step " << steps << " obs " << k;
      ASSERT_TRUE(same_bits(bare_obs[k], obs[k])) << "step " << steps << " obs " << k;
    }
    for (int k = 0; k < 4; ++k) {
      ASSERT_TRUE(same_bits(state[k], hex(row[1 + kObs + 3 + k]))) << "step " << steps << " state " << k;
      ASSERT_TRUE(same_bits(bare_state[k], state[k])) << "step " << steps << " state " << k;
    }
    ASSERT_TRUE(same_bits(reward, hex(row[1 + kObs]))) << "step " << steps;
    ASSERT_TRUE(same_bits(bare_out.reward, reward)) << "step " << steps;
    ASSERT_EQ(terminated, std::stoi(row[2 + kObs])) << "step " << steps;
    ASSERT_EQ(bare_out.terminated, terminated != 0) << "step " << steps;
    ASSERT_EQ(truncated, std::stoi(row[3 + kObs])) << "step " << steps;
    truncations += truncated;
    terminations += terminated;
    ++steps;
  }
  EXPECT_EQ(episodes, 8);
  EXPECT_GT(steps, 1500);
  EXPECT_GT(truncations, 0);  // episodes that reach the 500-step TimeLimit
  EXPECT_GT(terminations, 5);
  EXPECT_GT(trig_values, 1500);
}

// get_state/set_state copy an env: the copy observes and steps identically, whether
// the state is a fresh (float32) reset state or a stepped (float64) one.
TEST(Acrobot, SetStateRoundTrip) {
  for (const double wide : {0.1, 3.0}) {
    Pcg64 rng = Pcg64::from_seed(5);
    const double options[2] = {-wide, wide};
    AcrobotEnv env(nullptr), copy(nullptr);
    for (int t = 0; t < 60; ++t) {
      if (t % 20 == 0) env.reset(rng, options);
      double s[4], s2[4];
      env.get_state(s);
      copy.set_state(s);
      copy.get_state(s2);
      EXPECT_EQ(std::memcmp(s, s2, sizeof s), 0);
      float a[kObs], b[kObs];
      env.observe(a);
      copy.observe(b);
      ASSERT_EQ(std::memcmp(a, b, sizeof a), 0) << "t " << t;
      const Action action{t % 3, nullptr};
      const StepOutcome ra = env.step(action), rb = copy.step(action);
      EXPECT_EQ(ra.reward, rb.reward);
      EXPECT_EQ(ra.terminated, rb.terminated);
      env.get_state(s);
      copy.get_state(s2);
      ASSERT_EQ(std::memcmp(s, s2, sizeof s), 0) << "t " << t;
    }
  }
}

// The observation of a float32 (reset) state takes numpy's float32 cos/sin; of a
// float64 one, float64 cos/sin rounded.
TEST(Acrobot, ObservationFollowsStateDtype) {
  AcrobotEnv env(nullptr);
  const double f32[4] = {0.5, -2.75, 0.125, 1.0};
  env.set_state(f32);
  EXPECT_TRUE(env.float32_state);
  float obs[kObs];
  env.observe(obs);
  EXPECT_TRUE(same_bits(obs[0], numpy_cosf(0.5f)));
  EXPECT_TRUE(same_bits(obs[3], numpy_sinf(-2.75f)));
  const double f64[4] = {0.1, -2.75, 0.125, 1.0};
  env.set_state(f64);
  EXPECT_FALSE(env.float32_state);
  env.observe(obs);
  EXPECT_TRUE(same_bits(obs[0], static_cast<float>(std::cos(0.1))));
  EXPECT_TRUE(same_bits(obs[3], static_cast<float>(std::sin(-2.75))));
}

TEST(Acrobot, HugeAngleDoesNotHang) {
  // gymnasium's wrap loops forever once x - 2 pi == x; here the angle becomes NaN.
  AcrobotEnv env(nullptr);
  const double s[4] = {1e300, 0.0, 0.0, 0.0};
  env.set_state(s);
  env.step(Action{1, nullptr});
  double out[4];
  env.get_state(out);
  EXPECT_TRUE(std::isnan(out[0]));
}

TEST(Acrobot, BatchedStepEqualsIndependentEnvs) {
  constexpr int n = 16;
  VectorEnv<AcrobotEnv> batch(n, AutoresetMode::kNextStep);
  std::vector<std::unique_ptr<VectorEnv<AcrobotEnv>>> singles;
  std::vector<float> obs(n * kObs), single_obs(kObs);
  std::vector<double> reward(n);
  std::vector<uint8_t> term(n), trunc(n);
  for (int i = 0; i < n; ++i) {
    batch.seed(i, seed_to_uint32_words(100 + i));
    batch.reset(i, obs.data() + kObs * i, nullptr);
    singles.push_back(std::make_unique<VectorEnv<AcrobotEnv>>(1, AutoresetMode::kNextStep));
    singles[i]->seed(0, seed_to_uint32_words(100 + i));
    singles[i]->reset(0, single_obs.data(), nullptr);
    ASSERT_EQ(std::memcmp(single_obs.data(), obs.data() + kObs * i, kObs * sizeof(float)), 0);
  }
  Pcg64 rng = Pcg64::from_seed(9);
  std::vector<int64_t> actions(n);
  int terminations = 0, truncations = 0;
  for (int t = 0; t < 1100; ++t) {
    for (int i = 0; i < n; ++i) {
      // envs 0-3 random (they reach the TimeLimit), the others mostly swing up.
      double s[4];
      batch.get_state(i, s);
      const uint64_t r = rng.next_uint64();
      actions[i] = (i < 4 || r % 10 == 0) ? static_cast<int64_t>((r >> 8) % 3) : (s[3] > 0 ? 2 : 0);
    }
    const StepResult out{obs.data(), reward.data(), term.data(), trunc.data(), nullptr};
    ASSERT_EQ(batch.step(ActionBatch{actions.data(), nullptr, 0}, out), -1);
    for (int i = 0; i < n; ++i) {
      double r;
      uint8_t te, tr;
      ASSERT_EQ(singles[i]->step(ActionBatch{&actions[i], nullptr, 0}, {single_obs.data(), &r, &te, &tr, nullptr}), -1);
      ASSERT_EQ(std::memcmp(single_obs.data(), obs.data() + kObs * i, kObs * sizeof(float)), 0)
          << "t " << t << " env " << i;
      ASSERT_TRUE(same_bits(r, reward[i]));
      ASSERT_EQ(te, term[i]);
      ASSERT_EQ(tr, trunc[i]);
      terminations += te;
      truncations += tr;
    }
  }
  EXPECT_GT(terminations, 50);  // plenty of autoresets happened
  EXPECT_GE(truncations, 4);
}

TEST(Acrobot, InvalidActionStepsNothing) {
  VectorEnv<AcrobotEnv> env(2, AutoresetMode::kNextStep);
  float obs[2 * kObs], reward_obs[2 * kObs];
  double reward[2];
  uint8_t te[2], tr[2];
  env.seed(0, {1});
  env.seed(1, {2});
  env.reset(0, obs, nullptr);
  env.reset(1, obs + kObs, nullptr);
  double before[4], after[4];
  env.get_state(0, before);
  const int64_t actions[2] = {1, 3};
  EXPECT_EQ(env.step(ActionBatch{actions, nullptr, 0}, {reward_obs, reward, te, tr, nullptr}), 1);
  const int64_t negative[2] = {-1, 0};
  EXPECT_EQ(env.step(ActionBatch{negative, nullptr, 0}, {reward_obs, reward, te, tr, nullptr}), 0);
  env.get_state(0, after);
  EXPECT_EQ(std::memcmp(before, after, sizeof before), 0);
  EXPECT_EQ(env.elapsed_steps(0), 0);
  EXPECT_EQ(env.elapsed_steps(1), 0);
}
