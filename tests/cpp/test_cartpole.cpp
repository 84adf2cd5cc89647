// The native CartPole against gymnasium trajectories (tests/fixtures/cartpole_trajectories.txt),
// bit for bit through the generic VectorEnv, on both the batched path
// (CartPoleEnv::Batch) and the per-env path (CartPoleEnv::step), and the
// autoreset modes on CartPole.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "envs/cartpole.h"
#include "envs/registry.h"
#include "envs/vector_env.h"
#include "fixtures.h"

using namespace fastac;

namespace {

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }
bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// CartPoleEnv without its Batch: VectorEnv<ScalarCartPole> keeps the structs and
// steps each sub-environment with CartPoleEnv::step. (Composition, not
// inheritance: a derived type would still find the base's Batch.)
struct ScalarCartPole {
  static const EnvSpec& spec() { return CartPoleEnv::spec(); }
  explicit ScalarCartPole(const double* params) : env(params) {}
  void reset(Pcg64& rng, const double* options) { env.reset(rng, options); }
  StepOutcome step(const Action& action) { return env.step(action); }
  void observe(float* obs) const { env.observe(obs); }
  void get_state(double* state) const { env.get_state(state); }
  void set_state(const double* state) { env.set_state(state); }
  CartPoleEnv env;
};
static_assert(detail::HasBatch<CartPoleEnv>);
static_assert(!detail::HasBatch<ScalarCartPole> && !detail::HasStepBatch<ScalarCartPole>);

ActionBatch discrete_actions(const int64_t* a) { return ActionBatch{a, nullptr, 0}; }

// Replays the fixture through VectorEnv<E>(1, kDisabled).
template <class E>
void replay_fixture() {
  const auto rows = fixtures::read_fixture("cartpole_trajectories.txt");
  ASSERT_GT(rows.size(), 600u);
  std::unique_ptr<VectorEnv<E>> env;
  float obs[4];
  double reward;
  uint8_t terminated, truncated;
  int episodes = 0, steps = 0, truncations = 0;
  for (const auto& row : rows) {
    if (row[0] == "episode") {
      const double sutton_barto = row[2] == "1" ? 1.0 : 0.0;
      env = std::make_unique<VectorEnv<E>>(1, AutoresetMode::kDisabled, &sutton_barto);
      ASSERT_EQ(env->max_episode_steps(), 500);
      env->seed(0, seed_to_uint32_words(std::stoull(row[1])));
      env->reset(0, obs, nullptr);
      for (int k = 0; k < 4; ++k) ASSERT_TRUE(same_bits(obs[k], float(fixtures::parse_double(row[3 + k]))));
      ++episodes;
      continue;
    }
    const int64_t action = std::stoll(row[0]);
    ASSERT_EQ(env->step(discrete_actions(&action), StepResult{obs, &reward, &terminated, &truncated, nullptr}), -1);
    double state[4];
    env->get_state(0, state);
    for (int k = 0; k < 4; ++k) {
      ASSERT_TRUE(same_bits(obs[k], float(fixtures::parse_double(row[1 + k])))) << "step " << steps << " obs " << k;
      ASSERT_TRUE(same_bits(state[k], fixtures::parse_double(row[8 + k]))) << "step " << steps << " state " << k;
    }
    ASSERT_TRUE(same_bits(reward, fixtures::parse_double(row[5]))) << "step " << steps;
    ASSERT_EQ(terminated, std::stoi(row[6])) << "step " << steps;
    ASSERT_EQ(truncated, std::stoi(row[7])) << "step " << steps;
    truncations += truncated;
    ++steps;
  }
  EXPECT_EQ(episodes, 8);
  EXPECT_GT(truncations, 0);  // the fixture includes a 500-step episode
}

}  // namespace

