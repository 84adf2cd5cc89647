// The hand-written forward, loss and backward (nn/mlp, rl/distribution, rl/loss)
// against libtorch autograd of the same network and loss, on random inputs, for
// several architectures; gradient clipping against torch's; the update path
// (apply_gradient, Learner); the model's initialisation.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "envs/numpy_random.h"
#include "nn/actor_critic.h"
#include "nn/init.h"
#include "nn/mlp.h"
#include "rl/distribution.h"
#include "rl/learner.h"
#include "rl/loss.h"
#include "rl/shared_optimizer.h"

using namespace fastac;

namespace {

struct Case {
  ActorCriticSpec spec;
  int batch;
  float value_coef, entropy_coef;
};

ActorCriticSpec spec(int obs, int64_t n, std::vector<int> hidden, int64_t start = 0) {
  return {obs, Space::discrete(n, start), std::move(hidden)};
}

// SB3's architecture: separate actor and critic trunks, and/or tanh.
ActorCriticSpec spec_with(int obs, int64_t n, std::vector<int> hidden, bool share_trunk, Activation activation) {
  ActorCriticSpec s = spec(obs, n, std::move(hidden));
  s.share_trunk = share_trunk;
  s.activation = activation;
  return s;
}

torch::Tensor linear(const LinearLayout& l, torch::Tensor flat, torch::Tensor x) {
  auto w = flat.slice(0, l.weight_offset, l.weight_offset + size_t(l.in) * l.out);
  w = l.input_major ? w.view({l.in, l.out}) : w.view({l.out, l.in}).t();
  auto b = flat.slice(0, l.bias_offset, l.bias_offset + l.out);
  return torch::matmul(x, w) + b;
}

// The MLP policy with libtorch ops, from the same flat buffer: {head, values}.
std::pair<torch::Tensor, torch::Tensor> autograd_mlp(const MlpLayout& layout, torch::Tensor flat, torch::Tensor obs,
                                                     Activation activation = Activation::kRelu) {
  auto run = [&](const std::vector<LinearLayout>& layers, torch::Tensor h) {
    for (const auto& l : layers) h = activation == Activation::kRelu ? torch::relu(linear(l, flat, h))
                                                                       : torch::tanh(linear(l, flat, h));
    return h;
  };
  torch::Tensor top = run(layout.trunk, obs);
  return {linear(layout.actor, flat, run(layout.actor_trunk, top)),
          linear(layout.critic, flat, run(layout.critic_trunk, top)).squeeze(1)};
}

// SB3's A2C loss with libtorch ops. actions: indices into the logits (action - start).
torch::Tensor autograd_loss(const MlpLayout& layout, torch::Tensor flat, torch::Tensor obs, torch::Tensor action_index,
                            torch::Tensor adv, torch::Tensor ret, const Case& c) {
  auto [logits, values] = autograd_mlp(layout, flat, obs, c.spec.activation);
  auto log_probs = torch::log_softmax(logits, 1);
  auto entropy = -(log_probs.exp() * log_probs).sum(1).mean();
  auto policy_loss = -(adv * log_probs.gather(1, action_index.unsqueeze(1)).squeeze(1)).mean();
  auto value_loss = (ret - values).pow(2).mean();
  return policy_loss + c.value_coef * value_loss - c.entropy_coef * entropy;
}

double norm(const std::vector<float>& v) {
  double sq = 0;
  for (float g : v) sq += double(g) * g;
  return std::sqrt(sq);
}

}  // namespace

