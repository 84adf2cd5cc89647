// The generic batched environment: N copies of one native environment (the
// single-env structs of env.h) stepped together. This file owns, once for every
// environment, what gymnasium's wrappers and vector envs do around an env:
// seeding (numpy's PCG64(SeedSequence) per sub-env), action validation, the
// TimeLimit truncation, and the autoreset modes of gymnasium.vector.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
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
// (obs and final_obs: num_envs x observation size, row-major, of the env's
// observation_dtype(): float32 for classic control, bool for MinAtar).
struct StepResult {
  void* obs;
  double* reward;
  uint8_t* terminated;
  uint8_t* truncated;
  void* final_obs;  // kSameStep only (may be null otherwise): row i valid where i finished
};

// The interface the trainers and the bindings use, whatever the environment.
class BatchedEnv {
 public:
  virtual ~BatchedEnv() = default;
  const EnvSpec& spec() const { return *spec_; }
  int num_envs() const { return num_envs_; }
  int observation_size() const { return observation_size_; }
  ObsDtype observation_dtype() const { return spec_->observation_dtype; }  // of every obs buffer below
  AutoresetMode autoreset_mode() const { return mode_; }
  int max_episode_steps() const { return max_episode_steps_; }

  // Reseeds sub-environment `env`'s stream from numpy-style entropy words (see
  // numpy_random.h), as gymnasium's reset(seed=...) does.
  virtual void seed(int env, const std::vector<uint32_t>& entropy_words) = 0;
  // Starts a new episode in sub-environment `env`, continuing its stream; options:
  // spec().reset_options values, or nullptr for their defaults.
  virtual void reset(int env, void* obs, const double* options = nullptr) = 0;
  // The observation of sub-environment `env`'s current state.
  virtual void observe(int env, void* obs) const = 0;
  // Steps every sub-environment. Returns the index of the first invalid action
  // (out of a Discrete range, or a NaN in a Box action): nothing is stepped then. Else -1.
  virtual int step(const ActionBatch& actions, const StepResult& out) = 0;
  virtual void get_state(int env, double* state) const = 0;
  virtual void set_state(int env, const double* state) = 0;
  virtual int elapsed_steps(int env) const = 0;

  // Everything that decides what the batch does next (each sub-env's whole state,
  // its random stream's position, step counter and autoreset flag) as bytes, and
  // the inverse: what pickle and deepcopy carry, so that a copy continues bit for
  // bit. The bytes are this build's memory layout, behind a header that load()
  // and restore_batched_env (registry.h) check: id, num_envs, modes and sizes.
  virtual std::string save() const = 0;
  // Throws std::invalid_argument for bytes that are not a save() of this batch's
  // id, num_envs, autoreset mode and time limit; the batch is unchanged then.
  virtual void load(const std::string& bytes) = 0;

