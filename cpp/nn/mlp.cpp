#include "nn/mlp.h"

#include <algorithm>
#include <cstring>

namespace fastac {
namespace {

// y[b, :] = bias + x[b, :] @ W for W stored [in, out]; the inner loop runs over
// contiguous outputs, so it vectorizes.
void linear(const LinearLayout& l, const float* params, const float* x, int batch, float* y) {
  const float* __restrict w = params + l.weight_offset;
  const float* __restrict bias = params + l.bias_offset;
  for (int b = 0; b < batch; ++b) {
    float* __restrict yb = y + static_cast<size_t>(b) * l.out;
    const float* xb = x + static_cast<size_t>(b) * l.in;
    std::memcpy(yb, bias, sizeof(float) * l.out);
    for (int i = 0; i < l.in; ++i) {
      const float xi = xb[i];
      const float* __restrict wi = w + static_cast<size_t>(i) * l.out;
      for (int o = 0; o < l.out; ++o) yb[o] += xi * wi[o];
    }
  }
}

// Weight and bias gradients of a linear layer from its input x and output gradient dy.
void linear_param_grad(const LinearLayout& l, const float* x, const float* dy, int batch, float* grad) {
  float* __restrict gw = grad + l.weight_offset;
  float* __restrict gb = grad + l.bias_offset;
  std::fill(gw, gw + static_cast<size_t>(l.in) * l.out, 0.0f);
  std::fill(gb, gb + l.out, 0.0f);
  for (int b = 0; b < batch; ++b) {
    const float* __restrict dyb = dy + static_cast<size_t>(b) * l.out;
    const float* xb = x + static_cast<size_t>(b) * l.in;
    for (int o = 0; o < l.out; ++o) gb[o] += dyb[o];
    for (int i = 0; i < l.in; ++i) {
      const float xi = xb[i];
      if (xi == 0.0f) continue;  // ReLU zeros are common
      float* __restrict gwi = gw + static_cast<size_t>(i) * l.out;
      for (int o = 0; o < l.out; ++o) gwi[o] += xi * dyb[o];
    }
  }
}

// dx[b, i] += sum_o W[i, o] dy[b, o]
void linear_input_grad(const LinearLayout& l, const float* params, const float* dy, int batch, float* dx) {
  const float* w = params + l.weight_offset;
  for (int b = 0; b < batch; ++b) {
    const float* dyb = dy + static_cast<size_t>(b) * l.out;
    float* dxb = dx + static_cast<size_t>(b) * l.in;
    for (int i = 0; i < l.in; ++i) {
      const float* wi = w + static_cast<size_t>(i) * l.out;
      float s = 0.0f;
      for (int o = 0; o < l.out; ++o) s += wi[o] * dyb[o];
      dxb[i] += s;
    }
  }
}

}  // namespace

void mlp_forward(const ParameterLayout& layout, const float* params, const float* obs, int batch, MlpWorkspace& ws) {
  ws.batch = batch;
  ws.hidden.resize(layout.trunk.size());
  const float* x = obs;
  for (size_t k = 0; k < layout.trunk.size(); ++k) {
    const LinearLayout& l = layout.trunk[k];
    auto& h = ws.hidden[k];
    h.resize(static_cast<size_t>(batch) * l.out);
    linear(l, params, x, batch, h.data());
    for (float& v : h) v = std::max(v, 0.0f);
    x = h.data();
  }
  ws.logits.resize(static_cast<size_t>(batch) * layout.actor.out);
  ws.values.resize(batch);
  linear(layout.actor, params, x, batch, ws.logits.data());
  linear(layout.critic, params, x, batch, ws.values.data());
}

void mlp_backward(const ParameterLayout& layout, const float* params, const float* obs, MlpWorkspace& ws,
                  const float* grad_logits, const float* grad_values, float* grad) {
  const int batch = ws.batch;
  const float* top = layout.trunk.empty() ? obs : ws.hidden.back().data();
  linear_param_grad(layout.actor, top, grad_logits, batch, grad);
  linear_param_grad(layout.critic, top, grad_values, batch, grad);
  if (layout.trunk.empty()) return;

  // d loss / d (last hidden activation), from both heads.
  std::vector<float>& dh = ws.grad_hidden;
  std::vector<float>& scratch = ws.grad_scratch;
  dh.assign(static_cast<size_t>(batch) * layout.last_hidden(), 0.0f);
  linear_input_grad(layout.actor, params, grad_logits, batch, dh.data());
  linear_input_grad(layout.critic, params, grad_values, batch, dh.data());

  for (size_t k = layout.trunk.size(); k-- > 0;) {
    const LinearLayout& l = layout.trunk[k];
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