TEST(CartPole, SpecIsGymnasiums) {
  const EnvSpec& s = CartPoleEnv::spec();
  EXPECT_EQ(s.id, "CartPole-v1");
  EXPECT_TRUE(s.action_space.is_discrete());
  EXPECT_EQ(s.action_space.n, 2);
  EXPECT_EQ(s.action_space.start, 0);
  EXPECT_EQ(s.observation_space.size(), 4);
  EXPECT_EQ(s.max_episode_steps, 500);
  EXPECT_EQ(s.reward_threshold, 475.0);
  EXPECT_EQ(s.state_size, 4);
  ASSERT_EQ(s.params.size(), 1u);
  EXPECT_EQ(s.params[0].name, "sutton_barto_reward");
  EXPECT_EQ(s.params[0].default_value, 0.0);
  EXPECT_TRUE(s.params[0].boolean);
  ASSERT_EQ(s.reset_options.size(), 2u);
  EXPECT_EQ(s.reset_options[0].default_value, -0.05);
  EXPECT_EQ(s.reset_options[1].default_value, 0.05);
  EXPECT_TRUE(std::isinf(s.observation_space.high[1]));
  EXPECT_EQ(s.observation_space.high[0], 4.8f);
}

TEST(CartPole, MatchesGymnasiumBitForBitBatchedPath) { replay_fixture<CartPoleEnv>(); }

TEST(CartPole, MatchesGymnasiumBitForBitPerEnvPath) { replay_fixture<ScalarCartPole>(); }

// CartPoleEnv::Batch::step against step() on copies, also past termination (no
// resets here), comparing every state bit and the reward.
TEST(CartPole, StepBatchEqualsStepOnEachEnv) {
  constexpr int n = 37;  // not a multiple of a SIMD width
  const double params[2][1] = {{0.0}, {1.0}};
  std::vector<CartPoleEnv> batch, singles;
  for (int i = 0; i < n; ++i) {
    batch.emplace_back(params[i % 2]);
    Pcg64 rng = Pcg64::from_seed(200 + i);
    const double bounds[2] = {-0.2, 0.2};
    batch.back().reset(rng, bounds);
  }
  singles = batch;
  const double no_params[1] = {0.0};
  CartPoleEnv::Batch soa(n, no_params);
  for (int i = 0; i < n; ++i) soa.set(i, batch[i]);
  Pcg64 rng = Pcg64::from_seed(4);
  std::vector<int64_t> actions(n);
  std::vector<double> reward(n);
  std::vector<uint8_t> terminated(n);
  int past_termination = 0;
  for (int t = 0; t < 120; ++t) {
    for (auto& a : actions) a = static_cast<int64_t>(rng.next_uint64() & 1);
    soa.step(discrete_actions(actions.data()), reward.data(), terminated.data());
    for (int i = 0; i < n; ++i) {
      batch[i] = soa.get(i);
      const StepOutcome r = singles[i].step(Action{actions[i], nullptr});
      double a[4], b[4];
      batch[i].get_state(a);
      singles[i].get_state(b);
      for (int k = 0; k < 4; ++k) ASSERT_TRUE(same_bits(a[k], b[k])) << "t " << t << " env " << i << " state " << k;
      ASSERT_TRUE(same_bits(reward[i], r.reward)) << "t " << t << " env " << i;
      ASSERT_EQ(terminated[i], r.terminated) << "t " << t << " env " << i;
      ASSERT_EQ(batch[i].steps_beyond_terminated, singles[i].steps_beyond_terminated);
      past_termination += batch[i].steps_beyond_terminated > 0;
    }
  }
  EXPECT_GT(past_termination, 100);  // the rewards after termination were compared too
}

// The batched VectorEnv (step_batch) against one VectorEnv per sub-env on the
// per-env path, with NEXT_STEP autoresets.
TEST(CartPole, BatchedStepEqualsIndependentEnvs) {
  constexpr int n = 16;
  VectorEnv<CartPoleEnv> batch(n, AutoresetMode::kNextStep);
  std::vector<std::unique_ptr<VectorEnv<ScalarCartPole>>> singles;
  std::vector<float> obs(n * 4), single_obs(4);
  std::vector<double> reward(n);
  std::vector<uint8_t> term(n), trunc(n);
  for (int i = 0; i < n; ++i) {
    batch.seed(i, seed_to_uint32_words(100 + i));
    batch.reset(i, obs.data() + 4 * i, nullptr);
    singles.push_back(std::make_unique<VectorEnv<ScalarCartPole>>(1, AutoresetMode::kNextStep));
    singles[i]->seed(0, seed_to_uint32_words(100 + i));
    singles[i]->reset(0, single_obs.data(), nullptr);
    ASSERT_EQ(std::memcmp(single_obs.data(), obs.data() + 4 * i, 4 * sizeof(float)), 0);
  }
  Pcg64 rng = Pcg64::from_seed(9);
  std::vector<int64_t> actions(n);
  int finished = 0;
  for (int t = 0; t < 300; ++t) {
    for (auto& a : actions) a = static_cast<int64_t>(rng.next_uint64() & 1);
    ASSERT_EQ(batch.step(discrete_actions(actions.data()), {obs.data(), reward.data(), term.data(), trunc.data(), nullptr}),
              -1);
    for (int i = 0; i < n; ++i) {
      double r;
      uint8_t te, tr;
      ASSERT_EQ(singles[i]->step(discrete_actions(&actions[i]), {single_obs.data(), &r, &te, &tr, nullptr}), -1);
      ASSERT_EQ(std::memcmp(single_obs.data(), obs.data() + 4 * i, 4 * sizeof(float)), 0);
      ASSERT_TRUE(same_bits(r, reward[i]));
      ASSERT_EQ(te, term[i]);
      ASSERT_EQ(tr, trunc[i]);
      ASSERT_EQ(singles[i]->elapsed_steps(0), batch.elapsed_steps(i));
      finished += te || tr;
    }
  }
  EXPECT_GT(finished, 50);  // plenty of autoresets happened
}