TEST(GradientVsAutograd, MatchesForSeveralArchitectures) {
  const std::vector<Case> cases = {
      {spec(4, 2, {128}), 5, 0.5f, 0.0f},
      {spec(4, 2, {128}), 64, 0.25f, 0.01f},
      {spec(8, 5, {64, 32}), 17, 0.5f, 0.05f},
      {spec(3, 4, {}), 9, 1.0f, 0.1f},
      {spec(6, 3, {16, 16, 16}), 33, 0.5f, 0.01f},
      {spec(5, 3, {32}, -1), 12, 0.5f, 0.02f},  // Discrete(3, start=-1): actions -1, 0, 1
      {spec(4, 3, {1024, 1024}), 13, 0.5f, 0.01f},  // ~1M parameters: done in 3 chunks of <= 5 samples
      {spec_with(6, 3, {64, 64}, false, Activation::kTanh), 21, 0.5f, 0.01f},  // SB3's MlpPolicy
      {spec_with(4, 2, {32}, false, Activation::kRelu), 8, 0.5f, 0.0f},
      {spec_with(5, 4, {16, 8}, true, Activation::kTanh), 11, 0.25f, 0.02f},
      {spec_with(3, 2, {}, false, Activation::kTanh), 7, 0.5f, 0.01f},  // no hidden layer: heads on the input
  };
  torch::manual_seed(0);
  for (size_t k = 0; k < cases.size(); ++k) {
    const Case& c = cases[k];
    ActorCritic net(c.spec, 100 + k);
    const MlpLayout& layout = net.mlp()->layout();
    ASSERT_EQ(net.num_parameters(), layout.size);  // Categorical has no parameters of its own
    // Larger-than-initial weights so every term (entropy, all heads) carries gradient.
    auto flat = torch::from_blob(net.parameters(), {int64_t(net.num_parameters())}, torch::kFloat32);
    flat.add_(0.3 * torch::randn_like(flat));
    const int64_t n = c.spec.action_space.n, start = c.spec.action_space.start;
    auto obs = torch::randn({c.batch, c.spec.observation_size});
    auto index = torch::randint(0, n, {c.batch}, torch::kInt64);
    auto actions = (index + start).contiguous();
    auto adv = torch::randn({c.batch});
    auto ret = torch::randn({c.batch});

    // NaN first: the gradient is written, not accumulated.
    std::vector<float> grad(net.num_parameters(), std::numeric_limits<float>::quiet_NaN());
    ModelWorkspace ws(net);
    const LossConfig config{c.value_coef, c.entropy_coef, /*max_grad_norm=*/0.0f};
    const LossStats stats = compute_gradient(net, net.parameters(), obs.data_ptr<float>(), c.batch,
                                             ActionBatch{actions.data_ptr<int64_t>(), nullptr, 0},
                                             adv.data_ptr<float>(), ret.data_ptr<float>(), config, ws, grad.data());

    auto leaf = flat.clone().set_requires_grad(true);
    auto loss = autograd_loss(layout, leaf, obs, index, adv, ret, c);
    loss.backward();
    auto expected = leaf.grad();
    auto ours = torch::from_blob(grad.data(), {int64_t(grad.size())}, torch::kFloat32);
    const float ours_loss = stats.policy_loss + c.value_coef * stats.value_loss - c.entropy_coef * stats.entropy;
    EXPECT_NEAR(ours_loss, loss.item<float>(), 1e-4 * (1 + std::abs(loss.item<float>()))) << "case " << k;
    // float32 sums over up to 1024 terms: tolerance relative to the gradient's scale.
    const double atol = 1e-5 * (1 + expected.abs().max().item<double>());
    EXPECT_TRUE(torch::allclose(ours, expected, 1e-4, atol))
        << "case " << k << " max abs diff " << (ours - expected).abs().max().item<float>();
    // The norm clip_grad_norm reports (the grad_norm of the stats), and no clipping at max_norm <= 0.
    const std::vector<float> before = grad;
    const float reported = clip_grad_norm(grad.data(), grad.size(), 0.0f);
    EXPECT_NEAR(reported, expected.norm().item<float>(), 1e-4 * (1 + expected.norm().item<float>())) << "case " << k;
    EXPECT_EQ(grad, before);
    // The terms of the loss one by one.
    torch::NoGradGuard no_grad;
    auto [logits, values] = autograd_mlp(layout, flat, obs, c.spec.activation);
    auto log_probs = torch::log_softmax(logits, 1);
    const float value_loss = (ret - values).pow(2).mean().item<float>();
    EXPECT_NEAR(stats.value_loss, value_loss, 1e-4 * (1 + std::abs(value_loss))) << "case " << k;
    EXPECT_NEAR(stats.entropy, (-(log_probs.exp() * log_probs).sum(1).mean()).item<float>(), 1e-5) << "case " << k;
    EXPECT_NEAR(stats.policy_loss, (-(adv * log_probs.gather(1, index.unsqueeze(1)).squeeze(1)).mean()).item<float>(),
                1e-5)
        << "case " << k;
  }
}

