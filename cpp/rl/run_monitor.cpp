#include "rl/run_monitor.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace fastac {

OptimizerConfig TrainConfig::optimizer_config() const {
  OptimizerConfig c;
  if (optimizer == "rmsprop")
    c.kind = OptimizerKind::kRmsprop;
  else if (optimizer == "adam")
    c.kind = OptimizerKind::kAdam;
  else if (optimizer == "sgd")
    c.kind = OptimizerKind::kSgd;
  else
    throw std::invalid_argument("optimizer must be 'rmsprop', 'adam' or 'sgd', got '" + optimizer + "'");
  c.alpha = rmsprop_alpha;
  c.eps = optimizer_eps;
  return c;
}

const char* stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::kNone: return "none";
    case StopReason::kTotalSteps: return "total_steps";
    case StopReason::kStopAtReturn: return "stop_at_return";
    case StopReason::kMaxSeconds: return "max_seconds";
    case StopReason::kRequested: return "requested";
    case StopReason::kError: return "error";
  }
  return "unknown";
}

RunMonitor::RunMonitor(const TrainConfig& config) : config_(config) {
  recent_returns_.reserve(kReturnWindow);
  recent_lengths_.reserve(kReturnWindow);
}

void RunMonitor::resume(const RunCounters& c) {
  if (c.env_steps < 0 || c.episodes < 0 || c.updates < 0 || c.skipped_updates < 0)
    throw std::invalid_argument("run counters must be >= 0");
  if (c.recent_returns.size() != c.recent_lengths.size() || c.recent_returns.size() > kReturnWindow ||
      static_cast<int64_t>(c.recent_returns.size()) > c.episodes)
    throw std::invalid_argument("run counters: recent_returns and recent_lengths must be as long as each other, "
                                "at most 100 and at most episodes");
  if (started_.load()) throw std::logic_error("resume: the run has started");
  std::lock_guard lock(episodes_mutex_);
  env_steps_.store(c.env_steps);
  updates_.store(c.updates);
  skipped_updates_.store(c.skipped_updates);
  env_steps_before_ = c.env_steps;
  episodes_before_ = c.episodes;
  recent_returns_.assign(c.recent_returns.begin(), c.recent_returns.end());
  recent_lengths_.assign(c.recent_lengths.begin(), c.recent_lengths.end());
  recent_next_ = recent_returns_.size() % kReturnWindow;  // full: the oldest, at 0
  recent_sum_ = 0.0;
  recent_length_sum_ = 0.0;
  for (size_t i = 0; i < recent_returns_.size(); ++i) {
    recent_sum_ += recent_returns_[i];
    recent_length_sum_ += recent_lengths_[i];
  }
  // As many episodes before the first greedy confirmation as in a fresh run.
  episodes_at_last_evaluation_ = -kEpisodesBetweenEvaluations;
}

RunCounters RunMonitor::counters() const {
  RunCounters c;
  c.env_steps = env_steps_.load();
  c.updates = updates_.load();
  c.skipped_updates = skipped_updates_.load();
  std::lock_guard lock(episodes_mutex_);
  c.episodes = episodes_before_ + static_cast<int64_t>(episodes_.size());
  const size_t n = recent_returns_.size(), oldest = n < kReturnWindow ? 0 : recent_next_;
  for (size_t i = 0; i < n; ++i) {
    c.recent_returns.push_back(recent_returns_[(oldest + i) % n]);
    c.recent_lengths.push_back(recent_lengths_[(oldest + i) % n]);
  }
  return c;
}

void RunMonitor::start() {
  start_time_ = std::chrono::steady_clock::now();
  started_.store(true);
}

double RunMonitor::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time_).count();
}

bool RunMonitor::stop(StopReason reason) {
  StopReason none = StopReason::kNone;
  const bool first = reason_.compare_exchange_strong(none, reason);
  stop_.store(true);
  return first;
}

void RunMonitor::record_episode(float episode_return, int32_t length, int64_t pending_steps) {
  std::lock_guard lock(episodes_mutex_);
  episodes_.push_back(
      {elapsed(), env_steps_.load(std::memory_order_relaxed) + pending_steps, episode_return, length});
  if (recent_returns_.size() < kReturnWindow) {
    recent_returns_.push_back(episode_return);
    recent_lengths_.push_back(length);
  } else {
    recent_sum_ -= recent_returns_[recent_next_];
    recent_length_sum_ -= recent_lengths_[recent_next_];
    recent_returns_[recent_next_] = episode_return;
    recent_lengths_[recent_next_] = length;
  }
  recent_next_ = (recent_next_ + 1) % kReturnWindow;
  recent_sum_ += episode_return;
  recent_length_sum_ += length;
  const int64_t episodes = static_cast<int64_t>(episodes_.size());
  if (std::isnan(config_.stop_at_return) || recent_returns_.size() < kReturnWindow ||
      recent_sum_ / kReturnWindow < config_.stop_at_return ||
      episodes - episodes_at_last_evaluation_ < kEpisodesBetweenEvaluations)
    return;
  if (config_.stop_eval_episodes == 0) {
    stop(StopReason::kStopAtReturn);
  } else if (!evaluating_.load() && !evaluation_requested_.exchange(true)) {
    episodes_at_last_evaluation_ = episodes;
  }
}

