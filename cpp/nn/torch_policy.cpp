#include "nn/torch_policy.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>
#include <stdexcept>

namespace fastac {

// A CNN's parameters for its explicit passes (below): each convolution's, the feature
// layer's, the heads', as offsets into the flat buffer.
struct CnnChain {
  struct Conv {
    size_t weight = 0, bias = 0;
    int64_t out_channels = 0, in_channels = 0, kernel = 0, stride = 0;
  };
  std::vector<Conv> convs;
  size_t fc_weight = 0, fc_bias = 0, actor_weight = 0, actor_bias = 0, critic_weight = 0, critic_bias = 0;
  int64_t channels = 0, height = 0, width = 0;  // the input image
  std::vector<int64_t> last_shape;               // the last convolution's output [C, H, W]
  int64_t flat_size = 0, features = 0, head_size = 0;
};

namespace {

// One convolution of a CNN trunk.
struct ConvLayer {
  int out_channels, kernel, stride;
};

// The side of a convolution's output (no padding) over an input side of `side`.
int64_t output_side(int64_t side, const ConvLayer& l) { return (side - l.kernel) / l.stride + 1; }

std::vector<ConvLayer> conv_layers(const std::string& architecture) {
  if (architecture == "nature_cnn") return {{32, 8, 4}, {64, 4, 2}, {64, 3, 1}};
  if (architecture == "minatar_cnn") return {{16, 3, 1}};
  return {};
}

int default_features(const std::string& architecture) { return architecture == "nature_cnn" ? 512 : 128; }

// The module: trunk -> actor, critic (the names are the state_dict's).
struct Net : torch::nn::Module {
  torch::nn::Sequential trunk;
  torch::nn::Linear actor{nullptr}, critic{nullptr};
};

// The trunk's layers and its output width, from the spec (shapes checked beforehand).
std::shared_ptr<Net> build(const TorchPolicySpec& spec, const std::vector<int>& hidden, int channels) {
  auto net = std::make_shared<Net>();
  torch::nn::Sequential trunk;
  int width = 0;
  if (spec.architecture == "mlp") {
    width = 1;
    for (int d : spec.observation_shape) width *= d;
    for (int h : hidden) {
      trunk->push_back(torch::nn::Linear(width, h));
      if (spec.activation == Activation::kTanh)
        trunk->push_back(torch::nn::Tanh());
      else
        trunk->push_back(torch::nn::ReLU());
      width = h;
    }
  } else {
    const int H0 = spec.channels_last ? spec.observation_shape[0] : spec.observation_shape[1];
    const int W0 = spec.channels_last ? spec.observation_shape[1] : spec.observation_shape[2];
    int c = channels, h = H0, w = W0;
    for (const ConvLayer& l : conv_layers(spec.architecture)) {
      trunk->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(c, l.out_channels, l.kernel).stride(l.stride)));
      trunk->push_back(torch::nn::ReLU());
      c = l.out_channels, h = static_cast<int>(output_side(h, l)), w = static_cast<int>(output_side(w, l));
    }
    trunk->push_back(torch::nn::Flatten());
    trunk->push_back(torch::nn::Linear(c * h * w, hidden.at(0)));
    trunk->push_back(torch::nn::ReLU());
    width = hidden.at(0);
  }
  net->trunk = net->register_module("trunk", trunk);
  net->actor = net->register_module("actor", torch::nn::Linear(width, spec.head_size));
  net->critic = net->register_module("critic", torch::nn::Linear(width, 1));
  return net;
}

// What the explicit CNN passes keep of one forward over some rows, for the backward.
struct KeptRows {
  std::vector<torch::Tensor> conv_outputs;  // after each ReLU but the last conv's, channels-last
  torch::Tensor flat, features;             // the last conv's output flattened (NCHW order), the feature layer's
};

struct TorchWorkspace : PolicyWorkspace {
  std::shared_ptr<Net> net;           // this thread's module
  std::vector<torch::Tensor> params;  // its parameters, in the flat layout's order
  torch::Tensor head, values;         // the last forward's outputs, with their graph
  MinAtarCnnActivations minatar;      // the hand-written minatar_cnn's
  std::vector<KeptRows> kept;         // the explicit CNN passes': blocks of rows in order
  int kept_rows = 0, kept_total = -1;  // rows kept so far, of a batch of kept_total
};

