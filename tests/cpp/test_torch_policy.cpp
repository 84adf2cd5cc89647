// The libtorch-module policies (nn/torch_policy.h): their loss gradient against
// autograd on a plain torch model written here with functional ops over the same flat
// weights (CNNs on uint8, bool, channel-first and channel-last images), the MLP as a
// module against the hand-written kernels, the flat layout, bad specs, threads.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "nn/actor_critic.h"
#include "nn/torch_policy.h"
#include "rl/loss.h"

using namespace fastac;

namespace {

ActorCriticSpec image_spec(const std::string& architecture, std::vector<int> shape, bool channels_last, ObsDtype dtype,
                           int64_t actions) {
  ActorCriticSpec s;
  s.observation_size = shape[0] * shape[1] * shape[2];
  s.action_space = Space::discrete(actions);
  s.hidden_sizes = {};
  s.architecture = architecture;
  s.observation_shape = std::move(shape);
  s.channels_last = channels_last;
  s.observation_dtype = dtype;
  return s;
}

// An MLP with the hand-written kernels.
ActorCriticSpec mlp_spec(int observation_size, int64_t actions, std::vector<int> hidden_sizes,
                         Activation activation = Activation::kRelu, bool share_trunk = true) {
  ActorCriticSpec s;
  s.observation_size = observation_size;
  s.action_space = Space::discrete(actions);
  s.hidden_sizes = std::move(hidden_sizes);
  s.activation = activation;
  s.share_trunk = share_trunk;
  return s;
}

torch::Tensor param(const TorchPolicy& p, torch::Tensor flat, const std::string& name) {
  for (const TorchParameter& t : p.named_parameters())
    if (t.name == name) {
      int64_t n = 1;
      for (int64_t d : t.shape) n *= d;
      return flat.slice(0, t.offset, t.offset + n).view(t.shape);
    }
  throw std::invalid_argument("no parameter " + name);
}

// The same network with functional ops (no module), from the flat buffer: {logits, values}.
std::pair<torch::Tensor, torch::Tensor> plain_cnn(const ActorCriticSpec& s, const TorchPolicy& p, torch::Tensor flat,
                                                  torch::Tensor obs) {
  torch::Tensor x = obs.to(torch::kFloat32);
  if (s.observation_dtype == ObsDtype::kUInt8) x = x / 255.0;
  if (s.channels_last) x = x.permute({0, 3, 1, 2});
  auto conv = [&](torch::Tensor h, int i, int stride) {
    return torch::relu(torch::conv2d(h, param(p, flat, "trunk." + std::to_string(i) + ".weight"),
                                     param(p, flat, "trunk." + std::to_string(i) + ".bias"), stride));
  };
  int next = 0;
  if (s.architecture == "nature_cnn") {
    x = conv(conv(conv(x, 0, 4), 2, 2), 4, 1);
    next = 7;
  } else {
    x = conv(x, 0, 1);
    next = 3;
  }
  x = x.flatten(1);
  x = torch::relu(torch::linear(x, param(p, flat, "trunk." + std::to_string(next) + ".weight"),
                                param(p, flat, "trunk." + std::to_string(next) + ".bias")));
  return {torch::linear(x, param(p, flat, "actor.weight"), param(p, flat, "actor.bias")),
          torch::linear(x, param(p, flat, "critic.weight"), param(p, flat, "critic.bias")).squeeze(1)};
}

torch::Tensor a2c_loss(torch::Tensor logits, torch::Tensor values, torch::Tensor index, torch::Tensor adv,
                       torch::Tensor ret, float value_coef, float entropy_coef) {
  auto log_probs = torch::log_softmax(logits, 1);
  auto entropy = -(log_probs.exp() * log_probs).sum(1).mean();
  auto policy_loss = -(adv * log_probs.gather(1, index.unsqueeze(1)).squeeze(1)).mean();
  return policy_loss + value_coef * (ret - values).pow(2).mean() - entropy_coef * entropy;
}

torch::Tensor random_obs(const ActorCriticSpec& s, int batch) {
  std::vector<int64_t> shape{batch};
  shape.insert(shape.end(), s.observation_shape.begin(), s.observation_shape.end());
  if (s.observation_dtype == ObsDtype::kUInt8) return torch::randint(0, 256, shape, torch::kUInt8);
  if (s.observation_dtype == ObsDtype::kBool) return torch::randint(0, 2, shape, torch::kUInt8);
  return torch::randn(shape);
}

}  // namespace

