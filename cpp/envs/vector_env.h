// The generic batched environment: N copies of one native environment (the
// single-env structs of env.h) stepped together. This file owns, once for every
// environment, what gymnasium's wrappers and vector envs do around an env:
// seeding (numpy's PCG64(SeedSequence) per sub-env), action validation, the
// TimeLimit truncation, and the autoreset modes of gymnasium.vector.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "envs/env.h"
#include "envs/numpy_random.h"

namespace fastac {

// What step() does with a sub-environment whose episode ended, as gymnasium's
// `gymnasium.vector.AutoresetMode`.
enum class AutoresetMode {
  kNextStep,  // the next step() resets it: reward 0, not done, action ignored
  kSameStep,  // the same step() resets it; the last observation goes to final_obs
  kDisabled,  // never reset by step(); stepping a finished episode is the caller's choice
};

// Caller-owned output buffers of one batched step, each num_envs long
// (obs and final_obs: num_envs x observation size, row-major).
struct StepResult {
  float* obs;
  double* reward;
  uint8_t* terminated;
  uint8_t* truncated;
  float* final_obs;  // kSameStep only (may be null otherwise): row i valid where i finished
};

// The interface the trainers and the bindings use, whatever the environment.
class BatchedEnv {
 public:
  virtual ~BatchedEnv() = default;
  virtual const EnvSpec& spec() const = 0;
  int num_envs() const { return num_envs_; }
  int observation_size() const { return spec().observation_space.size(); }
  AutoresetMode autoreset_mode() const { return mode_; }
  int max_episode_steps() const { return max_episode_steps_; }

  // Reseeds sub-environment `env`'s stream from numpy-style entropy words (see
  // numpy_random.h), as gymnasium's reset(seed=...) does.
  virtual void seed(int env, const std::vector<uint32_t>& entropy_words) = 0;
  // Starts a new episode in sub-environment `env`, continuing its stream; options:
  // spec().reset_options values, or nullptr for their defaults.
  virtual void reset(int env, float* obs, const double* options = nullptr) = 0;
  // The observation of sub-environment `env`'s current state.
  virtual void observe(int env, float* obs) const = 0;
  // Steps every sub-environment. Returns the index of the first invalid action
  // (out of a Discrete range, or a NaN in a Box action): nothing is stepped then. Else -1.
  virtual int step(const ActionBatch& actions, const StepResult& out) = 0;
  virtual void get_state(int env, double* state) const = 0;
  virtual void set_state(int env, const double* state) = 0;
  virtual int elapsed_steps(int env) const = 0;

 protected:
  BatchedEnv(int num_envs, AutoresetMode mode, int max_episode_steps)
      : num_envs_(num_envs), mode_(mode), max_episode_steps_(max_episode_steps) {
    if (num_envs < 1) throw std::invalid_argument("num_envs must be >= 1, got " + std::to_string(num_envs));
    if (max_episode_steps < 0)
      throw std::invalid_argument("max_episode_steps must be >= 0, got " + std::to_string(max_episode_steps));
  }
  int num_envs_;
  AutoresetMode mode_;
  int max_episode_steps_;  // 0: no time limit
};

// Whether one sub-environment's action is in the action space.
inline bool valid_action(const Space& space, const Action& a) {
  if (space.is_discrete()) return a.discrete >= space.start && a.discrete < space.start + space.n;
  const int size = space.size();
  for (int k = 0; k < size; ++k)
    if (std::isnan(a.box[k])) return false;
  return true;
}

namespace detail {
template <class E>
concept HasStepBatch = requires(E* envs, const ActionBatch& a, double* r, uint8_t* t) { E::step_batch(envs, 1, a, r, t); };
}  // namespace detail

template <class E>
class VectorEnv final : public BatchedEnv {
 public:
  // params: E's spec().params values (nullptr: defaults); max_episode_steps < 0: the spec's.
  VectorEnv(int num_envs, AutoresetMode mode, const double* params = nullptr, int max_episode_steps = -1)
      : BatchedEnv(num_envs, mode, max_episode_steps < 0 ? E::spec().max_episode_steps : max_episode_steps),
        envs_(num_envs, E(param_values(params).data())),
        rng_(num_envs),
        elapsed_(num_envs, 0),
        needs_reset_(num_envs, 0),
        step_reward_(num_envs),
        step_terminated_(num_envs),
        default_options_(default_options()) {}

  const EnvSpec& spec() const override { return E::spec(); }
  void seed(int i, const std::vector<uint32_t>& words) override { rng_[i] = Pcg64(words); }

