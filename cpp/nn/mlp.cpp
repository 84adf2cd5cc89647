#include "nn/mlp.h"

#include "nn/kernel_isa.h"
#include "nn/vector_math.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace fastac {
namespace {

// y[b, :] = bias + W x[b, :]
void linear(const LinearLayout& l, const float* params, const float* x, int batch, float* y) {
  const float* w = params + l.weight_offset;
  const float* bias = params + l.bias_offset;
  for (int b = 0; b < batch; ++b) {
    float* yb = y + static_cast<size_t>(b) * l.out;
    const float* xb = x + static_cast<size_t>(b) * l.in;
    if (l.input_major) {
      std::memcpy(yb, bias, sizeof(float) * l.out);
      for (int i = 0; i < l.in; ++i)
        if (xb[i] != 0.0f) axpy(l.out, xb[i], w + static_cast<size_t>(i) * l.out, yb);  // ReLU zeros are common
    } else {
      for (int o = 0; o < l.out; ++o) yb[o] = bias[o] + dot(l.in, w + static_cast<size_t>(o) * l.in, xb);
    }
  }
}

// Weight and bias gradients of a linear layer from its input x and output gradient dy, added to grad.
void linear_param_grad(const LinearLayout& l, const float* x, const float* dy, int batch, float* grad) {
  float* gw = grad + l.weight_offset;
  float* gb = grad + l.bias_offset;
  for (int b = 0; b < batch; ++b) {
    const float* dyb = dy + static_cast<size_t>(b) * l.out;
    const float* xb = x + static_cast<size_t>(b) * l.in;
    axpy(l.out, 1.0f, dyb, gb);
    if (l.input_major) {
      for (int i = 0; i < l.in; ++i)
        if (xb[i] != 0.0f) axpy(l.out, xb[i], dyb, gw + static_cast<size_t>(i) * l.out);
    } else {
      for (int o = 0; o < l.out; ++o)
        if (dyb[o] != 0.0f) axpy(l.in, dyb[o], xb, gw + static_cast<size_t>(o) * l.in);
    }
  }
}

// dx[b, :] += W^T dy[b, :]
void linear_input_grad(const LinearLayout& l, const float* params, const float* dy, int batch, float* dx) {
  const float* w = params + l.weight_offset;
  for (int b = 0; b < batch; ++b) {
    const float* dyb = dy + static_cast<size_t>(b) * l.out;
    float* dxb = dx + static_cast<size_t>(b) * l.in;
    if (l.input_major) {
      for (int i = 0; i < l.in; ++i) dxb[i] += dot(l.out, w + static_cast<size_t>(i) * l.out, dyb);
    } else {
      for (int o = 0; o < l.out; ++o)
        if (dyb[o] != 0.0f) axpy(l.in, dyb[o], w + static_cast<size_t>(o) * l.in, dxb);
    }
  }
}


struct MlpWorkspace final : PolicyWorkspace {
  // Activations after each layer of the trunk, the actor trunk, the critic trunk: [batch, out].
  std::vector<std::vector<float>> trunk, actor, critic;
  std::vector<float> grad_top, grad_hidden, grad_scratch;  // backward scratch
};

// tanh as Eigen's fast float tanh: a 13/6 rational approximation on [-7.9988, 7.9988]
// (beyond, tanh is 1 in float), within 4e-7 of the exact value (near 0, p / q = x a1 / b0,
// within 2e-7 relative); it vectorizes where std::tanh (~20 ns a call) does not: the
// activation would otherwise cost more than the layers of a (64, 64) network.
void fast_tanh(float* v, size_t n) {
  constexpr float kClamp = 7.99881172180175781f;
  constexpr float a1 = 4.89352455891786e-03f, a3 = 6.37261928875436e-04f, a5 = 1.48572235717979e-05f,
                  a7 = 5.12229709037114e-08f, a9 = -8.60467152213735e-11f, a11 = 2.00018790482477e-13f,
                  a13 = -2.76076847742355e-16f;
  constexpr float b0 = 4.89352518554385e-03f, b2 = 2.26843463243900e-03f, b4 = 1.18534705686654e-04f,
                  b6 = 1.19825839466702e-06f;
#pragma omp simd
  for (size_t j = 0; j < n; ++j) {
    float x = v[j];
    x = x > kClamp ? kClamp : x;
    x = x < -kClamp ? -kClamp : x;
    const float x2 = x * x;
    const float p = x * (((((((a13 * x2 + a11) * x2 + a9) * x2 + a7) * x2 + a5) * x2 + a3) * x2) + a1);
    const float q = ((b6 * x2 + b4) * x2 + b2) * x2 + b0;
    v[j] = p / q;
  }
}

void activate(Activation activation, float* h, size_t n) {
  if (activation == Activation::kRelu) {
    for (size_t j = 0; j < n; ++j) h[j] = std::max(h[j], 0.0f);
  } else {
    fast_tanh(h, n);
  }
}

// dh *= the activation's derivative at its output h.
void activation_grad(Activation activation, const std::vector<float>& h, std::vector<float>& dh) {
  if (activation == Activation::kRelu) {
    for (size_t j = 0; j < dh.size(); ++j)
      if (h[j] <= 0.0f) dh[j] = 0.0f;
  } else {
    for (size_t j = 0; j < dh.size(); ++j) dh[j] *= 1.0f - h[j] * h[j];
  }
}

// Runs layers (each followed by the activation) from x, the inputs of rows [first, first +
// batch) of `total`; out[k] keeps layer k's outputs of all `total` rows. Returns the rows'
// last output (x if no layer).
const float* run_layers(const std::vector<LinearLayout>& layers, Activation activation, const float* params,
                        const float* x, int first, int batch, int total, std::vector<std::vector<float>>& out) {
  out.resize(layers.size());
  for (size_t k = 0; k < layers.size(); ++k) {
    out[k].resize(static_cast<size_t>(total) * layers[k].out);
    float* y = out[k].data() + static_cast<size_t>(first) * layers[k].out;
    linear(layers[k], params, x, batch, y);
    activate(activation, y, static_cast<size_t>(batch) * layers[k].out);
    x = y;
  }
  return x;
}

// Back through layers from dh (the gradient at their last output, consumed): parameter
// gradients into grad; with dx, the gradient at their input x is added to it.
void back_layers(const std::vector<LinearLayout>& layers, Activation activation, const float* params,
                 const float* x, int batch, const std::vector<std::vector<float>>& out, std::vector<float>& dh,
                 std::vector<float>& scratch, float* grad, float* dx) {
  for (size_t k = layers.size(); k-- > 0;) {
    const LinearLayout& l = layers[k];
    activation_grad(activation, out[k], dh);
    const float* in = k == 0 ? x : out[k - 1].data();
    linear_param_grad(l, in, dh.data(), batch, grad);
    if (k == 0) {
      if (dx) linear_input_grad(l, params, dh.data(), batch, dx);
      return;
    }
    scratch.assign(static_cast<size_t>(batch) * l.in, 0.0f);
    linear_input_grad(l, params, dh.data(), batch, scratch.data());
    dh.swap(scratch);
  }
}

// The passes, compiled for the CPU's ISA (nn/kernel_isa.h).
// Rows [first, first + batch) of a `total`-row forward (forward(): first 0, total batch).
FASTAC_KERNEL void mlp_forward(const MlpLayout& layout, Activation activation, const float* params,
                               const void* observations, int first, int batch, int total, MlpWorkspace& ws,
                               float* head, float* values) {
  const float* obs = static_cast<const float*>(observations);
  const float* top = run_layers(layout.trunk, activation, params, obs, first, batch, total, ws.trunk);
  linear(layout.actor, params, run_layers(layout.actor_trunk, activation, params, top, first, batch, total, ws.actor),
         batch, head);
  linear(layout.critic, params,
         run_layers(layout.critic_trunk, activation, params, top, first, batch, total, ws.critic), batch, values);
}

FASTAC_KERNEL void mlp_backward(const MlpLayout& layout, Activation activation, const float* params,
                                const void* observations, int batch, MlpWorkspace& ws, const float* grad_head,
                                const float* grad_values, float* grad) {
  const float* obs = static_cast<const float*>(observations);
  const float* top = layout.trunk.empty() ? obs : ws.trunk.back().data();
  const int top_size = layout.trunk.empty() ? layout.observation_size : layout.trunk.back().out;
  // d loss / d (the shared trunk's output), summed over both branches; not needed without a trunk.
  std::vector<float>& dtop = ws.grad_top;
  dtop.assign(layout.trunk.empty() ? 0 : static_cast<size_t>(batch) * top_size, 0.0f);
  float* dtop_data = layout.trunk.empty() ? nullptr : dtop.data();
  auto branch = [&](const std::vector<LinearLayout>& layers, const std::vector<std::vector<float>>& out,
                    const LinearLayout& head_layer, const float* grad_out) {
    const float* in = layers.empty() ? top : out.back().data();
    linear_param_grad(head_layer, in, grad_out, batch, grad);
    if (layers.empty()) {
      if (dtop_data) linear_input_grad(head_layer, params, grad_out, batch, dtop_data);
      return;
    }
    std::vector<float>& dh = ws.grad_hidden;
    dh.assign(static_cast<size_t>(batch) * head_layer.in, 0.0f);
    linear_input_grad(head_layer, params, grad_out, batch, dh.data());
    back_layers(layers, activation, params, top, batch, out, dh, ws.grad_scratch, grad, dtop_data);
  };
  branch(layout.actor_trunk, ws.actor, layout.actor, grad_head);
  branch(layout.critic_trunk, ws.critic, layout.critic, grad_values);
  if (layout.trunk.empty()) return;
  back_layers(layout.trunk, activation, params, obs, batch, ws.trunk, dtop, ws.grad_scratch, grad, nullptr);
}

}  // namespace

