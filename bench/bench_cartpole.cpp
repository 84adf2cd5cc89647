// Batched native CartPole step throughput through the generic VectorEnv (its
// E::Batch path: CartPoleEnv::Batch's arrays), one thread.
//   build/cpp/bench_cartpole --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <vector>

#include "envs/cartpole.h"
#include "envs/vector_env.h"

using namespace fastac;

static void BM_CartPoleBatchedStep(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  VectorEnv<CartPoleEnv> env(n, AutoresetMode::kNextStep);  // as the vector env and trainers use it
  std::vector<float> obs(n * 4);
  std::vector<double> reward(n);
  std::vector<uint8_t> terminated(n), truncated(n);
  for (int i = 0; i < n; ++i) {
    env.seed(i, seed_to_uint32_words(i));
    env.reset(i, obs.data() + 4 * i, nullptr);
  }
  // Random actions drawn up front, so the benchmark times the simulator only.
  constexpr int kActionRows = 64;
  std::vector<int64_t> actions(static_cast<size_t>(n) * kActionRows);
  Pcg64 rng = Pcg64::from_seed(0);
  for (auto& a : actions) a = static_cast<int64_t>(rng.next_uint64() >> 63);
  const StepResult out{obs.data(), reward.data(), terminated.data(), truncated.data(), nullptr};
  int row = 0;
  for (auto _ : state) {
    const int invalid = env.step({actions.data() + static_cast<size_t>(row) * n, nullptr, 0}, out);
    benchmark::DoNotOptimize(invalid);
    row = (row + 1) % kActionRows;
    benchmark::DoNotOptimize(obs.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_CartPoleBatchedStep)->Arg(1)->Arg(64)->Arg(1024)->Arg(4096);

BENCHMARK_MAIN();
