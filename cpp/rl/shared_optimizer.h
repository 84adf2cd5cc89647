// Optimizers whose statistics are shared by every worker, updated lock-free
// (Hogwild, as in Mnih et al. 2016). Every access to the shared parameters and
// statistics is a relaxed atomic load or store (std::atomic_ref of a float, or of two
// adjacent floats as one aligned 8-byte word in the step's bulk copies): plain moves on
// x86, but no undefined-behaviour data race, so ThreadSanitizer can check the workers.
// Concurrent updates may interleave and lose some increments; that is Hogwild.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace fastac {

enum class OptimizerKind { kRmsprop, kAdam, kSgd };

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::kRmsprop;
  float alpha = 0.99f;  // RMSProp decay of the mean square
  float eps = 1e-5f;    // RMSProp: inside the square root, as in the A3C paper; Adam: outside
  float beta1 = 0.9f, beta2 = 0.999f;  // Adam
};

// What an optimizer has learned besides the parameters: saved with a model so that
// training continues where it stopped (the layout of torch.optim's state).
struct OptimizerState {
  std::vector<float> square_avg;  // RMSProp g, Adam v (empty for SGD)
  std::vector<float> exp_avg;     // Adam m (empty otherwise)
  int64_t step = 0;               // Adam's bias-correction count (0 otherwise)
};

class SharedOptimizer {
 public:
  SharedOptimizer(float* shared_params, size_t size, OptimizerConfig config);

  // params -= lr * update(grad), reading and writing the shared statistics; unless a
  // parameter would become NaN or infinite: then nothing changes and it returns false.
  bool apply(const float* grad, float lr);
  // A worker's local copy of the shared parameters.
  void read_parameters(float* out) const;
  // params += delta, element by element (relaxed atomics: workers may be applying
  // updates meanwhile; that is Hogwild): another process's change to the parameters
  // (distributed A3C). A change that would make a parameter non-finite is refused:
  // nothing changes and it returns false.
  bool add_to_parameters(const float* delta);
  size_t size() const { return size_; }
  OptimizerKind kind() const { return config_.kind; }

  // A copy of the statistics (relaxed loads: workers may be writing; that is Hogwild).
  OptimizerState state() const;
  // Replaces the statistics, before training: sizes must match this optimizer's kind and
  // size, every value be finite, square averages >= 0 and step >= 0 (else
  // std::invalid_argument, naming what is wrong).
  void set_state(const OptimizerState& state);

 private:
  bool update_is_finite(const float* grad, float lr) const;
  bool apply_blocks(const float* grad, float lr, bool two_pass);
  void raise_max_abs_param(float value);

  float* params_;
  size_t size_;
  OptimizerConfig config_;
  std::vector<float> square_avg_;  // RMSProp g, Adam v
  std::vector<float> exp_avg_;     // Adam m
  std::atomic<int64_t> step_{0};   // Adam bias correction
  std::atomic<float> max_abs_param_{0.0f};  // bound of |parameter| (see update_is_finite)
};

}  // namespace fastac