// A long update asks its cancel check between chunks and stops when it says so.
TEST(GradientVsAutograd, CancelCheckStopsBetweenChunks) {
  ActorCritic net(spec(4, 2, {1024, 1024}), 3);
  const int batch = 16;
  const size_t chunk = static_cast<size_t>(net.policy().gradient_chunk(batch));
  ASSERT_GE(chunk, 1u);
  ASSERT_LT(chunk, static_cast<size_t>(batch));
  std::vector<float> obs(batch * 4, 0.1f), adv(batch, 1.0f), ret(batch, 0.5f), grad(net.num_parameters());
  std::vector<int64_t> actions(batch, 1);
  ModelWorkspace ws(net);
  int asked = 0;
  auto run = [&](bool cancel_at_second) {
    return compute_gradient(net, net.parameters(), obs.data(), batch, {actions.data(), nullptr, 0}, adv.data(),
                            ret.data(), LossConfig{}, ws, grad.data(), [&] { return ++asked == 2 && cancel_at_second; });
  };
  EXPECT_NO_THROW(run(false));
  EXPECT_EQ(asked, static_cast<int>((batch + chunk - 1) / chunk) - 1);  // between chunks, not before the first
  asked = 0;
  EXPECT_THROW(run(true), GradientCancelled);
  EXPECT_EQ(asked, 2);
}

// The policy alone: forward against torch, and backward of arbitrary head and
// value gradients against autograd's vector-Jacobian product.
TEST(GradientVsAutograd, MlpPolicyForwardAndBackward) {
  torch::manual_seed(1);
  for (const auto& hidden : std::vector<std::vector<int>>{{128}, {16, 8}, {}}) {
    MlpPolicy policy(6, 4, hidden);
    const MlpLayout& layout = policy.layout();
    auto flat = 0.5 * torch::randn({int64_t(policy.num_parameters())});
    const int batch = 11;
    auto obs = torch::randn({batch, 6});
    auto ws = policy.make_workspace();
    std::vector<float> head(batch * 4), values(batch);
    policy.forward(flat.data_ptr<float>(), obs.data_ptr<float>(), batch, *ws, head.data(), values.data());
    auto leaf = flat.clone().set_requires_grad(true);
    auto [t_head, t_values] = autograd_mlp(layout, leaf, obs);
    EXPECT_TRUE(torch::allclose(torch::from_blob(head.data(), {batch, 4}), t_head.detach(), 1e-5, 1e-5));
    EXPECT_TRUE(torch::allclose(torch::from_blob(values.data(), {batch}), t_values.detach(), 1e-5, 1e-5));

    auto grad_head = torch::randn({batch, 4}), grad_values = torch::randn({batch});
    // backward adds to what grad holds (a batch may be done in chunks).
    std::vector<float> grad(policy.num_parameters(), 0.25f);
    policy.backward(flat.data_ptr<float>(), obs.data_ptr<float>(), batch, *ws, grad_head.data_ptr<float>(),
                    grad_values.data_ptr<float>(), grad.data());
    ((t_head * grad_head).sum() + (t_values * grad_values).sum()).backward();
    auto ours = torch::from_blob(grad.data(), {int64_t(grad.size())}) - 0.25f;
    EXPECT_TRUE(torch::allclose(ours, leaf.grad(), 1e-4, 1e-5))
        << "hidden " << hidden.size() << " max abs diff " << (ours - leaf.grad()).abs().max().item<float>();
  }
}

// DiagGaussian::policy_gradient against autograd of
//   scale * sum_b(-A_b log N(a_b; mu_b, exp(log_std)) - entropy_coef * H + bounds_coef * B(mu_b)),
// for the means and the log standard deviations, added to what the buffers hold;
// several action sizes.
TEST(GradientVsAutograd, DiagGaussianPolicyGradient) {
  torch::manual_seed(4);
  for (const int size : {1, 2, 3, 6}) {
    const int batch = 17;
    const float entropy_coef = 0.02f, scale = 0.29f;
    // Bounds in which some means lie and some do not: the penalty's gradient too.
    const std::vector<float> low(size, -0.8f), high(size, 0.6f);
    const float bounds_coef = 0.7f;
    DiagGaussian dist(size, -0.3f, low, high);
    EXPECT_EQ(dist.input_size(), size);
    EXPECT_EQ(dist.num_parameters(), static_cast<size_t>(size));
    EXPECT_FALSE(dist.discrete());
    std::vector<float> own(size);
    dist.initialize(own.data());
    EXPECT_EQ(own, std::vector<float>(size, -0.3f));
    auto log_std = 0.4 * torch::randn({size});
    std::copy(log_std.data_ptr<float>(), log_std.data_ptr<float>() + size, own.data());
    auto mean = torch::randn({batch, size});
    auto actions = (mean + torch::randn({batch, size}) * log_std.exp()).contiguous();
    auto adv = torch::randn({batch});
    std::vector<float> grad_mean(batch * size, 0.5f), grad_own(size, -0.25f);
    double policy_loss = 1.25, entropy = -0.75;
    dist.policy_gradient(mean.data_ptr<float>(), own.data(), batch, ActionBatch{nullptr, actions.data_ptr<float>(), size},
                         adv.data_ptr<float>(), entropy_coef, bounds_coef, scale, grad_mean.data(), grad_own.data(),
                         policy_loss, entropy);

    auto mu = mean.clone().set_requires_grad(true);
    auto ls = log_std.clone().set_requires_grad(true);
    auto log_p = (-0.5 * (actions - mu).pow(2) * (-2 * ls).exp() - ls - 0.5 * std::log(2 * M_PI)).sum(1);
    auto h = (ls + 0.5 + 0.5 * std::log(2 * M_PI)).sum();
    auto bounds = ((mu - 0.6).clamp_min(0).pow(2) + (-0.8 - mu).clamp_min(0).pow(2)).sum(1);
    ASSERT_GT(bounds.gt(0).sum().item<int64_t>(), 0);
    (scale * (-adv * log_p - entropy_coef * h + bounds_coef * bounds).sum()).backward();
    auto ours_mean = torch::from_blob(grad_mean.data(), {batch, size}) - 0.5f;
    auto ours_own = torch::from_blob(grad_own.data(), {size}) + 0.25f;
    EXPECT_TRUE(torch::allclose(ours_mean, mu.grad(), 1e-4, 1e-5)) << "size " << size;
    EXPECT_TRUE(torch::allclose(ours_own, ls.grad(), 1e-4, 1e-5))
        << "size " << size << " max abs diff " << (ours_own - ls.grad()).abs().max().item<float>();
    EXPECT_NEAR(policy_loss - 1.25, (-adv * log_p + bounds_coef * bounds).sum().item<double>(), 1e-3);
    EXPECT_NEAR(entropy + 0.75, batch * h.item<double>(), 1e-3);
  }
}

