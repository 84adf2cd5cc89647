// The generic VectorEnv<E> (envs/vector_env.h) on a small counter environment
// defined here: autoreset modes, the time limit, action validation, seeding,
// params and reset options, with and without E::step_batch, Discrete and Box
// actions. And the registry (envs/registry.h).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "envs/cartpole.h"
#include "envs/registry.h"
#include "envs/vector_env.h"

using namespace fastac;

namespace {

// A counter: step adds the action (Discrete(3, start=-1): -1, 0 or +1; Box(2):
// the sum of both elements) and terminates once the count reaches `threshold`.
// Reward: reward_scale * the count after the step.
// Observation: {count, draw}, draw being the uniform number the last reset drew.
// Params: threshold (5), reward_scale (1). Reset options: start (0), spread (0):
// count = start + floor(draw * spread); every reset draws exactly one number.
// kBatch adds a step_batch that counts its calls.
template <bool kBox, bool kBatch>
struct CounterEnv {
  static constexpr bool box = kBox;
  static const EnvSpec& spec() {
    static const EnvSpec s = [] {
      EnvSpec e;
      e.id = kBox ? "CounterBox-v0" : "Counter-v0";
      const float inf = std::numeric_limits<float>::infinity();
      e.observation_space = Space::box({2}, {-inf, 0.0f}, {inf, 1.0f});
      e.action_space = kBox ? Space::box({2}, {-1.0f, -1.0f}, {1.0f, 1.0f}) : Space::discrete(3, -1);
      e.max_episode_steps = 8;
      e.params = {{"threshold", 5.0}, {"reward_scale", 1.0}};
      e.reset_options = {{"start", 0.0}, {"spread", 0.0}};
      e.state_size = 2;
      return e;
    }();
    return s;
  }
  explicit CounterEnv(const double* params) : threshold(params[0]), reward_scale(params[1]) {}

  void reset(Pcg64& rng, const double* options) {
    draw = rng.next_double();
    count = options[0] + std::floor(draw * options[1]);
  }
  StepOutcome step(const Action& a) {
    ++step_calls;
    if (!valid_action(spec().action_space, a)) ++invalid_step_calls;
    count += kBox ? static_cast<double>(a.box[0]) + a.box[1] : static_cast<double>(a.discrete);
    return {reward_scale * count, count >= threshold};
  }
  void observe(float* obs) const {
    obs[0] = static_cast<float>(count);
    obs[1] = static_cast<float>(draw);
  }
  void get_state(double* s) const {
    s[0] = count;
    s[1] = draw;
  }
  void set_state(const double* s) {
    count = s[0];
    draw = s[1];
  }

