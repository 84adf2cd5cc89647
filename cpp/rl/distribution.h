// Action distributions: what turns the policy's head into actions, and the
// policy-gradient and entropy terms of the loss with their gradients. One class
// per distribution (as Stable-Baselines3's distributions module); the trainers and
// the loss only see the interface.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "envs/env.h"
#include "envs/numpy_random.h"

namespace fastac {

// Writable actions of a batch, typed as ActionBatch: int64 for a Discrete space,
// box_size float32 per sample for a Box.
struct ActionBuffer {
  int64_t* discrete = nullptr;
  float* box = nullptr;
  int box_size = 0;
  ActionBatch as_const() const { return {discrete, box, box_size}; }
  ActionBuffer offset(size_t samples) const {
    return {discrete ? discrete + samples : nullptr, box ? box + samples * box_size : nullptr, box_size};
  }
};

class Distribution {
 public:
  virtual ~Distribution() = default;
  virtual int input_size() const = 0;                  // head values per sample
  virtual size_t num_parameters() const { return 0; }  // state-independent parameters of its own
  virtual void initialize(float* /*own*/) const {}
  virtual bool discrete() const = 0;

  // Actions of `batch` samples from inputs [batch, input_size()]: sampled with
  // rng, or the mode (the most likely action) when rng is null.
  virtual void act(const float* inputs, const float* own, int batch, Pcg64* rng, const ActionBuffer& actions) const = 0;

  // For each sample b, adds to grad_inputs[b] (and to grad_own) the gradient of
  //   scale * (-advantages[b] * log pi(a_b | inputs_b) - entropy_coef * H(pi(. | inputs_b)))
  // and adds -advantages[b] * log pi(a_b) to policy_loss and H to entropy.
  virtual void policy_gradient(const float* inputs, const float* own, int batch, const ActionBatch& actions,
                               const float* advantages, float entropy_coef, float scale, float* grad_inputs,
                               float* grad_own, double& policy_loss, double& entropy) const = 0;
};

// A categorical distribution over Discrete(n): inputs are n logits.
class Categorical final : public Distribution {
 public:
  explicit Categorical(int n, int64_t start = 0);
  int input_size() const override { return n_; }
  bool discrete() const override { return true; }
  void act(const float* inputs, const float* own, int batch, Pcg64* rng, const ActionBuffer& actions) const override;
  void policy_gradient(const float* inputs, const float* own, int batch, const ActionBatch& actions,
                       const float* advantages, float entropy_coef, float scale, float* grad_inputs, float* grad_own,
                       double& policy_loss, double& entropy) const override;

 private:
  int n_;
  int64_t start_;  // Discrete(n, start): action k is start + k
};

// A diagonal Gaussian over a flattened Box of `size` elements (Stable-Baselines3's
// DiagGaussianDistribution): inputs are the `size` means, its own parameters the
// `size` state-independent log standard deviations, initialised to log_std_init.
// Samples are unclipped (the trainers clip what goes to the environment; the loss
// uses the sample itself, as Stable-Baselines3 does); the mode is the mean.
class DiagGaussian final : public Distribution {
 public:
  explicit DiagGaussian(int size, float log_std_init = 0.0f);
  int input_size() const override { return size_; }
  size_t num_parameters() const override { return static_cast<size_t>(size_); }
  void initialize(float* own) const override;
  bool discrete() const override { return false; }
  void act(const float* inputs, const float* own, int batch, Pcg64* rng, const ActionBuffer& actions) const override;
  void policy_gradient(const float* inputs, const float* own, int batch, const ActionBatch& actions,
                       const float* advantages, float entropy_coef, float scale, float* grad_inputs, float* grad_own,
                       double& policy_loss, double& entropy) const override;

 private:
  int size_;
  float log_std_init_;
};

// The distribution of an action space: Categorical for Discrete, DiagGaussian
// (with log_std_init) for a Box.
std::unique_ptr<Distribution> make_distribution(const Space& action_space, float log_std_init = 0.0f);

// Softmax of one row of logits into probs; returns log-sum-exp.
float softmax(const float* logits, int n, float* probs);

}  // namespace fastac
