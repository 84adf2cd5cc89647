// The hand-written forward, loss and backward (nn/mlp, rl/loss) against libtorch
// autograd of the same network and loss, on random inputs, for several architectures.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "nn/actor_critic.h"
#include "nn/mlp.h"
#include "rl/loss.h"

using namespace fastac;

namespace {

struct Case {
  ActorCriticSpec spec;
  int batch;
  float value_coef, entropy_coef;
};

// The network and SB3's A2C loss written with libtorch ops, from the same flat buffer.
torch::Tensor autograd_loss(const ParameterLayout& layout, torch::Tensor flat, torch::Tensor obs,
                            torch::Tensor actions, torch::Tensor adv, torch::Tensor ret, const Case& c) {
  auto linear = [&](const LinearLayout& l, torch::Tensor x) {
    auto w = flat.slice(0, l.weight_offset, l.weight_offset + size_t(l.in) * l.out);
    w = l.input_major ? w.view({l.in, l.out}) : w.view({l.out, l.in}).t();
    auto b = flat.slice(0, l.bias_offset, l.bias_offset + l.out);
    return torch::matmul(x, w) + b;
  };
  torch::Tensor h = obs;
  for (const auto& l : layout.trunk) h = torch::relu(linear(l, h));
  auto logits = linear(layout.actor, h);
  auto values = linear(layout.critic, h).squeeze(1);
  auto log_probs = torch::log_softmax(logits, 1);
  auto entropy = -(log_probs.exp() * log_probs).sum(1).mean();
  auto policy_loss = -(adv * log_probs.gather(1, actions.unsqueeze(1)).squeeze(1)).mean();
  auto value_loss = (ret - values).pow(2).mean();
  return policy_loss + c.value_coef * value_loss - c.entropy_coef * entropy;
}

}  // namespace

TEST(GradientVsAutograd, MatchesForSeveralArchitectures) {
  const std::vector<Case> cases = {
      {{4, 2, {128}}, 5, 0.5f, 0.0f},
      {{4, 2, {128}}, 64, 0.25f, 0.01f},
      {{8, 5, {64, 32}}, 17, 0.5f, 0.05f},
      {{3, 4, {}}, 9, 1.0f, 0.1f},
      {{6, 3, {16, 16, 16}}, 33, 0.5f, 0.01f},
  };
  torch::manual_seed(0);
  for (size_t k = 0; k < cases.size(); ++k) {
    const Case& c = cases[k];
    ActorCritic net(c.spec, 100 + k);
    const ParameterLayout& layout = net.layout();
    // Larger-than-initial weights so every term (entropy, all heads) carries gradient.
    auto flat = torch::from_blob(net.parameters(), {int64_t(layout.size)}, torch::kFloat32);
    flat.add_(0.3 * torch::randn_like(flat));
    auto obs = torch::randn({c.batch, c.spec.observation_size});
    auto actions = torch::randint(0, c.spec.num_actions, {c.batch}, torch::kInt64);
    auto adv = torch::randn({c.batch});
    auto ret = torch::randn({c.batch});

    std::vector<float> grad(layout.size);
    MlpWorkspace ws;
    const LossConfig config{c.value_coef, c.entropy_coef, /*max_grad_norm=*/0.0f};
    const LossStats stats = compute_gradient(layout, net.parameters(), obs.data_ptr<float>(), c.batch,
                                             actions.data_ptr<int64_t>(), adv.data_ptr<float>(),
                                             ret.data_ptr<float>(), config, ws, grad.data());

    auto leaf = flat.clone().set_requires_grad(true);
    auto loss = autograd_loss(layout, leaf, obs, actions, adv, ret, c);
    loss.backward();
    auto expected = leaf.grad();
    auto ours = torch::from_blob(grad.data(), {int64_t(layout.size)}, torch::kFloat32);
    const float ours_loss = stats.policy_loss + c.value_coef * stats.value_loss - c.entropy_coef * stats.entropy;
    EXPECT_NEAR(ours_loss, loss.item<float>(), 1e-4 * (1 + std::abs(loss.item<float>()))) << "case " << k;
    EXPECT_TRUE(torch::allclose(ours, expected, 1e-4, 1e-5))
        << "case " << k << " max abs diff " << (ours - expected).abs().max().item<float>();
    EXPECT_NEAR(stats.grad_norm, expected.norm().item<float>(), 1e-4 * (1 + expected.norm().item<float>()));
  }
}

TEST(GradientVsAutograd, ClipsToMaxGradNorm) {
  ActorCritic net({4, 2, {32}}, 1);
  auto obs = torch::randn({8, 4}) * 5;
  std::vector<int64_t> actions = {0, 1, 0, 1, 1, 1, 0, 0};
  std::vector<float> adv(8, 10.0f), ret(8, 50.0f), grad(net.num_parameters());
  MlpWorkspace ws;
  const auto stats = compute_gradient(net.layout(), net.parameters(), obs.data_ptr<float>(), 8, actions.data(),
                                      adv.data(), ret.data(), {0.5f, 0.0f, 0.5f}, ws, grad.data());
  ASSERT_GT(stats.grad_norm, 0.5f);
  double sq = 0;
  for (float g : grad) sq += double(g) * g;
  EXPECT_NEAR(std::sqrt(sq), 0.5, 1e-4);
}

TEST(ActorCritic, OrthogonalInitIsSeededAndOrthogonal) {
  ActorCritic a({4, 2, {128}}, 7), b({4, 2, {128}}, 7), c({4, 2, {128}}, 8);
  const size_t n = a.num_parameters();
  EXPECT_TRUE(std::equal(a.parameters(), a.parameters() + n, b.parameters()));
  EXPECT_FALSE(std::equal(a.parameters(), a.parameters() + n, c.parameters()));
  const auto& l = a.layout().trunk[0];  // [in=4, out=128]: columns of W^T orthonormal * sqrt(2)
  auto w = torch::from_blob(a.parameters() + l.weight_offset, {l.in, l.out}, torch::kFloat32);
  auto gram = torch::matmul(w, w.t()) / 2.0;
  EXPECT_TRUE(torch::allclose(gram, torch::eye(4), 1e-4, 1e-4));
  EXPECT_EQ(n, size_t(4 * 128 + 128 + 128 * 2 + 2 + 128 + 1));
}