  double threshold, reward_scale;
  double count = 0, draw = 0;
  static inline int step_calls = 0;          // step() calls, on every instance of this type
  static inline int invalid_step_calls = 0;  // of which with an action outside the space
};

template <bool kBox>
struct BatchedCounterEnv : CounterEnv<kBox, true> {
  using CounterEnv<kBox, true>::CounterEnv;
  static inline int batch_calls = 0;
  static void step_batch(BatchedCounterEnv* envs, int n, const ActionBatch& actions, double* reward,
                         uint8_t* terminated) {
    ++batch_calls;
    for (int i = 0; i < n; ++i) {
      const StepOutcome r = envs[i].step(actions[i]);
      reward[i] = r.reward;
      terminated[i] = r.terminated;
    }
  }
};

using DiscreteCounter = CounterEnv<false, false>;
using BoxCounter = CounterEnv<true, false>;
using DiscreteBatchedCounter = BatchedCounterEnv<false>;
using BoxBatchedCounter = BatchedCounterEnv<true>;
static_assert(!detail::HasStepBatch<DiscreteCounter> && !detail::HasStepBatch<BoxCounter>);
static_assert(detail::HasStepBatch<DiscreteBatchedCounter> && detail::HasStepBatch<BoxBatchedCounter>);

// Typed action storage for a whole batch: add(v) appends v (a Discrete action, or
// {v, 0} for a Box, whose sum is v), nan() a Box action with a NaN.
template <class E>
struct Actions {
  std::vector<int64_t> discrete;
  std::vector<float> box;
  explicit Actions(std::vector<int> values) {
    for (int v : values) {
      if (E::box) {
        box.push_back(static_cast<float>(v));
        box.push_back(0.0f);
      } else {
        discrete.push_back(v);
      }
    }
  }
  ActionBatch batch() const {
    if (E::box) return {nullptr, box.data(), 2};
    return {discrete.data(), nullptr, 0};
  }
};

// Buffers for one step of n envs.
struct Out {
  explicit Out(int n) : obs(2 * n, -7.0f), final_obs(2 * n, -7.0f), reward(n), terminated(n), truncated(n) {}
  std::vector<float> obs, final_obs;
  std::vector<double> reward;
  std::vector<uint8_t> terminated, truncated;
  StepResult result() { return {obs.data(), reward.data(), terminated.data(), truncated.data(), final_obs.data()}; }
  float count(int i) const { return obs[2 * i]; }
};

template <class E>
std::unique_ptr<VectorEnv<E>> make_env(int n, AutoresetMode mode, const double* params = nullptr,
                                       int max_episode_steps = -1) {
  auto env = std::make_unique<VectorEnv<E>>(n, mode, params, max_episode_steps);
  std::vector<float> obs(2);
  for (int i = 0; i < n; ++i) {
    env->seed(i, seed_to_uint32_words(10 + i));
    env->reset(i, obs.data(), nullptr);
  }
  return env;
}

double count_of(const BatchedEnv& env, int i) {
  double s[2];
  env.get_state(i, s);
  return s[0];
}

template <class E>
class VectorEnvTest : public ::testing::Test {};
using CounterTypes = ::testing::Types<DiscreteCounter, DiscreteBatchedCounter, BoxCounter, BoxBatchedCounter>;
TYPED_TEST_SUITE(VectorEnvTest, CounterTypes);

}  // namespace

TEST(Space, DiscreteAndBox) {
  const Space d = Space::discrete(3, -1);
  EXPECT_TRUE(d.is_discrete());
  EXPECT_EQ(d.size(), 1);
  EXPECT_EQ(d.n, 3);
  EXPECT_EQ(d.start, -1);
  EXPECT_THROW(Space::discrete(0), std::invalid_argument);
  const Space b = Space::box({2, 3}, std::vector<float>(6, -1.0f), std::vector<float>(6, 1.0f));
  EXPECT_FALSE(b.is_discrete());
  EXPECT_EQ(b.size(), 6);
  EXPECT_THROW(Space::box({2, 3}, std::vector<float>(5, -1.0f), std::vector<float>(5, 1.0f)), std::invalid_argument);
  EXPECT_THROW(Space::box({2}, {-1.0f, -1.0f}, {1.0f}), std::invalid_argument);
  // Validity: a Discrete range, and no NaN in a Box.
  EXPECT_TRUE(valid_action(d, {-1, nullptr}));
  EXPECT_TRUE(valid_action(d, {1, nullptr}));
  EXPECT_FALSE(valid_action(d, {2, nullptr}));
  EXPECT_FALSE(valid_action(d, {-2, nullptr}));
  const float ok[6] = {0, 5, -5, 1, 1, 1}, nan[6] = {0, 0, 0, 0, 0, std::nanf("")};
  EXPECT_TRUE(valid_action(b, {0, ok}));
  EXPECT_FALSE(valid_action(b, {0, nan}));
}

TYPED_TEST(VectorEnvTest, SizesAndDefaults) {
  using E = TypeParam;
  VectorEnv<E> env(3, AutoresetMode::kSameStep);
  EXPECT_EQ(env.num_envs(), 3);
  EXPECT_EQ(env.observation_size(), 2);
  EXPECT_EQ(env.autoreset_mode(), AutoresetMode::kSameStep);
  EXPECT_EQ(env.max_episode_steps(), 8);  // the spec's
  EXPECT_EQ(&env.spec(), &E::spec());
  EXPECT_EQ(VectorEnv<E>(1, AutoresetMode::kSameStep, nullptr, 0).max_episode_steps(), 0);
  EXPECT_EQ(VectorEnv<E>(1, AutoresetMode::kSameStep, nullptr, 3).max_episode_steps(), 3);
  EXPECT_THROW(VectorEnv<E>(0, AutoresetMode::kSameStep), std::invalid_argument);
  EXPECT_THROW(VectorEnv<E>(-1, AutoresetMode::kSameStep), std::invalid_argument);
}

