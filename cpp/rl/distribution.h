// Action distributions: what turns the policy's head into actions, and the
// policy-gradient and entropy terms of the loss with their gradients. One class
// per distribution (as Stable-Baselines3's distributions module); the trainers and
// the loss only see the interface.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

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
  //   scale * (-advantages[b] * log pi(a_b | inputs_b) - entropy_coef * H(pi(. | inputs_b))
  //            + bounds_coef * B(inputs_b))
  // and adds -advantages[b] * log pi(a_b) + bounds_coef * B to policy_loss and H to
  // entropy. B is a bounded Box's penalty on Gaussian means beyond the bounds (see
  // DiagGaussian); 0 for other distributions.
  virtual void policy_gradient(const float* inputs, const float* own, int batch, const ActionBatch& actions,
                               const float* advantages, float entropy_coef, float bounds_coef, float scale,
                               float* grad_inputs, float* grad_own, double& policy_loss, double& entropy) const = 0;

  // The actions as the environment takes them (what act() gives is what the loss
  // uses): a Discrete space's unchanged; a Box's written to scratch, mapped into the
  // space's bounds (clipped, or squashed).
  virtual ActionBatch env_actions(const ActionBuffer& actions, int batch, std::vector<float>& scratch) const;
};

// A categorical distribution over Discrete(n): inputs are n logits.
class Categorical final : public Distribution {
 public:
  explicit Categorical(int n, int64_t start = 0);
  int input_size() const override { return n_; }
  bool discrete() const override { return true; }
  void act(const float* inputs, const float* own, int batch, Pcg64* rng, const ActionBuffer& actions) const override;
  void policy_gradient(const float* inputs, const float* own, int batch, const ActionBatch& actions,
                       const float* advantages, float entropy_coef, float bounds_coef, float scale, float* grad_inputs,
                       float* grad_own, double& policy_loss, double& entropy) const override;

 private:
  int n_;
  int64_t start_;  // Discrete(n, start): action k is start + k
};

// A diagonal Gaussian over a flattened Box of `size` elements (Stable-Baselines3's
// DiagGaussianDistribution): inputs are the `size` means, its own parameters the
// `size` state-independent log standard deviations, initialised to log_std_init.
// Samples are unclipped: env_actions clips what goes to the environment to the
// bounds (an infinite bound clips nothing), while the loss uses the sample itself,
// as Stable-Baselines3 does. The mode is the mean.
// Where the best action lies on a bound, the policy gradient pushes the mean past
// it, and once every sample clips to the same action no gradient brings it back:
// the mean random-walks away. The bounds penalty (rl_games' bounds loss)
//   B = sum_j max(mean_j - high_j, 0)^2 + max(low_j - mean_j, 0)^2
// pulls it back; it is 0 inside the bounds.
class DiagGaussian : public Distribution {
 public:
  DiagGaussian(int size, float log_std_init = 0.0f, std::vector<float> low = {}, std::vector<float> high = {});
  int input_size() const override { return size_; }
  size_t num_parameters() const override { return static_cast<size_t>(size_); }
  void initialize(float* own) const override;
  bool discrete() const override { return false; }
  void act(const float* inputs, const float* own, int batch, Pcg64* rng, const ActionBuffer& actions) const override;
  void policy_gradient(const float* inputs, const float* own, int batch, const ActionBatch& actions,
                       const float* advantages, float entropy_coef, float bounds_coef, float scale, float* grad_inputs,
                       float* grad_own, double& policy_loss, double& entropy) const override;
  ActionBatch env_actions(const ActionBuffer& actions, int batch, std::vector<float>& scratch) const override;

 protected:
  int size_;
  float log_std_init_;
  std::vector<float> low_, high_;  // the Box's bounds (empty: unbounded)
};

// A Gaussian squashed by tanh into a bounded Box (Stable-Baselines3's
// SquashedDiagGaussianDistribution): the sample u ~ N(mean, std) is what act()
// gives and the rollout keeps; the environment gets low + (tanh(u) + 1) (high - low) / 2.
//   log pi(a) = log N(u) - sum_j log(1 - tanh(u_j)^2 + 1e-6)
// The correction does not depend on the parameters (u is a fixed sample), so the
// gradient is the Gaussian's; it enters the reported policy loss. A squashed
// Gaussian's entropy has no closed form: the bonus is the pre-squash Gaussian's
// (Stable-Baselines3 uses the estimate -log pi(a), whose expected gradient is zero).
// The mode is tanh(mean), mapped into the bounds. No bounds penalty: any mean maps inside.
class SquashedDiagGaussian final : public DiagGaussian {
 public:
  // low and high must be finite, low < high.
  SquashedDiagGaussian(int size, float log_std_init, std::vector<float> low, std::vector<float> high);
  void policy_gradient(const float* inputs, const float* own, int batch, const ActionBatch& actions,
                       const float* advantages, float entropy_coef, float bounds_coef, float scale, float* grad_inputs,
                       float* grad_own, double& policy_loss, double& entropy) const override;
  ActionBatch env_actions(const ActionBuffer& actions, int batch, std::vector<float>& scratch) const override;
};

// The distribution of an action space: Categorical for Discrete, DiagGaussian
// (with log_std_init) for a Box, SquashedDiagGaussian for a Box with squash_output
// (which needs finite bounds: std::invalid_argument otherwise).
std::unique_ptr<Distribution> make_distribution(const Space& action_space, float log_std_init = 0.0f,
                                                bool squash_output = false);

// Softmax of one row of logits into probs; returns log-sum-exp.
float softmax(const float* logits, int n, float* probs);

}  // namespace fastac
