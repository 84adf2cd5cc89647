// fastac._core: the pybind11 bindings. Type translation only; the logic lives
// in the plain C++ of cpp/, which the C++ tests and benchmarks link directly.
// No torch headers here (they cost ~35 s of compile time per file).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>

#include "envs/cartpole.h"
#include "envs/numpy_random.h"

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
              for (int i = 0; i < env.num_envs(); ++i)
                if (m.data()[i]) env.reset_with_bounds(i, low, high, out + 4 * i);
            }
          },
          py::arg("obs"), py::arg("low") = CartPole::default_reset_low,
          py::arg("high") = CartPole::default_reset_high, py::arg("mask") = py::none(),
          "Resets sub-envs (all, or where mask is true) into rows of obs, continuing their streams.")
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

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "fastac native core: environments, actor-critic network, loss, optimizers, A3C";
  bind_envs(m);
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