Activation activation_from_name(const std::string& name) {
  if (name == "relu") return Activation::kRelu;
  if (name == "tanh") return Activation::kTanh;
  throw std::invalid_argument("activation must be 'relu' or 'tanh', got '" + name + "'");
}

const char* activation_name(Activation activation) { return activation == Activation::kRelu ? "relu" : "tanh"; }

MlpLayout::MlpLayout(int obs_size, int head, const std::vector<int>& hidden_sizes, bool share_trunk)
    : observation_size(obs_size), head_size(head) {
  if (obs_size < 1) throw std::invalid_argument("observation_size must be >= 1, got " + std::to_string(obs_size));
  if (head < 1) throw std::invalid_argument("head_size must be >= 1, got " + std::to_string(head));
  for (size_t k = 0; k < hidden_sizes.size(); ++k)
    if (hidden_sizes[k] < 1)
      throw std::invalid_argument("hidden_sizes[" + std::to_string(k) + "] must be >= 1, got " +
                                  std::to_string(hidden_sizes[k]));
  auto add = [this](const std::string& name, int in, int out) {
    LinearLayout l{name, in, out, out >= in, size, size + static_cast<size_t>(in) * out};
    size = l.bias_offset + out;
    return l;
  };
  // Names as torch.nn.Sequential's of (Linear, activation) pairs: trunk.0, trunk.2, ...
  auto add_trunk = [&](const std::string& name, std::vector<LinearLayout>& into) {
    int in = obs_size;
    for (size_t k = 0; k < hidden_sizes.size(); ++k) {
      into.push_back(add(name + "." + std::to_string(2 * k), in, hidden_sizes[k]));
      in = hidden_sizes[k];
    }
    return in;
  };
  if (share_trunk) {
    const int top = add_trunk("trunk", trunk);
    actor = add("actor", top, head);
    critic = add("critic", top, 1);
  } else {
    actor = add("actor", add_trunk("actor_trunk", actor_trunk), head);
    critic = add("critic", add_trunk("critic_trunk", critic_trunk), 1);
  }
}

