// The bookkeeping of a training run, shared by both trainers (and by every A3C
// worker, so it is thread-safe): step and update counts, finished episodes and
// their 100-episode window, the stop criteria, the greedy confirmation of
// stop_at_return and its cadence, the learning-rate schedule, the last loss stats.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <mutex>
#include <vector>

#include "rl/loss.h"
#include "rl/train_config.h"

namespace fastac {

struct EpisodeRecord {
  double wall_time_s;
  int64_t env_steps;  // training steps counted when the episode ended
  float episode_return;
  int32_t length;
};

// Why a run ended: the first stop condition met wins.
enum class StopReason { kNone, kTotalSteps, kStopAtReturn, kMaxSeconds, kRequested, kError };
const char* stop_reason_name(StopReason reason);  // "total_steps", "stop_at_return", ...

// The counters a run continues from (a model trained further: the learn() of a
// model object), and what it hands on: totals over every run of the model, and the
// last episodes' returns and lengths (oldest first, at most kReturnWindow).
struct RunCounters {
  int64_t env_steps = 0, episodes = 0, updates = 0, skipped_updates = 0;
  std::vector<float> recent_returns;
  std::vector<int32_t> recent_lengths;
};

struct Progress {
  // Totals, counting those of the runs this one continues (RunMonitor::resume).
  int64_t env_steps = 0, episodes = 0, updates = 0, skipped_updates = 0;
  int64_t run_env_steps = 0;  // taken in this run
  double mean_return = std::numeric_limits<double>::quiet_NaN();  // last 100 episodes
  double mean_length = std::numeric_limits<double>::quiet_NaN();  // of the same episodes
  int64_t evaluations = 0, eval_env_steps = 0;  // stop_eval_episodes checks (their steps are not training steps)
  double last_eval_return = std::numeric_limits<double>::quiet_NaN();
  LossStats last_loss;  // of the most recent update
  float learning_rate = 0.0f;
  double elapsed_s = 0.0;
};

class RunMonitor {
 public:
  static constexpr size_t kReturnWindow = 100;  // as SB3's ep_info_buffer
  // After a failed greedy confirmation, wait for this many new episodes before the next.
  static constexpr int64_t kEpisodesBetweenEvaluations = 10;

  explicit RunMonitor(const TrainConfig& config);
  // Continues from an earlier run's counters (before start()): totals count on from
  // them, the episode window starts with their episodes, and total_steps (and the lr
  // schedule over it) counts the total, as SB3's num_timesteps. Throws
  // std::invalid_argument for negative counts or more recent episodes than the window,
  // std::logic_error once the run has started.
  void resume(const RunCounters& counters);
  RunCounters counters() const;
  void start();  // the clock starts here
  double elapsed() const;

  // A finished episode; pending_steps: steps taken since the last after_update.
  void record_episode(float episode_return, int32_t length, int64_t pending_steps = 0);
  // After an update over `steps` env steps: counts, the loss stats, and the
  // total_steps and max_seconds criteria.
  void after_update(int64_t steps, const LossStats& stats, bool skipped) {
    after_updates(steps, skipped ? 0 : 1, skipped ? 1 : 0, stats);
  }
  // The same for `updates` applied and `skipped` skipped updates at once (another
  // process's, reported by distributed A3C); stats: the latest update's.
  void after_updates(int64_t steps, int64_t updates, int64_t skipped, const LossStats& stats);
  // The learning rate for the next update (linear decay to 0 over total_steps with anneal_lr),
  // or the one set_learning_rate gave.
  float learning_rate() const;
  // Distributed A3C: a process's own steps are not the run's, so its supervisor sets the
  // run's learning rate (rank 0's schedule) after every exchange; workers read it from then on.
  void set_learning_rate(float lr) { learning_rate_set_.store(lr, std::memory_order_relaxed); }

  // True once each time the training episodes meet stop_at_return and a greedy
  // confirmation is due (the caller runs it and reports with record_evaluation).
  // With stop_eval_episodes == 0 the training episodes alone stop the run instead.
  bool take_evaluation_request();
  // The confirmation's result; returns true if it stopped the run (this caller's
  // snapshot is then the result).
  bool record_evaluation(double mean_return, int64_t env_steps);

  // Stops the run; keeps the first reason. Returns true if this call set it.
  bool stop(StopReason reason);
  bool stopping() const { return stop_.load(std::memory_order_relaxed); }
  // stopping(), after stopping the run if max_seconds has passed: what the trainers
  // ask at every step and inside long updates, so that the time limit holds
  // however long one update takes.
  bool check_stop();
  StopReason stop_reason() const { return reason_.load(); }

  Progress progress() const;
  // This run's episodes from the from-th on (all by default): a caller that follows the
  // run copies only what is new.
  std::vector<EpisodeRecord> history(size_t from = 0) const;
  const TrainConfig& config() const { return config_; }

 private:
  TrainConfig config_;
  std::chrono::steady_clock::time_point start_time_ = std::chrono::steady_clock::now();
  // Read by every worker at every step and rarely written: a cache line apart from
  // the counters below, which every update writes (no false sharing between workers).
  alignas(64) std::atomic<bool> stop_{false};
  std::atomic<bool> started_{false};
  std::atomic<StopReason> reason_{StopReason::kNone};
  std::atomic<bool> evaluation_requested_{false};
  std::atomic<bool> evaluating_{false};  // a confirmation is running (taken, not yet recorded)

  alignas(64) std::atomic<int64_t> env_steps_{0}, updates_{0}, skipped_updates_{0};
  std::atomic<float> last_policy_loss_{0}, last_value_loss_{0}, last_entropy_{0}, last_grad_norm_{0};
  std::atomic<float> last_explained_variance_{std::numeric_limits<float>::quiet_NaN()};
  std::atomic<int64_t> evaluations_{0}, eval_env_steps_{0};
  std::atomic<double> last_eval_return_{std::numeric_limits<double>::quiet_NaN()};
  std::atomic<float> learning_rate_set_{std::numeric_limits<float>::quiet_NaN()};  // NaN: none set

  mutable std::mutex episodes_mutex_;  // taken once per finished episode, not per step
  std::vector<EpisodeRecord> episodes_;  // of this run
  int64_t episodes_before_ = 0, env_steps_before_ = 0;  // of the runs this one continues
  // Ring buffers of the last kReturnWindow episodes; the next slot to overwrite.
  std::vector<float> recent_returns_;
  std::vector<int32_t> recent_lengths_;
  size_t recent_next_ = 0;
  double recent_sum_ = 0.0, recent_length_sum_ = 0.0;
  int64_t episodes_at_last_evaluation_ = -kEpisodesBetweenEvaluations;
};

}  // namespace fastac
