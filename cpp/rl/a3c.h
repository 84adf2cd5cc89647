// Asynchronous advantage actor-critic (Mnih et al. 2016): num_workers
// std::threads, each with its own environments and a local copy of the
// parameters, computing n-step actor-critic gradients and applying them to the
// shared parameters lock-free through a SharedOptimizer.
//
// The trainer starts its workers and returns; the caller supervises (polls
// progress, runs callbacks, handles signals: python/fastac/a3c.py) and joins.
// An exception in a worker stops the run and is rethrown by join().
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "envs/vector_env.h"
#include "nn/actor_critic.h"
#include "rl/normalization.h"
#include "rl/run_monitor.h"
#include "rl/shared_optimizer.h"
#include "rl/train_config.h"

namespace fastac {

// Where the workers' environments come from: native ones by id, or any other
// BatchedEnv (the bindings adapt Python gymnasium envs). Both are called on the
// worker's own thread, and the env is destroyed there.
struct EnvSource {
  // Worker `worker`'s training envs: `num_envs` sub-envs autoresetting on the same step.
  std::function<std::unique_ptr<BatchedEnv>(int worker, int num_envs)> training;
  // Envs for a greedy evaluation: `num_envs` sub-envs autoresetting on the same step.
  std::function<std::unique_ptr<BatchedEnv>(int num_envs)> evaluation;

  static EnvSource native(const std::string& env_id);
};

class A3CTrainer {
 public:
  // Trains `model`'s parameters in place; the model must outlive the trainer.
  // After join() it holds the shared parameters, or the evaluated snapshot that
  // met stop_at_return. Without an env source, the workers step config.env natively.
  A3CTrainer(const TrainConfig& config, ActorCritic& model);
  A3CTrainer(const TrainConfig& config, ActorCritic& model, EnvSource envs);
  ~A3CTrainer();  // stops and joins; never throws

  void start();                   // spawns the workers
  bool wait_for(double seconds);  // true once every worker has finished
  void request_stop() { monitor_.stop(StopReason::kRequested); }
  // Waits for the workers; rethrows the first exception a worker raised.
  void join();
  bool finished() const { return running_workers_.load() == 0; }
  const RunMonitor& monitor() const { return monitor_; }
  // To continue a model's training, before start(): monitor().resume(counters),
  // optimizer().set_state(state), reward_stats().set(moments).
  RunMonitor& monitor() { return monitor_; }
  SharedOptimizer& optimizer() { return optimizer_; }
  const SharedOptimizer& optimizer() const { return optimizer_; }
  // normalize_reward: the running statistics of the discounted return, shared by the workers.
  RunningStats& reward_stats() { return reward_stats_; }

 private:
  void worker_loop(int worker);
  void evaluate_for_stop(const float* params);
  void fail(std::exception_ptr error);

  TrainConfig config_;
  ActorCritic& model_;
  EnvSource envs_;
  SharedOptimizer optimizer_;
  RunMonitor monitor_;
  std::vector<std::thread> workers_;
  std::atomic<int> running_workers_{0};
  std::vector<float> stop_snapshot_;  // written by the worker whose evaluation stopped the run, read after join
  Moments stop_observation_moments_;  // the observation statistics of that snapshot
  RunningStats reward_stats_{1};      // normalize_reward: of the discounted return, shared by the workers

  std::mutex error_mutex_;
  std::exception_ptr error_;  // the first exception of any worker
  std::mutex done_mutex_;
  std::condition_variable done_cv_;
};

}  // namespace fastac