bool RunMonitor::take_evaluation_request() {
  if (!evaluation_requested_.load(std::memory_order_relaxed) || stopping()) return false;
  // One evaluation at a time: no new request until record_evaluation reports this
  // one. Under the episodes' lock, so that record_episode sees the request and the
  // running confirmation change together (it posts requests under the same lock).
  std::lock_guard lock(episodes_mutex_);
  if (evaluating_.load() || !evaluation_requested_.exchange(false)) return false;
  evaluating_.store(true);
  return true;
}

bool RunMonitor::record_evaluation(double mean_return, int64_t env_steps) {
  evaluations_.fetch_add(1);
  eval_env_steps_.fetch_add(env_steps);
  last_eval_return_.store(mean_return);
  {
    // The cadence counts from the end of this evaluation.
    std::lock_guard lock(episodes_mutex_);
    episodes_at_last_evaluation_ = static_cast<int64_t>(episodes_.size());
  }
  const bool stopped = mean_return >= config_.stop_at_return && stop(StopReason::kStopAtReturn);
  evaluating_.store(false);
  return stopped;
}

void RunMonitor::after_updates(int64_t steps, int64_t updates, int64_t skipped, const LossStats& stats) {
  last_policy_loss_.store(stats.policy_loss, std::memory_order_relaxed);
  last_value_loss_.store(stats.value_loss, std::memory_order_relaxed);
  last_entropy_.store(stats.entropy, std::memory_order_relaxed);
  last_grad_norm_.store(stats.grad_norm, std::memory_order_relaxed);
  last_explained_variance_.store(stats.explained_variance, std::memory_order_relaxed);
  const int64_t total = env_steps_.fetch_add(steps, std::memory_order_relaxed) + steps;
  updates_.fetch_add(updates, std::memory_order_relaxed);
  skipped_updates_.fetch_add(skipped, std::memory_order_relaxed);
  if (total >= config_.total_steps) stop(StopReason::kTotalSteps);
  check_stop();  // max_seconds
}

bool RunMonitor::check_stop() {
  if (stopping()) return true;
  if (std::isfinite(config_.max_seconds) && elapsed() >= config_.max_seconds) stop(StopReason::kMaxSeconds);
  return stopping();
}

float RunMonitor::learning_rate() const {
  const float set = learning_rate_set_.load(std::memory_order_relaxed);
  if (!std::isnan(set)) return set;
  if (!config_.anneal_lr) return config_.lr;
  const double done = static_cast<double>(env_steps_.load(std::memory_order_relaxed)) / config_.total_steps;
  return config_.lr * static_cast<float>(std::max(0.0, 1.0 - done));
}

Progress RunMonitor::progress() const {
  Progress p;
  p.env_steps = env_steps_.load();
  p.updates = updates_.load();
  p.skipped_updates = skipped_updates_.load();
  p.evaluations = evaluations_.load();
  p.eval_env_steps = eval_env_steps_.load();
  p.last_eval_return = last_eval_return_.load();
  p.last_loss = {last_policy_loss_.load(), last_value_loss_.load(), last_entropy_.load(), last_grad_norm_.load(),
                 last_explained_variance_.load()};
  p.learning_rate = learning_rate();
  p.elapsed_s = elapsed();
  std::lock_guard lock(episodes_mutex_);
  p.episodes = episodes_before_ + static_cast<int64_t>(episodes_.size());
  p.run_env_steps = p.env_steps - env_steps_before_;
  if (!recent_returns_.empty()) {
    p.mean_return = recent_sum_ / static_cast<double>(recent_returns_.size());
    p.mean_length = recent_length_sum_ / static_cast<double>(recent_lengths_.size());
  }
  return p;
}

std::vector<EpisodeRecord> RunMonitor::history(size_t from) const {
  std::lock_guard lock(episodes_mutex_);
  if (from >= episodes_.size()) return {};
  return std::vector<EpisodeRecord>(episodes_.begin() + static_cast<std::ptrdiff_t>(from), episodes_.end());
}

}  // namespace fastac
