// Batched native Pendulum step throughput, one thread: the bit-exact PendulumEnv
// against a plain float32 reimplementation (no care for numpy's dtypes or libm
// calls), both stepped by VectorEnv with NEXT_STEP autoreset. items/s = env steps/s.
//   g++ -std=c++20 -O2 -ffp-contract=off -fno-fast-math -fopenmp-simd -Icpp bench/bench_pendulum.cpp
//       cpp/envs/pendulum.cpp cpp/envs/env.cpp cpp/envs/numpy_random.cpp -lbenchmark -lpthread -o /tmp/bench_pendulum
//   /tmp/bench_pendulum --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "envs/pendulum.h"
#include "envs/vector_env.h"

using namespace fastac;

namespace {

// Pendulum-v1 written the obvious way in float32: x * x for squares, float sin/cos,
// no care for numpy's promotion rules. Close to, not bit-equal to, gymnasium.
struct PlainPendulumEnv {
  static const EnvSpec& spec() { return PendulumEnv::spec(); }
  explicit PlainPendulumEnv(const double* params) : g(static_cast<float>(params[0])) {}

  void reset(Pcg64& rng, const double* options) {
    th = static_cast<float>(rng.uniform(-options[0], options[0]));
    thdot = static_cast<float>(rng.uniform(-options[1], options[1]));
  }
  StepOutcome step(const Action& action) {
    constexpr float pi = 3.14159265f, dt = 0.05f, max_speed = 8.0f, max_torque = 2.0f;
    const float u = std::fmin(std::fmax(action.box[0], -max_torque), max_torque);
    float an = std::fmod(th + pi, 2 * pi);
    if (an < 0) an += 2 * pi;
    an -= pi;
    const float costs = an * an + 0.1f * thdot * thdot + 0.001f * u * u;
    thdot = std::fmin(std::fmax(thdot + (3 * g / 2 * std::sin(th) + 3.0f * u) * dt, -max_speed), max_speed);
    th += thdot * dt;
    return {-costs, false};
  }
  void observe(float* obs) const {
    obs[0] = std::cos(th);
    obs[1] = std::sin(th);
    obs[2] = thdot;
  }
  void get_state(double* s) const {
    s[0] = th;
    s[1] = thdot;
  }
  void set_state(const double* s) {
    th = static_cast<float>(s[0]);
    thdot = static_cast<float>(s[1]);
  }

  float g, th = 0, thdot = 0;
};

template <class E>
void BatchedStep(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  VectorEnv<E> env(n, AutoresetMode::kNextStep);  // as the vector env and trainers use it
  std::vector<float> obs(n * 3);
  std::vector<double> reward(n);
  std::vector<uint8_t> terminated(n), truncated(n);
  for (int i = 0; i < n; ++i) {
    env.seed(i, seed_to_uint32_words(i));
    env.reset(i, obs.data() + 3 * i, nullptr);
  }
  // Random valid float32 torques drawn up front, so the benchmark times the simulator only.
  constexpr int kActionRows = 64;
  std::vector<float> actions(static_cast<size_t>(n) * kActionRows);
  Pcg64 rng = Pcg64::from_seed(0);
  for (auto& a : actions) a = static_cast<float>(rng.uniform(-2.0, 2.0));
  const StepResult out{obs.data(), reward.data(), terminated.data(), truncated.data(), nullptr};
  int row = 0;
  for (auto _ : state) {
    env.step(ActionBatch{nullptr, actions.data() + static_cast<size_t>(row) * n, 1}, out);
    row = (row + 1) % kActionRows;
    benchmark::DoNotOptimize(obs.data());
    benchmark::DoNotOptimize(reward.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}

}  // namespace

BENCHMARK(BatchedStep<PendulumEnv>)->Name("PendulumExact")->Arg(1)->Arg(64)->Arg(1024);
BENCHMARK(BatchedStep<PlainPendulumEnv>)->Name("PendulumPlainFloat32")->Arg(1)->Arg(64)->Arg(1024);

BENCHMARK_MAIN();