// An allocation failure is a std::bad_alloc (the bindings' MemoryError) wherever it happens.
template <typename F>
void translating_oom(F&& f) {
  try {
    f();
  } catch (const c10::OutOfMemoryError&) {
    throw std::bad_alloc();
  }
}

}  // namespace

TorchPolicy::TorchPolicy(const TorchPolicySpec& spec) : spec_(spec) {
  const auto& shape = spec.observation_shape;
  auto fail = [&](const std::string& what) {
    throw std::invalid_argument("architecture '" + spec.architecture + "': " + what);
  };
  if (spec.architecture != "nature_cnn" && spec.architecture != "minatar_cnn" && spec.architecture != "mlp")
    throw std::invalid_argument("architecture must be 'nature_cnn', 'minatar_cnn' or 'mlp', got '" +
                                spec.architecture + "'");
  if (shape.empty() || std::any_of(shape.begin(), shape.end(), [](int d) { return d < 1; }))
    fail("the observation shape must have positive sizes");
  if (spec.head_size < 1) fail("head_size must be >= 1");
  std::vector<int> hidden = spec.hidden_sizes;
  if (std::any_of(hidden.begin(), hidden.end(), [](int h) { return h < 1; })) fail("hidden sizes must be >= 1");
  observation_size_ = 1;
  for (int d : shape) {
    if (observation_size_ > (1 << 30) / d) fail("the observation is too large");
    observation_size_ *= d;
  }
  int channels = 0;
  if (spec.architecture == "mlp") {
    if (hidden.empty()) hidden = {64, 64};
  } else {
    if (shape.size() != 3) fail("an image observation space [C, H, W] or [H, W, C] is needed");
    if (hidden.empty()) hidden = {default_features(spec.architecture)};
    if (hidden.size() != 1) fail("hidden_sizes is the one feature layer's width, e.g. [512]");
    channels = spec.channels_last ? shape[2] : shape[0];
    int h = spec.channels_last ? shape[0] : shape[1], w = spec.channels_last ? shape[1] : shape[2];
    for (const ConvLayer& l : conv_layers(spec.architecture)) {
      if (h < l.kernel || w < l.kernel)
        fail("the image (" + std::to_string(spec.channels_last ? shape[0] : shape[1]) + "x" +
             std::to_string(spec.channels_last ? shape[1] : shape[2]) + ") is too small for its " +
             std::to_string(l.kernel) + "x" + std::to_string(l.kernel) + " convolutions");
      forward_work_ += static_cast<size_t>(output_side(h, l)) * static_cast<size_t>(output_side(w, l)) *
                       l.out_channels * channels * l.kernel * l.kernel;
      channels = l.out_channels, h = static_cast<int>(output_side(h, l)), w = static_cast<int>(output_side(w, l));
    }
    channels = spec.channels_last ? shape[2] : shape[0];
  }
  spec_.hidden_sizes = hidden;

  // Parameter names, shapes and offsets from one module (the workspaces build their own).
  torch::NoGradGuard no_grad;
  const std::shared_ptr<Net> net = build(spec_, hidden, channels);
  for (const auto& item : net->named_parameters()) {
    const torch::Tensor& p = item.value();
    TorchParameter param{item.key(), p.sizes().vec(), num_parameters_};
    parameters_.push_back(param);
    num_parameters_ += static_cast<size_t>(p.numel());
    if (p.dim() >= 2) {  // a weight: orthogonal over [out, in...] (SB3's gains: trunk sqrt 2, actor 0.01, critic 1)
      const int out = static_cast<int>(p.size(0)), in = static_cast<int>(p.numel() / p.size(0));
      const double gain = item.key().rfind("actor", 0) == 0 ? 0.01 : item.key().rfind("critic", 0) == 0 ? 1.0
                                                                                                         : std::sqrt(2.0);
      initializers_.push_back({param.offset, in, out, false, gain});
      if (p.dim() == 2) forward_work_ += static_cast<size_t>(p.numel());
    }
  }
  auto offset = [&](const std::string& name) {
    for (const TorchParameter& p : parameters_)
      if (p.name == name) return p.offset;
    throw std::logic_error(spec.architecture + " has no parameter " + name);
  };
  if (spec.architecture == "nature_cnn" && !spec.autograd) {
    chain_ = std::make_unique<CnnChain>();
    CnnChain& c = *chain_;
    c.channels = channels;
    c.height = spec.channels_last ? shape[0] : shape[1];
    c.width = spec.channels_last ? shape[1] : shape[2];
    int64_t in = channels, h = c.height, w = c.width;
    int index = 0;  // the trunk's modules: conv, ReLU, conv, ReLU, ..., Flatten, Linear, ReLU
    for (const ConvLayer& l : conv_layers(spec.architecture)) {
      const std::string name = "trunk." + std::to_string(index);
      c.convs.push_back({offset(name + ".weight"), offset(name + ".bias"), l.out_channels, in, l.kernel, l.stride});
      in = l.out_channels, h = output_side(h, l), w = output_side(w, l);
      index += 2;
    }
    c.last_shape = {in, h, w};
    c.flat_size = in * h * w;
    const std::string fc = "trunk." + std::to_string(index + 1);
    c.fc_weight = offset(fc + ".weight"), c.fc_bias = offset(fc + ".bias");
    c.actor_weight = offset("actor.weight"), c.actor_bias = offset("actor.bias");
    c.critic_weight = offset("critic.weight"), c.critic_bias = offset("critic.bias");
    c.features = hidden.at(0);
    c.head_size = spec.head_size;
  }
  if (spec.architecture == "minatar_cnn" && !spec.autograd) {
    minatar_ = std::make_unique<MinAtarCnnShape>();
    MinAtarCnnShape& m = *minatar_;
    m.channels = channels;
    m.height = spec.channels_last ? shape[0] : shape[1];
    m.width = spec.channels_last ? shape[1] : shape[2];
    m.channels_last = spec.channels_last;
    m.dtype = spec.observation_dtype;
    m.features = hidden.at(0);
    m.head_size = spec.head_size;
    m.conv_weight = offset("trunk.0.weight"), m.conv_bias = offset("trunk.0.bias");
    m.linear_weight = offset("trunk.3.weight"), m.linear_bias = offset("trunk.3.bias");
    m.actor_weight = offset("actor.weight"), m.actor_bias = offset("actor.bias");
    m.critic_weight = offset("critic.weight"), m.critic_bias = offset("critic.bias");
  }
}