 protected:
  BatchedEnv(const EnvSpec& spec, int num_envs, AutoresetMode mode, int max_episode_steps)
      : spec_(&spec),
        observation_size_(spec.observation_space.size()),
        num_envs_(num_envs),
        mode_(mode),
        max_episode_steps_(max_episode_steps) {
    if (num_envs < 1) throw std::invalid_argument("num_envs must be >= 1, got " + std::to_string(num_envs));
    if (max_episode_steps < 0)
      throw std::invalid_argument("max_episode_steps must be >= 0, got " + std::to_string(max_episode_steps));
  }
  const EnvSpec* spec_;
  int observation_size_;
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

// The fixed-size start of BatchedEnv::save()'s bytes; the id's characters follow.
struct SavedEnvHeader {
  char magic[8];               // kSavedEnvMagic
  uint32_t env_bytes;          // the saved bytes of one sub-env's state: a layout check
  int32_t num_envs;
  int32_t autoreset_mode;      // AutoresetMode
  int32_t max_episode_steps;
  uint32_t id_size;
};
inline constexpr char kSavedEnvMagic[8] = {'f', 'a', 's', 't', 'a', 'c', 'E', '1'};

// The size of save()'s bytes with this header: the header, the id, and per sub-env
// its state, its generator's 4 state words, its step counter and autoreset flag.
inline size_t saved_env_size(const SavedEnvHeader& h) {
  const size_t per_env = size_t{h.env_bytes} + 4 * sizeof(uint64_t) + sizeof(int32_t) + sizeof(uint8_t);
  return sizeof h + h.id_size + static_cast<size_t>(h.num_envs) * per_env;
}

// The header of saved bytes, checked for size and magic (std::invalid_argument otherwise).
inline SavedEnvHeader read_saved_env_header(const std::string& bytes, std::string* id) {
  SavedEnvHeader h;
  if (bytes.size() < sizeof h) throw std::invalid_argument("saved env state: too short");
  std::memcpy(&h, bytes.data(), sizeof h);
  if (std::memcmp(h.magic, kSavedEnvMagic, sizeof h.magic) != 0)
    throw std::invalid_argument("saved env state: not a native env's saved state");
  if (bytes.size() < sizeof h + h.id_size) throw std::invalid_argument("saved env state: truncated");
  id->assign(bytes.data() + sizeof h, h.id_size);
  return h;
}

namespace detail {
template <class E>
concept HasStepBatch = requires(E* envs, const ActionBatch& a, double* r, uint8_t* t) { E::step_batch(envs, 1, a, r, t); };
template <class E>
concept HasBatch = requires { typename E::Batch; };
template <class E>
concept HasOwnSeed = requires(E& env, const std::vector<uint32_t>& words) { env.seed(words); };

// The element type E::observe writes: E::Observation if E names one, else float.
template <class E>
struct ObservationOf {
  using type = float;
};
template <class E>
  requires requires { typename E::Observation; }
struct ObservationOf<E> {
  using type = typename E::Observation;
};

// VectorEnv's storage of an E without a Batch: the structs themselves, with
// E::Batch's interface (env.h).
template <class E>
struct EnvArray {
  EnvArray(int n, const double* params) : envs(n, E(params)) {}
  const E& get(int i) const { return envs[i]; }
  void set(int i, const E& env) { envs[i] = env; }
  template <class Self>
  static auto arrays(Self& self) { return std::tie(self.envs); }
  std::vector<E> envs;
};

template <class E>
struct StorageOf {
  using type = EnvArray<E>;
};
template <HasBatch E>
struct StorageOf<E> {
  using type = typename E::Batch;
};
}  // namespace detail

template <class E>
class VectorEnv final : public BatchedEnv {
 public:
  // params: E's spec().params values (nullptr: defaults); max_episode_steps < 0: the spec's.
  VectorEnv(int num_envs, AutoresetMode mode, const double* params = nullptr, int max_episode_steps = -1)
      : BatchedEnv(E::spec(), num_envs, mode,
                   max_episode_steps < 0 ? E::spec().max_episode_steps : max_episode_steps),
        envs_(num_envs, param_values(params).data()),
        rng_(num_envs),
        elapsed_(num_envs, 0),
        needs_reset_(num_envs, 0),
        default_options_(default_options()) {
    if (sizeof(Obs) != element_size(spec_->observation_dtype))  // E::Observation against its spec
      throw std::logic_error(spec_->id + ": observe()'s element type does not match the spec's observation dtype");
  }

  void seed(int i, const std::vector<uint32_t>& words) override {
    rng_[i] = Pcg64(words);
    if constexpr (detail::HasOwnSeed<E>) {  // its own generator (env.h)
      E env = envs_.get(i);
      env.seed(words);
      envs_.set(i, env);
    }
  }

  void reset(int i, void* obs, const double* options = nullptr) override {
    E env = envs_.get(i);
    env.reset(rng_[i], options ? options : default_options_.data());
    envs_.set(i, env);
    elapsed_[i] = 0;
    needs_reset_[i] = 0;
    if (obs != nullptr) env.observe(static_cast<Obs*>(obs));
  }
  void observe(int i, void* obs) const override { envs_.get(i).observe(static_cast<Obs*>(obs)); }
  void get_state(int i, double* state) const override { envs_.get(i).get_state(state); }
  void set_state(int i, const double* state) override {
    E env = envs_.get(i);
    env.set_state(state);
    envs_.set(i, env);
  }
  int elapsed_steps(int i) const override { return elapsed_[i]; }

  // Layout after the header and id: the storage's arrays (the E structs, or
  // E::Batch's arrays), then the generators' state words, elapsed_, needs_reset_
  // (each num_envs long).
  std::string save() const override {
    const std::string& id = spec_->id;
    const SavedEnvHeader h = header();
    std::string out;
    out.reserve(saved_env_size(h));
    append(out, &h, 1);
    std::memcpy(out.data(), kSavedEnvMagic, sizeof kSavedEnvMagic);
    out.append(id);
    std::apply([&](const auto&... a) { (append(out, a.data(), a.size()), ...); }, Storage::arrays(envs_));
    for (const Pcg64& r : rng_) {
      const auto words = r.state_words();
      append(out, words.data(), words.size());
    }
    append(out, elapsed_.data(), elapsed_.size());
    append(out, needs_reset_.data(), needs_reset_.size());
    return out;
  }