TEST(TorchPolicy, CnnGradientMatchesAutogradOfAPlainTorchModel) {
  struct Case {
    ActorCriticSpec spec;
    int batch;
  };
  const std::vector<Case> cases = {
      {image_spec("minatar_cnn", {10, 10, 4}, true, ObsDtype::kBool, 3), 16},   // MinAtar Breakout's
      {image_spec("minatar_cnn", {6, 10, 10}, false, ObsDtype::kUInt8, 5), 7},
      {image_spec("minatar_cnn", {10, 10, 4}, true, ObsDtype::kBool, 3), 40},   // an A3C update's batch
      {image_spec("minatar_cnn", {3, 9, 12}, false, ObsDtype::kFloat32, 2), 5},
      {image_spec("nature_cnn", {4, 36, 36}, false, ObsDtype::kUInt8, 6), 5},   // the smallest Nature image
      {image_spec("nature_cnn", {44, 40, 3}, true, ObsDtype::kUInt8, 4), 3},
      {image_spec("nature_cnn", {2, 37, 40}, false, ObsDtype::kFloat32, 2), 4},
  };
  torch::manual_seed(0);
  for (size_t k = 0; k < cases.size(); ++k) {
    const Case& c = cases[k];
    ActorCritic net(c.spec, 7 + k);
    ASSERT_NE(net.torch_policy(), nullptr);
    const TorchPolicy& policy = *net.torch_policy();
    auto flat = torch::from_blob(net.parameters(), {int64_t(net.num_parameters())}, torch::kFloat32);
    flat.add_(0.05 * torch::randn_like(flat));  // every term carries gradient
    auto obs = random_obs(c.spec, c.batch);
    const int64_t n = c.spec.action_space.n;
    auto index = torch::randint(0, n, {c.batch}, torch::kInt64);
    auto adv = torch::randn({c.batch}), ret = torch::randn({c.batch});
    const float value_coef = 0.5f, entropy_coef = 0.01f;

    std::vector<float> grad(net.num_parameters(), std::nanf(""));
    ModelWorkspace ws(net);
    const LossStats stats = compute_gradient(net, net.parameters(), obs.data_ptr(), c.batch,
                                             ActionBatch{index.data_ptr<int64_t>(), nullptr, 0}, adv.data_ptr<float>(),
                                             ret.data_ptr<float>(), LossConfig{value_coef, entropy_coef, 0.0f}, ws,
                                             grad.data());

    auto leaf = flat.clone().set_requires_grad(true);
    auto [logits, values] = plain_cnn(c.spec, policy, leaf, obs);
    auto loss = a2c_loss(logits, values, index, adv, ret, value_coef, entropy_coef);
    loss.backward();
    const float ours_loss = stats.policy_loss + value_coef * stats.value_loss - entropy_coef * stats.entropy;
    EXPECT_NEAR(ours_loss, loss.item<float>(), 1e-4 * (1 + std::abs(loss.item<float>()))) << "case " << k;
    auto ours = torch::from_blob(grad.data(), {int64_t(grad.size())}, torch::kFloat32);
    auto expected = leaf.grad();
    const double atol = 1e-5 * (1 + expected.abs().max().item<double>());
    EXPECT_TRUE(torch::allclose(ours, expected, 1e-4, atol))
        << "case " << k << " max abs diff " << (ours - expected).abs().max().item<float>();

    // The forward alone (infer: no graph) gives the plain model's outputs.
    std::vector<float> head(c.batch * n), v(c.batch);
    policy.infer(net.parameters(), obs.data_ptr(), c.batch, *ws.policy, head.data(), v.data());
    torch::NoGradGuard no_grad;
    auto [l2, v2] = plain_cnn(c.spec, policy, flat, obs);
    EXPECT_TRUE(torch::allclose(torch::from_blob(head.data(), {c.batch, n}), l2, 1e-5, 1e-5)) << "case " << k;
    EXPECT_TRUE(torch::allclose(torch::from_blob(v.data(), {c.batch}), v2, 1e-5, 1e-5)) << "case " << k;
  }
}