TorchPolicy::~TorchPolicy() = default;

bool TorchPolicy::has_forward_rows() const { return minatar_ != nullptr || chain_ != nullptr; }

int TorchPolicy::gradient_chunk(int batch) const {
  // libtorch's cost is per call: chunks of at most about 2^31 multiply-adds (under 0.1 s
  // at one thread), not the kernels' 2^24, and of equal sizes (80 rows of the Nature CNN:
  // 2 x 40, not 76 + 4). So an A3C rollout of 8 envs x 5 steps is one chunk: its acting
  // forward passes are kept for the gradient (A3CTrainer::worker_loop).
  constexpr size_t kChunkWork = size_t{1} << 31;
  const int64_t rows = std::max(batch, 1);
  const int64_t most = static_cast<int64_t>(
      std::clamp<size_t>(kChunkWork / (3 * std::max<size_t>(forward_work_, 1)), 1, static_cast<size_t>(rows)));
  const int64_t chunks = (rows + most - 1) / most;
  return static_cast<int>((rows + chunks - 1) / chunks);
}

std::unique_ptr<PolicyWorkspace> TorchPolicy::make_workspace() const {
  auto ws = std::make_unique<TorchWorkspace>();
  translating_oom([&] {
    torch::NoGradGuard no_grad;
    const int channels = spec_.architecture == "mlp" ? 0
                         : spec_.channels_last       ? spec_.observation_shape[2]
                                                     : spec_.observation_shape[0];
    ws->net = build(spec_, spec_.hidden_sizes, channels);
    for (auto& p : ws->net->parameters()) {
      p.set_data(torch::empty({0}));  // the module's own values are never used: the flat buffer's are
      ws->params.push_back(p);
    }
  });
  return ws;
}

std::vector<WeightInit> TorchPolicy::initializers() const { return initializers_; }