  void load(const std::string& bytes) override {
    std::string id;
    const SavedEnvHeader h = read_saved_env_header(bytes, &id);
    if (id != spec_->id || h.env_bytes != env_bytes() || h.num_envs != num_envs_ ||
        h.autoreset_mode != static_cast<int32_t>(mode_) || h.max_episode_steps != max_episode_steps_ ||
        bytes.size() != saved_env_size(header()))
      throw std::invalid_argument("saved env state: made by a different env, batch size, autoreset mode, time "
                                  "limit or build (saved: " + id + " x" + std::to_string(h.num_envs) +
                                  "; this: " + spec_->id + " x" + std::to_string(num_envs_) + ")");
    const char* p = bytes.data() + sizeof h + h.id_size;
    std::apply([&](auto&... a) { (read(p, a.data(), a.size()), ...); }, Storage::arrays(envs_));
    for (Pcg64& r : rng_) {
      std::array<uint64_t, 4> words;
      read(p, words.data(), words.size());
      r.set_state_words(words);
    }
    read(p, elapsed_.data(), elapsed_.size());
    read(p, needs_reset_.data(), needs_reset_.size());
  }

  int step(const ActionBatch& actions, const StepResult& out) override {
    const int n = num_envs_;
    const bool next_step = mode_ == AutoresetMode::kNextStep, same_step = mode_ == AutoresetMode::kSameStep;
    uint8_t* needs_reset = needs_reset_.data();  // kNextStep: reset by this step (reset() clears it too: no __restrict)

    // Validate first (an invalid action leaves every env as it was), in the same pass
    // replacing the ignored actions of NEXT_STEP-waiting envs with a valid
    // placeholder: E only ever sees actions of its space.
    const int invalid = checked_actions(actions, next_step);
    if (invalid >= 0) return invalid;
    const ActionBatch valid = actions.discrete ? ActionBatch{discrete_scratch_.data(), nullptr, 0}
                                                : ActionBatch{nullptr, box_scratch_.data(), actions.box_size};

    // Rewards and terminations go straight to the caller's buffers; the autoreset
    // pass below overwrites those of the waiting envs. With a batched step, waiting
    // envs are stepped too (cheaper than a branch); their reset overwrites the
    // whole state.
    if constexpr (detail::HasBatch<E>) {
      envs_.step(valid, out.reward, out.terminated);
    } else if constexpr (detail::HasStepBatch<E>) {
      E::step_batch(envs_.envs.data(), n, valid, out.reward, out.terminated);
    } else {
      E* __restrict envs = envs_.envs.data();
      for (int i = 0; i < n; ++i) {
        const StepOutcome r = next_step && needs_reset[i] ? StepOutcome{} : envs[i].step(valid[i]);
        out.reward[i] = r.reward;
        out.terminated[i] = r.terminated;
      }
    }

    // Every env's observation and step count first, in branch-free passes (the
    // uint8 stores of a fused loop would make the compiler reload every pointer);
    // then the few envs that finish or wait, which overwrite theirs.
    const size_t D = static_cast<size_t>(observation_size());
    Obs* const obs_out = static_cast<Obs*>(out.obs);
    Obs* const final_out = static_cast<Obs*>(out.final_obs);
    for (int i = 0; i < n; ++i) envs_.get(i).observe(obs_out + i * D);
    {  // (a scope for __restrict: reset() below writes elapsed_ too)
      const int32_t max_steps = max_episode_steps_;
      int32_t* __restrict elapsed = elapsed_.data();
      uint8_t* __restrict truncated = out.truncated;
      for (int i = 0; i < n; ++i) {
        // TimeLimit: step max_episode_steps is truncated, terminated or not.
        const int32_t steps = ++elapsed[i];
        truncated[i] = max_steps > 0 && steps >= max_steps;
      }
    }
    for (int i = 0; i < n; ++i) {
      const bool waiting = next_step && needs_reset[i];
      if (!(waiting | out.terminated[i] | out.truncated[i])) continue;  // one branch, not three
      Obs* obs = obs_out + i * D;
      if (waiting) {
        reset(i, obs, nullptr);
        out.reward[i] = 0.0;
        out.terminated[i] = 0;
        out.truncated[i] = 0;
      } else if (same_step) {
        std::copy_n(obs, D, final_out + i * D);
        reset(i, obs, nullptr);
      } else {
        needs_reset[i] = next_step;
      }
    }
    return -1;
  }