// NEXT_STEP: the step that ends an episode reports it with the last observation;
// the next step resets: reward 0, not done, the action ignored (even an invalid one).
TYPED_TEST(VectorEnvTest, NextStepAutoreset) {
  using E = TypeParam;
  auto env = make_env<E>(2, AutoresetMode::kNextStep);
  Out out(2);
  Actions<E> up({1, 0});
  for (int t = 1; t <= 5; ++t) {
    ASSERT_EQ(env->step(up.batch(), out.result()), -1);
    EXPECT_EQ(out.count(0), t);
    EXPECT_EQ(out.reward[0], t);
    EXPECT_EQ(out.terminated[0], t == 5);
    EXPECT_FALSE(out.truncated[0]);
    EXPECT_EQ(env->elapsed_steps(0), t);
    EXPECT_EQ(out.count(1), 0.0f);
    EXPECT_FALSE(out.terminated[1]);
  }
  // The reset step. Env 0's action would be invalid for a Discrete space (and NaN
  // for a Box): it is ignored, not validated. Env 1 steps as usual.
  Actions<E> next({E::box ? 1 : 7, -1});
  if constexpr (E::box) next.box[0] = std::nanf("");
  const int calls_before = E::step_calls;
  ASSERT_EQ(env->step(next.batch(), out.result()), -1);
  // Per-env path: the waiting env is not stepped. step_batch path: it is (its
  // state is then overwritten by the reset), as vector_env.h says.
  EXPECT_EQ(E::step_calls - calls_before, detail::HasStepBatch<E> ? 2 : 1);
  EXPECT_EQ(out.reward[0], 0.0);
  EXPECT_FALSE(out.terminated[0]);
  EXPECT_FALSE(out.truncated[0]);
  EXPECT_EQ(out.count(0), 0.0f);  // the reset observation
  EXPECT_EQ(env->elapsed_steps(0), 0);
  EXPECT_EQ(count_of(*env, 0), 0.0);
  EXPECT_EQ(out.count(1), -1.0f);
  EXPECT_EQ(out.reward[1], -1.0);
  EXPECT_EQ(env->elapsed_steps(1), 6);
  // And the new episode runs from there.
  ASSERT_EQ(env->step(up.batch(), out.result()), -1);
  EXPECT_EQ(out.count(0), 1.0f);
  EXPECT_EQ(out.reward[0], 1.0);
  EXPECT_EQ(env->elapsed_steps(0), 1);
}

// SAME_STEP: the step that ends an episode resets at once: final_obs holds the
// last observation, obs the reset one; reward and flags are the ending step's.
TYPED_TEST(VectorEnvTest, SameStepAutoreset) {
  using E = TypeParam;
  auto env = make_env<E>(2, AutoresetMode::kSameStep);
  Out out(2);
  Actions<E> up({1, -1});
  for (int t = 1; t <= 4; ++t) {
    ASSERT_EQ(env->step(up.batch(), out.result()), -1);
    EXPECT_FALSE(out.terminated[0]);
  }
  ASSERT_EQ(env->step(up.batch(), out.result()), -1);
  EXPECT_TRUE(out.terminated[0]);
  EXPECT_FALSE(out.truncated[0]);
  EXPECT_EQ(out.reward[0], 5.0);
  EXPECT_EQ(out.final_obs[0], 5.0f);  // the last observation of the episode
  EXPECT_EQ(out.count(0), 0.0f);      // the first one of the next
  EXPECT_EQ(env->elapsed_steps(0), 0);
  EXPECT_EQ(count_of(*env, 0), 0.0);
  EXPECT_EQ(out.count(1), -5.0f);
  EXPECT_FALSE(out.terminated[1]);
  // No reset step follows: the next step counts from the reset state.
  ASSERT_EQ(env->step(up.batch(), out.result()), -1);
  EXPECT_EQ(out.count(0), 1.0f);
  EXPECT_EQ(out.reward[0], 1.0);
  EXPECT_EQ(env->elapsed_steps(0), 1);
}

