// fastac._core: the pybind11 bindings. Type translation only; the logic lives
// in the plain C++ of cpp/, which the C++ tests and benchmarks link directly.
// No torch headers here (they cost ~35 s of compile time per file).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>

#include "envs/cartpole.h"
#include "envs/numpy_random.h"
#include "envs/registry.h"
#include "nn/actor_critic.h"
#include "nn/mlp.h"
#include "rl/a3c.h"
#include "rl/act.h"
#include "rl/advantages.h"
#include "rl/evaluate.h"
#include "rl/learner.h"
#include "rl/loss.h"
#include "rl/shared_optimizer.h"

namespace py = pybind11;
using namespace fastac;

namespace {

template <typename T>
using CArray = py::array_t<T, py::array::c_style>;

// Batches this large step without the GIL; small ones are not worth the handoff.
constexpr int kReleaseGilAbove = 256;

void check_rows(const py::array& a, const char* name, py::ssize_t rows, py::ssize_t cols) {
  const bool ok = cols == 0 ? (a.ndim() == 1 && a.shape(0) == rows)
                            : (a.ndim() == 2 && a.shape(0) == rows && a.shape(1) == cols);
  if (!ok) throw py::value_error(std::string(name) + " has the wrong shape");
}

void add_loss_stats(py::dict& d, const LossStats& stats) {
  d["policy_loss"] = stats.policy_loss;
  d["value_loss"] = stats.value_loss;
  d["entropy"] = stats.entropy;
  d["grad_norm"] = stats.grad_norm;
}

AutoresetMode parse_autoreset_mode(const std::string& mode) {
  if (mode == "next_step") return AutoresetMode::kNextStep;
  if (mode == "same_step") return AutoresetMode::kSameStep;
  if (mode == "disabled") return AutoresetMode::kDisabled;
  throw py::value_error("autoreset_mode must be 'next_step', 'same_step' or 'disabled', got '" + mode + "'");
}

void bind_envs(py::module_& m) {
  py::class_<CartPole>(m, "CartPole", "Batched native CartPole-v1 (see cpp/envs/cartpole.h).")
      .def(py::init([](int num_envs, int max_episode_steps, bool sutton_barto_reward, const std::string& mode) {
             if (num_envs < 1) throw py::value_error("num_envs must be >= 1, got " + std::to_string(num_envs));
             return new CartPole(num_envs, CartPoleConfig{max_episode_steps, sutton_barto_reward,
                                                          parse_autoreset_mode(mode)});
           }),
           py::arg("num_envs"), py::arg("max_episode_steps") = 500, py::arg("sutton_barto_reward") = false,
           py::arg("autoreset_mode") = "next_step")
      .def_property_readonly("num_envs", &CartPole::num_envs)
      .def("seed", &CartPole::seed, py::arg("env"), py::arg("entropy_words"),
           "Reseeds sub-env `env` as numpy's PCG64(SeedSequence(entropy)).")
      .def(
          "reset",
          [](CartPole& env, CArray<float> obs, double low, double high, py::object mask) {
            check_rows(obs, "obs", env.num_envs(), CartPole::kObservationSize);
            float* out = obs.mutable_data();
            if (mask.is_none()) {
              for (int i = 0; i < env.num_envs(); ++i) env.reset_with_bounds(i, low, high, out + 4 * i);
            } else {
              auto m = mask.cast<CArray<bool>>();
              check_rows(m, "reset_mask", env.num_envs(), 0);
              for (int i = 0; i < env.num_envs(); ++i) {
                if (m.data()[i])
                  env.reset_with_bounds(i, low, high, out + 4 * i);
                else
                  env.observe(i, out + 4 * i);  // unchanged: the observation of its current state
              }
            }
          },
          py::arg("obs"), py::arg("low") = CartPole::default_reset_low,
          py::arg("high") = CartPole::default_reset_high, py::arg("mask") = py::none(),
          "Resets sub-envs (all, or where mask is true) into rows of obs, continuing their streams; "
          "rows not reset get the observation of their current state.")
      .def(
          "step",
          [](CartPole& env, CArray<int64_t> actions, CArray<float> obs, CArray<float> reward,
             CArray<bool> terminated, CArray<bool> truncated) {
            const int n = env.num_envs();
            check_rows(actions, "actions", n, 0);
            check_rows(obs, "obs", n, CartPole::kObservationSize);
            check_rows(reward, "reward", n, 0);
            check_rows(terminated, "terminated", n, 0);
            check_rows(truncated, "truncated", n, 0);
            StepResult out{obs.mutable_data(), reward.mutable_data(),
                           reinterpret_cast<uint8_t*>(terminated.mutable_data()),
                           reinterpret_cast<uint8_t*>(truncated.mutable_data()), nullptr};
            if (n > kReleaseGilAbove) {
              py::gil_scoped_release release;
              return env.step(actions.data(), out);
            }
            return env.step(actions.data(), out);
          },
          py::arg("actions"), py::arg("obs"), py::arg("reward"), py::arg("terminated"), py::arg("truncated"),
          "Steps every sub-env into the given buffers; returns the index of the first invalid action, or -1.")
      .def(
          "step_single",
          [](CartPole& env, int64_t action) -> py::object {
            CArray<float> obs(CartPole::kObservationSize);
            float reward;
            uint8_t terminated, truncated;
            if (env.step(&action, StepResult{obs.mutable_data(), &reward, &terminated, &truncated, nullptr}) >= 0)
              return py::none();
            return py::make_tuple(std::move(obs), static_cast<double>(reward), terminated != 0, truncated != 0);
          },
          py::arg("action"),
          "Steps sub-env 0 of a 1-env batch: (obs, reward, terminated, truncated), or None for an invalid action.")
      .def("get_state", [](const CartPole& env, int i) {
        if (i < 0 || i >= env.num_envs()) throw py::index_error("env index out of range");
        CArray<double> s(4);
        env.get_state(i, s.mutable_data());
        return s;
      });
}

CArray<float> as_obs_batch(const py::array& obs, int observation_size) {
  auto a = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(obs);
  if (!a || a.ndim() != 2 || a.shape(1) != observation_size)
    throw py::value_error("observations must have shape (batch, " + std::to_string(observation_size) + ")");
  return a;
}

void bind_network(py::module_& m) {
  py::class_<ActorCritic>(m, "ActorCritic", "Actor-critic network with flat libtorch parameters (nn/actor_critic.h).")
      .def(py::init([](int observation_size, int num_actions, std::vector<int> hidden_sizes, uint64_t seed) {
             return new ActorCritic(ActorCriticSpec{observation_size, num_actions, hidden_sizes}, seed);
           }),
           py::arg("observation_size"), py::arg("num_actions"), py::arg("hidden_sizes"), py::arg("seed"))
      .def_property_readonly(
          "parameters",
          [](py::object self) {
            auto& net = self.cast<ActorCritic&>();
            return py::array_t<float>({static_cast<py::ssize_t>(net.num_parameters())}, {sizeof(float)},
                                      net.parameters(), self);
          },
          "The flat float32 parameters, as a numpy view sharing memory with the network.")
      .def("layout",
           [](const ActorCritic& net) {
             py::list out;
             const auto& l = net.layout();
             auto add = [&](const LinearLayout& x) {
               out.append(py::make_tuple(x.name, x.in, x.out, x.input_major, x.weight_offset, x.bias_offset));
             };
             for (const auto& x : l.trunk) add(x);
             add(l.actor);
             add(l.critic);
             return out;
           },
           "(name, in, out, input_major, weight_offset, bias_offset) of each linear layer; the weight is "
           "stored [in, out] if input_major, else [out, in].")
      .def(
          "forward",
          [](const ActorCritic& net, const py::array& obs) {
            auto o = as_obs_batch(obs, net.layout().spec.observation_size);
            const int batch = static_cast<int>(o.shape(0));
            MlpWorkspace ws;
            {
              py::gil_scoped_release release;
              mlp_forward(net.layout(), net.parameters(), o.data(), batch, ws);
            }
            CArray<float> logits({batch, net.layout().spec.num_actions}), values(batch);
            std::copy(ws.logits.begin(), ws.logits.end(), logits.mutable_data());
            std::copy(ws.values.begin(), ws.values.end(), values.mutable_data());
            return py::make_tuple(logits, values);
          },
          py::arg("obs"), "(logits [batch, num_actions], values [batch]) of a batch of observations.");
}

void bind_a3c(py::module_& m) {
  py::class_<LossConfig>(m, "LossConfig")
      .def(py::init<>())
      .def_readwrite("value_coef", &LossConfig::value_coef)
      .def_readwrite("entropy_coef", &LossConfig::entropy_coef)
      .def_readwrite("max_grad_norm", &LossConfig::max_grad_norm);
  py::enum_<OptimizerKind>(m, "OptimizerKind")
      .value("rmsprop", OptimizerKind::kRmsprop)
      .value("adam", OptimizerKind::kAdam)
      .value("sgd", OptimizerKind::kSgd);
  py::class_<OptimizerConfig>(m, "OptimizerConfig")
      .def(py::init<>())
      .def_readwrite("kind", &OptimizerConfig::kind)
      .def_readwrite("alpha", &OptimizerConfig::alpha)
      .def_readwrite("eps", &OptimizerConfig::eps)
      .def_readwrite("beta1", &OptimizerConfig::beta1)
      .def_readwrite("beta2", &OptimizerConfig::beta2);
  py::class_<A3CConfig>(m, "A3CConfig")
      .def(py::init<>())
      .def_readwrite("env_id", &A3CConfig::env_id)
      .def_readwrite("num_workers", &A3CConfig::num_workers)
      .def_readwrite("envs_per_worker", &A3CConfig::envs_per_worker)
      .def_readwrite("t_max", &A3CConfig::t_max)
      .def_readwrite("total_steps", &A3CConfig::total_steps)
      .def_readwrite("stop_at_return", &A3CConfig::stop_at_return)
      .def_readwrite("stop_eval_episodes", &A3CConfig::stop_eval_episodes)
      .def_readwrite("max_seconds", &A3CConfig::max_seconds)
      .def_readwrite("seed", &A3CConfig::seed)
      .def_readwrite("gamma", &A3CConfig::gamma)
      .def_readwrite("gae_lambda", &A3CConfig::gae_lambda)
      .def_readwrite("lr", &A3CConfig::lr)
      .def_readwrite("anneal_lr", &A3CConfig::anneal_lr)
      .def_readwrite("loss", &A3CConfig::loss)
      .def_readwrite("optimizer", &A3CConfig::optimizer);

  // Runs A3C without the GIL; the calling thread wakes every `poll_s` seconds to
  // honour Ctrl-C and to call `callback(progress_dict)` (which may return False to stop).
  m.def(
      "train_a3c",
      [](const A3CConfig& config, ActorCritic& network, py::object callback, double callback_interval_s) {
        if (!is_native_env(config.env_id)) throw py::value_error("env '" + config.env_id + "' has no native implementation");
        A3CTrainer trainer(config, network);
        bool interrupted = false;
        auto progress_dict = [&trainer] {
          const A3CProgress p = trainer.progress();
          py::dict d;
          d["env_steps"] = p.env_steps;
          d["episodes"] = p.episodes;
          d["updates"] = p.updates;
          d["skipped_updates"] = p.skipped_updates;
          d["mean_return"] = p.mean_return;
          d["evaluations"] = p.evaluations;
          d["eval_env_steps"] = p.eval_env_steps;
          d["last_eval_return"] = p.last_eval_return;
          add_loss_stats(d, p.last_loss);
          d["elapsed_s"] = p.elapsed_s;
          d["steps_per_s"] = p.elapsed_s > 0 ? p.env_steps / p.elapsed_s : 0.0;
          return d;
        };
        auto stop_and_join = [&trainer] {
          trainer.request_stop();
          py::gil_scoped_release release;
          trainer.join();
        };
        trainer.start();
        double next_callback = callback_interval_s;
        while (true) {
          bool done;
          {
            py::gil_scoped_release release;
            done = trainer.wait_for(0.05);
          }
          if (PyErr_CheckSignals() != 0) {
            if (!PyErr_ExceptionMatches(PyExc_KeyboardInterrupt)) {
              stop_and_join();
              throw py::error_already_set();
            }
            PyErr_Clear();  // Ctrl-C: stop the workers and return what was learned
            interrupted = true;
            stop_and_join();
            break;
          }
          if (!callback.is_none() && (done || trainer.progress().elapsed_s >= next_callback)) {
            next_callback += callback_interval_s;
            py::object keep_going;
            try {
              keep_going = callback(progress_dict());
            } catch (...) {
              stop_and_join();
              throw;
            }
            if (!keep_going.is_none() && !keep_going.cast<bool>()) {
              stop_and_join();
              break;
            }
          }
          if (done) break;
        }
        {
          py::gil_scoped_release release;
          trainer.join();
        }
        const auto history = trainer.history();
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
        py::dict out = progress_dict();
        out["interrupted"] = interrupted;
        // The trainer knows why it stopped; a stop requested from here was Ctrl-C or the callback.
        const StopReason reason = trainer.stop_reason();
        out["stop_reason"] = reason == StopReason::kRequested ? (interrupted ? "interrupted" : "callback")
                                                              : stop_reason_name(reason);
        out["history_wall_time_s"] = wall;
        out["history_env_steps"] = steps;
        out["history_return"] = returns;
        out["history_length"] = lengths;
        return out;
      },
      py::arg("config"), py::arg("network"), py::arg("callback") = py::none(), py::arg("callback_interval_s") = 1.0);
}

// The pieces the Python A2C trainer (python/fastac/a2c.py) is built from.
void bind_a2c_parts(py::module_& m) {
  m.def(
      "act",
      [](const ActorCritic& net, const py::array& obs, py::object uniforms) {
        auto o = as_obs_batch(obs, net.layout().spec.observation_size);
        const int batch = static_cast<int>(o.shape(0));
        CArray<float> u;
        if (!uniforms.is_none()) {
          u = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(uniforms);
          if (!u || u.ndim() != 1 || u.shape(0) != batch)
            throw py::value_error("uniforms must have shape (" + std::to_string(batch) + ",)");
        }
        CArray<int64_t> actions(batch);
        CArray<float> values(batch);
        thread_local MlpWorkspace ws;  // reused: no allocation per step
        act(net.layout(), net.parameters(), o.data(), batch, uniforms.is_none() ? nullptr : u.data(), ws,
            actions.mutable_data(), values.mutable_data());
        return py::make_tuple(actions, values);
      },
      py::arg("network"), py::arg("obs"), py::arg("uniforms") = py::none(),
      "(actions, values) of a batch: actions sampled by inverse CDF of `uniforms`, or argmax if None.");
  m.def(
      "compute_advantages",
      [](CArray<float> rewards, CArray<float> values, CArray<float> next_values, CArray<bool> terminated,
         CArray<bool> dones, float gamma, float gae_lambda) {
        if (rewards.ndim() != 2) throw py::value_error("rewards must have shape (T, N)");
        const py::ssize_t T = rewards.shape(0), N = rewards.shape(1);
        for (const py::array& a : {py::array(values), py::array(next_values), py::array(terminated), py::array(dones)})
          if (a.ndim() != 2 || a.shape(0) != T || a.shape(1) != N)
            throw py::value_error("values, next_values, terminated and dones must have the shape of rewards");
        CArray<float> advantages({T, N}), returns({T, N});
        compute_advantages(static_cast<int>(T), static_cast<int>(N), rewards.data(), values.data(),
                           next_values.data(), reinterpret_cast<const uint8_t*>(terminated.data()),
                           reinterpret_cast<const uint8_t*>(dones.data()), gamma, gae_lambda,
                           advantages.mutable_data(), returns.mutable_data());
        return py::make_tuple(advantages, returns);
      },
      py::arg("rewards"), py::arg("values"), py::arg("next_values"), py::arg("terminated"), py::arg("dones"),
      py::arg("gamma"), py::arg("gae_lambda"), "(advantages, returns), each (T, N): GAE(lambda) / n-step returns.");
  py::class_<Learner>(m, "Learner", "One synchronous actor-critic update per call (rl/learner.h).")
      .def(py::init<ActorCritic&, const OptimizerConfig&, const LossConfig&>(), py::arg("network"),
           py::arg("optimizer"), py::arg("loss"), py::keep_alive<1, 2>())
      .def(
          "update",
          [](Learner& learner, const py::array& obs, CArray<int64_t> actions, CArray<float> advantages,
             CArray<float> returns, float lr) {
            const ActorCritic& net = learner.network();
            auto o = as_obs_batch(obs, net.layout().spec.observation_size);
            const py::ssize_t batch = o.shape(0);
            check_rows(actions, "actions", batch, 0);
            check_rows(advantages, "advantages", batch, 0);
            check_rows(returns, "returns", batch, 0);
            for (py::ssize_t b = 0; b < batch; ++b)
              if (actions.data()[b] < 0 || actions.data()[b] >= net.layout().spec.num_actions)
                throw py::value_error("actions[" + std::to_string(b) + "] is out of range");
            UpdateStats stats;
            {
              py::gil_scoped_release release;
              stats = learner.update(o.data(), static_cast<int>(batch), actions.data(), advantages.data(),
                                     returns.data(), lr);
            }
            py::dict d;
            add_loss_stats(d, stats.loss);
            d["skipped"] = stats.skipped;
            return d;
          },
          py::arg("obs"), py::arg("actions"), py::arg("advantages"), py::arg("returns"), py::arg("lr"),
          "Gradient of the shared loss over the batch, clipped, applied; returns the loss stats.");
  m.def(
      "evaluate_greedy",
      [](const std::string& env_id, const ActorCritic& net, int episodes, uint64_t seed) {
        if (!is_native_env(env_id)) throw py::value_error("env '" + env_id + "' has no native implementation");
        if (episodes < 1) throw py::value_error("episodes must be >= 1");
        EvaluationResult r;
        {
          py::gil_scoped_release release;
          r = evaluate_greedy(env_id, net.layout(), net.parameters(), episodes, seed);
        }
        return py::make_tuple(r.mean_return, r.env_steps);
      },
      py::arg("env_id"), py::arg("network"), py::arg("episodes"), py::arg("seed"),
      "(mean return, env steps) of the greedy policy over fresh native episodes (rl/evaluate.h).");
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "fastac native core: environments, actor-critic network, loss, optimizers, A3C";
  bind_envs(m);
  bind_network(m);
  bind_a3c(m);
  bind_a2c_parts(m);
  m.def(
      "native_env_sizes",
      [](const std::string& id) {
        if (!is_native_env(id)) throw py::value_error("env '" + id + "' has no native implementation");
        const auto env = make_batched_env(id, 1, AutoresetMode::kNextStep);
        return py::make_tuple(env->observation_size(), env->num_actions());
      },
      py::arg("env_id"), "(observation_size, num_actions) of a native environment.");
  m.def(
      "pcg64_uniform",
      [](std::vector<uint32_t> entropy_words, double low, double high, int count) {
        Pcg64 rng(entropy_words);
        CArray<double> out(count);
        for (int i = 0; i < count; ++i) out.mutable_data()[i] = rng.uniform(low, high);
        return out;
      },
      py::arg("entropy_words"), py::arg("low"), py::arg("high"), py::arg("count"),
      "Generator(PCG64(SeedSequence(entropy))).uniform(low, high, count), natively (for tests).");
}