// Samples: mean + exp(log_std) * N(0, 1), the mode without a generator; moments over many draws.
TEST(GradientVsAutograd, DiagGaussianSamplesAndMode) {
  DiagGaussian dist(2);
  const std::vector<float> own = {std::log(0.5f), std::log(2.0f)};
  const int batch = 20000;
  std::vector<float> mean(batch * 2), actions(batch * 2);
  for (int b = 0; b < batch; ++b) {
    mean[2 * b] = 1.0f;
    mean[2 * b + 1] = -3.0f;
  }
  Pcg64 rng = Pcg64::from_seed(5);
  dist.act(mean.data(), own.data(), batch, &rng, {nullptr, actions.data(), 2});
  for (int j = 0; j < 2; ++j) {
    double sum = 0, sq = 0;
    for (int b = 0; b < batch; ++b) {
      sum += actions[2 * b + j];
      sq += double(actions[2 * b + j]) * actions[2 * b + j];
    }
    const double m = sum / batch, sd = std::sqrt(sq / batch - m * m);
    EXPECT_NEAR(m, mean[j], 0.05) << j;
    EXPECT_NEAR(sd, std::exp(own[j]), 0.05) << j;
  }
  dist.act(mean.data(), own.data(), 3, nullptr, {nullptr, actions.data(), 2});
  EXPECT_EQ(std::vector<float>(actions.begin(), actions.begin() + 6), std::vector<float>(mean.begin(), mean.begin() + 6));
  EXPECT_THROW(DiagGaussian(0), std::invalid_argument);
  EXPECT_THROW(DiagGaussian(2, std::nanf("")), std::invalid_argument);
  EXPECT_THROW(DiagGaussian(2, 25.0f), std::invalid_argument);
}

