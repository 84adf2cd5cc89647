#include "nn/mlp.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace fastac {
namespace {

// The two loops every kernel below reduces to, over contiguous floats. The dot
// keeps 16 partial sums so that the compiler can vectorize it without
// -ffast-math (and sums in a fixed order: results are deterministic).
inline void axpy(int n, float a, const float* __restrict x, float* __restrict y) {
#pragma omp simd
  for (int k = 0; k < n; ++k) y[k] += a * x[k];
}

inline float dot(int n, const float* __restrict x, const float* __restrict y) {
  constexpr int kLanes = 16;
  float partial[kLanes] = {};
  int k = 0;
  for (; k + kLanes <= n; k += kLanes)
    for (int j = 0; j < kLanes; ++j) partial[j] += x[k + j] * y[k + j];
  float s = 0.0f;
  for (int j = 0; j < kLanes; ++j) s += partial[j];
  for (; k < n; ++k) s += x[k] * y[k];
  return s;
}

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
  std::vector<std::vector<float>> hidden;        // post-ReLU output of each trunk layer, [batch, out]
  std::vector<float> grad_hidden, grad_scratch;  // backward scratch
};

}  // namespace

MlpLayout::MlpLayout(int obs_size, int head, const std::vector<int>& hidden_sizes)
    : observation_size(obs_size), head_size(head) {
  if (obs_size < 1) throw std::invalid_argument("observation_size must be >= 1, got " + std::to_string(obs_size));
  if (head < 1) throw std::invalid_argument("head_size must be >= 1, got " + std::to_string(head));
  auto add = [this](const std::string& name, int in, int out) {
    LinearLayout l{name, in, out, out >= in, size, size + static_cast<size_t>(in) * out};
    size = l.bias_offset + out;
    return l;
  };
  int in = obs_size;
  for (size_t k = 0; k < hidden_sizes.size(); ++k) {
    if (hidden_sizes[k] < 1)
      throw std::invalid_argument("hidden_sizes[" + std::to_string(k) + "] must be >= 1, got " +
                                  std::to_string(hidden_sizes[k]));
    trunk.push_back(add("trunk." + std::to_string(2 * k), in, hidden_sizes[k]));
    in = hidden_sizes[k];
  }
  actor = add("actor", in, head);
  critic = add("critic", in, 1);
}

std::vector<LinearLayout> MlpLayout::layers() const {
  std::vector<LinearLayout> all = trunk;
  all.push_back(actor);
  all.push_back(critic);
  return all;
}

std::unique_ptr<PolicyWorkspace> MlpPolicy::make_workspace() const { return std::make_unique<MlpWorkspace>(); }

std::vector<WeightInit> MlpPolicy::initializers() const {
  // Gains sqrt(2) for the trunk, 0.01 for the actor, 1 for the critic (SB3, CleanRL).
  std::vector<WeightInit> out;
  for (const auto& l : layout_.trunk) out.push_back({l.weight_offset, l.in, l.out, l.input_major, std::sqrt(2.0)});
  const auto& a = layout_.actor;
  const auto& c = layout_.critic;
  out.push_back({a.weight_offset, a.in, a.out, a.input_major, 0.01});
  out.push_back({c.weight_offset, c.in, c.out, c.input_major, 1.0});
  return out;
}

void MlpPolicy::forward(const float* params, const float* obs, int batch, PolicyWorkspace& base, float* head,
                        float* values) const {
  auto& ws = static_cast<MlpWorkspace&>(base);
  ws.hidden.resize(layout_.trunk.size());
  const float* x = obs;
  for (size_t k = 0; k < layout_.trunk.size(); ++k) {
    const LinearLayout& l = layout_.trunk[k];
    auto& h = ws.hidden[k];
    h.resize(static_cast<size_t>(batch) * l.out);
    linear(l, params, x, batch, h.data());
    for (float& v : h) v = std::max(v, 0.0f);
    x = h.data();
  }
  linear(layout_.actor, params, x, batch, head);
  linear(layout_.critic, params, x, batch, values);
}

void MlpPolicy::backward(const float* params, const float* obs, int batch, PolicyWorkspace& base,
                         const float* grad_head, const float* grad_values, float* grad) const {
  auto& ws = static_cast<MlpWorkspace&>(base);
  const float* top = layout_.trunk.empty() ? obs : ws.hidden.back().data();
  linear_param_grad(layout_.actor, top, grad_head, batch, grad);
  linear_param_grad(layout_.critic, top, grad_values, batch, grad);
  if (layout_.trunk.empty()) return;

  // d loss / d (last hidden activation), from both heads.
  std::vector<float>& dh = ws.grad_hidden;
  std::vector<float>& scratch = ws.grad_scratch;
  dh.assign(static_cast<size_t>(batch) * layout_.last_hidden(), 0.0f);
  linear_input_grad(layout_.actor, params, grad_head, batch, dh.data());
  linear_input_grad(layout_.critic, params, grad_values, batch, dh.data());

  for (size_t k = layout_.trunk.size(); k-- > 0;) {
    const LinearLayout& l = layout_.trunk[k];
    const std::vector<float>& h = ws.hidden[k];
    for (size_t j = 0; j < dh.size(); ++j)
      if (h[j] <= 0.0f) dh[j] = 0.0f;  // ReLU
    const float* x = k == 0 ? obs : ws.hidden[k - 1].data();
    linear_param_grad(l, x, dh.data(), batch, grad);
    if (k == 0) break;
    scratch.assign(static_cast<size_t>(batch) * l.in, 0.0f);
    linear_input_grad(l, params, dh.data(), batch, scratch.data());
    dh.swap(scratch);
  }
}

}  // namespace fastac