// DISABLED: nothing is reset; a finished episode keeps stepping.
TYPED_TEST(VectorEnvTest, DisabledAutoresetKeepsStepping) {
  using E = TypeParam;
  auto env = make_env<E>(1, AutoresetMode::kDisabled);
  Out out(1);
  Actions<E> up({1});
  for (int t = 1; t <= 7; ++t) {
    ASSERT_EQ(env->step(up.batch(), out.result()), -1);
    EXPECT_EQ(out.count(0), t);
    EXPECT_EQ(out.reward[0], t);
    EXPECT_EQ(out.terminated[0], t >= 5);
    EXPECT_FALSE(out.truncated[0]);
    EXPECT_EQ(env->elapsed_steps(0), t);
  }
  // Past the time limit (8) too: truncated from step 8 on.
  for (int t = 8; t <= 10; ++t) {
    ASSERT_EQ(env->step(up.batch(), out.result()), -1);
    EXPECT_EQ(out.count(0), t);
    EXPECT_TRUE(out.terminated[0]);
    EXPECT_TRUE(out.truncated[0]);
    EXPECT_EQ(env->elapsed_steps(0), t);
  }
}

// TimeLimit: step max_episode_steps is truncated; terminated and truncated can
// both be set; 0 disables the limit; an explicit limit overrides the spec's.
TYPED_TEST(VectorEnvTest, TimeLimit) {
  using E = TypeParam;
  {
    auto env = make_env<E>(2, AutoresetMode::kNextStep, nullptr, 3);
    Out out(2);
    Actions<E> a({0, 1});  // env 0 never terminates; env 1 reaches 3 at step 3
    for (int t = 1; t <= 3; ++t) {
      ASSERT_EQ(env->step(a.batch(), out.result()), -1);
      EXPECT_EQ(out.truncated[0], t == 3);
      EXPECT_FALSE(out.terminated[0]);
    }
    EXPECT_FALSE(out.terminated[1]);  // threshold 5 by default: only truncated
    EXPECT_TRUE(out.truncated[1]);
    ASSERT_EQ(env->step(a.batch(), out.result()), -1);  // the reset step of both
    EXPECT_FALSE(out.truncated[0] || out.truncated[1]);
    EXPECT_EQ(out.reward[0], 0.0);
    EXPECT_EQ(env->elapsed_steps(0), 0);
  }
  {
    const double params[2] = {3.0, 1.0};
    auto env = make_env<E>(1, AutoresetMode::kSameStep, params, 3);
    Out out(1);
    Actions<E> a({1});
    for (int t = 1; t <= 3; ++t) ASSERT_EQ(env->step(a.batch(), out.result()), -1);
    EXPECT_TRUE(out.terminated[0]);  // both at once
    EXPECT_TRUE(out.truncated[0]);
    EXPECT_EQ(out.final_obs[0], 3.0f);
    EXPECT_EQ(env->elapsed_steps(0), 0);
  }
  {
    auto env = make_env<E>(1, AutoresetMode::kNextStep, nullptr, 0);
    Out out(1);
    Actions<E> a({0});
    for (int t = 1; t <= 50; ++t) {
      ASSERT_EQ(env->step(a.batch(), out.result()), -1);
      ASSERT_FALSE(out.truncated[0]);
    }
    EXPECT_EQ(env->elapsed_steps(0), 50);
  }
  {
    auto env = make_env<E>(1, AutoresetMode::kNextStep);  // the spec's 8
    Out out(1);
    Actions<E> a({0});
    for (int t = 1; t <= 8; ++t) {
      ASSERT_EQ(env->step(a.batch(), out.result()), -1);
      EXPECT_EQ(out.truncated[0], t == 8);
    }
  }
}