namespace {

// The module's parameters as views of the flat buffer params.
void bind(const std::vector<TorchParameter>& layout, const float* params, TorchWorkspace& ws) {
  for (size_t i = 0; i < layout.size(); ++i)
    ws.params[i].set_data(torch::from_blob(const_cast<float*>(params) + layout[i].offset, layout[i].shape));
}

// The observations as the network's float input: [batch, C, H, W] for a CNN, [batch, D] for the MLP.
torch::Tensor network_input(const TorchPolicySpec& spec, const void* obs, int batch) {
  std::vector<int64_t> shape{batch};
  shape.insert(shape.end(), spec.observation_shape.begin(), spec.observation_shape.end());
  torch::Tensor x;
  if (spec.observation_dtype == ObsDtype::kFloat32) {
    x = torch::from_blob(const_cast<void*>(obs), shape, torch::kFloat32);
  } else {
    x = torch::from_blob(const_cast<void*>(obs), shape, torch::kUInt8).to(torch::kFloat32);
    if (spec.observation_dtype == ObsDtype::kUInt8) x = x.div(255.0);  // as the torch module (to_torch)
  }
  if (spec.architecture == "mlp") return x.reshape({batch, -1});
  return spec.channels_last ? x.permute({0, 3, 1, 2}) : x;
}

void run(const TorchPolicySpec& spec, TorchWorkspace& ws, const void* obs, int batch, float* head, float* values) {
  const torch::Tensor features = ws.net->trunk->forward(network_input(spec, obs, batch));
  ws.head = ws.net->actor->forward(features);
  ws.values = ws.net->critic->forward(features).reshape({batch});
  torch::NoGradGuard no_grad;
  torch::from_blob(head, {batch, spec.head_size}).copy_(ws.head);
  torch::from_blob(values, {batch}).copy_(ws.values);
}


// The explicit CNN passes: the module's network run op by op with libtorch's kernels
// (conv2d, addmm; convolution_backward, threshold_backward, mm) and no autograd, so that
// a forward can be kept over blocks of rows (forward_rows: A3C's acting passes) and one
// backward takes them all. Images run in channels-last memory: oneDNN's convolutions
// are faster on it (the Nature CNN's first layer forward 1.8x, weight gradient 2.2x at
// batch 40, one thread).

torch::Tensor view_of(const float* base, size_t offset, at::IntArrayRef shape) {
  return torch::from_blob(const_cast<float*>(base) + offset, shape);
}

// The observations as the network's float input [batch, C, H, W], channels-last in memory:
// the bytes are transposed first (a quarter of the floats' traffic), then converted.
torch::Tensor channels_last_input(const TorchPolicySpec& spec, const CnnChain& c, const void* obs, int batch) {
  const auto dtype = spec.observation_dtype == ObsDtype::kFloat32 ? torch::kFloat32 : torch::kUInt8;
  torch::Tensor x =
      spec.channels_last
          ? torch::from_blob(const_cast<void*>(obs), {batch, c.height, c.width, c.channels}, dtype).permute({0, 3, 1, 2})
          : torch::from_blob(const_cast<void*>(obs), {batch, c.channels, c.height, c.width}, dtype);
  x = x.contiguous(at::MemoryFormat::ChannelsLast).to(torch::kFloat32);  // .to keeps the memory format
  if (spec.observation_dtype == ObsDtype::kUInt8) x.div_(255.0);  // as the torch module (to_torch)
  return x;
}

KeptRows cnn_forward(const CnnChain& c, const TorchPolicySpec& spec, const float* params, const void* obs, int batch,
                     float* head, float* values) {
  torch::NoGradGuard no_grad;
  KeptRows kept;
  torch::Tensor x = channels_last_input(spec, c, obs, batch);
  for (size_t i = 0; i < c.convs.size(); ++i) {
    const CnnChain::Conv& l = c.convs[i];
    x = at::conv2d(x, view_of(params, l.weight, {l.out_channels, l.in_channels, l.kernel, l.kernel}),
                   view_of(params, l.bias, {l.out_channels}), {l.stride, l.stride})
            .relu_();
    if (i + 1 < c.convs.size()) kept.conv_outputs.push_back(x);
  }
  kept.flat = x.contiguous().view({batch, c.flat_size});  // torch.nn.Flatten's order
  kept.features = at::addmm(view_of(params, c.fc_bias, {c.features}), kept.flat,
                            view_of(params, c.fc_weight, {c.features, c.flat_size}).t())
                      .relu_();
  torch::Tensor h = torch::from_blob(head, {batch, c.head_size}), v = torch::from_blob(values, {batch, 1});
  at::addmm_out(h, view_of(params, c.actor_bias, {c.head_size}), kept.features,
                view_of(params, c.actor_weight, {c.head_size, c.features}).t());
  at::addmm_out(v, view_of(params, c.critic_bias, {1}), kept.features,
                view_of(params, c.critic_weight, {1, c.features}).t());
  return kept;
}

// Nothing kept: a backward needs a new forward.
void drop_kept(TorchWorkspace& ws) {
  ws.kept.clear();
  ws.kept_rows = 0, ws.kept_total = -1;
}

// The gradient of the rows ws keeps (all `batch` of them), added into grad.
void cnn_backward(const CnnChain& c, const TorchPolicySpec& spec, const float* params, const void* obs, int batch,
                  TorchWorkspace& ws, const float* grad_head, const float* grad_values, float* grad) {
  torch::NoGradGuard no_grad;
  auto joined = [&](auto part) {
    if (ws.kept.size() == 1) return part(ws.kept[0]);
    std::vector<torch::Tensor> parts;
    for (const KeptRows& k : ws.kept) parts.push_back(part(k));
    return torch::cat(parts);
  };
  const size_t L = c.convs.size();
  std::vector<torch::Tensor> outputs;  // conv i's output: conv i + 1's input
  for (size_t i = 0; i + 1 < L; ++i) outputs.push_back(joined([i](const KeptRows& k) { return k.conv_outputs[i]; }));
  const torch::Tensor flat = joined([](const KeptRows& k) { return k.flat; });
  const torch::Tensor features = joined([](const KeptRows& k) { return k.features; });
  drop_kept(ws);
  auto grad_of = [&](size_t offset, at::IntArrayRef shape) { return torch::from_blob(grad + offset, shape); };

  // The heads, then the feature layer and its ReLU.
  const torch::Tensor gh = torch::from_blob(const_cast<float*>(grad_head), {batch, c.head_size});
  const torch::Tensor gv = torch::from_blob(const_cast<float*>(grad_values), {batch, 1});
  grad_of(c.actor_weight, {c.head_size, c.features}).addmm_(gh.t(), features);
  grad_of(c.actor_bias, {c.head_size}).add_(gh.sum(0));
  grad_of(c.critic_weight, {1, c.features}).addmm_(gv.t(), features);
  grad_of(c.critic_bias, {1}).add_(gv.sum(0));
  torch::Tensor g = gh.mm(view_of(params, c.actor_weight, {c.head_size, c.features}));
  g.addmm_(gv, view_of(params, c.critic_weight, {1, c.features}));
  g = at::threshold_backward(g, features, 0);
  grad_of(c.fc_weight, {c.features, c.flat_size}).addmm_(g.t(), flat);
  grad_of(c.fc_bias, {c.features}).add_(g.sum(0));
  const std::vector<int64_t> last{batch, c.last_shape[0], c.last_shape[1], c.last_shape[2]};
  g = at::threshold_backward(g.mm(view_of(params, c.fc_weight, {c.features, c.flat_size})).view(last), flat.view(last), 0)
          .contiguous(at::MemoryFormat::ChannelsLast);

  // The convolutions, last to first; the first needs no input gradient.
  for (size_t i = L; i-- > 0;) {
    const CnnChain::Conv& l = c.convs[i];
    const torch::Tensor input = i == 0 ? channels_last_input(spec, c, obs, batch) : outputs[i - 1];
    const auto [grad_input, grad_weight, grad_bias] = at::convolution_backward(
        g, input, view_of(params, l.weight, {l.out_channels, l.in_channels, l.kernel, l.kernel}),
        std::vector<int64_t>{l.out_channels}, {l.stride, l.stride}, {0, 0}, {1, 1}, false, {0, 0}, 1,
        {i > 0, true, true});
    grad_of(l.weight, {l.out_channels, l.in_channels, l.kernel, l.kernel}).add_(grad_weight);
    grad_of(l.bias, {l.out_channels}).add_(grad_bias);
    if (i > 0) g = at::threshold_backward(grad_input, outputs[i - 1], 0);
  }
}

// Before the forward of rows [first, ...) of `total`: at first 0 a new batch (what was kept
// is dropped before anything is computed), else the rows right after those kept.
void begin_rows(TorchWorkspace& ws, int first, int total) {
  const int kept_rows = ws.kept_rows, kept_total = ws.kept_total;
  if (first > 0 && first == kept_rows && total == kept_total) return;
  drop_kept(ws);
  if (first != 0)
    throw std::logic_error("forward_rows: rows [" + std::to_string(first) + ", ...) of " + std::to_string(total) +
                           " after rows up to " + std::to_string(kept_rows) + " of " + std::to_string(kept_total) +
                           ": rows come in order from 0");
  ws.kept_total = total;
}

// The explicit forward of rows [first, first + batch) of `total`, kept for the backward;
// a failed forward leaves nothing a backward would take.
void forward_kept_rows(const CnnChain& c, const TorchPolicySpec& spec, const float* params, const void* obs, int first,
                       int batch, int total, TorchWorkspace& ws, float* head, float* values) {
  begin_rows(ws, first, total);
  try {
    ws.kept.push_back(cnn_forward(c, spec, params, obs, batch, head, values));
  } catch (...) {
    drop_kept(ws);
    throw;
  }
  ws.kept_rows = first + batch;
}

}  // namespace