// minatar_cnn's hand-written passes (nn/minatar_cnn.h) against the same module run by
// autograd (spec.autograd): same outputs and gradient, on sparse 0/1 inputs as MinAtar's
// and dense bytes, in both layouts, with filters whose outputs are all zero (the sparse
// passes skip them) and rows without any non-zero output; a backward needs its forward.
TEST(TorchPolicy, MinAtarKernelsMatchTheModulesAutograd) {
  struct Case {
    std::vector<int> shape;
    bool channels_last;
    ObsDtype dtype;
    int head, batch;
    double density;  // of non-zero inputs
    int dead_filters = 0;  // filters given a bias of -100: no non-zero output
  };
  const std::vector<Case> cases = {
      {{10, 10, 4}, true, ObsDtype::kBool, 3, 8, 0.1},
      {{10, 10, 4}, true, ObsDtype::kBool, 3, 40, 0.1},
      {{7, 10, 10}, false, ObsDtype::kBool, 6, 3, 0.5},
      {{4, 11, 9}, false, ObsDtype::kUInt8, 4, 5, 0.9},
      {{8, 8, 2}, true, ObsDtype::kFloat32, 2, 1, 0.7},
      {{10, 10, 4}, true, ObsDtype::kBool, 3, 12, 0.1, 9},
      {{10, 10, 4}, true, ObsDtype::kBool, 3, 6, 0.05, 16},
  };
  torch::manual_seed(1);
  for (size_t k = 0; k < cases.size(); ++k) {
    const Case& c = cases[k];
    TorchPolicySpec spec;
    spec.architecture = "minatar_cnn";
    spec.observation_shape = c.shape;
    spec.channels_last = c.channels_last;
    spec.observation_dtype = c.dtype;
    spec.head_size = c.head;
    TorchPolicy kernels(spec);
    spec.autograd = true;
    TorchPolicy module(spec);
    ASSERT_EQ(kernels.num_parameters(), module.num_parameters());
    const int64_t P = static_cast<int64_t>(kernels.num_parameters());
    auto params = 0.1 * torch::randn({P});
    param(kernels, params, "trunk.0.bias").slice(0, 0, c.dead_filters).fill_(-100.0f);
    std::vector<int64_t> obs_shape{c.batch};
    obs_shape.insert(obs_shape.end(), c.shape.begin(), c.shape.end());
    auto mask = torch::rand(obs_shape) < c.density;
    torch::Tensor obs = c.dtype == ObsDtype::kFloat32 ? torch::randn(obs_shape) * mask
                        : c.dtype == ObsDtype::kUInt8 ? torch::randint(1, 256, obs_shape, torch::kUInt8) * mask
                                                      : mask.to(torch::kUInt8);
    obs = obs.contiguous();
    auto grad_head = torch::randn({c.batch, c.head}), grad_values = torch::randn({c.batch});

    std::vector<torch::Tensor> heads, values, grads;
    for (const TorchPolicy* policy : {&kernels, &module}) {
      auto ws = policy->make_workspace();
      auto head = torch::empty({c.batch, c.head}), value = torch::empty({c.batch});
      auto grad = torch::zeros({P});
      if (policy == &kernels)
        EXPECT_THROW(policy->backward(params.data_ptr<float>(), obs.data_ptr(), c.batch, *ws,
                                      grad_head.data_ptr<float>(), grad_values.data_ptr<float>(), grad.data_ptr<float>()),
                     std::logic_error);
      policy->forward(params.data_ptr<float>(), obs.data_ptr(), c.batch, *ws, head.data_ptr<float>(),
                      value.data_ptr<float>());
      policy->backward(params.data_ptr<float>(), obs.data_ptr(), c.batch, *ws, grad_head.data_ptr<float>(),
                       grad_values.data_ptr<float>(), grad.data_ptr<float>());
      heads.push_back(head), values.push_back(value), grads.push_back(grad);
    }
    EXPECT_TRUE(torch::allclose(heads[0], heads[1], 1e-5, 1e-5)) << "case " << k;
    EXPECT_TRUE(torch::allclose(values[0], values[1], 1e-5, 1e-5)) << "case " << k;
    const double atol = 1e-5 * (1 + grads[1].abs().max().item<double>());
    EXPECT_TRUE(torch::allclose(grads[0], grads[1], 1e-4, atol))
        << "case " << k << " max abs diff " << (grads[0] - grads[1]).abs().max().item<float>();
    EXPECT_GT(grads[1].abs().sum().item<double>(), 0.0);
  }
}