// VectorEnv's array storage (CartPoleEnv::Batch) against its struct storage
// (ScalarCartPole), on more envs than one block of Batch::step, in every
// autoreset mode, with sutton_barto_reward; halfway, a save() is loaded into a
// third batch and restored by restore_batched_env (default params: the saved
// bytes carry sutton_barto_reward), and both continue bit for bit.
TEST(CartPole, BatchStorageEqualsStructStorageAndSaveLoad) {
  constexpr int n = 300;  // a full block of Batch::step and a partial one
  const double sutton_barto = 1.0;
  for (AutoresetMode mode : {AutoresetMode::kNextStep, AutoresetMode::kSameStep, AutoresetMode::kDisabled}) {
    VectorEnv<CartPoleEnv> batch(n, mode, &sutton_barto, 40);
    VectorEnv<ScalarCartPole> structs(n, mode, &sutton_barto, 40);
    std::vector<float> obs(n * 4), obs_s(n * 4), final_obs(n * 4), final_obs_s(n * 4);
    for (int i = 0; i < n; ++i) {
      batch.seed(i, seed_to_uint32_words(300 + i));
      structs.seed(i, seed_to_uint32_words(300 + i));
      batch.reset(i, obs.data() + 4 * i, nullptr);
      structs.reset(i, obs_s.data() + 4 * i, nullptr);
    }
    std::unique_ptr<VectorEnv<CartPoleEnv>> loaded;
    std::unique_ptr<BatchedEnv> restored;
    std::vector<float> obs_l(n * 4), obs_r(n * 4), final_obs_l(n * 4), final_obs_r(n * 4);
    std::vector<double> reward(n), reward_s(n), reward_l(n), reward_r(n);
    std::vector<uint8_t> te(n), tr(n), te_s(n), tr_s(n), te_l(n), tr_l(n), te_r(n), tr_r(n);
    Pcg64 rng = Pcg64::from_seed(11);
    std::vector<int64_t> actions(n);
    int finished = 0;
    for (int t = 0; t < 120; ++t) {
      if (t == 60) {
        const std::string bytes = batch.save();
        loaded = std::make_unique<VectorEnv<CartPoleEnv>>(n, mode, nullptr, 40);
        loaded->load(bytes);
        restored = restore_batched_env(bytes);
      }
      for (auto& a : actions) a = static_cast<int64_t>(rng.next_uint64() & 1);
      ASSERT_EQ(batch.step(discrete_actions(actions.data()),
                           {obs.data(), reward.data(), te.data(), tr.data(), final_obs.data()}), -1);
      ASSERT_EQ(structs.step(discrete_actions(actions.data()),
                             {obs_s.data(), reward_s.data(), te_s.data(), tr_s.data(), final_obs_s.data()}), -1);
      ASSERT_EQ(obs, obs_s) << "t " << t;
      ASSERT_EQ(reward, reward_s) << "t " << t;
      ASSERT_EQ(te, te_s) << "t " << t;
      ASSERT_EQ(tr, tr_s) << "t " << t;
      if (mode == AutoresetMode::kSameStep) ASSERT_EQ(final_obs, final_obs_s) << "t " << t;
      for (int i = 0; i < n; ++i) {
        ASSERT_EQ(batch.elapsed_steps(i), structs.elapsed_steps(i));
        double a[4], b[4];
        batch.get_state(i, a);
        structs.get_state(i, b);
        ASSERT_EQ(std::memcmp(a, b, sizeof a), 0) << "t " << t << " env " << i;
        finished += te[i] || tr[i];
      }
      if (loaded) {
        ASSERT_EQ(loaded->step(discrete_actions(actions.data()),
                               {obs_l.data(), reward_l.data(), te_l.data(), tr_l.data(), final_obs_l.data()}), -1);
        ASSERT_EQ(restored->step(discrete_actions(actions.data()),
                                 {obs_r.data(), reward_r.data(), te_r.data(), tr_r.data(), final_obs_r.data()}), -1);
        ASSERT_EQ(obs_l, obs) << "t " << t;
        ASSERT_EQ(reward_l, reward) << "t " << t;
        ASSERT_EQ(te_l, te) << "t " << t;
        ASSERT_EQ(tr_l, tr) << "t " << t;
        ASSERT_EQ(obs_r, obs) << "t " << t;
        ASSERT_EQ(reward_r, reward) << "t " << t;
        ASSERT_EQ(te_r, te) << "t " << t;
        ASSERT_EQ(tr_r, tr) << "t " << t;
        for (int i = 0; mode == AutoresetMode::kSameStep && i < n; ++i) {
          if (!(te[i] || tr[i])) continue;  // rows valid where the env finished
          ASSERT_EQ(std::memcmp(&final_obs_l[4 * i], &final_obs[4 * i], 4 * sizeof(float)), 0) << "t " << t;
          ASSERT_EQ(std::memcmp(&final_obs_r[4 * i], &final_obs[4 * i], 4 * sizeof(float)), 0) << "t " << t;
        }
      }
    }
    EXPECT_GT(finished, 100);
    EXPECT_EQ(loaded->save(), batch.save());
    EXPECT_EQ(restored->save(), batch.save());
  }
}