// SquashedDiagGaussian against autograd of the squashed log-probability
//   log pi(a) = log N(u; mu, sigma) - sum_j log(1 - tanh(u_j)^2 + 1e-6)
// with u the stored (pre-squash) sample: the same gradients as the Gaussian's, the
// correction in the reported loss; the environment gets low + (tanh(u) + 1)(high - low) / 2.
TEST(GradientVsAutograd, SquashedDiagGaussianPolicyGradientAndEnvActions) {
  torch::manual_seed(7);
  for (const int size : {1, 2, 5}) {
    const int batch = 13;
    const float entropy_coef = 0.01f, scale = 0.7f;
    std::vector<float> low(size), high(size);
    for (int j = 0; j < size; ++j) low[j] = -1.0f - j, high[j] = 2.0f + 0.5f * j;
    SquashedDiagGaussian dist(size, -0.5f, low, high);
    std::vector<float> own(size);
    dist.initialize(own.data());
    auto mean = torch::randn({batch, size});
    auto actions = (mean + torch::randn({batch, size}) * 0.6).contiguous();
    auto adv = torch::randn({batch});
    std::vector<float> grad_mean(batch * size, 0.0f), grad_own(size, 0.0f);
    double policy_loss = 0.0, entropy = 0.0;
    dist.policy_gradient(mean.data_ptr<float>(), own.data(), batch, ActionBatch{nullptr, actions.data_ptr<float>(), size},
                         adv.data_ptr<float>(), entropy_coef, /*bounds_coef (no effect)=*/1.0f, scale, grad_mean.data(),
                         grad_own.data(), policy_loss, entropy);
    auto mu = mean.clone().set_requires_grad(true);
    auto ls = torch::from_blob(own.data(), {size}).clone().set_requires_grad(true);
    auto gaussian = (-0.5 * (actions - mu).pow(2) * (-2 * ls).exp() - ls - 0.5 * std::log(2 * M_PI)).sum(1);
    auto log_p = gaussian - (1 - actions.tanh().pow(2) + 1e-6).log().sum(1);
    auto h = (ls + 0.5 + 0.5 * std::log(2 * M_PI)).sum();
    (scale * (-adv * log_p - entropy_coef * h).sum()).backward();
    EXPECT_TRUE(torch::allclose(torch::from_blob(grad_mean.data(), {batch, size}), mu.grad(), 1e-4, 1e-5)) << size;
    EXPECT_TRUE(torch::allclose(torch::from_blob(grad_own.data(), {size}), ls.grad(), 1e-4, 1e-5)) << size;
    EXPECT_NEAR(policy_loss, (-adv * log_p).sum().item<double>(), 1e-3) << size;
    EXPECT_NEAR(entropy, batch * h.item<double>(), 1e-3) << size;

    std::vector<float> scratch;
    const ActionBatch env = dist.env_actions({nullptr, actions.data_ptr<float>(), size}, batch, scratch);
    auto lo = torch::from_blob(low.data(), {size}), hi = torch::from_blob(high.data(), {size});
    auto expected = lo + 0.5 * (actions.tanh() + 1) * (hi - lo);
    EXPECT_TRUE(torch::allclose(torch::from_blob(const_cast<float*>(env.box), {batch, size}), expected, 1e-5, 1e-5));
  }
  // Saturated samples stay inside the bounds; the constructor needs finite bounds.
  SquashedDiagGaussian unit(1, 0.0f, {-2.0f}, {2.0f});
  std::vector<float> far = {1e30f, -1e30f, 0.0f}, scratch;
  const ActionBatch env = unit.env_actions({nullptr, far.data(), 1}, 3, scratch);
  EXPECT_EQ(std::vector<float>(env.box, env.box + 3), (std::vector<float>{2.0f, -2.0f, 0.0f}));
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_THROW(SquashedDiagGaussian(1, 0.0f, {-inf}, {1.0f}), std::invalid_argument);
  EXPECT_THROW(SquashedDiagGaussian(1, 0.0f, {1.0f}, {1.0f}), std::invalid_argument);
  EXPECT_THROW(SquashedDiagGaussian(1, 0.0f, {}, {}), std::invalid_argument);
  EXPECT_THROW(make_distribution(Space::box({1}, {-inf}, {inf}), 0.0f, true), std::invalid_argument);
  EXPECT_NO_THROW(make_distribution(Space::box({1}, {-inf}, {inf}), 0.0f, false));
}

// Categorical::policy_gradient alone against autograd of
//   scale * sum_b(-A_b log pi(a_b) - entropy_coef * H_b),
// added to what grad_inputs, policy_loss and entropy already hold.
TEST(GradientVsAutograd, CategoricalPolicyGradient) {
  torch::manual_seed(2);
  for (const int64_t start : {int64_t{0}, int64_t{3}}) {
    const int n = 5, batch = 23;
    const float entropy_coef = 0.03f, scale = 0.37f;
    Categorical dist(n, start);
    EXPECT_EQ(dist.input_size(), n);
    EXPECT_EQ(dist.num_parameters(), 0u);
    EXPECT_TRUE(dist.discrete());
    auto logits = 2.0 * torch::randn({batch, n});
    logits.index_put_({0, 0}, 30.0f);  // a nearly deterministic row
    auto index = torch::randint(0, n, {batch}, torch::kInt64);
    auto actions = (index + start).contiguous();
    auto adv = torch::randn({batch});
    std::vector<float> grad(batch * n, 0.5f);
    double policy_loss = 1.25, entropy = -0.75;
    dist.policy_gradient(logits.data_ptr<float>(), nullptr, batch, ActionBatch{actions.data_ptr<int64_t>(), nullptr, 0},
                         adv.data_ptr<float>(), entropy_coef, /*bounds_coef=*/1.0f, scale, grad.data(), nullptr, policy_loss,
                         entropy);

    auto z = logits.clone().set_requires_grad(true);
    auto log_probs = torch::log_softmax(z, 1);
    auto h = -(log_probs.exp() * log_probs).sum(1);
    auto log_pa = log_probs.gather(1, index.unsqueeze(1)).squeeze(1);
    (scale * (-adv * log_pa - entropy_coef * h).sum()).backward();
    auto ours = torch::from_blob(grad.data(), {batch, n}) - 0.5f;
    EXPECT_TRUE(torch::allclose(ours, z.grad(), 1e-5, 1e-6))
        << "start " << start << " max abs diff " << (ours - z.grad()).abs().max().item<float>();
    EXPECT_NEAR(policy_loss - 1.25, (-adv * log_pa).sum().item<double>(), 1e-4);
    EXPECT_NEAR(entropy + 0.75, h.sum().item<double>(), 1e-4);
    for (float g : grad) EXPECT_TRUE(std::isfinite(g));
  }
}