// An invalid action (out of the Discrete range, NaN in a Box) returns the index
// of the first one and steps nothing: every env keeps its state and step count.
TYPED_TEST(VectorEnvTest, InvalidActionStepsNothing) {
  using E = TypeParam;
  auto env = make_env<E>(3, AutoresetMode::kNextStep);
  Out out(3);
  Actions<E> warmup({1, 1, -1});
  ASSERT_EQ(env->step(warmup.batch(), out.result()), -1);
  const int calls_before = E::step_calls;
  std::vector<Actions<E>> invalid;
  if constexpr (E::box) {
    Actions<E> a({1, 1, 1});
    a.box[2 * 1 + 1] = std::nanf("");  // env 1's second element
    a.box[2 * 2] = std::nanf("");
    invalid.push_back(a);
    Actions<E> b({1, 1, 1});
    b.box[0] = -std::numeric_limits<float>::quiet_NaN();
    invalid.push_back(b);
  } else {
    invalid.push_back(Actions<E>({0, 2, 5}));    // 2 = start + n: out of range
    invalid.push_back(Actions<E>({-2, 0, 0}));   // below start
    invalid.push_back(Actions<E>({0, 0, 3}));
  }
  const std::vector<int> expected_index = E::box ? std::vector<int>{1, 0} : std::vector<int>{1, 0, 2};
  for (size_t k = 0; k < invalid.size(); ++k) {
    EXPECT_EQ(env->step(invalid[k].batch(), out.result()), expected_index[k]) << "case " << k;
    for (int i = 0; i < 3; ++i) EXPECT_EQ(env->elapsed_steps(i), 1) << "case " << k << " env " << i;
    EXPECT_EQ(count_of(*env, 0), 1.0);
    EXPECT_EQ(count_of(*env, 1), 1.0);
    EXPECT_EQ(count_of(*env, 2), -1.0);
  }
  EXPECT_EQ(E::step_calls, calls_before);  // not even the valid ones were stepped
  // A valid step afterwards continues from the unchanged state.
  ASSERT_EQ(env->step(warmup.batch(), out.result()), -1);
  EXPECT_EQ(out.count(0), 2.0f);
  EXPECT_EQ(out.count(2), -2.0f);
  EXPECT_EQ(env->elapsed_steps(1), 2);
}

// Out-of-bounds Box values are not invalid (gymnasium does not clip or check them).
TEST(VectorEnv, BoxValuesOutOfBoundsAreStepped) {
  auto env = make_env<BoxCounter>(1, AutoresetMode::kNextStep);
  Out out(1);
  const float a[2] = {3.0f, 0.5f};
  ASSERT_EQ(env->step({nullptr, a, 2}, out.result()), -1);
  EXPECT_EQ(out.count(0), 3.5f);
}

// Seeding: each sub-env's stream is PCG64(SeedSequence(words)); a reset continues
// the stream, autoresets included; reseeding restarts it.
TYPED_TEST(VectorEnvTest, SeedingIsReproducible) {
  using E = TypeParam;
  VectorEnv<E> a(2, AutoresetMode::kNextStep), b(2, AutoresetMode::kNextStep);
  float obs_a[4], obs_b[4];
  const std::vector<uint32_t> w0 = seed_to_uint32_words(123), w1 = {7, 8, 9};
  a.seed(0, w0);
  a.seed(1, w1);
  b.seed(0, w0);
  b.seed(1, w1);
  Pcg64 r0(w0), r1(w1);
  for (int k = 0; k < 3; ++k) {
    for (int i = 0; i < 2; ++i) {
      a.reset(i, obs_a + 2 * i, nullptr);
      b.reset(i, obs_b + 2 * i, nullptr);
    }
    EXPECT_EQ(std::memcmp(obs_a, obs_b, sizeof obs_a), 0);
    double s[2];
    a.get_state(0, s);
    EXPECT_EQ(s[1], r0.next_double()) << "reset " << k;
    a.get_state(1, s);
    EXPECT_EQ(s[1], r1.next_double()) << "reset " << k;
    EXPECT_EQ(obs_a[3], static_cast<float>(s[1]));
  }
  EXPECT_NE(obs_a[1], obs_a[3]);  // different seeds, different streams

  // An autoreset draws the next number of the same stream.
  Out out(2);
  Actions<E> up({1, 1});
  for (int t = 0; t < 6; ++t) ASSERT_EQ(a.step(up.batch(), out.result()), -1);  // 5 to finish, 1 to reset
  EXPECT_EQ(out.obs[1], static_cast<float>(r0.next_double()));
  EXPECT_EQ(out.obs[3], static_cast<float>(r1.next_double()));

  // Reseeding restarts the stream.
  a.seed(0, w0);
  a.reset(0, obs_a, nullptr);
  EXPECT_EQ(obs_a[1], static_cast<float>(Pcg64(w0).next_double()));
}