// nature_cnn's explicit passes (libtorch's kernels op by op, channels-last images, no
// autograd) against the same module run by autograd (spec.autograd): same outputs and
// gradient, on uint8, bool and float images in both layouts, from a forward over the whole
// batch and from forwards over blocks of rows (forward_rows); a backward needs its forward
// and takes it once.
TEST(TorchPolicy, NatureCnnExplicitPassesMatchTheModulesAutograd) {
  struct Case {
    std::vector<int> shape;
    bool channels_last;
    ObsDtype dtype;
    int head, batch, block;  // forward_rows over blocks of `block` rows
  };
  const std::vector<Case> cases = {
      {{4, 84, 84}, false, ObsDtype::kUInt8, 6, 10, 2},  // Atari's frame stack
      {{44, 40, 3}, true, ObsDtype::kUInt8, 4, 3, 1},
      {{2, 37, 40}, false, ObsDtype::kFloat32, 2, 4, 3},
      {{36, 36, 5}, true, ObsDtype::kBool, 3, 6, 4},
      {{40, 38, 2}, true, ObsDtype::kFloat32, 2, 5, 2},  // read in place: must stay as it is
  };
  torch::manual_seed(2);
  for (size_t k = 0; k < cases.size(); ++k) {
    const Case& c = cases[k];
    TorchPolicySpec spec;
    spec.architecture = "nature_cnn";
    spec.observation_shape = c.shape;
    spec.channels_last = c.channels_last;
    spec.observation_dtype = c.dtype;
    spec.head_size = c.head;
    TorchPolicy explicit_passes(spec);
    spec.autograd = true;
    TorchPolicy module(spec);
    ASSERT_TRUE(explicit_passes.has_forward_rows());
    ASSERT_FALSE(module.has_forward_rows());
    ASSERT_EQ(explicit_passes.num_parameters(), module.num_parameters());
    const int64_t P = static_cast<int64_t>(explicit_passes.num_parameters());
    auto params = 0.05 * torch::randn({P});
    std::vector<int64_t> obs_shape{c.batch};
    obs_shape.insert(obs_shape.end(), c.shape.begin(), c.shape.end());
    const torch::Tensor obs = c.dtype == ObsDtype::kFloat32 ? torch::randn(obs_shape)
                              : c.dtype == ObsDtype::kUInt8  ? torch::randint(0, 256, obs_shape, torch::kUInt8)
                                                             : torch::randint(0, 2, obs_shape, torch::kUInt8);
    const torch::Tensor obs_before = obs.clone();
    const size_t row_bytes = obs.nbytes() / c.batch;
    auto grad_head = torch::randn({c.batch, c.head}), grad_values = torch::randn({c.batch});
    const float* p = params.data_ptr<float>();
    const torch::Tensor grad_before = torch::randn({P});  // backward adds to what grad holds

    // 0: the module by autograd; 1: the explicit passes, whole batch; 2: in blocks of rows.
    std::vector<torch::Tensor> heads, values, grads;
    for (int run = 0; run < 3; ++run) {
      const TorchPolicy& policy = run == 0 ? module : explicit_passes;
      auto ws = policy.make_workspace();
      auto head = torch::empty({c.batch, c.head}), value = torch::empty({c.batch});
      auto grad = grad_before.clone();
      if (run == 2) {
        for (int first = 0; first < c.batch; first += c.block) {
          const int n = std::min(c.block, c.batch - first);
          policy.forward_rows(p, static_cast<const uint8_t*>(obs.data_ptr()) + first * row_bytes, first, n, c.batch,
                              *ws, head.data_ptr<float>() + first * c.head, value.data_ptr<float>() + first);
        }
      } else {
        EXPECT_THROW(policy.backward(p, obs.data_ptr(), c.batch, *ws, grad_head.data_ptr<float>(),
                                     grad_values.data_ptr<float>(), grad.data_ptr<float>()),
                     std::logic_error);
        policy.forward(p, obs.data_ptr(), c.batch, *ws, head.data_ptr<float>(), value.data_ptr<float>());
      }
      policy.backward(p, obs.data_ptr(), c.batch, *ws, grad_head.data_ptr<float>(), grad_values.data_ptr<float>(),
                      grad.data_ptr<float>());
      EXPECT_THROW(policy.backward(p, obs.data_ptr(), c.batch, *ws, grad_head.data_ptr<float>(),
                                   grad_values.data_ptr<float>(), grad.data_ptr<float>()),
                   std::logic_error)
          << "case " << k << " run " << run << ": a second backward of one forward";
      heads.push_back(head), values.push_back(value), grads.push_back(grad - grad_before);
    }
    EXPECT_TRUE(torch::equal(obs, obs_before)) << "case " << k;
    for (int run = 1; run < 3; ++run) {
      EXPECT_TRUE(torch::allclose(heads[run], heads[0], 1e-5, 1e-5)) << "case " << k << " run " << run;
      EXPECT_TRUE(torch::allclose(values[run], values[0], 1e-5, 1e-5)) << "case " << k << " run " << run;
      const double atol = 1e-5 * (1 + grads[0].abs().max().item<double>());
      EXPECT_TRUE(torch::allclose(grads[run], grads[0], 1e-4, atol))
          << "case " << k << " run " << run << " max abs diff " << (grads[run] - grads[0]).abs().max().item<float>();
    }
    EXPECT_GT(grads[0].abs().sum().item<double>(), 0.0);

    // Rows out of order, or of another total, and a backward of a batch not all kept.
    auto ws = explicit_passes.make_workspace();
    std::vector<float> h(static_cast<size_t>(c.batch) * c.head), v(c.batch), g(P);
    explicit_passes.forward_rows(p, obs.data_ptr(), 0, 1, c.batch, *ws, h.data(), v.data());
    if (c.batch > 2)
      EXPECT_THROW(explicit_passes.forward_rows(p, obs.data_ptr(), 2, 1, c.batch, *ws, h.data(), v.data()),
                   std::logic_error);
    explicit_passes.forward_rows(p, obs.data_ptr(), 0, 1, c.batch, *ws, h.data(), v.data());
    EXPECT_THROW(explicit_passes.forward_rows(p, obs.data_ptr(), 1, 1, c.batch + 1, *ws, h.data(), v.data()),
                 std::logic_error);
    explicit_passes.forward_rows(p, obs.data_ptr(), 0, 1, c.batch, *ws, h.data(), v.data());
    if (c.batch > 1)
      EXPECT_THROW(explicit_passes.backward(p, obs.data_ptr(), c.batch, *ws, grad_head.data_ptr<float>(),
                                            grad_values.data_ptr<float>(), g.data()),
                   std::logic_error);
  }
}

