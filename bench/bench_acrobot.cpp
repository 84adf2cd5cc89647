// Batched Acrobot step throughput, one thread: the exact VectorEnv<AcrobotEnv>
// (bit for bit gymnasium) against a plain C++ Acrobot that ignores numpy's
// operation order (one fused rk4 in registers, x * x for squares), both with
// NEXT_STEP autoreset, the 500-step TimeLimit and random valid actions drawn up front.
//   g++ -std=c++20 -O2 -ffp-contract=off -fno-fast-math -fopenmp-simd -Icpp bench/bench_acrobot.cpp
//     cpp/envs/acrobot.cpp cpp/envs/env.cpp cpp/envs/numpy_random.cpp -lbenchmark -lpthread -o /tmp/bench_acrobot
//   /tmp/bench_acrobot --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "envs/acrobot.h"
#include "envs/vector_env.h"

using namespace fastac;

namespace {

constexpr int kActionRows = 64;
constexpr int kObs = 6;

std::vector<int64_t> random_actions(int n) {
  std::vector<int64_t> actions(static_cast<size_t>(n) * kActionRows);
  Pcg64 rng = Pcg64::from_seed(0);
  for (auto& a : actions) a = static_cast<int64_t>(rng.next_uint64() % 3);
  return actions;
}

// The plain reimplementation: the same equations written the obvious way.
struct PlainAcrobot {
  double theta1 = 0, theta2 = 0, dtheta1 = 0, dtheta2 = 0;

  struct Deriv {
    double dtheta1, dtheta2, ddtheta1, ddtheta2;
  };
  static Deriv dsdt(double theta1, double theta2, double dtheta1, double dtheta2, double a) {
    constexpr double m1 = 1.0, m2 = 1.0, l1 = 1.0, lc1 = 0.5, lc2 = 0.5, I1 = 1.0, I2 = 1.0, g = 9.8;
    const double c2 = std::cos(theta2), s2 = std::sin(theta2);
    const double d1 = m1 * lc1 * lc1 + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * c2) + I1 + I2;
    const double d2 = m2 * (lc2 * lc2 + l1 * lc2 * c2) + I2;
    const double phi2 = m2 * lc2 * g * std::cos(theta1 + theta2 - M_PI / 2);
    const double phi1 = -m2 * l1 * lc2 * dtheta2 * dtheta2 * s2 - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * s2 +
                        (m1 * lc1 + m2 * l1) * g * std::cos(theta1 - M_PI / 2) + phi2;
    const double ddtheta2 =
        (a + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1 * dtheta1 * s2 - phi2) / (m2 * lc2 * lc2 + I2 - d2 * d2 / d1);
    const double ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
    return {dtheta1, dtheta2, ddtheta1, ddtheta2};
  }

  void reset(Pcg64& rng) {
    theta1 = static_cast<float>(rng.uniform(-0.1, 0.1));
    theta2 = static_cast<float>(rng.uniform(-0.1, 0.1));
    dtheta1 = static_cast<float>(rng.uniform(-0.1, 0.1));
    dtheta2 = static_cast<float>(rng.uniform(-0.1, 0.1));
  }

  bool step(int64_t action) {
    constexpr double dt = 0.2, h = dt / 2;
    const double a = static_cast<double>(action) - 1.0;
    const Deriv k1 = dsdt(theta1, theta2, dtheta1, dtheta2, a);
    const Deriv k2 = dsdt(theta1 + h * k1.dtheta1, theta2 + h * k1.dtheta2, dtheta1 + h * k1.ddtheta1,
                          dtheta2 + h * k1.ddtheta2, a);
    const Deriv k3 = dsdt(theta1 + h * k2.dtheta1, theta2 + h * k2.dtheta2, dtheta1 + h * k2.ddtheta1,
                          dtheta2 + h * k2.ddtheta2, a);
    const Deriv k4 = dsdt(theta1 + dt * k3.dtheta1, theta2 + dt * k3.dtheta2, dtheta1 + dt * k3.ddtheta1,
                          dtheta2 + dt * k3.ddtheta2, a);
    theta1 += dt / 6 * (k1.dtheta1 + 2 * k2.dtheta1 + 2 * k3.dtheta1 + k4.dtheta1);
    theta2 += dt / 6 * (k1.dtheta2 + 2 * k2.dtheta2 + 2 * k3.dtheta2 + k4.dtheta2);
    dtheta1 += dt / 6 * (k1.ddtheta1 + 2 * k2.ddtheta1 + 2 * k3.ddtheta1 + k4.ddtheta1);
    dtheta2 += dt / 6 * (k1.ddtheta2 + 2 * k2.ddtheta2 + 2 * k3.ddtheta2 + k4.ddtheta2);
    theta1 = std::remainder(theta1, 2 * M_PI);
    theta2 = std::remainder(theta2, 2 * M_PI);
    dtheta1 = std::fmin(std::fmax(dtheta1, -4 * M_PI), 4 * M_PI);
    dtheta2 = std::fmin(std::fmax(dtheta2, -9 * M_PI), 9 * M_PI);
    return -std::cos(theta1) - std::cos(theta2 + theta1) > 1.0;
  }

