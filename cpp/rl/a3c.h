// Asynchronous advantage actor-critic (Mnih et al. 2016): num_workers
// std::threads, each with its own environments and a local copy of the
// parameters, computing n-step actor-critic gradients and applying them to the
// shared parameters lock-free through a SharedOptimizer.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "nn/actor_critic.h"
#include "rl/loss.h"
#include "rl/shared_optimizer.h"

namespace fastac {

struct A3CConfig {
  std::string env_id = "CartPole-v1";
  int num_workers = 2;
  int envs_per_worker = 1;      // 1: the classic algorithm; more batch each forward pass
  int t_max = 5;                // steps per env between updates
  int64_t total_steps = 1'000'000;
  double stop_at_return = std::numeric_limits<double>::quiet_NaN();  // mean of the last 100 episodes; NaN: off
  // When the training episodes reach stop_at_return, the greedy policy also plays
  // this many fresh episodes and must reach it too; that snapshot is the result.
  // 0: stop on the training episodes alone.
  int stop_eval_episodes = 100;
  double max_seconds = std::numeric_limits<double>::infinity();
  uint64_t seed = 0;
  float gamma = 0.99f;
  float gae_lambda = 1.0f;      // 1: plain n-step returns
  float lr = 7e-4f;
  bool anneal_lr = false;       // linear decay to 0 over total_steps
  LossConfig loss;
  OptimizerConfig optimizer;
};

struct EpisodeRecord {
  double wall_time_s;
  int64_t env_steps;  // when the episode ended
  float episode_return;
  int32_t length;
};

// Why a run ended: the first stop condition met wins.
enum class StopReason { kNone, kTotalSteps, kStopAtReturn, kMaxSeconds, kRequested };
const char* stop_reason_name(StopReason reason);  // "total_steps", "stop_at_return", ...

struct A3CProgress {
  int64_t env_steps = 0, episodes = 0, updates = 0, skipped_updates = 0;
  double mean_return = std::numeric_limits<double>::quiet_NaN();  // last 100 episodes
  int64_t evaluations = 0, eval_env_steps = 0;  // stop_eval_episodes checks (their steps are not training steps)
  double last_eval_return = std::numeric_limits<double>::quiet_NaN();
  LossStats last_loss;  // of the most recent update (any worker)
  double elapsed_s = 0.0;
};

class A3CTrainer {
 public:
  // Trains `network`'s parameters in place; the network must outlive the trainer.
  // After join() it holds the shared parameters, or the evaluated snapshot that met stop_at_return.
  A3CTrainer(const A3CConfig& config, ActorCritic& network);
  ~A3CTrainer();

  void start();                             // spawns the workers
  bool wait_for(double seconds);            // true once every worker has finished
  void request_stop() { stop(StopReason::kRequested); }
  void join();
  A3CProgress progress() const;
  std::vector<EpisodeRecord> history() const;
  bool finished() const { return running_workers_.load() == 0; }
  StopReason stop_reason() const { return stop_reason_.load(); }

 private:
  void worker_loop(int worker);
  void record_episode(float episode_return, int32_t length);
  void after_update(int64_t steps, const LossStats& stats, bool skipped);
  void evaluate_for_stop();
  double elapsed() const;
  bool stop(StopReason reason);  // true if this call set the reason

  A3CConfig config_;
  ActorCritic& network_;
  SharedOptimizer optimizer_;
  std::vector<std::thread> workers_;
  std::chrono::steady_clock::time_point start_time_;
  std::atomic<bool> stop_{false};
  std::atomic<StopReason> stop_reason_{StopReason::kNone};
  std::atomic<int> running_workers_{0};
  std::atomic<int64_t> env_steps_{0}, updates_{0}, skipped_updates_{0};
  std::atomic<bool> evaluation_requested_{false};
  std::atomic<int64_t> evaluations_{0}, eval_env_steps_{0};
  std::atomic<double> last_eval_return_{std::numeric_limits<double>::quiet_NaN()};
  std::atomic<float> last_policy_loss_{0}, last_value_loss_{0}, last_entropy_{0}, last_grad_norm_{0};
  std::vector<float> stop_snapshot_;  // written by the worker that met stop_at_return, read after join

  mutable std::mutex episodes_mutex_;  // taken once per finished episode, not per step
  std::vector<EpisodeRecord> episodes_;
  std::vector<float> recent_returns_;  // ring buffer of the last 100
  double recent_sum_ = 0.0;
  std::mutex done_mutex_;
  std::condition_variable done_cv_;
};

}  // namespace fastac
