// Microbenchmarks of the libtorch-module policies (nn/torch_policy.h), one intra-op
// thread (as an A3C worker), samples/s at batch 1, 16 and 256:
//   - forward alone (Policy::infer: no graph kept) and forward+backward (a whole
//     compute_gradient of the A2C loss, rl/loss.h, discrete actions, random actions,
//     advantages and returns);
//   - nature_cnn on Atari's 84x84x4 uint8 frames, channel-first, 6 actions, and
//     minatar_cnn on MinAtar Breakout's 10x10x4 bool images, channel-last, 3 actions;
//   - minatar_cnn's hand-written passes against its module's autograd, one run;
//   - nature_cnn's A3C rollout (8 envs x 5 steps) in its explicit passes against its
//     module's autograd, one run;
//   - the MLP 4 -> 64 -> 64 (tanh), 2 actions, as the hand-written kernels ("mlp") and
//     as a libtorch module ("torch_mlp"): where each policy kind wins.
// The observations are random in the env's dtype (uint8 0..255, bool 0/1 bytes, floats);
// the weights are the ActorCritic constructor's (orthogonal, seed 0).
// A compute_gradient over a large batch runs in chunks (Policy::gradient_chunk), as in
// training; the "chunk" counter is the chunk size at that batch.
// bench/bench_cnn_torch_peer.py measures the same CNNs in plain PyTorch.
//   build/cpp/bench_torch_policy --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "nn/actor_critic.h"
#include "nn/torch_policy.h"
#include "rl/loss.h"

using namespace fastac;

namespace {

// An image policy's spec, as tests/cpp/test_torch_policy.cpp builds them.
ActorCriticSpec image_spec(const std::string& architecture, std::vector<int> shape, bool channels_last, ObsDtype dtype,
                           int64_t actions) {
  ActorCriticSpec s;
  s.observation_size = shape[0] * shape[1] * shape[2];
  s.action_space = Space::discrete(actions);
  s.hidden_sizes = {};  // the architecture's feature width (512 / 128)
  s.architecture = architecture;
  s.observation_shape = std::move(shape);
  s.channels_last = channels_last;
  s.observation_dtype = dtype;
  return s;
}

// Atari after SB3's AtariWrapper and frame stacking: [4, 84, 84] uint8, 6 actions (Pong's).
ActorCriticSpec atari_nature_cnn() { return image_spec("nature_cnn", {4, 84, 84}, false, ObsDtype::kUInt8, 6); }

// MinAtar Breakout: [10, 10, 4] bool, 3 actions.
ActorCriticSpec minatar_breakout_cnn() {
  return image_spec("minatar_cnn", {10, 10, 4}, true, ObsDtype::kBool, 3);
}

// CartPole's size: 4 -> 64 -> 64 (tanh) -> 2 + 1, as kernels or as a libtorch module.
ActorCriticSpec cartpole_mlp(const std::string& architecture) {
  ActorCriticSpec s;
  s.observation_size = 4;
  s.action_space = Space::discrete(2);
  s.hidden_sizes = {64, 64};
  s.activation = Activation::kTanh;
  s.architecture = architecture;
  return s;
}

// `batch` random observations in the policy's dtype, as raw bytes.
std::vector<uint8_t> random_observations(const Policy& policy, int batch, uint32_t seed) {
  const size_t n = static_cast<size_t>(batch) * policy.observation_size();
  std::mt19937 gen(seed);
  std::vector<uint8_t> bytes(n * element_size(policy.observation_dtype()));
  switch (policy.observation_dtype()) {
    case ObsDtype::kUInt8: {
      std::uniform_int_distribution<int> u(0, 255);
      for (uint8_t& b : bytes) b = static_cast<uint8_t>(u(gen));
      break;
    }
    case ObsDtype::kBool: {
      std::bernoulli_distribution u(0.1);  // sparse, as MinAtar's object channels
      for (uint8_t& b : bytes) b = u(gen) ? 1 : 0;
      break;
    }
    case ObsDtype::kFloat32: {
      std::normal_distribution<float> u(0.0f, 1.0f);
      for (size_t i = 0; i < n; ++i) {
        const float x = u(gen);
        std::memcpy(bytes.data() + i * sizeof(float), &x, sizeof(float));
      }
      break;
    }
  }
  return bytes;
}

std::vector<float> random_floats(size_t n, uint32_t seed, float scale) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> u(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = u(gen);
  return v;
}

}  // namespace