TEST(CartPole, NextStepAutoresetGivesZeroRewardResetStep) {
  VectorEnv<CartPoleEnv> env(1, AutoresetMode::kNextStep);
  float obs[4];
  double reward;
  uint8_t te = 0, tr = 0;
  env.seed(0, seed_to_uint32_words(0));
  env.reset(0, obs, nullptr);
  const int64_t push = 1;
  while (!te) ASSERT_EQ(env.step(discrete_actions(&push), {obs, &reward, &te, &tr, nullptr}), -1);
  EXPECT_EQ(reward, 1.0);  // the terminating step is rewarded
  env.step(discrete_actions(&push), {obs, &reward, &te, &tr, nullptr});
  EXPECT_EQ(reward, 0.0);
  EXPECT_FALSE(te);
  EXPECT_FALSE(tr);
  EXPECT_EQ(env.elapsed_steps(0), 0);
  for (float v : obs) EXPECT_LE(std::abs(v), 0.05f);
}

TEST(CartPole, SameStepAutoresetReportsFinalObservation) {
  VectorEnv<CartPoleEnv> env(1, AutoresetMode::kSameStep, nullptr, 5);
  float obs[4], final_obs[4], before[4];
  double reward;
  uint8_t te = 0, tr = 0;
  env.seed(0, seed_to_uint32_words(1));
  env.reset(0, obs, nullptr);
  const int64_t action = 0;
  for (int t = 0; t < 5; ++t) {
    std::memcpy(before, obs, sizeof obs);
    env.step(discrete_actions(&action), {obs, &reward, &te, &tr, final_obs});
  }
  EXPECT_TRUE(tr);
  EXPECT_FALSE(te);
  EXPECT_EQ(reward, 1.0);
  EXPECT_EQ(env.elapsed_steps(0), 0);  // already reset
  EXPECT_NE(std::memcmp(obs, final_obs, sizeof obs), 0);
  for (float v : obs) EXPECT_LE(std::abs(v), 0.05f);  // the new episode's first observation
  // The final observation is one step on from the previous one (action 0 pushes left).
  EXPECT_LT(final_obs[1], before[1]);
  double state[4];
  env.get_state(0, state);
  for (int k = 0; k < 4; ++k) EXPECT_TRUE(same_bits(obs[k], static_cast<float>(state[k])));
}

