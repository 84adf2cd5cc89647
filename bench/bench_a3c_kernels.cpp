// Microbenchmarks of the A3C hot paths on the default network (4 -> 128 -> 2 + 1):
// forward at batch 1 and 64, one update (forward, loss, backward, clip, then the
// shared RMSProp apply), the Hogwild apply alone from 1 and 2 threads, and a
// whole A3C run (env steps/s) with 1 and 2 workers.
//   build/cpp/bench_a3c_kernels --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <vector>

#include "nn/actor_critic.h"
#include "nn/mlp.h"
#include "rl/a3c.h"
#include "rl/loss.h"
#include "rl/shared_optimizer.h"

using namespace fastac;

namespace {

std::vector<float> random_floats(size_t n, uint32_t seed, float scale = 0.05f) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> v(n);
  for (float& x : v) x = u(gen);
  return v;
}

}  // namespace

static void BM_Forward(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  ActorCritic net({}, 0);
  const auto obs = random_floats(static_cast<size_t>(batch) * 4, 1);
  MlpWorkspace ws;
  for (auto _ : state) {
    mlp_forward(net.layout(), net.parameters(), obs.data(), batch, ws);
    benchmark::DoNotOptimize(ws.values.data());
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_Forward)->Arg(1)->Arg(8)->Arg(64);

// Gradient of one rollout of `batch` samples (the default t_max 5 x 8 envs = 40),
// then the shared RMSProp apply: everything a worker does per update.
static void BM_Update(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  ActorCritic net({}, 0);
  SharedOptimizer optimizer(net.parameters(), net.num_parameters(), {});
  const auto obs = random_floats(static_cast<size_t>(batch) * 4, 1);
  const auto advantages = random_floats(batch, 2, 1.0f), returns = random_floats(batch, 3, 10.0f);
  std::vector<int64_t> actions(batch);
  for (int b = 0; b < batch; ++b) actions[b] = b % 2;
  std::vector<float> grad(net.num_parameters());
  MlpWorkspace ws;
  for (auto _ : state) {
    compute_gradient(net.layout(), net.parameters(), obs.data(), batch, actions.data(), advantages.data(),
                     returns.data(), {}, ws, grad.data());
    optimizer.apply(grad.data(), 1e-9f);  // a tiny lr keeps the parameters where they are
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_Update)->Arg(40)->Arg(64);

// The lock-free apply alone; with 2 threads both write the same shared buffers.
static void BM_HogwildApply(benchmark::State& state) {
  static std::unique_ptr<ActorCritic> net;
  static std::unique_ptr<SharedOptimizer> optimizer;
  if (state.thread_index() == 0) {
    net = std::make_unique<ActorCritic>(ActorCriticSpec{}, 0);
    optimizer = std::make_unique<SharedOptimizer>(net->parameters(), net->num_parameters(), OptimizerConfig{});
  }
  const auto grad = random_floats(ParameterLayout(ActorCriticSpec{}).size, 7 + state.thread_index());
  for (auto _ : state) optimizer->apply(grad.data(), 1e-9f);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HogwildApply)->Threads(1)->Threads(2)->UseRealTime();

// Whole A3C training on native CartPole with the Python defaults, fixed budget.
static void BM_A3CTraining(benchmark::State& state) {
  A3CConfig config;
  config.num_workers = static_cast<int>(state.range(0));
  config.envs_per_worker = 8;
  config.t_max = 5;
  config.lr = 3e-3f;
  config.total_steps = 1'000'000;
  int64_t steps = 0;
  for (auto _ : state) {
    ActorCritic net({}, 0);
    A3CTrainer trainer(config, net);
    trainer.start();
    trainer.join();
    steps += trainer.progress().env_steps;
  }
  state.SetItemsProcessed(steps);
}
BENCHMARK(BM_A3CTraining)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

BENCHMARK_MAIN();