  void reset(int i, float* obs, const double* options) override {
    envs_[i].reset(rng_[i], options ? options : default_options_.data());
    elapsed_[i] = 0;
    needs_reset_[i] = 0;
    if (obs != nullptr) envs_[i].observe(obs);
  }
  void observe(int i, float* obs) const override { envs_[i].observe(obs); }
  void get_state(int i, double* state) const override { envs_[i].get_state(state); }
  void set_state(int i, const double* state) override { envs_[i].set_state(state); }
  int elapsed_steps(int i) const override { return elapsed_[i]; }

  int step(const ActionBatch& actions, const StepResult& out) override {
    const int n = num_envs_;
    const Space& action_space = E::spec().action_space;
    bool any_waiting = false;
    for (int i = 0; i < n; ++i) {  // validate first: an invalid action leaves every env as it was
      if (mode_ == AutoresetMode::kNextStep && needs_reset_[i]) {
        any_waiting = true;  // its action is ignored, valid or not
        continue;
      }
      if (!valid_action(action_space, actions[i])) return i;
    }

    if constexpr (detail::HasStepBatch<E>) {
      // Sub-environments waiting for a NEXT_STEP reset are stepped too (cheaper than
      // a branch; the reset below overwrites their whole state), with a valid
      // placeholder action: E only ever sees actions of its space.
      E::step_batch(envs_.data(), n, any_waiting ? with_placeholders(actions) : actions, step_reward_.data(),
                    step_terminated_.data());
    } else {
      for (int i = 0; i < n; ++i) {
        const bool waiting = mode_ == AutoresetMode::kNextStep && needs_reset_[i];
        const StepOutcome r = waiting ? StepOutcome{} : envs_[i].step(actions[i]);
        step_reward_[i] = r.reward;
        step_terminated_[i] = r.terminated;
      }
    }

    const int D = observation_size();
    for (int i = 0; i < n; ++i) {
      float* obs = out.obs + static_cast<size_t>(i) * D;
      if (mode_ == AutoresetMode::kNextStep && needs_reset_[i]) {
        reset(i, obs, nullptr);
        out.reward[i] = 0.0;
        out.terminated[i] = 0;
        out.truncated[i] = 0;
        continue;
      }
      // TimeLimit: step max_episode_steps is truncated, terminated or not.
      ++elapsed_[i];
      const bool terminated = step_terminated_[i];
      const bool truncated = max_episode_steps_ > 0 && elapsed_[i] >= max_episode_steps_;
      out.reward[i] = step_reward_[i];
      out.terminated[i] = terminated;
      out.truncated[i] = truncated;
      if (!(terminated || truncated)) {
        envs_[i].observe(obs);
      } else if (mode_ == AutoresetMode::kSameStep) {
        envs_[i].observe(out.final_obs + static_cast<size_t>(i) * D);
        reset(i, obs, nullptr);
      } else {
        envs_[i].observe(obs);
        needs_reset_[i] = mode_ == AutoresetMode::kNextStep;
      }
    }
    return -1;
  }

 private:
  // actions with every NEXT_STEP-waiting env's action replaced by a valid one.
  ActionBatch with_placeholders(const ActionBatch& actions) {
    const Space& space = E::spec().action_space;
    const int n = num_envs_;
    if (actions.discrete) {
      discrete_scratch_.assign(actions.discrete, actions.discrete + n);
      for (int i = 0; i < n; ++i)
        if (needs_reset_[i]) discrete_scratch_[i] = space.start;
      return {discrete_scratch_.data(), nullptr, 0};
    }
    const int k = actions.box_size;
    box_scratch_.assign(actions.box, actions.box + static_cast<size_t>(n) * k);
    for (int i = 0; i < n; ++i)
      if (needs_reset_[i])
        for (int j = 0; j < k; ++j) box_scratch_[static_cast<size_t>(i) * k + j] = std::min(std::max(0.0f, space.low[j]), space.high[j]);
    return {nullptr, box_scratch_.data(), k};
  }

  static std::vector<double> param_values(const double* params) {
    std::vector<double> v;
    for (size_t k = 0; k < E::spec().params.size(); ++k) v.push_back(params ? params[k] : E::spec().params[k].default_value);
    v.push_back(0.0);  // never empty, so that data() is valid
    return v;
  }
  static std::vector<double> default_options() {
    std::vector<double> v;
    for (const auto& o : E::spec().reset_options) v.push_back(o.default_value);
    v.push_back(0.0);
    return v;
  }

  std::vector<E> envs_;
  std::vector<Pcg64> rng_;
  std::vector<int32_t> elapsed_;
  std::vector<uint8_t> needs_reset_;  // kNextStep: finished on the previous step
  std::vector<double> step_reward_;
  std::vector<uint8_t> step_terminated_;
  std::vector<double> default_options_;
  std::vector<int64_t> discrete_scratch_;  // with_placeholders
  std::vector<float> box_scratch_;
};

}  // namespace fastac
