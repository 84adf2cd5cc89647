#include "rl/rollout.h"

#include <algorithm>
#include <cstring>

#include "rl/run_monitor.h"

namespace fastac {

void compute_advantages(int T, int N, const float* rewards, const float* values, const float* next_values,
                        const uint8_t* terminated, const uint8_t* dones, float gamma, float gae_lambda,
                        float* advantages, float* returns) {
  std::vector<float> running(N, 0.0f);  // A_{t+1}
  for (int t = T - 1; t >= 0; --t) {
    for (int n = 0; n < N; ++n) {
      const size_t i = static_cast<size_t>(t) * N + n;  // T x N may exceed 2^31
      const float bootstrap = terminated[i] ? 0.0f : gamma * next_values[i];
      const float delta = rewards[i] + bootstrap - values[i];
      running[n] = delta + (dones[i] ? 0.0f : gamma * gae_lambda * running[n]);
      advantages[i] = running[n];
      returns[i] = running[n] + values[i];
    }
  }
}

RolloutBuffer::RolloutBuffer(int steps, int num_envs, int observation_size, const Space& action_space,
                             ObsDtype observation_dtype)
    : T_(steps),
      N_(num_envs),
      D_(observation_size),
      dtype_(observation_dtype),
      row_bytes_(static_cast<size_t>(observation_size) * element_size(observation_dtype)),
      action_size_(action_space.is_discrete() ? 0 : action_space.size()) {
  const size_t n = rows();
  obs_.resize((n * row_bytes_ + sizeof(float) - 1) / sizeof(float));
  if (action_space.is_discrete())
    discrete_actions_.resize(n);
  else
    box_actions_.resize(n * action_size_);
  for (auto* v : {&values_, &next_values_, &final_values_, &rewards_, &advantages_, &returns_}) v->resize(n);
  for (auto* v : {&terminated_, &dones_, &valid_, &has_final_}) v->resize(n);
}

ActionBuffer RolloutBuffer::actions_all() {
  if (action_size_ == 0) return {discrete_actions_.data(), nullptr, 0};
  return {nullptr, box_actions_.data(), action_size_};
}

void RolloutBuffer::record_step(int t, const double* rewards, const uint8_t* terminated, const uint8_t* truncated,
                                const uint8_t* valid) {
  const size_t row = static_cast<size_t>(t) * N_;
  for (int n = 0; n < N_; ++n) {
    rewards_[row + n] = static_cast<float>(rewards[n]);
    terminated_[row + n] = terminated[n];
    dones_[row + n] = terminated[n] | truncated[n];
    valid_[row + n] = valid ? valid[n] : 1;
    has_final_[row + n] = 0;
  }
}

void RolloutBuffer::set_final_value(int t, int n, float value) {
  const size_t i = static_cast<size_t>(t) * N_ + n;
  final_values_[i] = value;
  has_final_[i] = 1;
}

void RolloutBuffer::finish(const float* last_values, float gamma, float gae_lambda) {
  const size_t n = rows();
  for (size_t i = 0; i < n; ++i) {
    const float next = i + N_ < n ? values_[i + N_] : last_values[i + N_ - n];
    next_values_[i] = has_final_[i] ? final_values_[i] : next;
  }
  compute_advantages(T_, N_, rewards_.data(), values_.data(), next_values_.data(), terminated_.data(), dones_.data(),
                     gamma, gae_lambda, advantages_.data(), returns_.data());
}

size_t RolloutBuffer::compact_valid() {
  const size_t n = rows();
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!valid_[i]) continue;
    if (k != i) {
      std::memmove(obs_bytes() + k * row_bytes_, obs_bytes() + i * row_bytes_, row_bytes_);
      if (action_size_ == 0)
        discrete_actions_[k] = discrete_actions_[i];
      else
        std::memmove(box_actions_.data() + k * action_size_, box_actions_.data() + i * action_size_,
                     sizeof(float) * action_size_);
      advantages_[k] = advantages_[i];
      returns_[k] = returns_[i];
    }
    ++k;
  }
  return k;
}

void EpisodeAccumulator::step(const float* rewards, const uint8_t* dones, const uint8_t* valid, RunMonitor& monitor) {
  const int n = static_cast<int>(returns_.size());
  for (int e = 0; e < n; ++e) {
    if (valid && !valid[e]) continue;
    returns_[e] += rewards[e];
    ++lengths_[e];
    ++steps_;
    if (!dones[e]) continue;
    monitor.record_episode(static_cast<float>(returns_[e]), lengths_[e], steps_);
    returns_[e] = 0.0;
    lengths_[e] = 0;
  }
}

}  // namespace fastac