// A libtorch policy's gradient chunks: equal sizes within about 2^31 multiply-adds (the
// Nature CNN on Atari frames: at most 76 rows), so A3C's 8 x 5 rollout is one chunk.
TEST(TorchPolicy, GradientChunksAreEqualAndBounded) {
  TorchPolicySpec spec;
  spec.architecture = "nature_cnn";
  spec.observation_shape = {4, 84, 84};
  spec.observation_dtype = ObsDtype::kUInt8;
  spec.head_size = 6;
  const TorchPolicy nature(spec);
  EXPECT_EQ(nature.gradient_chunk(0), 1);
  EXPECT_EQ(nature.gradient_chunk(1), 1);
  EXPECT_EQ(nature.gradient_chunk(40), 40);
  EXPECT_EQ(nature.gradient_chunk(76), 76);
  EXPECT_EQ(nature.gradient_chunk(80), 40);
  EXPECT_EQ(nature.gradient_chunk(256), 64);
  EXPECT_EQ(nature.gradient_chunk(1 << 30), 76);
  EXPECT_EQ(nature.gradient_chunk(std::numeric_limits<int>::max()), 76);
}

// The MLP as a libtorch module and as the hand-written kernels: same outputs and gradient
// for the same weights (copied through the named layout: the kernels store some weights
// input-major).
TEST(TorchPolicy, MlpModuleMatchesTheKernels) {
  for (Activation activation : {Activation::kRelu, Activation::kTanh}) {
    const ActorCriticSpec kernels = mlp_spec(6, 4, {64, 32}, activation);
    ActorCriticSpec module = kernels;
    module.architecture = "torch_mlp";
    ActorCritic a(kernels, 1), b(module, 2);
    ASSERT_EQ(a.num_parameters(), b.num_parameters());
    auto flat_a = torch::from_blob(a.parameters(), {int64_t(a.num_parameters())});
    auto flat_b = torch::from_blob(b.parameters(), {int64_t(b.num_parameters())});
    for (const LinearLayout& l : a.mlp()->layout().layers()) {
      auto w = flat_a.slice(0, l.weight_offset, l.weight_offset + size_t(l.in) * l.out);
      param(*b.torch_policy(), flat_b, l.name + ".weight").copy_(l.input_major ? w.view({l.in, l.out}).t()
                                                                                 : w.view({l.out, l.in}));
      param(*b.torch_policy(), flat_b, l.name + ".bias").copy_(flat_a.slice(0, l.bias_offset, l.bias_offset + l.out));
    }
    const int batch = 9;
    torch::manual_seed(3);
    auto obs = torch::randn({batch, 6});
    auto index = torch::randint(0, 4, {batch}, torch::kInt64);
    auto adv = torch::randn({batch}), ret = torch::randn({batch});
    std::vector<float> grad_a(a.num_parameters()), grad_b(b.num_parameters());
    ModelWorkspace ws_a(a), ws_b(b);
    const LossConfig config{0.5f, 0.01f, 0.0f};
    const ActionBatch actions{index.data_ptr<int64_t>(), nullptr, 0};
    const LossStats sa = compute_gradient(a, a.parameters(), obs.data_ptr(), batch, actions, adv.data_ptr<float>(),
                                          ret.data_ptr<float>(), config, ws_a, grad_a.data());
    const LossStats sb = compute_gradient(b, b.parameters(), obs.data_ptr(), batch, actions, adv.data_ptr<float>(),
                                          ret.data_ptr<float>(), config, ws_b, grad_b.data());
    EXPECT_NEAR(sa.policy_loss, sb.policy_loss, 1e-5);
    EXPECT_NEAR(sa.value_loss, sb.value_loss, 1e-5);
    EXPECT_NEAR(sa.entropy, sb.entropy, 1e-5);
    auto ga = torch::from_blob(grad_a.data(), {int64_t(grad_a.size())});
    auto gb = torch::from_blob(grad_b.data(), {int64_t(grad_b.size())});
    for (const LinearLayout& l : a.mlp()->layout().layers()) {
      auto w = ga.slice(0, l.weight_offset, l.weight_offset + size_t(l.in) * l.out);
      EXPECT_TRUE(torch::allclose(param(*b.torch_policy(), gb, l.name + ".weight"),
                                  l.input_major ? w.view({l.in, l.out}).t() : w.view({l.out, l.in}), 1e-4, 1e-6))
          << l.name;
      EXPECT_TRUE(torch::allclose(param(*b.torch_policy(), gb, l.name + ".bias"),
                                  ga.slice(0, l.bias_offset, l.bias_offset + l.out), 1e-4, 1e-6))
          << l.name;
    }
  }
}