void TorchPolicy::forward(const float* params, const void* obs, int batch, PolicyWorkspace& base, float* head,
                          float* values) const {
  auto& ws = static_cast<TorchWorkspace&>(base);
  translating_oom([&] {
    if (minatar_) return minatar_cnn_forward(*minatar_, params, obs, batch, ws.minatar, head, values);
    if (chain_) return forward_kept_rows(*chain_, spec_, params, obs, 0, batch, batch, ws, head, values);
    bind(parameters_, params, ws);
    run(spec_, ws, obs, batch, head, values);
  });
}

void TorchPolicy::infer(const float* params, const void* obs, int batch, PolicyWorkspace& base, float* head,
                        float* values) const {
  auto& ws = static_cast<TorchWorkspace&>(base);
  translating_oom([&] {
    if (minatar_) return minatar_cnn_forward(*minatar_, params, obs, batch, ws.minatar, head, values);
    if (chain_) {
      cnn_forward(*chain_, spec_, params, obs, batch, head, values);  // its activations dropped
      return;
    }
    bind(parameters_, params, ws);
    torch::NoGradGuard no_grad;  // no graph kept
    run(spec_, ws, obs, batch, head, values);
    ws.head = ws.values = torch::Tensor();
  });
}

void TorchPolicy::forward_rows(const float* params, const void* obs, int first, int batch, int total,
                               PolicyWorkspace& base, float* head, float* values) const {
  if (!has_forward_rows()) return Policy::forward_rows(params, obs, first, batch, total, base, head, values);
  check_rows(first, batch, total);
  auto& ws = static_cast<TorchWorkspace&>(base);
  translating_oom([&] {
    if (minatar_)
      return minatar_cnn_forward_rows(*minatar_, params, obs, first, batch, total, ws.minatar, head, values);
    forward_kept_rows(*chain_, spec_, params, obs, first, batch, total, ws, head, values);
  });
}

