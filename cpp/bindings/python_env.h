// PythonBatchedEnv: the core's BatchedEnv over Python environments, so that A3C
// workers step gymnasium envs themselves. Type translation only: it calls a
// `fastac.envs.worker.WorkerEnvs` (python/fastac/envs/worker.py, which owns the
// envs, their autoreset and checks) holding the GIL around each call and copies
// arrays between numpy and the core's buffers. Everything else a worker does
// (network, loss, optimizer) runs without the GIL.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "envs/vector_env.h"

namespace fastac {

namespace py = pybind11;

class PythonBatchedEnv final : public BatchedEnv {
 public:
  // `envs`: a WorkerEnvs. Call with the GIL held.
  static std::unique_ptr<BatchedEnv> adopt(py::object envs) {
    auto spec = std::make_unique<EnvSpec>();
    spec->id = envs.attr("env_id").cast<std::string>();
    const int D = envs.attr("observation_size").cast<int>();
    const float inf = std::numeric_limits<float>::infinity();
    spec->observation_space = Space::box({D}, std::vector<float>(D, -inf), std::vector<float>(D, inf));
    spec->observation_dtype = obs_dtype_from_name(envs.attr("observation_dtype").cast<std::string>());
    spec->action_space = envs.attr("core_action_space").cast<Space>();
    const int n = envs.attr("num_envs").cast<int>();
    return std::unique_ptr<BatchedEnv>(new PythonBatchedEnv(std::move(envs), std::move(spec), n));
  }
  // (The worker threads are not Python threads: by default every GIL acquisition
  // would create and delete a Python thread state, several µs per step. The env
  // keeps its thread's state alive from its construction to its destruction.)

  // Closes the envs on the way out, whatever ended the run (an error in close() is
  // reported as unraisable: a destructor must not throw).
  ~PythonBatchedEnv() override {
    py::gil_scoped_acquire gil;
    try {
      envs_.attr("close")();
    } catch (py::error_already_set& e) {
      e.discard_as_unraisable("closing an A3C worker's environments");
    }
    envs_ = py::object();
    if (std::this_thread::get_id() == thread_) gil.dec_ref();  // the constructor's reference to the thread state
  }

  void seed(int env, const std::vector<uint32_t>& words) override { pending_seeds_[env] = words; }

  // Reset options are not taken: the trainers reset with the env's defaults.
  void reset(int env, void* obs, const double* /*options*/) override {
    py::gil_scoped_acquire gil;
    py::object seed = py::none();
    if (!pending_seeds_[env].empty()) {  // the Python int of numpy's entropy words
      py::int_ value(0);
      for (size_t k = pending_seeds_[env].size(); k-- > 0;)
        value = py::int_((value << py::int_(32)) | py::int_(pending_seeds_[env][k]));
      seed = value;
      pending_seeds_[env].clear();
    }
    copy_rows(envs_.attr("reset_one")(env, seed), 1, "reset_one", last_obs_.row(env));
    if (obs != nullptr) observe(env, obs);
  }

  void observe(int env, void* obs) const override { std::memcpy(obs, last_obs_.row(env), last_obs_.row_bytes()); }

  int step(const ActionBatch& actions, const StepResult& out) override {
    const int n = num_envs_;
    py::gil_scoped_acquire gil;
    py::array a = actions.discrete
                      ? py::array(py::array_t<int64_t>({n}, actions.discrete))
                      : py::array(py::array_t<float>({n, actions.box_size}, actions.box));
    py::tuple r = envs_.attr("step")(a);
    if (r.size() != 5) throw std::runtime_error("WorkerEnvs.step must return 5 arrays");
    copy_rows(r[0], n, "obs", out.obs);
    copy_values(py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(r[1]), n, "reward", out.reward);
    copy_values(py::array_t<uint8_t, py::array::c_style | py::array::forcecast>::ensure(r[2]), n, "terminated",
                out.terminated);
    copy_values(py::array_t<uint8_t, py::array::c_style | py::array::forcecast>::ensure(r[3]), n, "truncated",
                out.truncated);
    if (out.final_obs != nullptr) copy_rows(r[4], n, "final_obs", out.final_obs);
    std::memcpy(last_obs_.data(), out.obs, last_obs_.row_bytes() * n);
    return -1;  // WorkerEnvs raises for an invalid action
  }

  // What only native envs keep: a Python env's state is its own.
  void get_state(int, double*) const override { unsupported("get_state"); }
  void set_state(int, const double*) override { unsupported("set_state"); }
  int elapsed_steps(int) const override { unsupported("elapsed_steps"); }
  std::string save() const override { unsupported("save"); }
  void load(const std::string&) override { unsupported("load"); }

 private:
  PythonBatchedEnv(py::object envs, std::unique_ptr<EnvSpec> spec, int n)
      : BatchedEnv(*spec, n, AutoresetMode::kSameStep, 0),
        owned_spec_(std::move(spec)),
        envs_(std::move(envs)),
        pending_seeds_(n),
        last_obs_(n, observation_size_, spec_->observation_dtype),
        thread_(std::this_thread::get_id()) {
    py::gil_scoped_acquire keep;
    keep.inc_ref();  // released by the destructor
  }

  [[noreturn]] void unsupported(const char* what) const {
    throw std::logic_error(std::string(what) + " is not available for a Python environment ('" + spec_->id + "')");
  }
  // Observation rows of the env's dtype (WorkerEnvs has checked and converted them).
  void copy_rows(const py::handle& obs, int rows, const char* what, void* to) const {
    const py::array a = observation_dtype() == ObsDtype::kFloat32
                            ? py::array(py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(obs))
                            : py::array(py::array_t<uint8_t, py::array::c_style | py::array::forcecast>::ensure(obs));
    check(a, rows, observation_size_, what);
    std::memcpy(to, a.data(), last_obs_.row_bytes() * rows);
  }
  template <class T>
  void copy_values(const py::array& a, int rows, const char* what, T* to) const {
    check(a, rows, 1, what);
    std::memcpy(to, a.data(), sizeof(T) * static_cast<size_t>(rows));
  }
  void check(const py::array& a, int rows, int columns, const char* what) const {
    if (!a || a.size() != static_cast<py::ssize_t>(rows) * columns)
      throw std::runtime_error(std::string("WorkerEnvs gave ") + what + " of the wrong size for env '" + spec_->id + "'");
  }

  std::unique_ptr<EnvSpec> owned_spec_;  // BatchedEnv keeps a pointer to it
  py::object envs_;
  std::vector<std::vector<uint32_t>> pending_seeds_;  // seed() words, used by the next reset()
  ObservationBuffer last_obs_;                        // what observe() reports
  std::thread::id thread_;                            // the one whose Python thread state it keeps
};

}  // namespace fastac