  void observe(float* obs) const {
    obs[0] = static_cast<float>(std::cos(theta1));
    obs[1] = static_cast<float>(std::sin(theta1));
    obs[2] = static_cast<float>(std::cos(theta2));
    obs[3] = static_cast<float>(std::sin(theta2));
    obs[4] = static_cast<float>(dtheta1);
    obs[5] = static_cast<float>(dtheta2);
  }
};

// The plain batch, stepped as VectorEnv steps (validation, NEXT_STEP autoreset, TimeLimit).
struct PlainVector {
  explicit PlainVector(int n) : envs(n), rng(n), elapsed(n, 0), needs_reset(n, 0) {
    for (int i = 0; i < n; ++i) {
      rng[i] = Pcg64::from_seed(static_cast<uint64_t>(i));
      envs[i].reset(rng[i]);
    }
  }
  int step(const int64_t* actions, float* obs, double* reward, uint8_t* terminated, uint8_t* truncated) {
    const int n = static_cast<int>(envs.size());
    for (int i = 0; i < n; ++i)
      if (!needs_reset[i] && (actions[i] < 0 || actions[i] > 2)) return i;
    for (int i = 0; i < n; ++i) {
      if (needs_reset[i]) {
        envs[i].reset(rng[i]);
        elapsed[i] = 0;
        needs_reset[i] = 0;
        reward[i] = 0.0;
        terminated[i] = truncated[i] = 0;
      } else {
        const bool te = envs[i].step(actions[i]);
        const bool tr = ++elapsed[i] >= 500;
        reward[i] = te ? 0.0 : -1.0;
        terminated[i] = te;
        truncated[i] = tr;
        needs_reset[i] = te || tr;
      }
      envs[i].observe(obs + static_cast<size_t>(i) * kObs);
    }
    return -1;
  }
  std::vector<PlainAcrobot> envs;
  std::vector<Pcg64> rng;
  std::vector<int32_t> elapsed;
  std::vector<uint8_t> needs_reset;
};

}  // namespace

static void BM_AcrobotExact(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  VectorEnv<AcrobotEnv> env(n, AutoresetMode::kNextStep);
  std::vector<float> obs(static_cast<size_t>(n) * kObs);
  std::vector<double> reward(n);
  std::vector<uint8_t> terminated(n), truncated(n);
  for (int i = 0; i < n; ++i) {
    env.seed(i, seed_to_uint32_words(i));
    env.reset(i, obs.data() + static_cast<size_t>(i) * kObs, nullptr);
  }
  const std::vector<int64_t> actions = random_actions(n);
  const StepResult out{obs.data(), reward.data(), terminated.data(), truncated.data(), nullptr};
  int row = 0;
  for (auto _ : state) {
    env.step(ActionBatch{actions.data() + static_cast<size_t>(row) * n, nullptr, 0}, out);
    row = (row + 1) % kActionRows;
    benchmark::DoNotOptimize(obs.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_AcrobotExact)->Arg(1)->Arg(64)->Arg(1024);

static void BM_AcrobotPlain(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  PlainVector env(n);
  std::vector<float> obs(static_cast<size_t>(n) * kObs);
  std::vector<double> reward(n);
  std::vector<uint8_t> terminated(n), truncated(n);
  const std::vector<int64_t> actions = random_actions(n);
  int row = 0;
  for (auto _ : state) {
    env.step(actions.data() + static_cast<size_t>(row) * n, obs.data(), reward.data(), terminated.data(),
             truncated.data());
    row = (row + 1) % kActionRows;
    benchmark::DoNotOptimize(obs.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_AcrobotPlain)->Arg(1)->Arg(64)->Arg(1024);

BENCHMARK_MAIN();