TEST(TorchPolicy, LayoutIsTheModuleStateDictInOrder) {
  ActorCritic net(image_spec("nature_cnn", {84, 84, 4}, true, ObsDtype::kUInt8, 6), 0);
  const auto& params = net.torch_policy()->named_parameters();
  const std::vector<std::string> names = {"trunk.0.weight", "trunk.0.bias", "trunk.2.weight", "trunk.2.bias",
                                          "trunk.4.weight", "trunk.4.bias", "trunk.7.weight", "trunk.7.bias",
                                          "actor.weight",   "actor.bias",   "critic.weight",  "critic.bias"};
  ASSERT_EQ(params.size(), names.size());
  size_t offset = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(params[i].name, names[i]);
    EXPECT_EQ(params[i].offset, offset);
    size_t n = 1;
    for (int64_t d : params[i].shape) n *= d;
    offset += n;
  }
  EXPECT_EQ(params[0].shape, (std::vector<int64_t>{32, 4, 8, 8}));
  EXPECT_EQ(params[6].shape, (std::vector<int64_t>{512, 3136}));  // 64 x 7 x 7 from 84 x 84
  EXPECT_EQ(offset, net.num_parameters());
  // Orthogonal init with SB3's gains: weights nonzero, biases zero.
  auto flat = torch::from_blob(net.parameters(), {int64_t(net.num_parameters())});
  EXPECT_GT(flat.slice(0, 0, 2048).abs().sum().item<float>(), 0.0f);
  EXPECT_EQ(flat.slice(0, params[1].offset, params[1].offset + 32).abs().sum().item<float>(), 0.0f);
  auto actor = param(*net.torch_policy(), flat, "actor.weight");  // rows orthonormal times 0.01
  EXPECT_TRUE(torch::allclose(actor.matmul(actor.t()), 1e-4 * torch::eye(6), 1e-3, 1e-6));
}

TEST(TorchPolicy, RefusesWhatItCannotTake) {
  EXPECT_THROW(ActorCritic(image_spec("nature_cnn", {4, 30, 84}, false, ObsDtype::kUInt8, 2), 0),
               std::invalid_argument);  // smaller than 36 pixels
  EXPECT_THROW(ActorCritic(image_spec("resnet", {4, 84, 84}, false, ObsDtype::kUInt8, 2), 0), std::invalid_argument);
  ActorCriticSpec flat_cnn;
  flat_cnn.architecture = "minatar_cnn";
  EXPECT_THROW(ActorCritic(flat_cnn, 0), std::invalid_argument);  // a CNN on a vector
  ActorCriticSpec kernels_on_bytes = image_spec("mlp", {10, 10, 4}, true, ObsDtype::kBool, 3);
  EXPECT_THROW(ActorCritic(kernels_on_bytes, 0), std::invalid_argument);  // the kernels take float32 vectors
  ActorCriticSpec normalized_images = image_spec("minatar_cnn", {10, 10, 4}, true, ObsDtype::kUInt8, 3);
  normalized_images.normalize_obs = true;
  EXPECT_THROW(ActorCritic(normalized_images, 0), std::invalid_argument);
  ActorCriticSpec separate = image_spec("minatar_cnn", {10, 10, 4}, true, ObsDtype::kUInt8, 3);
  separate.share_trunk = false;
  EXPECT_THROW(ActorCritic(separate, 0), std::invalid_argument);
  ActorCriticSpec wrong_size = image_spec("minatar_cnn", {10, 10, 4}, true, ObsDtype::kUInt8, 3);
  wrong_size.observation_size = 7;
  EXPECT_THROW(ActorCritic(wrong_size, 0), std::invalid_argument);
}

