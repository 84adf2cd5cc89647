// fastac._core: the pybind11 bindings. Type translation only (numpy arrays to
// pointers, structs to dicts, the GIL released around long native work); the
// logic lives in the plain C++ of cpp/, which the C++ tests and benchmarks link
// directly. No torch headers here (they cost ~35 s of compile time per file).
// python/fastac/_core.pyi types this module.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>

#include "bindings/python_env.h"
#include "envs/numpy_random.h"
#include "envs/registry.h"
#include "nn/actor_critic.h"
#include "rl/a3c.h"
#include "rl/act.h"
#include "rl/evaluate.h"
#include "rl/learner.h"
#include "rl/rollout.h"
#include "rl/run_monitor.h"
#include "rl/train_config.h"

namespace py = pybind11;
using namespace fastac;

namespace {

template <typename T>
using CArray = py::array_t<T, py::array::c_style>;
template <typename T>
using InArray = py::array_t<T, py::array::c_style | py::array::forcecast>;

// Batches this large step without the GIL; small ones are not worth the handoff.
constexpr int kReleaseGilAbove = 256;

void check_shape(const py::array& a, const char* name, std::vector<py::ssize_t> shape) {
  bool ok = a.ndim() == static_cast<py::ssize_t>(shape.size());
  for (size_t k = 0; ok && k < shape.size(); ++k) ok = a.shape(k) == shape[k];
  if (!ok) {
    std::string s = "(";
    for (size_t k = 0; k < shape.size(); ++k) s += (k ? ", " : "") + std::to_string(shape[k]);
    throw py::value_error(std::string(name) + " must have shape " + s + (shape.size() == 1 ? ",)" : ")"));
  }
}

// A numpy view of C++-owned memory that keeps `owner` alive.
template <typename T>
py::array_t<T> view(T* data, std::vector<py::ssize_t> shape, py::handle owner) {
  return py::array_t<T>(shape, data, owner);
}

// The numpy dtype of observations of `dtype` (bool is numpy's one-byte bool).
py::dtype numpy_dtype(ObsDtype dtype) {
  return py::dtype(dtype == ObsDtype::kFloat32 ? "float32" : dtype == ObsDtype::kUInt8 ? "uint8" : "bool");
}

// Whether an array holds `dtype`'s elements (by kind and size: an unpickled np.dtype is
// an equal object, not numpy's builtin one).
bool has_dtype(const py::array& a, ObsDtype dtype) {
  const py::dtype want = numpy_dtype(dtype);
  return a.dtype().kind() == want.kind() && a.dtype().itemsize() == want.itemsize();
}

// A batch of observations for `model`: [batch, observation_size] (C-contiguous) of the
// model's dtype exactly (float32 data is converted from other real dtypes, images are
// not: a silent cast of a float image to bytes would lose what it holds).
py::array observation_batch(const ActorCritic& model, const py::handle& obs) {
  const ObsDtype dtype = model.policy().observation_dtype();
  py::array a = dtype == ObsDtype::kFloat32 ? py::array(InArray<float>::ensure(obs)) : py::array::ensure(obs);
  if (!a) throw py::error_already_set();
  if (dtype != ObsDtype::kFloat32) {
    if (!has_dtype(a, dtype))
      throw py::type_error(std::string("observations must be ") + obs_dtype_name(dtype) + " for this model, got " +
                           std::string(py::str(a.dtype())));
    a = py::array::ensure(a, py::array::c_style);
  }
  check_shape(a, "observations", {a.ndim() == 2 ? a.shape(0) : -1, model.policy().observation_size()});
  return a;
}

// A Python object shared by C++ copies (std::function captures) that may die on
// threads without the GIL: the last copy takes the GIL to release it.
std::shared_ptr<py::object> share_with_gil(py::object o) {
  return std::shared_ptr<py::object>(new py::object(std::move(o)), [](py::object* p) {
    py::gil_scoped_acquire gil;
    delete p;
  });
}

// The trainer's workers may wait for the GIL (Python envs): destroying it, which
// joins them, must not hold it.
struct DeleteWithoutGil {
  void operator()(A3CTrainer* trainer) const {
    if (PyGILState_Check()) {
      py::gil_scoped_release release;
      delete trainer;
    } else {
      delete trainer;
    }
  }
};

AutoresetMode parse_autoreset_mode(const std::string& mode) {
  if (mode == "next_step") return AutoresetMode::kNextStep;
  if (mode == "same_step") return AutoresetMode::kSameStep;
  if (mode == "disabled") return AutoresetMode::kDisabled;
  throw py::value_error("autoreset_mode must be 'next_step', 'same_step' or 'disabled', got '" + mode + "'");
}

// The rows of a caller's observation buffer for `env`: a writable C-contiguous array of
// shape (num_envs, observation_size) and of the env's observation dtype exactly (a
// converted copy would take the writes and be thrown away).
uint8_t* observation_rows(const BatchedEnv& env, const py::handle& buffer, const char* name) {
  if (!py::isinstance<py::array>(buffer)) throw py::type_error(std::string(name) + " must be a numpy array");
  py::array a = py::reinterpret_borrow<py::array>(buffer);
  if (!has_dtype(a, env.observation_dtype()))
    throw py::type_error(std::string(name) + " must have dtype " + obs_dtype_name(env.observation_dtype()) +
                         ", got " + std::string(py::str(a.dtype())));
  if (!(a.flags() & py::array::c_style)) throw py::value_error(std::string(name) + " must be C-contiguous");
  if (!a.writeable()) throw py::value_error(std::string(name) + " must be writeable");
  check_shape(a, name, {env.num_envs(), env.observation_size()});
  return static_cast<uint8_t*>(a.mutable_data());
}

// Actions of a batch as the typed buffer the core takes: int64 [n] for a
// Discrete space, float32 [n, size] for a Box. Keeps the converted array alive.
struct ActionsIn {
  ActionsIn(const Space& space, const py::handle& actions, py::ssize_t n) {
    if (space.is_discrete()) {
      discrete = InArray<int64_t>::ensure(actions);
      if (!discrete) throw py::value_error("actions must be integers");
      check_shape(discrete, "actions", {n});
      batch = {discrete.data(), nullptr, 0};
    } else {
      box = InArray<float>::ensure(actions);
      if (!box) throw py::value_error("actions must be numbers");
      check_shape(box, "actions", {n, space.size()});
      batch = {nullptr, box.data(), space.size()};
    }
  }
  InArray<int64_t> discrete;
  InArray<float> box;
  ActionBatch batch;
};

std::tuple<double, CArray<double>, CArray<double>> moments_tuple(const Moments& m) {
  CArray<double> mean(m.size()), var(m.size());
  std::copy(m.mean.begin(), m.mean.end(), mean.mutable_data());
  std::copy(m.var.begin(), m.var.end(), var.mutable_data());
  return {m.count, mean, var};
}

py::dict loss_dict(const LossStats& s) {
  py::dict d;
  d["policy_loss"] = s.policy_loss;
  d["value_loss"] = s.value_loss;
  d["entropy"] = s.entropy;
  d["grad_norm"] = s.grad_norm;
  d["explained_variance"] = s.explained_variance;
  return d;
}

template <typename T>
CArray<T> copy_to_array(const std::vector<T>& values) {
  CArray<T> out(static_cast<py::ssize_t>(values.size()));
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

template <typename T>
std::vector<T> vector_from(const py::dict& d, const char* key, const char* what) {
  if (!d.contains(key)) throw py::value_error(std::string(what) + " has no '" + key + "'");
  const InArray<T> a = py::cast<InArray<T>>(d[key]);
  if (a.ndim() != 1) throw py::value_error(std::string(what) + ": '" + key + "' must be 1-D");
  return std::vector<T>(a.data(), a.data() + a.size());
}

int64_t int_from(const py::dict& d, const char* key, const char* what) {
  if (!d.contains(key)) throw py::value_error(std::string(what) + " has no '" + key + "'");
  return py::cast<int64_t>(d[key]);
}

// Optimizer state <-> {"square_avg": float32[], "exp_avg": float32[], "step": int}.
py::dict optimizer_state_dict(const OptimizerState& s) {
  py::dict d;
  d["square_avg"] = copy_to_array(s.square_avg);
  d["exp_avg"] = copy_to_array(s.exp_avg);
  d["step"] = s.step;
  return d;
}

OptimizerState optimizer_state_from(const py::dict& d) {
  OptimizerState s;
  s.square_avg = vector_from<float>(d, "square_avg", "optimizer state");
  s.exp_avg = vector_from<float>(d, "exp_avg", "optimizer state");
  s.step = int_from(d, "step", "optimizer state");
  return s;
}

// Run counters <-> {"env_steps", "episodes", "updates", "skipped_updates": int,
// "recent_returns": float32[], "recent_lengths": int32[]}.
py::dict run_counters_dict(const RunCounters& c) {
  py::dict d;
  d["env_steps"] = c.env_steps;
  d["episodes"] = c.episodes;
  d["updates"] = c.updates;
  d["skipped_updates"] = c.skipped_updates;
  d["recent_returns"] = copy_to_array(c.recent_returns);
  d["recent_lengths"] = copy_to_array(c.recent_lengths);
  return d;
}

RunCounters run_counters_from(const py::dict& d) {
  RunCounters c;
  c.env_steps = int_from(d, "env_steps", "run counters");
  c.episodes = int_from(d, "episodes", "run counters");
  c.updates = int_from(d, "updates", "run counters");
  c.skipped_updates = int_from(d, "skipped_updates", "run counters");
  c.recent_returns = vector_from<float>(d, "recent_returns", "run counters");
  c.recent_lengths = vector_from<int32_t>(d, "recent_lengths", "run counters");
  return c;
}

// The progress dict: the same keys for A2C and A3C (both come from RunMonitor).
py::dict progress_dict(const RunMonitor& monitor) {
  const Progress p = monitor.progress();
  py::dict d;
  d["env_steps"] = p.env_steps;
  d["episodes"] = p.episodes;
  d["updates"] = p.updates;
  d["skipped_updates"] = p.skipped_updates;
  d["run_env_steps"] = p.run_env_steps;
  d["mean_return"] = p.mean_return;
  d["mean_length"] = p.mean_length;
  d["evaluations"] = p.evaluations;
  d["eval_env_steps"] = p.eval_env_steps;
  d["last_eval_return"] = p.last_eval_return;
  for (auto item : loss_dict(p.last_loss)) d[item.first] = item.second;
  d["learning_rate"] = p.learning_rate;
  d["elapsed_s"] = p.elapsed_s;
  d["steps_per_s"] = p.elapsed_s > 0 ? static_cast<double>(p.run_env_steps) / p.elapsed_s : 0.0;
  return d;
}

py::dict history_dict(const RunMonitor& monitor, int64_t from = 0) {
  if (from < 0) throw py::value_error("start must be >= 0");
  const auto history = monitor.history(static_cast<size_t>(from));
  const py::ssize_t n = static_cast<py::ssize_t>(history.size());
  CArray<double> wall(n);
  CArray<int64_t> steps(n);
  CArray<float> returns(n);
  CArray<int32_t> lengths(n);
  for (py::ssize_t i = 0; i < n; ++i) {
    wall.mutable_data()[i] = history[i].wall_time_s;
    steps.mutable_data()[i] = history[i].env_steps;
    returns.mutable_data()[i] = history[i].episode_return;
    lengths.mutable_data()[i] = history[i].length;
  }
  py::dict d;
  d["wall_time_s"] = wall;
  d["env_steps"] = steps;
  d["episode_return"] = returns;
  d["episode_length"] = lengths;
  return d;
}

void bind_spaces(py::module_& m) {
  py::class_<Space> space(m, "Space", "A Discrete or float32 Box space (envs/env.h).");
  space.def_static("discrete", &Space::discrete, py::arg("n"), py::arg("start") = 0)
      .def_static("box", &Space::box, py::arg("shape"), py::arg("low"), py::arg("high"))
      .def_property_readonly("is_discrete", &Space::is_discrete)
      .def_property_readonly("size", &Space::size)
      .def_readonly("shape", &Space::shape)
      .def_readonly("low", &Space::low)
      .def_readonly("high", &Space::high)
      .def_readonly("n", &Space::n)
      .def_readonly("start", &Space::start);
  py::class_<EnvParam>(m, "EnvParam")
      .def_readonly("name", &EnvParam::name)
      .def_readonly("default_value", &EnvParam::default_value)
      .def_readonly("boolean", &EnvParam::boolean);
  py::class_<EnvSpec>(m, "EnvSpec", "The static spec of a native environment (envs/env.h).")
      .def_readonly("id", &EnvSpec::id)
      .def_readonly("observation_space", &EnvSpec::observation_space)
      .def_readonly("action_space", &EnvSpec::action_space)
      .def_readonly("max_episode_steps", &EnvSpec::max_episode_steps)
      .def_readonly("reward_threshold", &EnvSpec::reward_threshold)
      .def_readonly("params", &EnvSpec::params)
      .def_readonly("reset_options", &EnvSpec::reset_options)
      .def_readonly("state_size", &EnvSpec::state_size)
      .def_readonly("reference_entry_point", &EnvSpec::reference_entry_point)
      .def_property_readonly("observation_dtype", [](const EnvSpec& s) { return obs_dtype_name(s.observation_dtype); })
      .def_readonly("render_modes", &EnvSpec::render_modes)
      .def_property_readonly("fastac_id", &EnvSpec::fastac_id);
  m.def(
      "native_env_specs",
      [] {
        std::vector<EnvSpec> out;
        for (const auto& e : native_envs()) out.push_back(e.spec());
        return out;
      },
      "The spec of every native environment, in registry order (envs/registry.cpp).");
}

void bind_envs(py::module_& m) {
  py::class_<BatchedEnv>(m, "BatchedEnv", "N copies of a native environment stepped together (envs/vector_env.h).")
      .def_property_readonly("spec", &BatchedEnv::spec, py::return_value_policy::reference_internal)
      .def_property_readonly("num_envs", &BatchedEnv::num_envs)
      .def_property_readonly("max_episode_steps", &BatchedEnv::max_episode_steps)
      .def(
          "seed",
          [](BatchedEnv& env, int i, std::vector<uint32_t> words) {
            if (i < 0 || i >= env.num_envs()) throw py::index_error("env index out of range");
            env.seed(i, words);
          },
          py::arg("env"), py::arg("entropy_words"), "Reseeds sub-env `env` as reset(seed=...) does: numpy's PCG64(SeedSequence(entropy)), and an "
          "env's own generator (MinAtar's RandomState).")
      .def(
          "reset",
          [](BatchedEnv& env, const py::array& obs, py::object options, py::object mask) {
            const int n = env.num_envs();
            uint8_t* out = observation_rows(env, obs, "obs");
            const size_t row_bytes = static_cast<size_t>(env.observation_size()) * element_size(env.observation_dtype());
            std::vector<double> opts;
            if (!options.is_none()) {
              opts = options.cast<std::vector<double>>();
              if (opts.size() != env.spec().reset_options.size())
                throw py::value_error("reset options must have one value per spec reset option");
            }
            CArray<bool> m;
            if (!mask.is_none()) {
              m = mask.cast<CArray<bool>>();
              check_shape(m, "reset_mask", {n});
            }
            for (int i = 0; i < n; ++i) {
              if (mask.is_none() || m.data()[i])
                env.reset(i, out + i * row_bytes, opts.empty() ? nullptr : opts.data());
              else
                env.observe(i, out + i * row_bytes);  // unchanged: its current state
            }
          },
          py::arg("obs"), py::arg("options") = py::none(), py::arg("mask") = py::none(),
          "Resets sub-envs (all, or where mask is true) into rows of obs, continuing their streams; "
          "rows not reset get the observation of their current state.")
      .def(
          "step",
          [](BatchedEnv& env, const py::array& actions, const py::array& obs, CArray<double> reward,
             CArray<bool> terminated, CArray<bool> truncated, py::object final_obs) {
            const int n = env.num_envs();
            ActionsIn a(env.spec().action_space, actions, n);
            uint8_t* obs_out = observation_rows(env, obs, "obs");
            check_shape(reward, "reward", {n});
            check_shape(terminated, "terminated", {n});
            check_shape(truncated, "truncated", {n});
            uint8_t* final_out = nullptr;
            if (!final_obs.is_none()) {
              final_out = observation_rows(env, final_obs, "final_obs");
            } else if (env.autoreset_mode() == AutoresetMode::kSameStep) {
              throw py::value_error("final_obs is required with autoreset_mode 'same_step'");
            }
            StepResult out{obs_out, reward.mutable_data(),
                           reinterpret_cast<uint8_t*>(terminated.mutable_data()),
                           reinterpret_cast<uint8_t*>(truncated.mutable_data()), final_out};
            if (n > kReleaseGilAbove) {
              py::gil_scoped_release release;
              return env.step(a.batch, out);
            }
            return env.step(a.batch, out);
          },
          py::arg("actions"), py::arg("obs"), py::arg("reward"), py::arg("terminated"), py::arg("truncated"),
          py::arg("final_obs") = py::none(),
          "Steps every sub-env into the given buffers; returns the index of the first invalid action, or -1.")
      .def(
          "step_single",
          [](BatchedEnv& env, const py::handle& action) -> py::object {
            if (env.num_envs() != 1) throw py::value_error("step_single needs a 1-env batch");
            const Space& space = env.spec().action_space;
            py::array obs(numpy_dtype(env.observation_dtype()), std::vector<py::ssize_t>{env.observation_size()});
            double reward;
            uint8_t terminated, truncated;
            int64_t discrete = 0;
            InArray<float> box;
            ActionBatch batch;
            if (space.is_discrete()) {
              discrete = action.cast<int64_t>();
              batch = {&discrete, nullptr, 0};
            } else {
              box = InArray<float>::ensure(action);
              if (!box || box.size() != space.size()) throw py::value_error("action has the wrong shape");
              batch = {nullptr, box.data(), space.size()};
            }
            if (env.step(batch, StepResult{obs.mutable_data(), &reward, &terminated, &truncated, nullptr}) >= 0)
              return py::none();
            return py::make_tuple(std::move(obs), reward, terminated != 0, truncated != 0);
          },
          py::arg("action"),
          "Steps sub-env 0 of a 1-env batch: (obs, reward, terminated, truncated), or None for an invalid action.")
      .def(
          "get_state",
          [](const BatchedEnv& env, int i) {
            if (i < 0 || i >= env.num_envs()) throw py::index_error("env index out of range");
            CArray<double> s(env.spec().state_size);
            env.get_state(i, s.mutable_data());
            return s;
          },
          py::arg("env"), "The float64 state of sub-env `env` (layout: the env's header in cpp/envs/).")
      .def(
          "set_state",
          [](BatchedEnv& env, int i, InArray<double> state) {
            if (i < 0 || i >= env.num_envs()) throw py::index_error("env index out of range");
            check_shape(state, "state", {env.spec().state_size});
            env.set_state(i, state.data());
          },
          py::arg("env"), py::arg("state"))
      .def("elapsed_steps", &BatchedEnv::elapsed_steps, py::arg("env"))
      .def(py::pickle([](const BatchedEnv& env) { return py::bytes(env.save()); },
                      [](const py::bytes& bytes) { return restore_batched_env(std::string(bytes)); }),
           "Pickles the whole state (BatchedEnv::save): an unpickled batch continues bit for bit.");
  m.def(
      "make_env",
      [](const std::string& id, int num_envs, const std::string& autoreset_mode, py::object params,
         int max_episode_steps) {
        const NativeEnvEntry* entry = find_native_env(id);
        if (entry == nullptr) throw py::value_error("env '" + id + "' has no native implementation");
        std::vector<double> p;
        if (!params.is_none()) {
          p = params.cast<std::vector<double>>();
          if (p.size() != entry->spec().params.size())
            throw py::value_error("params must have one value per spec param");
        }
        return entry->make(num_envs, parse_autoreset_mode(autoreset_mode), p.empty() ? nullptr : p.data(),
                           max_episode_steps);
      },
      py::arg("env_id"), py::arg("num_envs"), py::arg("autoreset_mode") = "next_step", py::arg("params") = py::none(),
      py::arg("max_episode_steps") = -1,
      "A batched native env; params: the spec's params values (None: defaults); max_episode_steps < 0: the spec's.");
}

void bind_model(py::module_& m) {
  py::class_<Pcg64>(m, "Rng", "numpy's PCG64(SeedSequence(entropy)): the random stream of action sampling.")
      .def(py::init<const std::vector<uint32_t>&>(), py::arg("entropy_words"))
      .def("uniform", &Pcg64::uniform, py::arg("low"), py::arg("high"))
      .def("state", &Pcg64::state_words, "The position: (state high, state low, increment high, increment low).")
      .def(
          "set_state",
          [](Pcg64& rng, const std::array<uint64_t, 4>& words) {
            if ((words[3] & 1u) == 0) throw py::value_error("state: a PCG64 increment is odd");
            rng.set_state_words(words);
          },
          py::arg("state"), "Moves the generator to a position given by state().")
      .def(py::pickle([](const Pcg64& rng) { return rng.state_words(); },
                      [](const std::array<uint64_t, 4>& words) {
                        Pcg64 rng;
                        rng.set_state_words(words);
                        return rng;
                      }));

  py::class_<RunningStats>(m, "RunningStats",
                           "Running mean and variance, VecNormalize's (rl/normalization.h); thread-safe.")
      .def(py::init<int>(), py::arg("size"))
      .def_property_readonly("size", &RunningStats::size)
      .def(
          "update",
          [](RunningStats& stats, InArray<float> x) {
            check_shape(x, "x", {x.ndim() == 2 ? x.shape(0) : -1, stats.size()});
            stats.update(x.data(), static_cast<int>(x.shape(0)));
          },
          py::arg("x"), "Merges the moments of rows x [batch, size].")
      .def(
          "normalize",
          [](const RunningStats& stats, InArray<float> x) {
            check_shape(x, "x", {x.ndim() == 2 ? x.shape(0) : -1, stats.size()});
            CArray<float> out({x.shape(0), static_cast<py::ssize_t>(stats.size())});
            stats.snapshot().normalize(x.data(), static_cast<int>(x.shape(0)), out.mutable_data());
            return out;
          },
          py::arg("x"), "clip((x - mean) / sqrt(var + 1e-8), -10, 10) of rows x [batch, size].")
      .def(
          "moments", [](const RunningStats& stats) { return moments_tuple(stats.moments()); },
          "(count, mean [size], var [size]), float64.")
      .def(
          "update_moments",
          [](RunningStats& stats, double count, InArray<double> mean, InArray<double> var) {
            check_shape(mean, "mean", {stats.size()});
            check_shape(var, "var", {stats.size()});
            if (!(count >= 0) || !std::isfinite(count)) throw py::value_error("count must be a finite number >= 0");
            Moments m(stats.size());
            m.count = count;
            for (int j = 0; j < stats.size(); ++j) {
              if (!std::isfinite(mean.data()[j]) || !(var.data()[j] >= 0) || !std::isfinite(var.data()[j]))
                throw py::value_error("mean must be finite and var finite and >= 0");
              m.mean[j] = mean.data()[j], m.var[j] = var.data()[j];
            }
            stats.update(m);
          },
          py::arg("count"), py::arg("mean"), py::arg("var"),
          "Merges a batch's moments (count >= 0; count 0 changes nothing), as update(x) merges x's.")
      .def(
          "set",
          [](RunningStats& stats, double count, InArray<double> mean, InArray<double> var) {
            check_shape(mean, "mean", {stats.size()});
            check_shape(var, "var", {stats.size()});
            Moments m(stats.size());
            m.count = count;
            std::copy(mean.data(), mean.data() + stats.size(), m.mean.begin());
            std::copy(var.data(), var.data() + stats.size(), m.var.begin());
            stats.set(m);
          },
          py::arg("count"), py::arg("mean"), py::arg("var"),
          "Replaces the statistics: count > 0, finite mean, finite var >= 0 (ValueError otherwise).");

  py::class_<ActorCritic>(m, "ActorCritic", "The actor-critic model over one flat parameter buffer (nn/actor_critic.h).")
      .def(py::init([](int observation_size, const Space& action_space, std::vector<int> hidden_sizes, uint64_t seed,
                       bool initialize, float log_std_init, bool squash_output, bool normalize_obs, bool share_trunk,
                       const std::string& activation, const std::string& architecture,
                       std::vector<int> observation_shape, const std::string& observation_dtype,
                       bool channels_last) {
             ActorCriticSpec spec{observation_size, action_space, hidden_sizes, log_std_init, squash_output,
                                  normalize_obs, share_trunk, activation_from_name(activation)};
             spec.architecture = architecture;
             spec.observation_shape = std::move(observation_shape);
             spec.observation_dtype = obs_dtype_from_name(observation_dtype);
             spec.channels_last = channels_last;
             py::gil_scoped_release release;
             return new ActorCritic(spec, seed, initialize);
           }),
           py::arg("observation_size"), py::arg("action_space"), py::arg("hidden_sizes"), py::arg("seed"),
           py::arg("initialize") = true, py::arg("log_std_init") = 0.0f, py::arg("squash_output") = false,
           py::arg("normalize_obs") = false, py::arg("share_trunk") = true, py::arg("activation") = "relu",
           py::arg("architecture") = "mlp", py::arg("observation_shape") = std::vector<int>{},
           py::arg("observation_dtype") = "float32", py::arg("channels_last") = false)
      .def_property_readonly("architecture", [](const ActorCritic& model) { return model.spec().architecture; })
      .def_property_readonly("observation_dtype",
                             [](const ActorCritic& model) { return obs_dtype_name(model.policy().observation_dtype()); })
      .def(
          "torch_parameters",
          [](const ActorCritic& model) {
            if (model.torch_policy() == nullptr)
              throw py::value_error("torch_parameters() is for libtorch-module policies; the kernels' MLP has layout()");
            py::list out;
            for (const TorchParameter& p : model.torch_policy()->named_parameters())
              out.append(py::make_tuple(p.name, p.shape, p.offset));
            return out;
          },
          "(state_dict name, shape, offset) of each parameter of a libtorch-module policy, in the flat order.")
      .def_property_readonly(
          "parameters",
          [](py::object self) {
            auto& model = self.cast<ActorCritic&>();
            return view<float>(model.parameters(), {static_cast<py::ssize_t>(model.num_parameters())}, self);
          },
          "The flat float32 parameters, as a numpy view sharing memory with the model.")
      .def_property_readonly("num_parameters", &ActorCritic::num_parameters)
      .def_property_readonly("distribution_offset", &ActorCritic::distribution_offset)
      .def_property_readonly("head_size", [](const ActorCritic& model) { return model.policy().head_size(); })
      .def(
          "layout",
          [](const ActorCritic& model) {
            py::list out;
            if (model.mlp() == nullptr)
              throw py::value_error("layout() is for the kernels' MLP; a libtorch-module policy has torch_parameters()");
            for (const auto& x : model.mlp()->layout().layers())
              out.append(py::make_tuple(x.name, x.in, x.out, x.input_major, x.weight_offset, x.bias_offset));
            return out;
          },
          "(name, in, out, input_major, weight_offset, bias_offset) of each linear layer; the weight is "
          "stored [in, out] if input_major, else [out, in].")
      .def(
          "forward",
          [](const ActorCritic& model, const py::handle& observations) {
            const py::array obs = observation_batch(model, observations);
            const int batch = static_cast<int>(obs.shape(0));
            CArray<float> head({batch, model.policy().head_size()}), values(batch);
            {
              py::gil_scoped_release release;
              ModelWorkspace ws(model);
              std::vector<float> scratch;
              model.policy().infer(model.parameters(), model.policy_inputs(obs.data(), batch, scratch), batch,
                                   *ws.policy, head.mutable_data(), values.mutable_data());
            }
            return py::make_tuple(head, values);
          },
          py::arg("obs"), "(distribution inputs [batch, head_size] (logits), values [batch]) of a batch.")
      .def(
          "act",
          [](const ActorCritic& model, const py::handle& observations, const py::object& rng_or_none) {
            const py::array obs = observation_batch(model, observations);
            const int batch = static_cast<int>(obs.shape(0));
            // An Rng, a list of one Rng per row (act_per_row), or None (the mode).
            Pcg64* rng = nullptr;
            std::vector<Pcg64*> row_rngs;
            if (py::isinstance<py::list>(rng_or_none) || py::isinstance<py::tuple>(rng_or_none)) {
              const auto rngs = rng_or_none.cast<py::sequence>();
              if (static_cast<int>(py::len(rngs)) != batch)
                throw py::value_error("rng: a list of " + std::to_string(py::len(rngs)) + " generators for " +
                                      std::to_string(batch) + " observations; give one per observation");
              for (const auto& item : rngs) {
                if (!py::isinstance<Pcg64>(item)) throw py::type_error("rng: every item of the list must be an Rng");
                row_rngs.push_back(item.cast<Pcg64*>());
              }
            } else if (!rng_or_none.is_none()) {
              rng = rng_or_none.cast<Pcg64*>();
            }
            const Space& space = model.spec().action_space;
            CArray<float> values(batch);
            py::array actions = space.is_discrete() ? py::array(CArray<int64_t>(batch))
                                                    : py::array(CArray<float>({batch, space.size()}));
            ActionBuffer out{space.is_discrete() ? static_cast<int64_t*>(actions.mutable_data()) : nullptr,
                             space.is_discrete() ? nullptr : static_cast<float*>(actions.mutable_data()),
                             space.is_discrete() ? 0 : space.size()};
            thread_local std::unique_ptr<ModelWorkspace> ws;
            thread_local uint64_t ws_model = 0;  // by id: a new model may reuse a freed one's address
            if (ws_model != model.id()) ws = std::make_unique<ModelWorkspace>(model), ws_model = model.id();
            thread_local std::vector<float> scratch;
            // libtorch policies run without the GIL; the kernels' few microseconds are not worth the handoff.
            std::optional<py::gil_scoped_release> release;
            if (model.torch_policy() != nullptr) release.emplace();
            const void* inputs = model.policy_inputs(obs.data(), batch, scratch);
            if (row_rngs.empty())
              fastac::act(model, model.parameters(), inputs, batch, rng, *ws, out, values.mutable_data());
            else
              fastac::act_per_row(model, model.parameters(), inputs, batch, row_rngs.data(), *ws, out,
                                  values.mutable_data());
            release.reset();
            return py::make_tuple(actions, values);
          },
          py::arg("obs"), py::arg("rng") = py::none(),
          "(actions, values) of a batch: sampled with rng (one Rng, or a list of one per observation), or the "
          "distribution's mode if rng is None. A Box's "
          "actions are the distribution's (unclipped); env_actions maps them into the space.")
      .def(
          "env_actions",
          [](const ActorCritic& model, const py::handle& actions) -> py::object {
            const Space& space = model.spec().action_space;
            const py::ssize_t n = py::len(actions);
            ActionsIn in(space, actions, n);
            if (space.is_discrete()) return py::reinterpret_borrow<py::object>(in.discrete);
            std::vector<float> scratch;
            const ActionBatch mapped = model.distribution().env_actions(
                {nullptr, const_cast<float*>(in.batch.box), space.size()}, static_cast<int>(n), scratch);
            CArray<float> out({n, static_cast<py::ssize_t>(space.size())});
            std::copy(mapped.box, mapped.box + n * space.size(), out.mutable_data());
            return std::move(out);
          },
          py::arg("actions"),
          "The actions of act() as the environment takes them: a Box's [batch, size] clipped to its bounds "
          "(or squashed into them with squash_output); Discrete actions unchanged.")
      .def_property_readonly("squash_output", [](const ActorCritic& model) { return model.spec().squash_output; })
      .def_property_readonly(
          "observation_stats",
          [](const ActorCritic& model) -> std::optional<RunningStats*> {
            if (model.observation_stats() == nullptr) return std::nullopt;
            return model.observation_stats();
          },
          py::return_value_policy::reference_internal,
          "The running observation statistics (RunningStats) with normalize_obs, else None.");

  py::class_<RewardScaler>(m, "RewardScaler",
                           "Rewards divided by the running std of the discounted return (rl/normalization.h).")
      .def(py::init<int, float>(), py::arg("num_envs"), py::arg("gamma"))
      .def(
          "scale",
          [](RewardScaler& scaler, py::array rewards_in, InArray<bool> dones, const py::object& valid,
             const RunningStats& stats) {
            // Scaled in place: the caller's own float32 buffer, never a converted copy.
            if (!py::isinstance<py::array_t<float>>(rewards_in) || rewards_in.ndim() != 1 ||
                !(rewards_in.flags() & py::array::c_style) || !rewards_in.writeable() ||
                rewards_in.shape(0) != scaler.num_envs())
              throw py::value_error("rewards must be a writable, contiguous float32 array of shape (" +
                                    std::to_string(scaler.num_envs()) + ",)");
            auto rewards = py::array_t<float, py::array::c_style>::ensure(rewards_in);
            if (stats.size() != 1) throw py::value_error("stats must be the return statistics, of size 1");
            const py::ssize_t n = rewards.size();
            check_shape(dones, "dones", {n});
            InArray<bool> valid_array;
            if (!valid.is_none()) {
              valid_array = InArray<bool>::ensure(valid);
              check_shape(valid_array, "valid", {n});
            }
            scaler.scale(rewards.mutable_data(), reinterpret_cast<const uint8_t*>(dones.data()),
                         valid.is_none() ? nullptr : reinterpret_cast<const uint8_t*>(valid_array.data()),
                         stats.snapshot().inv_std[0]);
          },
          py::arg("rewards"), py::arg("dones"), py::arg("valid"), py::arg("stats"),
          "Scales a float32 row of rewards in place with the return statistics `stats`.")
      .def("flush", &RewardScaler::flush, py::arg("stats"), "Merges the returns seen into stats.")
      .def(
          "take_pending", [](RewardScaler& scaler) { return moments_tuple(scaler.take_pending()); },
          "(count, mean [1], var [1]) of the returns seen since the last flush or take_pending, which are "
          "forgotten here (flush merges them into the statistics instead).");
}

void bind_training(py::module_& m) {
  py::class_<TrainConfig> config(m, "TrainConfig", "C++ mirror of fastac.TrainConfig (rl/train_config.h).");
  config.def(py::init<>());
  py::list fields;
#define FASTAC_FIELD(name)                               \
  config.def_readwrite(#name, &TrainConfig::name); \
  fields.append(#name);
  FASTAC_FIELD(env)
  FASTAC_FIELD(total_steps)
  FASTAC_FIELD(stop_at_return)
  FASTAC_FIELD(stop_eval_episodes)
  FASTAC_FIELD(max_seconds)
  FASTAC_FIELD(seed)
  FASTAC_FIELD(gamma)
  FASTAC_FIELD(gae_lambda)
  FASTAC_FIELD(lr)
  FASTAC_FIELD(anneal_lr)
  FASTAC_FIELD(entropy_coef)
  FASTAC_FIELD(bounds_coef)
  FASTAC_FIELD(value_coef)
  FASTAC_FIELD(max_grad_norm)
  FASTAC_FIELD(optimizer)
  FASTAC_FIELD(rmsprop_alpha)
  FASTAC_FIELD(optimizer_eps)
  FASTAC_FIELD(hidden_sizes)
  FASTAC_FIELD(activation)
  FASTAC_FIELD(share_trunk)
  FASTAC_FIELD(architecture)
  FASTAC_FIELD(features_dim)
  FASTAC_FIELD(log_std_init)
  FASTAC_FIELD(squash_output)
  FASTAC_FIELD(normalize_obs)
  FASTAC_FIELD(normalize_reward)
  FASTAC_FIELD(num_workers)
  FASTAC_FIELD(envs_per_worker)
  FASTAC_FIELD(t_max)
  FASTAC_FIELD(num_envs)
  FASTAC_FIELD(n_steps)
#undef FASTAC_FIELD
  config.attr("FIELDS") = py::tuple(fields);

  py::class_<LossStats>(m, "LossStats")
      .def(py::init([](float policy_loss, float value_loss, float entropy, float grad_norm, float explained_variance) {
             return LossStats{policy_loss, value_loss, entropy, grad_norm, explained_variance};
           }),
           py::arg("policy_loss") = 0.0f, py::arg("value_loss") = 0.0f, py::arg("entropy") = 0.0f,
           py::arg("grad_norm") = 0.0f, py::arg("explained_variance") = 0.0f)
      .def_readonly("policy_loss", &LossStats::policy_loss)
      .def_readonly("value_loss", &LossStats::value_loss)
      .def_readonly("entropy", &LossStats::entropy)
      .def_readonly("grad_norm", &LossStats::grad_norm)
      .def_readonly("explained_variance", &LossStats::explained_variance)
      .def("as_dict", &loss_dict);

  py::class_<RunMonitor>(m, "RunMonitor", "Counts, episode window, stop criteria, lr schedule (rl/run_monitor.h).")
      .def(py::init<const TrainConfig&>(), py::arg("config"))
      .def(
          "resume", [](RunMonitor& monitor, const py::dict& counters) { monitor.resume(run_counters_from(counters)); },
          py::arg("counters"), "Continues from an earlier run's counters (a dict as counters() returns), before start().")
      .def(
          "counters", [](const RunMonitor& monitor) { return run_counters_dict(monitor.counters()); },
          "Totals and the last episodes, for a run that continues this one.")
      .def("start", &RunMonitor::start)
      .def("elapsed", &RunMonitor::elapsed)
      .def("after_update", &RunMonitor::after_update, py::arg("steps"), py::arg("loss"), py::arg("skipped"))
      .def(
          "after_updates",
          [](RunMonitor& monitor, int64_t steps, int64_t updates, int64_t skipped, const LossStats& loss) {
            if (steps < 0 || updates < 0 || skipped < 0) throw py::value_error("steps, updates and skipped must be >= 0");
            monitor.after_updates(steps, updates, skipped, loss);
          },
          py::arg("steps"), py::arg("updates"), py::arg("skipped"), py::arg("loss"),
          "after_update for several updates at once (another process's); loss: the latest one's.")
      .def(
          "record_episode",
          [](RunMonitor& monitor, float episode_return, int32_t length) {
            if (length < 0) throw py::value_error("length must be >= 0");
            monitor.record_episode(episode_return, length);
          },
          py::arg("episode_return"), py::arg("length"), "A finished episode (another process's).")
      .def("learning_rate", &RunMonitor::learning_rate)
      .def("take_evaluation_request", &RunMonitor::take_evaluation_request)
      .def("record_evaluation", &RunMonitor::record_evaluation, py::arg("mean_return"), py::arg("env_steps"))
      .def(
          "stop",
          [](RunMonitor& monitor, const std::string& reason) {
            for (StopReason r : {StopReason::kTotalSteps, StopReason::kStopAtReturn, StopReason::kMaxSeconds,
                                 StopReason::kRequested, StopReason::kError})
              if (reason == stop_reason_name(r)) return monitor.stop(r);
            throw py::value_error("reason must be 'total_steps', 'stop_at_return', 'max_seconds', 'requested' or "
                                  "'error', got '" + reason + "'");
          },
          py::arg("reason") = "requested",
          "Stops the run for `reason` (default 'requested'); True if it was the first reason.")
      .def_property_readonly("stopping", &RunMonitor::stopping)
      .def("check_stop", &RunMonitor::check_stop, "stopping, after stopping the run if max_seconds has passed.")
      .def_property_readonly("stop_reason", [](const RunMonitor& m) { return stop_reason_name(m.stop_reason()); })
      .def("progress", &progress_dict)
      .def(
          "history", [](const RunMonitor& m, int64_t start) { return history_dict(m, start); }, py::arg("start") = 0,
          "This run's episodes from the start-th on (arrays wall_time_s, env_steps, episode_return, episode_length).");

  py::class_<RolloutBuffer>(m, "RolloutBuffer", "[T, N] rollout storage and advantages (rl/rollout.h).")
      .def(py::init([](int steps, int num_envs, int observation_size, const Space& action_space,
                       const std::string& observation_dtype) {
             return new RolloutBuffer(steps, num_envs, observation_size, action_space,
                                      obs_dtype_from_name(observation_dtype));
           }),
           py::arg("steps"), py::arg("num_envs"), py::arg("observation_size"), py::arg("action_space"),
           py::arg("observation_dtype") = "float32")
      .def_property_readonly("obs",
                             [](py::object self) {
                               auto& r = self.cast<RolloutBuffer&>();
                               const std::vector<py::ssize_t> shape{r.steps(), r.num_envs(), r.observation_size()};
                               if (r.observation_dtype() == ObsDtype::kFloat32)
                                 return py::array(view<float>(r.obs_data(), shape, self));
                               return py::array(numpy_dtype(r.observation_dtype()), shape, r.obs_bytes(), self);
                             },
                             "[T, N, observation_size] observations (float32, or uint8 / bool images), a view.")
      .def_property_readonly("actions",
                             [](py::object self) -> py::array {
                               auto& r = self.cast<RolloutBuffer&>();
                               const ActionBuffer a = r.actions_all();
                               if (a.discrete) return view<int64_t>(a.discrete, {r.steps(), r.num_envs()}, self);
                               return view<float>(a.box, {r.steps(), r.num_envs(), a.box_size}, self);
                             })
      .def_property_readonly("values",
                             [](py::object self) {
                               auto& r = self.cast<RolloutBuffer&>();
                               return view<float>(r.values_data(), {r.steps(), r.num_envs()}, self);
                             })
      .def_property_readonly("rewards",
                             [](py::object self) {
                               auto& r = self.cast<RolloutBuffer&>();
                               return view<float>(r.rewards_data(), {r.steps(), r.num_envs()}, self);
                             })
      .def_property_readonly("dones",
                             [](py::object self) {
                               auto& r = self.cast<RolloutBuffer&>();
                               return view<uint8_t>(r.dones_data(), {r.steps(), r.num_envs()}, self);
                             })
      .def_property_readonly("valid",
                             [](py::object self) {
                               auto& r = self.cast<RolloutBuffer&>();
                               return view<uint8_t>(r.valid_data(), {r.steps(), r.num_envs()}, self);
                             })
      .def_property_readonly("advantages",
                             [](py::object self) {
                               auto& r = self.cast<RolloutBuffer&>();
                               return view<float>(r.advantages_data(), {r.steps(), r.num_envs()}, self);
                             })
      .def_property_readonly("returns",
                             [](py::object self) {
                               auto& r = self.cast<RolloutBuffer&>();
                               return view<float>(r.returns_data(), {r.steps(), r.num_envs()}, self);
                             })
      .def(
          "record_step",
          [](RolloutBuffer& r, int t, InArray<double> rewards, InArray<bool> terminated, InArray<bool> truncated,
             py::object valid) {
            if (t < 0 || t >= r.steps()) throw py::index_error("step index out of range");
            const py::ssize_t n = r.num_envs();
            check_shape(rewards, "rewards", {n});
            check_shape(terminated, "terminated", {n});
            check_shape(truncated, "truncated", {n});
            InArray<bool> v;
            if (!valid.is_none()) {
              v = InArray<bool>::ensure(valid);
              check_shape(v, "valid", {n});
            }
            r.record_step(t, rewards.data(), reinterpret_cast<const uint8_t*>(terminated.data()),
                          reinterpret_cast<const uint8_t*>(truncated.data()),
                          valid.is_none() ? nullptr : reinterpret_cast<const uint8_t*>(v.data()));
          },
          py::arg("t"), py::arg("rewards"), py::arg("terminated"), py::arg("truncated"), py::arg("valid") = py::none())
      .def(
          "set_final_value",
          [](RolloutBuffer& r, int t, int n, float value) {
            if (t < 0 || t >= r.steps() || n < 0 || n >= r.num_envs()) throw py::index_error("index out of range");
            r.set_final_value(t, n, value);
          },
          py::arg("t"), py::arg("env"), py::arg("value"))
      .def(
          "finish",
          [](RolloutBuffer& r, InArray<float> last_values, float gamma, float gae_lambda) {
            check_shape(last_values, "last_values", {r.num_envs()});
            r.finish(last_values.data(), gamma, gae_lambda);
          },
          py::arg("last_values"), py::arg("gamma"), py::arg("gae_lambda"))
      .def("compact_valid", &RolloutBuffer::compact_valid);

  py::class_<EpisodeAccumulator>(m, "EpisodeAccumulator", "Running returns and lengths per env (rl/rollout.h).")
      .def(py::init<int>(), py::arg("num_envs"))
      .def(
          "step",
          [](EpisodeAccumulator& acc, RolloutBuffer& r, int t, RunMonitor& monitor) {
            if (t < 0 || t >= r.steps()) throw py::index_error("step index out of range");
            const size_t row = static_cast<size_t>(t) * r.num_envs();
            acc.step(r.rewards_data() + row, r.dones_data() + row, r.valid_data() + row, monitor);
          },
          py::arg("rollout"), py::arg("t"), py::arg("monitor"),
          "Adds row t of the rollout; finished episodes go to the monitor.")
      .def("take_steps", &EpisodeAccumulator::take_steps,
           "The transitions counted since the last call (what RunMonitor.after_update takes).");

  py::class_<Learner>(m, "Learner", "The A2C update: gradient, hooks, clip and apply (rl/learner.h).")
      .def(py::init([](ActorCritic& model, const TrainConfig& config) {
             return new Learner(model, config.optimizer_config(), config.loss());
           }),
           py::arg("model"), py::arg("config"), py::keep_alive<1, 2>())
      .def(
          "compute_gradient",
          [](Learner& learner, RolloutBuffer& r, size_t batch, RunMonitor& monitor) -> std::optional<LossStats> {
            if (batch < 1 || batch > r.rows()) throw py::value_error("batch must be in [1, rollout rows]");
            const Policy& policy = learner.model().policy();
            if (r.observation_size() != policy.observation_size() || r.observation_dtype() != policy.observation_dtype())
              throw py::value_error("the rollout's observations are not the model's (size and dtype)");
            py::gil_scoped_release release;
            // A long update stays interruptible: Ctrl-C raises KeyboardInterrupt between
            // chunks, and the monitor's stop (max_seconds) cancels it.
            const CancelCheck cancelled = [&monitor] {
              {
                py::gil_scoped_acquire acquire;
                if (PyErr_CheckSignals() != 0) throw py::error_already_set();
              }
              return monitor.check_stop();
            };
            try {
              return learner.compute_gradient(r.obs_bytes(), static_cast<int>(batch), r.actions_all().as_const(),
                                              r.advantages_data(), r.returns_data(), cancelled);
            } catch (const GradientCancelled&) {
              return std::nullopt;
            }
          },
          py::arg("rollout"), py::arg("batch"), py::arg("monitor"),
          "The gradient of the first `batch` (compacted) rollout samples into `gradient`; None if the "
          "monitor stopped the run meanwhile.")
      .def_property_readonly("gradient",
                             [](py::object self) {
                               auto& l = self.cast<Learner&>();
                               return view<float>(l.gradient(), {static_cast<py::ssize_t>(l.gradient_size())}, self);
                             })
      .def(
          "apply",
          [](Learner& learner, const LossStats& loss, float lr) {
            UpdateStats s;
            {
              py::gil_scoped_release release;
              s = learner.apply(loss, lr);
            }
            return py::make_tuple(s.loss, s.skipped);
          },
          py::arg("loss"), py::arg("lr"), "Clips and applies `gradient`: (loss stats with grad_norm, skipped).")
      .def(
          "optimizer_state", [](Learner& learner) { return optimizer_state_dict(learner.optimizer().state()); },
          "The optimizer's statistics: {'square_avg', 'exp_avg': float32 arrays, 'step': int}.")
      .def(
          "set_optimizer_state",
          [](Learner& learner, const py::dict& state) { learner.optimizer().set_state(optimizer_state_from(state)); },
          py::arg("state"), "Replaces the optimizer's statistics (a dict as optimizer_state() returns).");

  py::class_<A3CTrainer, std::unique_ptr<A3CTrainer, DeleteWithoutGil>>(
      m, "A3CTrainer", "A3C workers (rl/a3c.h) on native or Python envs; supervised from Python.")
      .def(py::init([](const TrainConfig& config, ActorCritic& model, py::object make_envs, py::object make_eval_envs) {
             if (make_envs.is_none() != make_eval_envs.is_none())
               throw py::value_error("make_envs and make_eval_envs go together");
             if (make_envs.is_none()) return std::unique_ptr<A3CTrainer, DeleteWithoutGil>(new A3CTrainer(config, model));
             // Called on the workers' threads: the GIL only for making the WorkerEnvs.
             auto training = share_with_gil(std::move(make_envs)), evaluation = share_with_gil(std::move(make_eval_envs));
             EnvSource source{[training](int worker, int num_envs) {
                                py::gil_scoped_acquire gil;
                                return PythonBatchedEnv::adopt((*training)(worker, num_envs));
                              },
                              [evaluation](int num_envs) {
                                py::gil_scoped_acquire gil;
                                return PythonBatchedEnv::adopt((*evaluation)(num_envs));
                              }};
             return std::unique_ptr<A3CTrainer, DeleteWithoutGil>(new A3CTrainer(config, model, std::move(source)));
           }),
           py::arg("config"), py::arg("model"), py::arg("make_envs") = py::none(), py::arg("make_eval_envs") = py::none(),
           py::keep_alive<1, 3>(),
           "Without make_envs, the workers step config.env natively; with them, make_envs(worker, num_envs) and "
           "make_eval_envs(num_envs) return fastac.envs.worker.WorkerEnvs, called on the worker threads.")
      .def("start", &A3CTrainer::start)
      .def("wait_for", &A3CTrainer::wait_for, py::arg("seconds"), py::call_guard<py::gil_scoped_release>(),
           "Waits up to `seconds` (without the GIL); True once every worker has finished.")
      .def("request_stop", &A3CTrainer::request_stop)
      .def("join", &A3CTrainer::join, py::call_guard<py::gil_scoped_release>(),
           "Waits for the workers; re-raises the first exception a worker raised.")
      .def_property_readonly("finished", &A3CTrainer::finished)
      .def_property_readonly("stop_reason", [](const A3CTrainer& t) { return stop_reason_name(t.monitor().stop_reason()); })
      .def("progress", [](const A3CTrainer& t) { return progress_dict(t.monitor()); })
      .def(
          "history", [](const A3CTrainer& t, int64_t start) { return history_dict(t.monitor(), start); },
          py::arg("start") = 0, "This run's episodes from the start-th on.")
      .def(
          "set_learning_rate",
          [](A3CTrainer& t, float lr) {
            if (!std::isfinite(lr) || lr < 0) throw py::value_error("lr must be finite and >= 0");
            t.monitor().set_learning_rate(lr);
          },
          py::arg("lr"), "Distributed A3C: the run's learning rate from now on (rank 0's schedule), for every worker.")
      .def(
          "resume", [](A3CTrainer& t, const py::dict& counters) { t.monitor().resume(run_counters_from(counters)); },
          py::arg("counters"), "Continues from an earlier run's counters, before start().")
      .def(
          "counters", [](const A3CTrainer& t) { return run_counters_dict(t.monitor().counters()); },
          "Totals and the last episodes, for a run that continues this one.")
      .def(
          "optimizer_state", [](const A3CTrainer& t) { return optimizer_state_dict(t.optimizer().state()); },
          "The shared optimizer's statistics (a consistent copy only once the workers are joined).")
      .def(
          "set_optimizer_state",
          [](A3CTrainer& t, const py::dict& state) {
            if (!t.finished())
              throw py::value_error("set_optimizer_state: the workers are running");
            t.optimizer().set_state(optimizer_state_from(state));
          },
          py::arg("state"), "Replaces the shared optimizer's statistics, before start().")
      .def_property_readonly(
          "reward_stats", [](A3CTrainer& t) { return &t.reward_stats(); }, py::return_value_policy::reference_internal,
          "normalize_reward: the shared running statistics of the discounted return (RunningStats).")
      .def(
          "read_parameters",
          [](const A3CTrainer& t, py::array_t<float, py::array::c_style> out) {
            if (out.ndim() != 1 || static_cast<size_t>(out.size()) != t.optimizer().size())
              throw py::value_error("out must be a float32 array of num_parameters values");
            py::gil_scoped_release release;
            t.optimizer().read_parameters(out.mutable_data());
          },
          py::arg("out"), "Copies the shared parameters into out (a snapshot while the workers train).")
      .def(
          "add_to_parameters",
          [](A3CTrainer& t, InArray<float> delta) {
            check_shape(delta, "delta", {static_cast<py::ssize_t>(t.optimizer().size())});
            py::gil_scoped_release release;
            return t.optimizer().add_to_parameters(delta.data());
          },
          py::arg("delta"),
          "Adds delta to the shared parameters while the workers train (Hogwild); False (and nothing "
          "changed) if a parameter would become non-finite.");

  m.def(
      "evaluate_greedy",
      [](const std::string& env_id, const ActorCritic& model, int episodes, uint64_t seed, uint64_t stream) {
        if (!is_native_env(env_id)) throw py::value_error("env '" + env_id + "' has no native implementation");
        if (episodes < 1) throw py::value_error("episodes must be >= 1");
        EvaluationResult r;
        {
          py::gil_scoped_release release;
          r = evaluate_greedy(env_id, model, model.parameters(), episodes, seed, stream);
        }
        return py::make_tuple(r.mean_return, r.env_steps);
      },
      py::arg("env_id"), py::arg("model"), py::arg("episodes"), py::arg("seed"), py::arg("stream") = 0,
      "(mean return, env steps) of the greedy policy over fresh native episodes (rl/evaluate.h).");
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "fastac native core: environments, actor-critic model, rollout, loss, optimizers, A3C";
  bind_spaces(m);
  bind_envs(m);
  bind_model(m);
  bind_training(m);
}
