// Batched MountainCar-v0 / MountainCarContinuous-v0 step throughput, one thread:
// the exact VectorEnv<...> (bit for bit with gymnasium) against plain, non-exact
// C++ twins of the same dynamics (double arithmetic, no numpy dtype rules), both
// stepped the same way: NEXT_STEP autoreset, the time limit, precomputed random
// valid actions. items/s = env steps/s.
//   g++ -std=c++20 -O2 -ffp-contract=off -fno-fast-math -fopenmp-simd -Icpp bench/bench_mountain_car.cpp
//       cpp/envs/mountain_car.cpp cpp/envs/continuous_mountain_car.cpp cpp/envs/env.cpp
//       cpp/envs/numpy_random.cpp -lbenchmark -lpthread -o bench_mountain_car
// or build/cpp/bench_mountain_car (FASTAC_BUILD_BENCH). On a 2-core AMD EPYC (loaded),
// min CPU time per env step, exact (VectorEnv + step_batch) / plain twin: MountainCar
// ~1.3-1.5x, MountainCarContinuous ~1.3-1.5x; glibc cos is ~45% of the exact step.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "envs/continuous_mountain_car.h"
#include "envs/mountain_car.h"
#include "envs/vector_env.h"

using namespace fastac;

namespace {

constexpr int kActionRows = 64;  // actions drawn up front, so that the benchmark times the simulator only

std::vector<int64_t> discrete_actions(int n) {
  std::vector<int64_t> a(static_cast<size_t>(n) * kActionRows);
  Pcg64 rng = Pcg64::from_seed(0);
  for (auto& x : a) x = static_cast<int64_t>(rng.next_uint64() % 3);
  return a;
}

std::vector<float> box_actions(int n) {
  std::vector<float> a(static_cast<size_t>(n) * kActionRows);
  Pcg64 rng = Pcg64::from_seed(0);
  for (auto& x : a) x = static_cast<float>(rng.uniform(-1.5, 1.5));  // some outside [-1, 1]
  return a;
}

// The plain twins: what one would write without matching gymnasium bit for bit.
struct PlainBatch {
  explicit PlainBatch(int n, int max_steps)
      : max_steps(max_steps), pos(n), vel(n), elapsed(n), needs_reset(n), rng(n) {
    for (int i = 0; i < n; ++i) {
      rng[i] = Pcg64::from_seed(i);
      reset(i);
    }
  }
  void reset(int i) {
    pos[i] = rng[i].uniform(-0.6, -0.4);
    vel[i] = 0.0;
    elapsed[i] = 0;
    needs_reset[i] = 0;
  }
  // One step of env i given its new (position, velocity, terminated, reward): the
  // NEXT_STEP autoreset and the time limit, as VectorEnv does them.
  template <class Dynamics>
  void step(int n, Dynamics dynamics, float* obs, double* reward, uint8_t* terminated, uint8_t* truncated) {
    for (int i = 0; i < n; ++i) {
      if (needs_reset[i]) {
        reset(i);
        reward[i] = 0.0;
        terminated[i] = truncated[i] = 0;
      } else {
        bool done;
        reward[i] = dynamics(i, pos[i], vel[i], done);
        terminated[i] = done;
        truncated[i] = ++elapsed[i] >= max_steps;
        needs_reset[i] = terminated[i] || truncated[i];
      }
      obs[2 * i] = static_cast<float>(pos[i]);
      obs[2 * i + 1] = static_cast<float>(vel[i]);
    }
  }
  int max_steps;
  std::vector<double> pos, vel;
  std::vector<int> elapsed;
  std::vector<uint8_t> needs_reset;
  std::vector<Pcg64> rng;
};

template <class E>
void bench_exact(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  VectorEnv<E> env(n, AutoresetMode::kNextStep);
  std::vector<float> obs(static_cast<size_t>(n) * 2);
  std::vector<double> reward(n);
  std::vector<uint8_t> terminated(n), truncated(n);
  for (int i = 0; i < n; ++i) {
    env.seed(i, seed_to_uint32_words(i));
    env.reset(i, obs.data() + 2 * i, nullptr);
  }
  const bool discrete = E::spec().action_space.is_discrete();
  const std::vector<int64_t> d = discrete_actions(n);
  const std::vector<float> f = box_actions(n);
  const StepResult out{obs.data(), reward.data(), terminated.data(), truncated.data(), nullptr};
  int row = 0;
  for (auto _ : state) {
    const size_t offset = static_cast<size_t>(row) * n;
    const ActionBatch a = discrete ? ActionBatch{d.data() + offset, nullptr, 0} : ActionBatch{nullptr, f.data() + offset, 1};
    benchmark::DoNotOptimize(env.step(a, out));
    row = (row + 1) % kActionRows;
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n);
}

void BM_MountainCarExact(benchmark::State& state) { bench_exact<MountainCarEnv>(state); }
void BM_MountainCarContinuousExact(benchmark::State& state) { bench_exact<MountainCarContinuousEnv>(state); }

void BM_MountainCarPlain(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  PlainBatch env(n, 200);
  std::vector<float> obs(static_cast<size_t>(n) * 2);
  std::vector<double> reward(n);
  std::vector<uint8_t> terminated(n), truncated(n);
  const std::vector<int64_t> actions = discrete_actions(n);
  int row = 0;
  for (auto _ : state) {
    const int64_t* a = actions.data() + static_cast<size_t>(row) * n;
    env.step(
        n,
        [a](int i, double& p, double& v, bool& done) {
          v = std::clamp(v + (a[i] - 1) * 0.001 - 0.0025 * std::cos(3 * p), -0.07, 0.07);
          p = std::clamp(p + v, -1.2, 0.6);
          if (p == -1.2 && v < 0) v = 0;
          done = p >= 0.5 && v >= 0;
          return -1.0;
        },
        obs.data(), reward.data(), terminated.data(), truncated.data());
    row = (row + 1) % kActionRows;
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n);
}

void BM_MountainCarContinuousPlain(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  PlainBatch env(n, 999);
  std::vector<float> obs(static_cast<size_t>(n) * 2);
  std::vector<double> reward(n);
  std::vector<uint8_t> terminated(n), truncated(n);
  const std::vector<float> actions = box_actions(n);
  int row = 0;
  for (auto _ : state) {
    const float* a = actions.data() + static_cast<size_t>(row) * n;
    env.step(
        n,
        [a](int i, double& p, double& v, bool& done) {
          const double force = std::clamp(static_cast<double>(a[i]), -1.0, 1.0);
          v = std::clamp(v + force * 0.0015 - 0.0025 * std::cos(3 * p), -0.07, 0.07);
          p = std::clamp(p + v, -1.2, 0.6);
          if (p == -1.2 && v < 0) v = 0;
          done = p >= 0.45 && v >= 0;
          return (done ? 100.0 : 0.0) - 0.1 * static_cast<double>(a[i]) * a[i];
        },
        obs.data(), reward.data(), terminated.data(), truncated.data());
    row = (row + 1) % kActionRows;
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n);
}

}  // namespace

BENCHMARK(BM_MountainCarExact)->Arg(1)->Arg(64)->Arg(1024);
BENCHMARK(BM_MountainCarPlain)->Arg(1)->Arg(64)->Arg(1024);
BENCHMARK(BM_MountainCarContinuousExact)->Arg(1)->Arg(64)->Arg(1024);
BENCHMARK(BM_MountainCarContinuousPlain)->Arg(1)->Arg(64)->Arg(1024);

BENCHMARK_MAIN();