// Params reach E's constructor, reset options reach E::reset; nullptr: defaults.
TYPED_TEST(VectorEnvTest, ParamsAndResetOptionsArePassedThrough) {
  using E = TypeParam;
  const double params[2] = {2.0, -3.0};  // threshold 2, reward -3 * count
  VectorEnv<E> env(2, AutoresetMode::kNextStep, params);
  float obs[4];
  env.seed(0, {1});
  env.seed(1, {2});
  const double options[2] = {-4.0, 10.0};  // count = -4 + floor(draw * 10)
  env.reset(0, obs, options);
  env.reset(1, obs + 2, nullptr);
  const double draw0 = Pcg64(std::vector<uint32_t>{1}).next_double();
  EXPECT_EQ(obs[0], static_cast<float>(-4.0 + std::floor(draw0 * 10.0)));
  EXPECT_EQ(count_of(env, 0), -4.0 + std::floor(draw0 * 10.0));
  EXPECT_EQ(obs[2], 0.0f);  // default options: start 0, spread 0

  // Make env 0 reach the threshold in two steps from wherever it started.
  const double s[2] = {0.0, 0.5};
  env.set_state(0, s);
  Out out(2);
  Actions<E> up({1, 1});
  ASSERT_EQ(env.step(up.batch(), out.result()), -1);
  EXPECT_EQ(out.reward[0], -3.0);
  EXPECT_FALSE(out.terminated[0]);
  ASSERT_EQ(env.step(up.batch(), out.result()), -1);
  EXPECT_EQ(out.reward[0], -6.0);
  EXPECT_TRUE(out.terminated[0]);  // threshold 2
  EXPECT_TRUE(out.terminated[1]);
  // The autoreset uses the default options, not the ones of the last reset.
  ASSERT_EQ(env.step(up.batch(), out.result()), -1);
  EXPECT_EQ(out.count(0), 0.0f);

  // Defaults: threshold 5, reward scale 1.
  VectorEnv<E> defaults(1, AutoresetMode::kNextStep);
  defaults.seed(0, {1});
  defaults.reset(0, obs, nullptr);
  Out one(1);
  Actions<E> up1({1});
  for (int t = 1; t <= 4; ++t) {
    ASSERT_EQ(defaults.step(up1.batch(), one.result()), -1);
    EXPECT_EQ(one.reward[0], t);
    EXPECT_FALSE(one.terminated[0]);
  }
  ASSERT_EQ(defaults.step(up1.batch(), one.result()), -1);
  EXPECT_TRUE(one.terminated[0]);
}

TYPED_TEST(VectorEnvTest, StateRoundTripsAndObserve) {
  using E = TypeParam;
  VectorEnv<E> env(2, AutoresetMode::kDisabled);
  const double s[2] = {42.0, 0.25};
  env.set_state(1, s);
  double back[2];
  env.get_state(1, back);
  EXPECT_EQ(back[0], 42.0);
  EXPECT_EQ(back[1], 0.25);
  float obs[2];
  env.observe(1, obs);
  EXPECT_EQ(obs[0], 42.0f);
  EXPECT_EQ(obs[1], 0.25f);
}

// The step_batch path is taken when E has one, and gives what per-env step() gives,
// in every autoreset mode.
template <class Scalar, class Batched>
void expect_same_trajectories() {
  const int n = 5;
  for (AutoresetMode mode : {AutoresetMode::kNextStep, AutoresetMode::kSameStep, AutoresetMode::kDisabled}) {
    auto scalar = make_env<Scalar>(n, mode, nullptr, 6);
    auto batched = make_env<Batched>(n, mode, nullptr, 6);
    Out a(n), b(n);
    Pcg64 rng = Pcg64::from_seed(3);
    const int calls_before = Batched::batch_calls;
    int done = 0;
    for (int t = 0; t < 40; ++t) {
      std::vector<int> values(n);
      for (int& v : values) v = static_cast<int>(rng.next_uint64() % 3) - 1 + (t % 2);  // drifts up
      for (int& v : values) v = std::min(v, 1);
      Actions<Scalar> as(values);
      Actions<Batched> ab(values);
      ASSERT_EQ(scalar->step(as.batch(), a.result()), -1);
      ASSERT_EQ(batched->step(ab.batch(), b.result()), -1);
      EXPECT_EQ(a.obs, b.obs);
      EXPECT_EQ(a.reward, b.reward);
      EXPECT_EQ(a.terminated, b.terminated);
      EXPECT_EQ(a.truncated, b.truncated);
      if (mode == AutoresetMode::kSameStep) EXPECT_EQ(a.final_obs, b.final_obs);
      for (int i = 0; i < n; ++i) {
        EXPECT_EQ(scalar->elapsed_steps(i), batched->elapsed_steps(i));
        done += a.terminated[i] || a.truncated[i];
      }
    }
    EXPECT_EQ(Batched::batch_calls - calls_before, 40);
    EXPECT_GT(done, 10);
  }
}