// Two threads, each with its workspace and one intra-op thread (as A3C workers), give the
// single-threaded result.
TEST(TorchPolicy, WorkspacesAreIndependentAcrossThreads) {
  ActorCritic net(image_spec("minatar_cnn", {10, 10, 4}, true, ObsDtype::kBool, 3), 5);
  const int batch = 8;
  torch::manual_seed(1);
  auto obs = torch::randint(0, 2, {batch, 10, 10, 4}, torch::kUInt8);
  std::vector<float> expected(batch * 3), values(batch);
  ModelWorkspace ws(net);
  net.policy().infer(net.parameters(), obs.data_ptr(), batch, *ws.policy, expected.data(), values.data());
  std::vector<std::vector<float>> out(2, std::vector<float>(batch * 3));
  std::vector<int> threads_seen(2);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      set_torch_threads(1);
      threads_seen[t] = torch_threads();
      ModelWorkspace own(net);
      std::vector<float> v(batch);
      for (int r = 0; r < 20; ++r)
        net.policy().infer(net.parameters(), obs.data_ptr(), batch, *own.policy, out[t].data(), v.data());
    });
  for (auto& t : threads) t.join();
  for (int t = 0; t < 2; ++t) {
    EXPECT_EQ(threads_seen[t], 1);
    EXPECT_TRUE(torch::allclose(torch::from_blob(out[t].data(), {batch, 3}),
                                torch::from_blob(expected.data(), {batch, 3}), 1e-5, 1e-6));
  }
}