// The policy's forward without a graph (acting, bootstrapping): head and values.
static void BM_Infer(benchmark::State& state, ActorCriticSpec spec) {
  set_torch_threads(1);
  const int batch = static_cast<int>(state.range(0));
  ActorCritic net(spec, 0);
  const auto obs = random_observations(net.policy(), batch, 1);
  ModelWorkspace ws(net);
  std::vector<float> head(static_cast<size_t>(batch) * net.policy().head_size()), values(batch);
  for (auto _ : state) {
    net.policy().infer(net.parameters(), obs.data(), batch, *ws.policy, head.data(), values.data());
    benchmark::DoNotOptimize(values.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

// The gradient of the A2C loss over `batch` samples: forward, loss, backward.
static void BM_Gradient(benchmark::State& state, ActorCriticSpec spec) {
  set_torch_threads(1);
  const int batch = static_cast<int>(state.range(0));
  ActorCritic net(spec, 0);
  const auto obs = random_observations(net.policy(), batch, 1);
  const auto advantages = random_floats(batch, 2, 1.0f), returns = random_floats(batch, 3, 1.0f);
  std::mt19937 gen(4);
  std::uniform_int_distribution<int64_t> action(0, spec.action_space.n - 1);
  std::vector<int64_t> actions(batch);
  for (int64_t& a : actions) a = action(gen);
  std::vector<float> grad(net.num_parameters());
  ModelWorkspace ws(net);
  const LossConfig loss;  // value_coef 0.5, no entropy term
  for (auto _ : state) {
    LossStats stats = compute_gradient(net, net.parameters(), obs.data(), batch, {actions.data(), nullptr, 0},
                                       advantages.data(), returns.data(), loss, ws, grad.data());
    benchmark::DoNotOptimize(stats);
    benchmark::DoNotOptimize(grad.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["chunk"] = net.policy().gradient_chunk(batch);
}

// minatar_cnn's two implementations in one run: the hand-written passes (nn/minatar_cnn.h,
// the default) and the module through autograd (TorchPolicySpec::autograd): a policy's
// forward and backward at the batches A3C acts (8) and learns (40) on, and A2C's 80.
static void BM_MinAtarForwardBackward(benchmark::State& state, bool autograd) {
  set_torch_threads(1);
  const int batch = static_cast<int>(state.range(0));
  TorchPolicySpec spec;
  spec.architecture = "minatar_cnn";
  spec.observation_shape = {10, 10, 4};
  spec.channels_last = true;
  spec.observation_dtype = ObsDtype::kBool;
  spec.head_size = 3;
  spec.autograd = autograd;
  const TorchPolicy policy(spec);
  const auto params = random_floats(policy.num_parameters(), 5, 0.05f);
  const auto obs = random_observations(policy, batch, 1);
  const auto grad_head = random_floats(static_cast<size_t>(batch) * 3, 6, 1.0f), grad_values = random_floats(batch, 7, 1.0f);
  std::vector<float> head(static_cast<size_t>(batch) * 3), values(batch), grad(policy.num_parameters());
  auto ws = policy.make_workspace();
  for (auto _ : state) {
    policy.forward(params.data(), obs.data(), batch, *ws, head.data(), values.data());
    policy.backward(params.data(), obs.data(), batch, *ws, grad_head.data(), grad_values.data(), grad.data());
    benchmark::DoNotOptimize(grad.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK_CAPTURE(BM_MinAtarForwardBackward, kernels, false)->Arg(8)->Arg(40)->Arg(80);
BENCHMARK_CAPTURE(BM_MinAtarForwardBackward, autograd, true)->Arg(8)->Arg(40)->Arg(80);

// nature_cnn's A3C rollout of 8 envs x 5 steps in its two implementations, one run: the
// explicit passes (the default) keep the 5 acting forwards of 8 rows (forward_rows) for one
// backward of 40; the module through autograd (TorchPolicySpec::autograd) acts without a
// graph (infer), then runs a forward of the 40 rows and its backward (A3C did that in
// chunks of 38 and 2 rows, a little slower).
static void BM_NatureA3CRollout(benchmark::State& state, bool autograd) {
  set_torch_threads(1);
  constexpr int E = 8, T = 5, batch = E * T;
  TorchPolicySpec spec;
  spec.architecture = "nature_cnn";
  spec.observation_shape = {4, 84, 84};
  spec.observation_dtype = ObsDtype::kUInt8;
  spec.head_size = 6;
  spec.autograd = autograd;
  const TorchPolicy policy(spec);
  const auto params = random_floats(policy.num_parameters(), 5, 0.02f);
  const auto obs = random_observations(policy, batch, 1);
  const size_t row_bytes = obs.size() / batch;
  const auto grad_head = random_floats(static_cast<size_t>(batch) * 6, 6, 1.0f), grad_values = random_floats(batch, 7, 1.0f);
  std::vector<float> head(static_cast<size_t>(batch) * 6), values(batch), grad(policy.num_parameters());
  auto ws = policy.make_workspace(), act_ws = policy.make_workspace();
  for (auto _ : state) {
    for (int t = 0; t < T; ++t) {
      const uint8_t* rows = obs.data() + static_cast<size_t>(t) * E * row_bytes;
      float* h = head.data() + static_cast<size_t>(t) * E * 6;
      if (autograd)
        policy.infer(params.data(), rows, E, *act_ws, h, values.data() + t * E);
      else
        policy.forward_rows(params.data(), rows, t * E, E, batch, *ws, h, values.data() + t * E);
    }
    if (autograd) policy.forward(params.data(), obs.data(), batch, *ws, head.data(), values.data());
    policy.backward(params.data(), obs.data(), batch, *ws, grad_head.data(), grad_values.data(), grad.data());
    benchmark::DoNotOptimize(grad.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK_CAPTURE(BM_NatureA3CRollout, explicit, false);
BENCHMARK_CAPTURE(BM_NatureA3CRollout, autograd, true);

BENCHMARK_CAPTURE(BM_Infer, nature_cnn, atari_nature_cnn())->Arg(1)->Arg(16)->Arg(256);
BENCHMARK_CAPTURE(BM_Gradient, nature_cnn, atari_nature_cnn())->Arg(1)->Arg(16)->Arg(256);
BENCHMARK_CAPTURE(BM_Infer, minatar_cnn, minatar_breakout_cnn())->Arg(1)->Arg(16)->Arg(256);
BENCHMARK_CAPTURE(BM_Gradient, minatar_cnn, minatar_breakout_cnn())->Arg(1)->Arg(16)->Arg(256);
BENCHMARK_CAPTURE(BM_Infer, mlp_kernels, cartpole_mlp("mlp"))->Arg(1)->Arg(16)->Arg(256);
BENCHMARK_CAPTURE(BM_Gradient, mlp_kernels, cartpole_mlp("mlp"))->Arg(1)->Arg(16)->Arg(256);
BENCHMARK_CAPTURE(BM_Infer, torch_mlp, cartpole_mlp("torch_mlp"))->Arg(1)->Arg(16)->Arg(256);
BENCHMARK_CAPTURE(BM_Gradient, torch_mlp, cartpole_mlp("torch_mlp"))->Arg(1)->Arg(16)->Arg(256);

BENCHMARK_MAIN();