TEST(CartPole, InvalidActionStepsNothing) {
  VectorEnv<CartPoleEnv> env(2, AutoresetMode::kNextStep);
  float obs[8];
  double reward[2];
  uint8_t te[2], tr[2];
  env.seed(0, {1});
  env.seed(1, {2});
  env.reset(0, obs, nullptr);
  env.reset(1, obs + 4, nullptr);
  double state0[4], state1[4], after[4];
  env.get_state(0, state0);
  env.get_state(1, state1);
  const int64_t actions[2] = {1, 2};
  EXPECT_EQ(env.step(discrete_actions(actions), {obs, reward, te, tr, nullptr}), 1);
  EXPECT_EQ(env.elapsed_steps(0), 0);
  EXPECT_EQ(env.elapsed_steps(1), 0);
  env.get_state(0, after);
  EXPECT_EQ(std::memcmp(after, state0, sizeof after), 0);
  env.get_state(1, after);
  EXPECT_EQ(std::memcmp(after, state1, sizeof after), 0);
  const int64_t negative[2] = {-1, 0};
  EXPECT_EQ(env.step(discrete_actions(negative), {obs, reward, te, tr, nullptr}), 0);
  EXPECT_EQ(env.elapsed_steps(1), 0);
  const int64_t valid[2] = {0, 1};
  EXPECT_EQ(env.step(discrete_actions(valid), {obs, reward, te, tr, nullptr}), -1);
  EXPECT_EQ(env.elapsed_steps(0), 1);
}

TEST(CartPole, SuttonBartoRewardParam) {
  const double on = 1.0;
  VectorEnv<CartPoleEnv> env(1, AutoresetMode::kDisabled, &on);
  float obs[4];
  double reward;
  uint8_t te = 0, tr = 0;
  env.seed(0, {5});
  env.reset(0, obs, nullptr);
  const int64_t push = 0;
  int steps = 0;
  while (!te) {
    env.step(discrete_actions(&push), {obs, &reward, &te, &tr, nullptr});
    if (!te) EXPECT_EQ(reward, 0.0);
    ++steps;
  }
  EXPECT_EQ(reward, -1.0);
  env.step(discrete_actions(&push), {obs, &reward, &te, &tr, nullptr});  // past termination
  EXPECT_TRUE(te);
  EXPECT_EQ(reward, -1.0);
  EXPECT_GT(steps, 1);
}

TEST(CartPole, SetStateRoundTrips) {
  VectorEnv<CartPoleEnv> env(2, AutoresetMode::kDisabled);
  const double s[4] = {0.1, -0.2, 0.03, 1e-300};
  env.set_state(1, s);
  double back[4];
  env.get_state(1, back);
  EXPECT_EQ(std::memcmp(s, back, sizeof s), 0);
  float obs[4];
  env.observe(1, obs);
  for (int k = 0; k < 4; ++k) EXPECT_TRUE(same_bits(obs[k], static_cast<float>(s[k])));
}

// The steps use glibc's sincos for speed; bit-exactness with gymnasium (math.sin,
// math.cos) needs it to give exactly glibc's sin and cos bits. Angles over the
// range a pole reaches and beyond, then any finite double.
TEST(CartPole, SincosGivesTheBitsOfSinAndCos) {
  // Through volatile pointers, so that the compiler cannot merge sin and cos into sincos here.
  double (*volatile sin_fn)(double) = std::sin;
  double (*volatile cos_fn)(double) = std::cos;
  Pcg64 rng = Pcg64::from_seed(7);
  for (int k = 0; k < 2'000'000; ++k) {
    const uint64_t bits = rng.next_uint64();
    double theta;
    if (k % 2 == 0) {
      theta = (static_cast<double>(bits >> 11) * 0x1.0p-53 - 0.5) * 8.0;  // [-4, 4) rad
    } else {
      std::memcpy(&theta, &bits, sizeof theta);
      if (!std::isfinite(theta)) continue;
    }
    double s, c;
    sincos(theta, &s, &c);
    const double s_ref = sin_fn(theta), c_ref = cos_fn(theta);
    ASSERT_EQ(std::memcmp(&s, &s_ref, sizeof s), 0) << std::hexfloat << theta;
    ASSERT_EQ(std::memcmp(&c, &c_ref, sizeof c), 0) << std::hexfloat << theta;
  }
}