// A3C keeps the forward passes it acts with for the gradient (Policy::forward_rows,
// compute_gradient_after_forward): forwards over pieces of the batch, then the gradient,
// equal a gradient with its own forward over the whole batch, bit for bit for the MLP and
// minatar_cnn kernels (they compute each row alone and sum in a fixed order), up to
// rounding for nature_cnn's libtorch kernels. Rows come in order.
TEST(ForwardRows, PiecesThenGradientEqualTheWholeForwardsGradient) {
  std::vector<ActorCriticSpec> cases;
  for (bool share : {true, false})
    for (Activation activation : {Activation::kRelu, Activation::kTanh})
      cases.push_back(mlp_spec(5, 3, {16, 8}, activation, share));
  const ActorCriticSpec linear_only = mlp_spec(4, 2, {});
  cases.push_back(linear_only);
  cases.push_back(image_spec("minatar_cnn", {10, 10, 4}, true, ObsDtype::kBool, 3));
  cases.push_back(image_spec("nature_cnn", {4, 36, 36}, false, ObsDtype::kUInt8, 3));
  const int T = 5, E = 4, batch = T * E;
  torch::manual_seed(4);
  for (size_t k = 0; k < cases.size(); ++k) {
    const ActorCriticSpec& s = cases[k];
    ActorCritic model(s, 7);
    ASSERT_TRUE(model.policy().has_forward_rows()) << "case " << k;
    const int H = model.policy().head_size();
    torch::Tensor obs = s.architecture == "minatar_cnn"  ? (torch::rand({batch, 10, 10, 4}) < 0.1).to(torch::kUInt8)
                        : s.architecture == "nature_cnn" ? torch::randint(0, 256, {batch, 4, 36, 36}, torch::kUInt8)
                                                         : torch::randn({batch, s.observation_size});
    const size_t row_bytes = obs.nbytes() / batch;
    auto index = torch::randint(0, 2, {batch}, torch::kInt64);
    auto adv = torch::randn({batch}), ret = torch::randn({batch});
    const ActionBatch actions{index.data_ptr<int64_t>(), nullptr, 0};
    const LossConfig config{0.5f, 0.01f, 0.0f};

    ModelWorkspace whole_ws(model), rows_ws(model);
    std::vector<float> whole_grad(model.num_parameters()), rows_grad(model.num_parameters());
    const LossStats whole = compute_gradient(model, model.parameters(), obs.data_ptr(), batch, actions,
                                             adv.data_ptr<float>(), ret.data_ptr<float>(), config, whole_ws,
                                             whole_grad.data());
    std::vector<float> head(static_cast<size_t>(batch) * H), values(batch), whole_head(head.size()), whole_values(batch);
    model.policy().infer(model.parameters(), obs.data_ptr(), batch, *ModelWorkspace(model).policy, whole_head.data(),
                         whole_values.data());
    for (int t = 0; t < T; ++t)
      model.policy().forward_rows(model.parameters(), static_cast<const uint8_t*>(obs.data_ptr()) + t * E * row_bytes,
                                  t * E, E, batch, *rows_ws.policy, head.data() + t * E * H, values.data() + t * E);
    const LossStats rows = compute_gradient_after_forward(model, model.parameters(), obs.data_ptr(), batch, actions,
                                                          adv.data_ptr<float>(), ret.data_ptr<float>(), head.data(),
                                                          values.data(), config, rows_ws, rows_grad.data());
    auto t_head = torch::from_blob(head.data(), {batch, H}), t_whole_head = torch::from_blob(whole_head.data(), {batch, H});
    auto g_rows = torch::from_blob(rows_grad.data(), {int64_t(rows_grad.size())});
    auto g_whole = torch::from_blob(whole_grad.data(), {int64_t(whole_grad.size())});
    if (s.architecture != "nature_cnn") {
      EXPECT_TRUE(torch::equal(t_head, t_whole_head)) << "case " << k;
      EXPECT_EQ(values, whole_values) << "case " << k;
      EXPECT_TRUE(torch::equal(g_rows, g_whole)) << "case " << k;
      EXPECT_EQ(rows.policy_loss, whole.policy_loss);
      EXPECT_EQ(rows.value_loss, whole.value_loss);
      EXPECT_EQ(rows.entropy, whole.entropy);
    } else {  // libtorch's kernels may block a batch differently by its size: equal up to rounding
      EXPECT_TRUE(torch::allclose(t_head, t_whole_head, 1e-5, 1e-6)) << "case " << k;
      EXPECT_TRUE(torch::allclose(torch::from_blob(values.data(), {batch}),
                                  torch::from_blob(whole_values.data(), {batch}), 1e-5, 1e-6))
          << "case " << k;
      EXPECT_TRUE(torch::allclose(g_rows, g_whole, 1e-4, 1e-5 * (1 + g_whole.abs().max().item<double>())))
          << "case " << k;
      EXPECT_NEAR(rows.policy_loss, whole.policy_loss, 1e-5);
      EXPECT_NEAR(rows.value_loss, whole.value_loss, 1e-5);
      EXPECT_NEAR(rows.entropy, whole.entropy, 1e-5);
    }
    EXPECT_GT(g_whole.abs().sum().item<double>(), 0.0);
    float h[8], v[2];
    EXPECT_THROW(model.policy().forward_rows(model.parameters(), obs.data_ptr(), batch - 1, 2, batch, *rows_ws.policy, h, v),
                 std::invalid_argument);
    EXPECT_THROW(model.policy().forward_rows(model.parameters(), obs.data_ptr(), -1, 1, batch, *rows_ws.policy, h, v),
                 std::invalid_argument);
    if (s.architecture != "mlp") {  // rows out of order, or of another total
      model.policy().forward_rows(model.parameters(), obs.data_ptr(), 0, 1, batch, *rows_ws.policy, h, v);
      EXPECT_THROW(model.policy().forward_rows(model.parameters(), obs.data_ptr(), 2, 1, batch, *rows_ws.policy, h, v),
                   std::logic_error);
      model.policy().forward_rows(model.parameters(), obs.data_ptr(), 0, 1, batch, *rows_ws.policy, h, v);
      EXPECT_THROW(model.policy().forward_rows(model.parameters(), obs.data_ptr(), 1, 1, batch + 1, *rows_ws.policy, h, v),
                   std::logic_error);
    }
  }
  // Autograd's modules keep one graph a forward: no forward_rows.
  ActorCriticSpec module = linear_only;
  module.architecture = "torch_mlp";
  ActorCritic model(module, 1);
  EXPECT_FALSE(model.policy().has_forward_rows());
  ModelWorkspace ws(model);
  std::vector<float> obs(4), h(2), v(1);
  EXPECT_THROW(model.policy().forward_rows(model.parameters(), obs.data(), 0, 1, 1, *ws.policy, h.data(), v.data()),
               std::logic_error);
}