TEST(GradientVsAutograd, ClipsToMaxGradNormAsTorch) {
  ActorCritic net(spec(4, 2, {32}), 1);
  torch::manual_seed(3);
  auto obs = torch::randn({8, 4}) * 5;
  std::vector<int64_t> actions = {0, 1, 0, 1, 1, 1, 0, 0};
  std::vector<float> adv(8, 10.0f), ret(8, 50.0f), grad(net.num_parameters());
  ModelWorkspace ws(net);
  compute_gradient(net, net.parameters(), obs.data_ptr<float>(), 8, {actions.data(), nullptr, 0}, adv.data(),
                   ret.data(), {0.5f, 0.0f, 0.5f}, ws, grad.data());
  const double unclipped = norm(grad);
  // compute_gradient itself does not clip.
  ASSERT_GT(unclipped, 0.5);
  auto param = torch::zeros({int64_t(grad.size())}).set_requires_grad(true);
  param.mutable_grad() = torch::from_blob(grad.data(), {int64_t(grad.size())}).clone();
  const double torch_norm = torch::nn::utils::clip_grad_norm_(std::vector<torch::Tensor>{param}, 0.5);

  const float reported = clip_grad_norm(grad.data(), grad.size(), 0.5f);
  EXPECT_NEAR(reported, unclipped, 1e-5 * unclipped);
  EXPECT_NEAR(reported, torch_norm, 1e-4 * torch_norm);
  EXPECT_NEAR(norm(grad), 0.5, 1e-4);
  EXPECT_TRUE(torch::allclose(torch::from_blob(grad.data(), {int64_t(grad.size())}), param.grad(), 1e-5, 1e-7));
  // Below the limit: unchanged.
  const std::vector<float> small = grad;
  EXPECT_NEAR(clip_grad_norm(grad.data(), grad.size(), 1.0f), 0.5, 1e-4);
  EXPECT_EQ(grad, small);
}

// apply_gradient: clip, refuse a non-finite gradient (parameters untouched), apply.
TEST(Update, ApplyGradientClipsAndRefusesNonFinite) {
  std::vector<float> params = {1.0f, 2.0f, 3.0f};
  SharedOptimizer sgd(params.data(), 3, {OptimizerKind::kSgd});
  std::vector<float> grad = {3.0f, 0.0f, 4.0f};  // norm 5
  LossStats stats;
  EXPECT_TRUE(apply_gradient(sgd, grad.data(), 1.0f, 0.5f, stats));
  EXPECT_FLOAT_EQ(stats.grad_norm, 5.0f);
  EXPECT_NEAR(params[0], 1.0f - 0.5f * 0.6f, 1e-6);
  EXPECT_FLOAT_EQ(params[1], 2.0f);
  EXPECT_NEAR(params[2], 3.0f - 0.5f * 0.8f, 1e-6);

  const std::vector<float> before = params;
  // A finite gradient that would make a parameter infinite is refused too.
  grad = {0.1f, 0.1f, 0.1f};
  EXPECT_FALSE(apply_gradient(sgd, grad.data(), 1.0f, std::numeric_limits<float>::infinity(), stats));
  EXPECT_TRUE(std::isfinite(stats.grad_norm));
  EXPECT_EQ(params, before);
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    grad = {0.1f, bad, 0.1f};
    EXPECT_FALSE(apply_gradient(sgd, grad.data(), 1.0f, 0.5f, stats));
    EXPECT_FALSE(std::isfinite(stats.grad_norm));
    EXPECT_EQ(params, before);
    grad = {0.1f, bad, 0.1f};
    EXPECT_FALSE(apply_gradient(sgd, grad.data(), 0.0f, 0.5f, stats));  // without clipping too
    EXPECT_EQ(params, before);
  }
}