 private:
  // Copies `actions` into the scratch buffer that step() passes on, with every
  // NEXT_STEP-waiting env's action (ignored, valid or not) replaced by a valid one.
  // Returns the index of the first invalid action of a non-waiting env, else -1.
  int checked_actions(const ActionBatch& actions, bool next_step) {
    const Space& space = spec_->action_space;
    const int n = num_envs_;
    const uint8_t* __restrict waiting = needs_reset_.data();
    if (space.is_discrete()) {
      if (!actions.discrete) throw std::invalid_argument("a Discrete action space takes integer actions");
      // a is in [first, last] iff neither a - first nor last - a is negative as an
      // int64 (exact while start + n - 1 fits an int64): a sign bit, which SSE2
      // computes for two actions at once (it has no 64-bit compare).
      const uint64_t first = static_cast<uint64_t>(space.start), last = first + static_cast<uint64_t>(space.n) - 1;
      const auto outside = [first, last](uint64_t a) { return ((a - first) | (last - a)) >> 63; };
      discrete_scratch_.resize(n);
      int64_t* __restrict out = discrete_scratch_.data();
      const int64_t* __restrict in = actions.discrete;
      const uint8_t replace = next_step;
      uint64_t any_outside = 0;
      for (int i = 0; i < n; ++i) {  // branch-free: one pass, the error search only if needed
        // A bit mask rather than ?:, which GCC vectorizes only for next_step false.
        const uint64_t keep = uint64_t{static_cast<uint8_t>(waiting[i] & replace)} - 1;  // all ones unless waiting
        const uint64_t a = (static_cast<uint64_t>(in[i]) & keep) | (first & ~keep);
        any_outside |= outside(a);
        out[i] = static_cast<int64_t>(a);
      }
      if (!any_outside) return -1;
      for (int i = 0; i < n; ++i)
        if (!(next_step && waiting[i]) && outside(static_cast<uint64_t>(in[i]))) return i;
      return -1;
    }
    if (!actions.box || actions.box_size != space.size())
      throw std::invalid_argument("a Box action space takes float actions of its size");
    const int k = actions.box_size;
    box_scratch_.assign(actions.box, actions.box + static_cast<size_t>(n) * k);
    for (int i = 0; i < n; ++i) {
      float* a = box_scratch_.data() + static_cast<size_t>(i) * k;
      if (next_step && waiting[i]) {
        for (int j = 0; j < k; ++j) a[j] = std::min(std::max(0.0f, space.low[j]), space.high[j]);
      } else if (!valid_action(space, Action{0, a})) {
        return i;
      }
    }
    return -1;
  }

  using Storage = typename detail::StorageOf<E>::type;
  using Obs = typename detail::ObservationOf<E>::type;

  // One env's bytes in save(): an element of each of the storage's arrays.
  uint32_t env_bytes() const {
    return std::apply([](const auto&... a) { return static_cast<uint32_t>((sizeof(a[0]) + ...)); },
                      Storage::arrays(envs_));
  }
  SavedEnvHeader header() const {
    return {{}, env_bytes(), num_envs_, static_cast<int32_t>(mode_), max_episode_steps_,
            static_cast<uint32_t>(spec_->id.size())};
  }
  // The storage's arrays are copied as bytes: they hold plain values only.
  template <class T>
  static void append(std::string& out, const T* values, size_t count) {
    static_assert(std::is_trivially_copyable_v<T>, "a native env's state holds plain values (save/load copy its bytes)");
    out.append(reinterpret_cast<const char*>(values), count * sizeof(T));
  }
  template <class T>
  static void read(const char*& p, T* values, size_t count) {
    static_assert(std::is_trivially_copyable_v<T>, "a native env's state holds plain values (save/load copy its bytes)");
    std::memcpy(static_cast<void*>(values), p, count * sizeof(T));
    p += count * sizeof(T);
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

  Storage envs_;
  std::vector<Pcg64> rng_;
  std::vector<int32_t> elapsed_;
  std::vector<uint8_t> needs_reset_;  // kNextStep: finished on the previous step
  std::vector<double> default_options_;
  std::vector<int64_t> discrete_scratch_;  // checked_actions: the actions step() passes on
  std::vector<float> box_scratch_;
};

}  // namespace fastac
