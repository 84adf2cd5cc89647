// Microbenchmarks of the A3C hot paths on the default network (4 -> 128 -> 2 + 1):
// the policy's forward at batch 1, 8 and 64, one update (forward, loss, backward,
// then apply_gradient: clip and the shared RMSProp apply), the Hogwild apply alone
// from 1 and 2 threads, and a whole A3C run (env steps/s) with 1 and 2 workers; the
// same on native MinAtar Breakout with the minatar_cnn policy (bench_minatar.py's A3C).
//   build/cpp/bench_a3c_kernels --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <vector>

#include "nn/actor_critic.h"
#include "rl/a3c.h"
#include "rl/learner.h"
#include "rl/loss.h"
#include "rl/shared_optimizer.h"
#include "rl/train_config.h"

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
  ModelWorkspace ws(net);
  ws.head.resize(static_cast<size_t>(batch) * net.policy().head_size());
  ws.values.resize(batch);
  for (auto _ : state) {
    net.policy().forward(net.parameters(), obs.data(), batch, *ws.policy, ws.head.data(), ws.values.data());
    benchmark::DoNotOptimize(ws.values.data());
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_Forward)->Arg(1)->Arg(8)->Arg(64);

// Gradient of one rollout of `batch` samples (the default t_max 5 x 8 envs = 40),
// then clipping and the shared RMSProp apply: everything a worker does per update.
static void BM_Update(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  ActorCritic net({}, 0);
  SharedOptimizer optimizer(net.parameters(), net.num_parameters(), {});
  const auto obs = random_floats(static_cast<size_t>(batch) * 4, 1);
  const auto advantages = random_floats(batch, 2, 1.0f), returns = random_floats(batch, 3, 10.0f);
  std::vector<int64_t> actions(batch);
  for (int b = 0; b < batch; ++b) actions[b] = b % 2;
  std::vector<float> grad(net.num_parameters());
  ModelWorkspace ws(net);
  const LossConfig loss;
  for (auto _ : state) {
    LossStats stats = compute_gradient(net, net.parameters(), obs.data(), batch, {actions.data(), nullptr, 0},
                                       advantages.data(), returns.data(), loss, ws, grad.data());
    // A tiny lr keeps the parameters where they are.
    benchmark::DoNotOptimize(apply_gradient(optimizer, grad.data(), loss.max_grad_norm, 1e-9f, stats));
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
  const size_t size = MlpLayout(ActorCriticSpec{}.observation_size, 2, ActorCriticSpec{}.hidden_sizes).size;
  const auto grad = random_floats(size, 7 + state.thread_index());
  for (auto _ : state) optimizer->apply(grad.data(), 1e-9f);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HogwildApply)->Threads(1)->Threads(2)->UseRealTime();

// The same at minatar_cnn's size for Breakout (132,308 parameters: 16x4x3x3 + 16,
// 1024x128 + 128, 128x3 + 3, 128 + 1), where the step's memory traffic is what costs.
static void BM_HogwildApplyMinAtarSize(benchmark::State& state) {
  constexpr size_t kSize = 132'308;
  static std::vector<float> params;
  static std::unique_ptr<SharedOptimizer> optimizer;
  if (state.thread_index() == 0) {
    params = random_floats(kSize, 5);
    optimizer = std::make_unique<SharedOptimizer>(params.data(), kSize, OptimizerConfig{});
  }
  const auto grad = random_floats(kSize, 7 + state.thread_index());
  for (auto _ : state) optimizer->apply(grad.data(), 1e-9f);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HogwildApplyMinAtarSize)->Threads(1)->Threads(2)->UseRealTime();

// Whole A3C training on native CartPole with the Python defaults, fixed budget.
static void BM_A3CTraining(benchmark::State& state) {
  TrainConfig config;
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
    steps += trainer.monitor().progress().env_steps;
  }
  state.SetItemsProcessed(steps);
}
BENCHMARK(BM_A3CTraining)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

// Whole A3C training on native MinAtar Breakout-v1, as bench/bench_minatar.py runs it
// (2 workers x 8 envs, t_max 5, lr 3e-3, entropy 0.01), 2M steps from scratch.
static void BM_A3CTrainingMinAtar(benchmark::State& state) {
  ActorCriticSpec spec;
  spec.observation_size = 10 * 10 * 4;
  spec.action_space = Space::discrete(3);
  spec.hidden_sizes = {};
  spec.architecture = "minatar_cnn";
  spec.observation_shape = {10, 10, 4};
  spec.channels_last = true;
  spec.observation_dtype = ObsDtype::kBool;
  TrainConfig config;
  config.num_workers = static_cast<int>(state.range(0));
  config.envs_per_worker = 8;
  config.t_max = 5;
  config.lr = 3e-3f;
  config.entropy_coef = 0.01f;
  config.total_steps = 2'000'000;
  int64_t steps = 0;
  for (auto _ : state) {
    ActorCritic net(spec, 0);
    A3CTrainer trainer(config, net, EnvSource::native("MinAtar/Breakout-v1"));
    trainer.start();
    trainer.join();
    steps += trainer.monitor().progress().env_steps;
  }
  state.SetItemsProcessed(steps);
}
BENCHMARK(BM_A3CTrainingMinAtar)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

BENCHMARK_MAIN();