// Learner: update = compute_gradient + clip + apply; gradient() can be changed
// between the two steps (an all-reduce's place).
TEST(Update, LearnerEqualsTheStepsByHand) {
  const ActorCriticSpec s = spec(4, 3, {16});
  ActorCritic a(s, 5), b(s, 5);
  torch::manual_seed(4);
  auto obs = torch::randn({6, 4});
  std::vector<int64_t> actions = {0, 1, 2, 2, 1, 0};
  std::vector<float> adv = {1, -1, 0.5f, 2, -0.5f, 0}, ret = {1, 2, 3, 4, 5, 6};
  const LossConfig loss{0.5f, 0.01f, 0.5f};
  const ActionBatch ab{actions.data(), nullptr, 0};

  Learner learner(a, {OptimizerKind::kSgd}, loss);
  EXPECT_EQ(learner.gradient_size(), a.num_parameters());
  const UpdateStats u = learner.update(obs.data_ptr<float>(), 6, ab, adv.data(), ret.data(), 0.1f);
  EXPECT_FALSE(u.skipped);

  std::vector<float> grad(b.num_parameters());
  ModelWorkspace ws(b);
  const LossStats l = compute_gradient(b, b.parameters(), obs.data_ptr<float>(), 6, ab, adv.data(), ret.data(), loss,
                                       ws, grad.data());
  const float gn = clip_grad_norm(grad.data(), grad.size(), loss.max_grad_norm);
  for (size_t j = 0; j < grad.size(); ++j) b.parameters()[j] -= 0.1f * grad[j];
  EXPECT_FLOAT_EQ(u.loss.grad_norm, gn);
  EXPECT_EQ(u.loss.policy_loss, l.policy_loss);
  EXPECT_EQ(u.loss.value_loss, l.value_loss);
  EXPECT_EQ(u.loss.entropy, l.entropy);
  for (size_t j = 0; j < grad.size(); ++j) EXPECT_NEAR(a.parameters()[j], b.parameters()[j], 1e-6) << j;

  // Step 2 in between: a zeroed gradient leaves the parameters as they are.
  const std::vector<float> before(a.parameters(), a.parameters() + a.num_parameters());
  const LossStats l2 = learner.compute_gradient(obs.data_ptr<float>(), 6, ab, adv.data(), ret.data());
  std::fill(learner.gradient(), learner.gradient() + learner.gradient_size(), 0.0f);
  const UpdateStats u2 = learner.apply(l2, 0.1f);
  EXPECT_FALSE(u2.skipped);
  EXPECT_EQ(u2.loss.grad_norm, 0.0f);
  EXPECT_TRUE(std::equal(before.begin(), before.end(), a.parameters()));
  // A non-finite gradient is skipped.
  learner.gradient()[3] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(learner.apply(l2, 0.1f).skipped);
  EXPECT_TRUE(std::equal(before.begin(), before.end(), a.parameters()));
  // So is a step that would make a parameter infinite.
  EXPECT_TRUE(learner.update(obs.data_ptr<float>(), 6, ab, adv.data(), ret.data(), std::numeric_limits<float>::infinity())
                  .skipped);
  EXPECT_TRUE(std::equal(before.begin(), before.end(), a.parameters()));
}