TEST(VectorEnv, StepBatchPathEqualsPerEnvStepDiscrete) {
  expect_same_trajectories<DiscreteCounter, DiscreteBatchedCounter>();
}
TEST(VectorEnv, StepBatchPathEqualsPerEnvStepBox) { expect_same_trajectories<BoxCounter, BoxBatchedCounter>(); }

// A NEXT_STEP-waiting env's action is ignored and not validated; E::step_batch
// still sees only actions of the space (a valid placeholder for waiting envs), as
// env.h promises (an env indexing a table by the action would read out of bounds).
TEST(VectorEnv, StepBatchNeverSeesAnInvalidAction) {
  auto env = make_env<DiscreteBatchedCounter>(1, AutoresetMode::kNextStep, nullptr, 1);
  Out out(1);
  Actions<DiscreteBatchedCounter> ok({0}), bad({7});
  ASSERT_EQ(env->step(ok.batch(), out.result()), -1);
  ASSERT_TRUE(out.truncated[0]);
  const int before = DiscreteBatchedCounter::invalid_step_calls;
  ASSERT_EQ(env->step(bad.batch(), out.result()), -1);  // the reset step: action ignored
  EXPECT_EQ(DiscreteBatchedCounter::invalid_step_calls, before);
}

// The registry: ids with or without the fastac/ prefix, params and modes through
// make_batched_env, a clear error for an unknown id.
TEST(Registry, FindsCartPoleAndRefusesUnknownIds) {
  ASSERT_FALSE(native_envs().empty());
  EXPECT_EQ(&native_envs()[0].spec(), &CartPoleEnv::spec());
  const NativeEnvEntry* e = find_native_env("CartPole-v1");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(find_native_env("fastac/CartPole-v1"), e);
  EXPECT_EQ(&e->spec(), &CartPoleEnv::spec());
  EXPECT_TRUE(is_native_env("fastac/CartPole-v1"));
  EXPECT_FALSE(is_native_env("CartPole-v0"));
  EXPECT_FALSE(is_native_env("fastac/"));
  EXPECT_EQ(find_native_env("NoSuchEnv-v0"), nullptr);
  try {
    make_batched_env("NoSuchEnv-v0", 1, AutoresetMode::kNextStep);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& err) {
    EXPECT_NE(std::string(err.what()).find("NoSuchEnv-v0"), std::string::npos);
    EXPECT_NE(std::string(err.what()).find("CartPole-v1"), std::string::npos);  // lists the native envs
  }

  const double sutton_barto = 1.0;
  auto env = make_batched_env("fastac/CartPole-v1", 3, AutoresetMode::kSameStep, &sutton_barto, 7);
  EXPECT_EQ(env->num_envs(), 3);
  EXPECT_EQ(env->autoreset_mode(), AutoresetMode::kSameStep);
  EXPECT_EQ(env->max_episode_steps(), 7);
  EXPECT_EQ(env->spec().id, "CartPole-v1");
  EXPECT_EQ(make_batched_env("CartPole-v1", 1, AutoresetMode::kNextStep)->max_episode_steps(), 500);
  std::vector<float> obs(12), final_obs(12);
  std::vector<double> reward(3);
  std::vector<uint8_t> te(3), tr(3);
  for (int i = 0; i < 3; ++i) {
    env->seed(i, {static_cast<uint32_t>(i)});
    env->reset(i, obs.data() + 4 * i);  // the base's default options
  }
  const int64_t actions[3] = {0, 1, 0};
  ASSERT_EQ(env->step({actions, nullptr, 0}, {obs.data(), reward.data(), te.data(), tr.data(), final_obs.data()}), -1);
  for (double r : reward) EXPECT_EQ(r, 0.0);  // sutton_barto_reward reached the env
  EXPECT_THROW(make_batched_env("CartPole-v1", 0, AutoresetMode::kNextStep), std::invalid_argument);
}

