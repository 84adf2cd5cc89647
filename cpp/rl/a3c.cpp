#include "rl/a3c.h"

#include <cmath>
#include <memory>

#include "envs/numpy_random.h"
#include "envs/registry.h"
#include "rl/act.h"
#include "rl/advantages.h"
#include "rl/evaluate.h"

namespace fastac {
namespace {

constexpr size_t kReturnWindow = 100;

}  // namespace

const char* stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::kNone: return "none";
    case StopReason::kTotalSteps: return "total_steps";
    case StopReason::kStopAtReturn: return "stop_at_return";
    case StopReason::kMaxSeconds: return "max_seconds";
    case StopReason::kRequested: return "requested";
  }
  return "unknown";
}

A3CTrainer::A3CTrainer(const A3CConfig& config, ActorCritic& network)
    : config_(config),
      network_(network),
      optimizer_(network.parameters(), network.num_parameters(), config.optimizer) {
  recent_returns_.reserve(kReturnWindow);
}

A3CTrainer::~A3CTrainer() {
  request_stop();
  join();
}

void A3CTrainer::start() {
  start_time_ = std::chrono::steady_clock::now();
  running_workers_ = config_.num_workers;
  for (int w = 0; w < config_.num_workers; ++w) workers_.emplace_back([this, w] { worker_loop(w); });
}

bool A3CTrainer::wait_for(double seconds) {
  std::unique_lock lock(done_mutex_);
  return done_cv_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return finished(); });
}

void A3CTrainer::join() {
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
  if (!stop_snapshot_.empty()) {  // the policy that passed the evaluation is the result
    std::copy(stop_snapshot_.begin(), stop_snapshot_.end(), network_.parameters());
    stop_snapshot_.clear();
  }
}

bool A3CTrainer::stop(StopReason reason) {
  StopReason none = StopReason::kNone;
  const bool first = stop_reason_.compare_exchange_strong(none, reason);  // keep the first reason
  stop_.store(true);
  return first;
}

double A3CTrainer::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time_).count();
}

A3CProgress A3CTrainer::progress() const {
  A3CProgress p;
  p.env_steps = env_steps_.load();
  p.updates = updates_.load();
  p.skipped_updates = skipped_updates_.load();
  p.evaluations = evaluations_.load();
  p.eval_env_steps = eval_env_steps_.load();
  p.last_eval_return = last_eval_return_.load();
  p.last_loss = {last_policy_loss_.load(), last_value_loss_.load(), last_entropy_.load(), last_grad_norm_.load()};
  p.elapsed_s = elapsed();
  std::lock_guard lock(episodes_mutex_);
  p.episodes = static_cast<int64_t>(episodes_.size());
  if (!recent_returns_.empty()) p.mean_return = recent_sum_ / static_cast<double>(recent_returns_.size());
  return p;
}

std::vector<EpisodeRecord> A3CTrainer::history() const {
  std::lock_guard lock(episodes_mutex_);
  return episodes_;
}

void A3CTrainer::record_episode(float episode_return, int32_t length) {
  std::lock_guard lock(episodes_mutex_);
  episodes_.push_back({elapsed(), env_steps_.load(std::memory_order_relaxed), episode_return, length});
  // Ring buffer of the last kReturnWindow returns and their sum.
  if (recent_returns_.size() < kReturnWindow) {
    recent_returns_.push_back(episode_return);
  } else {
    float& slot = recent_returns_[(episodes_.size() - 1) % kReturnWindow];
    recent_sum_ -= slot;
    slot = episode_return;
  }
  recent_sum_ += episode_return;
  if (!std::isnan(config_.stop_at_return) && recent_returns_.size() == kReturnWindow &&
      recent_sum_ / kReturnWindow >= config_.stop_at_return) {
    if (config_.stop_eval_episodes > 0)
      evaluation_requested_.store(true);  // a worker confirms it after its update
    else
      stop(StopReason::kStopAtReturn);
  }
}

// The training episodes met stop_at_return, but they span older parameters and
// exploratory actions: evaluate a snapshot of the shared parameters greedily on
// fresh episodes and stop only if it meets the target too. The others keep training.
void A3CTrainer::evaluate_for_stop() {
  std::vector<float> snapshot(network_.num_parameters());
  optimizer_.read_parameters(snapshot.data());
  const EvaluationResult eval = evaluate_greedy(config_.env_id, network_.layout(), snapshot.data(),
                                                config_.stop_eval_episodes, config_.seed + evaluations_.load());
  evaluations_.fetch_add(1);
  eval_env_steps_.fetch_add(eval.env_steps);
  last_eval_return_.store(eval.mean_return);
  // Only the worker whose stop took effect writes the snapshot; join() reads it after the threads end.
  if (eval.mean_return >= config_.stop_at_return && stop(StopReason::kStopAtReturn))
    stop_snapshot_ = std::move(snapshot);
}