// orthogonal_matrix is torch.nn.init.orthogonal_'s method: the Q (signs fixed by
// R's diagonal) of the QR of a Gaussian matrix, here compared with torch's
// linalg_qr of the same Gaussian draws (Box-Muller over the Pcg64 stream, filling
// the tall matrix column by column, as nn/init.cpp draws them). Sizes above 32
// span several of the blocked QR's panels, the last one partial.
TEST(Init, OrthogonalMatrixIsTorchsOrthogonal) {
  for (auto [rows, cols] : std::vector<std::pair<int, int>>{{4, 128}, {128, 4}, {5, 5}, {2, 128}, {1, 7}, {7, 1}, {3, 8}, {96, 96}, {70, 100}, {100, 70}, {64, 33}}) {
    const double gain = rows == 5 ? 1.0 : std::sqrt(2.0);
    Pcg64 rng = Pcg64::from_seed(rows * 1000 + cols), replay = rng;
    const std::vector<float> w = orthogonal_matrix(rows, cols, gain, rng);
    ASSERT_EQ(w.size(), size_t(rows) * cols);
    const int m = std::max(rows, cols), n = std::min(rows, cols);
    std::vector<double> draws(size_t(m) * n);
    for (double& x : draws) {
      const double u1 = 1.0 - replay.next_double(), u2 = replay.next_double();
      x = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
    }
    EXPECT_EQ(rng.next_uint64(), replay.next_uint64()) << "the stream advanced by one normal per element";
    auto a = torch::from_blob(draws.data(), {n, m}, torch::kFloat64).t();  // column-major m x n
    auto [q, r] = torch::linalg_qr(a);
    q = q * torch::sign(torch::diagonal(r));
    auto expected = (rows < cols ? q.t() : q) * gain;
    auto ours = torch::from_blob(const_cast<float*>(w.data()), {rows, cols}, torch::kFloat32).to(torch::kFloat64);
    EXPECT_TRUE(torch::allclose(ours, expected, 1e-6, 1e-6))
        << rows << "x" << cols << " max abs diff " << (ours - expected).abs().max().item<double>();
    auto gram = rows <= cols ? torch::matmul(ours, ours.t()) : torch::matmul(ours.t(), ours);
    EXPECT_TRUE(torch::allclose(gram / (gain * gain), torch::eye(n, torch::kFloat64), 1e-5, 1e-5));
  }
  Pcg64 a = Pcg64::from_seed(1), b = Pcg64::from_seed(1), c = Pcg64::from_seed(2);
  EXPECT_EQ(orthogonal_matrix(3, 6, 1.0, a), orthogonal_matrix(3, 6, 1.0, b));
  EXPECT_NE(orthogonal_matrix(3, 6, 1.0, a), orthogonal_matrix(3, 6, 1.0, c));
}

TEST(ActorCritic, OrthogonalInitIsSeededAndOrthogonal) {
  const ActorCriticSpec s = spec(4, 2, {128});
  ActorCritic a(s, 7), b(s, 7), c(s, 8);
  const size_t n = a.num_parameters();
  EXPECT_TRUE(std::equal(a.parameters(), a.parameters() + n, b.parameters()));
  EXPECT_FALSE(std::equal(a.parameters(), a.parameters() + n, c.parameters()));
  const MlpLayout& layout = a.mlp()->layout();
  const auto& l = layout.trunk[0];  // [in=4, out=128]: columns of W^T orthonormal * sqrt(2)
  ASSERT_TRUE(l.input_major);
  auto w = torch::from_blob(a.parameters() + l.weight_offset, {l.in, l.out}, torch::kFloat32);
  auto gram = torch::matmul(w, w.t()) / 2.0;
  EXPECT_TRUE(torch::allclose(gram, torch::eye(4), 1e-4, 1e-4));
  EXPECT_EQ(n, size_t(4 * 128 + 128 + 128 * 2 + 2 + 128 + 1));
  // The actor's rows orthonormal * 0.01, the critic's row of norm 1, biases zero.
  ASSERT_FALSE(layout.actor.input_major);
  auto actor = torch::from_blob(a.parameters() + layout.actor.weight_offset, {2, 128});
  EXPECT_TRUE(torch::allclose(torch::matmul(actor, actor.t()) / 1e-4, torch::eye(2), 1e-3, 1e-3));
  auto critic = torch::from_blob(a.parameters() + layout.critic.weight_offset, {128});
  EXPECT_NEAR(critic.norm().item<float>(), 1.0f, 1e-4);
  for (const auto& layer : layout.layers())
    for (int o = 0; o < layer.out; ++o) EXPECT_EQ(a.parameters()[layer.bias_offset + o], 0.0f) << layer.name;
  EXPECT_EQ(a.distribution_offset(), layout.size);
  EXPECT_EQ(&a.policy(), static_cast<const Policy*>(a.mlp()));
  EXPECT_EQ(a.policy().head_size(), 2);
  EXPECT_EQ(a.distribution().input_size(), 2);
}

TEST(ActorCritic, UninitializedIsZeroAndBadSpecsAreRefused) {
  ActorCritic z(spec(3, 4, {8}), 0, /*initialize=*/false);
  for (size_t j = 0; j < z.num_parameters(); ++j) ASSERT_EQ(z.parameters()[j], 0.0f);
  ActorCriticSpec box{3, Space::box({2}, {-1, -1}, {1, 1}), {8}, /*log_std_init=*/std::nanf("")};
  EXPECT_THROW(ActorCritic(box, 0), std::invalid_argument);
  EXPECT_THROW(MlpPolicy(0, 2, {8}), std::invalid_argument);
  EXPECT_THROW(MlpPolicy(4, 2, {8, 0}), std::invalid_argument);
}