void TorchPolicy::backward(const float* params, const void* obs, int batch, PolicyWorkspace& base,
                           const float* grad_head, const float* grad_values, float* grad) const {
  auto& ws = static_cast<TorchWorkspace&>(base);
  if (minatar_) {
    if (ws.minatar.batch != batch) throw std::logic_error("TorchPolicy::backward without a forward() of the same batch");
    return translating_oom(
        [&] { minatar_cnn_backward(*minatar_, params, obs, batch, ws.minatar, grad_head, grad_values, grad); });
  }
  if (chain_) {
    if (ws.kept_total != batch || ws.kept_rows != batch)
      throw std::logic_error("TorchPolicy::backward without a forward() of the same batch");
    return translating_oom([&] { cnn_backward(*chain_, spec_, params, obs, batch, ws, grad_head, grad_values, grad); });
  }
  if (!ws.head.defined() || !ws.head.requires_grad())
    throw std::logic_error("TorchPolicy::backward without a forward() of the same batch");
  translating_oom([&] {
    const auto grads = torch::autograd::grad(
        {ws.head, ws.values}, ws.params,
        {torch::from_blob(const_cast<float*>(grad_head), {batch, spec_.head_size}),
         torch::from_blob(const_cast<float*>(grad_values), {batch})});
    ws.head = ws.values = torch::Tensor();  // the graph is freed
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < parameters_.size(); ++i)
      torch::from_blob(grad + parameters_[i].offset, parameters_[i].shape).add_(grads[i]);
  });
}

void set_torch_threads(int threads) { at::set_num_threads(threads); }
int torch_threads() { return at::get_num_threads(); }

}  // namespace fastac