void A3CTrainer::after_update(int64_t steps, const LossStats& stats, bool skipped) {
  last_policy_loss_.store(stats.policy_loss, std::memory_order_relaxed);
  last_value_loss_.store(stats.value_loss, std::memory_order_relaxed);
  last_entropy_.store(stats.entropy, std::memory_order_relaxed);
  last_grad_norm_.store(stats.grad_norm, std::memory_order_relaxed);
  const int64_t total = env_steps_.fetch_add(steps, std::memory_order_relaxed) + steps;
  (skipped ? skipped_updates_ : updates_).fetch_add(1, std::memory_order_relaxed);
  if (total >= config_.total_steps) stop(StopReason::kTotalSteps);
  if (elapsed() >= config_.max_seconds) stop(StopReason::kMaxSeconds);
}

// One A3C worker, top to bottom: sync the local parameters, act t_max steps in
// every environment, compute the n-step actor-critic gradient locally, apply it
// to the shared parameters without locks, repeat.
void A3CTrainer::worker_loop(int worker) {
  const ParameterLayout& layout = network_.layout();
  const int E = config_.envs_per_worker, T = config_.t_max;
  const int D = layout.spec.observation_size;
  const size_t rows = static_cast<size_t>(T) * E;

  // Environments, seeded seed + worker * E + e; SAME_STEP autoreset hands back
  // the final observation of a truncated episode, to bootstrap from.
  auto env = make_batched_env(config_.env_id, E, AutoresetMode::kSameStep);
  std::vector<float> obs(static_cast<size_t>(E) * D), final_obs(obs.size());
  for (int e = 0; e < E; ++e) {
    env->seed(e, seed_to_uint32_words(config_.seed + static_cast<uint64_t>(worker) * E + e));
    env->reset(e, obs.data() + static_cast<size_t>(e) * D);
  }
  Pcg64 rng({static_cast<uint32_t>(config_.seed), static_cast<uint32_t>(config_.seed >> 32),
             static_cast<uint32_t>(worker), 0xA3Cu});  // action sampling

  // Rollout storage, [T, E].
  std::vector<float> rollout_obs(rows * D), rewards(rows), values(rows), next_values(rows);
  std::vector<float> advantages(rows), returns(rows);
  std::vector<int64_t> actions(rows);
  std::vector<uint8_t> terminated(rows), truncated(rows), dones(rows);
  std::vector<float> episode_return(E, 0.0f), uniforms(E);
  std::vector<int32_t> episode_length(E, 0);
  std::vector<float> local(network_.num_parameters()), grad(network_.num_parameters());
  MlpWorkspace act_ws, final_ws, update_ws;

  while (!stop_.load(std::memory_order_relaxed)) {
    optimizer_.read_parameters(local.data());

    for (int t = 0; t < T; ++t) {
      const size_t row = static_cast<size_t>(t) * E;
      std::copy(obs.begin(), obs.end(), rollout_obs.begin() + row * D);
      for (float& u : uniforms) u = static_cast<float>(rng.next_double());
      act(layout, local.data(), obs.data(), E, uniforms.data(), act_ws, actions.data() + row, values.data() + row);
      if (t > 0)
        for (int e = 0; e < E; ++e)
          if (!dones[row - E + e]) next_values[row - E + e] = values[row + e];
      env->step(actions.data() + row, {obs.data(), rewards.data() + row, terminated.data() + row,
                                       truncated.data() + row, final_obs.data()});
      for (int e = 0; e < E; ++e) {
        const size_t i = row + e;
        dones[i] = terminated[i] | truncated[i];
        episode_return[e] += rewards[i];
        ++episode_length[e];
        if (!dones[i]) continue;
        if (truncated[i] && !terminated[i]) {  // a truncation bootstraps from the final state
          mlp_forward(layout, local.data(), final_obs.data() + static_cast<size_t>(e) * D, 1, final_ws);
          next_values[i] = final_ws.values[0];
        }
        record_episode(episode_return[e], episode_length[e]);
        episode_return[e] = 0.0f;
        episode_length[e] = 0;
      }
    }
    // Bootstrap the last step from V(s_T).
    mlp_forward(layout, local.data(), obs.data(), E, act_ws);
    for (int e = 0; e < E; ++e)
      if (!dones[rows - E + e]) next_values[rows - E + e] = act_ws.values[e];

    compute_advantages(T, E, rewards.data(), values.data(), next_values.data(), terminated.data(), dones.data(),
                       config_.gamma, config_.gae_lambda, advantages.data(), returns.data());
    const LossStats stats = compute_gradient(layout, local.data(), rollout_obs.data(), static_cast<int>(rows),
                                             actions.data(), advantages.data(), returns.data(), config_.loss,
                                             update_ws, grad.data());
    // A non-finite gradient would poison the shared parameters: skip and count it.
    const bool skip = !std::isfinite(stats.grad_norm);
    if (!skip) {
      float lr = config_.lr;
      if (config_.anneal_lr)
        lr *= std::max(0.0f, 1.0f - static_cast<float>(env_steps_.load(std::memory_order_relaxed)) /
                                        static_cast<float>(config_.total_steps));
      optimizer_.apply(grad.data(), lr);
    }
    after_update(static_cast<int64_t>(rows), stats, skip);
    if (evaluation_requested_.exchange(false) && !stop_.load()) evaluate_for_stop();
  }

  if (running_workers_.fetch_sub(1) == 1) {
    std::lock_guard lock(done_mutex_);
    done_cv_.notify_all();
  }
}

}  // namespace fastac