// save()/load(): a copy made mid-run (some envs waiting for their NEXT_STEP reset,
// counters and streams advanced) steps exactly as the original across autoresets.
TYPED_TEST(VectorEnvTest, SaveLoadContinuesExactly) {
  using E = TypeParam;
  const int n = 4;
  const double params[2] = {3.0, 0.5};  // not the defaults: load() carries them
  for (AutoresetMode mode : {AutoresetMode::kNextStep, AutoresetMode::kSameStep}) {
    auto original = make_env<E>(n, mode, params, 5);
    Out a(n), b(n);
    const double spread[2] = {0.0, 3.0};  // resets draw a start count from the stream
    for (int i = 0; i < n; ++i) original->reset(i, a.obs.data() + 2 * i, spread);
    for (int t = 0; t < 3; ++t) ASSERT_EQ(original->step(Actions<E>({1, 1, 0, -1}).batch(), a.result()), -1);

    auto copy = make_env<E>(n, mode, params, 5);
    copy->load(original->save());
    int done = 0;
    for (int t = 0; t < 30; ++t) {
      Actions<E> acts({1, t % 3 - 1, 1, 0});
      ASSERT_EQ(original->step(acts.batch(), a.result()), -1);
      ASSERT_EQ(copy->step(acts.batch(), b.result()), -1);
      EXPECT_EQ(a.obs, b.obs);
      EXPECT_EQ(a.reward, b.reward);
      EXPECT_EQ(a.terminated, b.terminated);
      EXPECT_EQ(a.truncated, b.truncated);
      for (int i = 0; i < n; ++i) done += a.terminated[i] || a.truncated[i];
    }
    EXPECT_GT(done, 5);
    EXPECT_EQ(original->save(), copy->save());
  }
}

// load() refuses bytes of another env, batch size, mode or time limit, and
// corrupt bytes, leaving the batch unchanged; restore_batched_env rebuilds any
// native env from its bytes.
TEST(VectorEnv, LoadRefusesMismatchedOrCorruptBytes) {
  auto env = make_env<DiscreteCounter>(2, AutoresetMode::kNextStep, nullptr, 5);
  const std::string before = env->save();
  const std::vector<std::string> bad = {
      make_env<BoxCounter>(2, AutoresetMode::kNextStep, nullptr, 5)->save(),
      make_env<DiscreteCounter>(3, AutoresetMode::kNextStep, nullptr, 5)->save(),
      make_env<DiscreteCounter>(2, AutoresetMode::kSameStep, nullptr, 5)->save(),
      make_env<DiscreteCounter>(2, AutoresetMode::kNextStep, nullptr, 6)->save(),
      before.substr(0, before.size() - 1),
      before.substr(0, 10),
      std::string("x") + before.substr(1),
      "",
  };
  for (const std::string& bytes : bad) {
    EXPECT_THROW(env->load(bytes), std::invalid_argument);
    EXPECT_THROW(restore_batched_env(bytes), std::invalid_argument);  // none is a native env's save
  }
  EXPECT_EQ(env->save(), before);
}

TEST(Registry, RestoresEveryNativeEnvFromItsSavedBytes) {
  for (const NativeEnvEntry& e : native_envs()) {
    auto env = e.make(3, AutoresetMode::kSameStep, nullptr, 11);
    std::vector<float> obs(static_cast<size_t>(3 * env->observation_size()));
    for (int i = 0; i < 3; ++i) {
      env->seed(i, seed_to_uint32_words(i));
      env->reset(i, obs.data() + i * env->observation_size());
    }
    const std::string bytes = env->save();
    auto copy = restore_batched_env(bytes);
    EXPECT_EQ(copy->spec().id, e.spec().id);
    EXPECT_EQ(copy->num_envs(), 3);
    EXPECT_EQ(copy->autoreset_mode(), AutoresetMode::kSameStep);
    EXPECT_EQ(copy->max_episode_steps(), 11);
    EXPECT_EQ(copy->save(), bytes);
    std::string huge = bytes;  // a corrupt count must not allocate the claimed batch
    int32_t count = 1 << 30;
    std::memcpy(huge.data() + offsetof(SavedEnvHeader, num_envs), &count, sizeof count);
    EXPECT_THROW(restore_batched_env(huge), std::invalid_argument);
  }
}
