// The policy interface: a network that maps a batch of observations to the
// inputs of an action distribution (the "head", e.g. logits) and to values, and
// back-propagates gradients of those into a flat gradient over its parameters.
//
// A policy owns no memory for its parameters: it reads them from a flat float32
// buffer (the model's, or a worker's local copy) and writes gradients into a flat
// buffer of the same layout. That flat buffer is what makes Hogwild updates and a
// single gradient all-reduce simple. The hand-written MLP (nn/mlp.h) is one policy;
// the libtorch-module policies (nn/torch_policy.h: CNNs) are the other kind.
//
// Observations reach a policy as the env gives them, flat [batch, observation_size]
// of its observation_dtype(): float32, or uint8 / bool images that stay one byte per
// value in env buffers and rollouts and become float inside the network.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "envs/env.h"  // ObsDtype

namespace fastac {

// Activations a policy keeps from forward() for backward(); one per thread.
struct PolicyWorkspace {
  virtual ~PolicyWorkspace() = default;
};

// How to initialise one weight matrix: orthogonal with a gain (as Stable-Baselines3
// and CleanRL), stored input-major ([in, out]) or output-major ([out, in]).
// Everything not covered by an initializer starts at zero (biases).
struct WeightInit {
  size_t offset = 0;
  int in = 0, out = 0;
  bool input_major = false;
  double gain = 1.0;
};

// std::invalid_argument unless 0 <= first, 0 <= batch and first + batch <= total.
void check_rows(int first, int batch, int total);

class Policy {
 public:
  virtual ~Policy() = default;
  virtual size_t num_parameters() const = 0;
  virtual int observation_size() const = 0;  // values per observation
  virtual ObsDtype observation_dtype() const { return ObsDtype::kFloat32; }
  virtual int head_size() const = 0;  // distribution inputs per sample
  virtual std::unique_ptr<PolicyWorkspace> make_workspace() const = 0;
  virtual std::vector<WeightInit> initializers() const = 0;

  // head [batch, head_size()] and values [batch] of obs [batch, observation_size()]
  // (of observation_dtype()), keeping in ws what backward() needs.
  virtual void forward(const float* params, const void* obs, int batch, PolicyWorkspace& ws, float* head,
                       float* values) const = 0;
  // The same outputs when no backward() follows (acting, bootstrapping, evaluation).
  virtual void infer(const float* params, const void* obs, int batch, PolicyWorkspace& ws, float* head,
                     float* values) const {
    forward(params, obs, batch, ws, head, values);
  }
  // forward() over rows [first, first + batch) of a batch of `total` rows whose activations
  // ws keeps side by side: obs, head and values are the rows' own. Once every row has had
  // its forward, ws holds forward() of the whole batch and backward() of it may follow.
  // The rows come in order with the same params: first 0, then the previous first + batch
  // (a workspace may keep what the params give for the whole batch, as minatar_cnn does).
  // A3C acts on a rollout step by step this way and learns on it with the same parameters,
  // without a second forward pass. Only where has_forward_rows() (the passes without
  // autograd: libtorch's autograd keeps one graph a forward); std::logic_error elsewhere.
  virtual bool has_forward_rows() const { return false; }
  virtual void forward_rows(const float* params, const void* obs, int first, int batch, int total, PolicyWorkspace& ws,
                            float* head, float* values) const;
  // The gradient of a loss whose derivatives by head and values are grad_head and
  // grad_values, added to grad[0, num_parameters()) (so that a batch can be done in
  // chunks). ws must hold the forward pass of the same params and obs.
  virtual void backward(const float* params, const void* obs, int batch, PolicyWorkspace& ws,
                        const float* grad_head, const float* grad_values, float* grad) const = 0;
  // How many samples one forward/backward pair of a gradient should take: bounded work
  // per chunk (cancellation, cache) for the hand-written kernels; libtorch modules want
  // whole batches (its cost is per call).
  virtual int gradient_chunk(int batch) const;
  // The multiply-adds of one forward pass over one sample (the chunking's measure).
  virtual size_t forward_work() const { return num_parameters(); }
};

}  // namespace fastac