std::vector<LinearLayout> MlpLayout::layers() const {
  std::vector<LinearLayout> all = trunk;
  all.insert(all.end(), actor_trunk.begin(), actor_trunk.end());
  all.push_back(actor);
  all.insert(all.end(), critic_trunk.begin(), critic_trunk.end());
  all.push_back(critic);
  return all;
}

std::unique_ptr<PolicyWorkspace> MlpPolicy::make_workspace() const { return std::make_unique<MlpWorkspace>(); }

std::vector<WeightInit> MlpPolicy::initializers() const {
  // Gains sqrt(2) for the trunks, 0.01 for the actor, 1 for the critic (SB3, CleanRL).
  std::vector<WeightInit> out;
  for (const auto* trunk : {&layout_.trunk, &layout_.actor_trunk, &layout_.critic_trunk})
    for (const auto& l : *trunk) out.push_back({l.weight_offset, l.in, l.out, l.input_major, std::sqrt(2.0)});
  const auto& a = layout_.actor;
  const auto& c = layout_.critic;
  out.push_back({a.weight_offset, a.in, a.out, a.input_major, 0.01});
  out.push_back({c.weight_offset, c.in, c.out, c.input_major, 1.0});
  return out;
}

void MlpPolicy::forward(const float* params, const void* observations, int batch, PolicyWorkspace& ws, float* head,
                        float* values) const {
  mlp_forward(layout_, activation_, params, observations, 0, batch, batch, static_cast<MlpWorkspace&>(ws), head,
              values);
}

void MlpPolicy::forward_rows(const float* params, const void* observations, int first, int batch, int total,
                             PolicyWorkspace& ws, float* head, float* values) const {
  check_rows(first, batch, total);
  mlp_forward(layout_, activation_, params, observations, first, batch, total, static_cast<MlpWorkspace&>(ws), head,
              values);
}

void MlpPolicy::backward(const float* params, const void* observations, int batch, PolicyWorkspace& ws,
                         const float* grad_head, const float* grad_values, float* grad) const {
  mlp_backward(layout_, activation_, params, observations, batch, static_cast<MlpWorkspace&>(ws), grad_head,
               grad_values, grad);
}

}  // namespace fastac
