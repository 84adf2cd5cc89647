#include "rl/a3c.h"

#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <utility>

#include "envs/numpy_random.h"
#include "envs/registry.h"
#include "nn/torch_policy.h"
#include "rl/act.h"
#include "rl/evaluate.h"
#include "rl/learner.h"
#include "rl/rollout.h"

namespace fastac {
namespace {

// A worker's failed allocation, with what was being allocated.
class WorkerOutOfMemory : public std::bad_alloc {
 public:
  explicit WorkerOutOfMemory(std::string message) : message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
};

}  // namespace

EnvSource EnvSource::native(const std::string& env_id) {
  return {[env_id](int, int num_envs) { return make_batched_env(env_id, num_envs, AutoresetMode::kSameStep); },
          [env_id](int num_envs) { return make_batched_env(env_id, num_envs, AutoresetMode::kSameStep); }};
}

A3CTrainer::A3CTrainer(const TrainConfig& config, ActorCritic& model)
    : A3CTrainer(config, model, EnvSource::native(config.env)) {}

A3CTrainer::A3CTrainer(const TrainConfig& config, ActorCritic& model, EnvSource envs)
    : config_(config),
      model_(model),
      envs_(std::move(envs)),
      optimizer_(model.parameters(), model.num_parameters(), config.optimizer_config()),
      monitor_(config) {}

A3CTrainer::~A3CTrainer() {
  request_stop();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
}

void A3CTrainer::start() {
  monitor_.start();
  running_workers_ = config_.num_workers;
  try {
    for (int w = 0; w < config_.num_workers; ++w) workers_.emplace_back([this, w] { worker_loop(w); });
  } catch (...) {  // a thread that could not start: stop the others, report it
    running_workers_ -= config_.num_workers - static_cast<int>(workers_.size());
    request_stop();
    throw;
  }
}

bool A3CTrainer::wait_for(double seconds) {
  std::unique_lock lock(done_mutex_);
  return done_cv_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return finished(); });
}

void A3CTrainer::join() {
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  if (!stop_snapshot_.empty()) {  // the policy that passed the evaluation is the result
    std::copy(stop_snapshot_.begin(), stop_snapshot_.end(), model_.parameters());
    stop_snapshot_.clear();
    if (model_.observation_stats()) model_.observation_stats()->set(stop_observation_moments_);
  }
}

// The training episodes met stop_at_return, but they span older parameters and
// exploratory actions: evaluate this worker's snapshot of the shared parameters
// greedily on fresh episodes and stop only if it meets the target too.
void A3CTrainer::evaluate_for_stop(const float* params) {
  const uint64_t stream = static_cast<uint64_t>(monitor_.progress().evaluations);
  const Moments observation_moments = model_.observation_stats() ? model_.observation_stats()->moments() : Moments();
  // The statistics of this moment, fixed for the evaluation: the other workers go on merging theirs.
  const NormalizerSnapshot normalizer = NormalizerSnapshot::of(observation_moments);
  const EvaluationResult eval = evaluate_greedy(*envs_.evaluation(config_.stop_eval_episodes), model_, params,
                                                config_.seed, stream, model_.observation_stats() ? &normalizer : nullptr);
  // Only the worker whose evaluation stopped the run writes the snapshot; join() reads it after the threads end.
  if (monitor_.record_evaluation(eval.mean_return, eval.env_steps)) {
    stop_snapshot_.assign(params, params + model_.num_parameters());
    stop_observation_moments_ = observation_moments;
  }
}

// The first error of any worker is the run's: it stops the others, join() rethrows it.
void A3CTrainer::fail(std::exception_ptr error) {
  {
    std::lock_guard lock(error_mutex_);
    if (!error_) error_ = std::move(error);
  }
  monitor_.stop(StopReason::kError);
}

// One A3C worker, top to bottom: sync the local parameters (and the normalization
// statistics), act t_max steps in every environment, compute the n-step
// actor-critic gradient locally, apply it to the shared parameters without locks,
// merge the rollout's observations and returns into the shared statistics, repeat.
// The gradient is taken at the parameters the rollout acted with, so where the policy
// can (Policy::forward_rows) the acting forward passes are kept for it, not run again.
void A3CTrainer::worker_loop(int worker) {
  try {
    const int E = config_.envs_per_worker, T = config_.t_max;
    // Environments, seeded seed + worker * E + e; SAME_STEP autoreset hands back
    // the final observation of a truncated episode, to bootstrap from.
    std::unique_ptr<BatchedEnv> env = envs_.training(worker, E);
    check_env_fits_model(*env, model_);
    // A libtorch policy gets one intra-op thread here: the workers are the parallelism.
    if (model_.torch_policy() != nullptr) set_torch_threads(1);
    const int D = env->observation_size();
    const ObsDtype dtype = env->observation_dtype();  // images stay bytes, here and in the rollout
    ObservationBuffer obs(E, D, dtype), final_obs(E, D, dtype);
    std::vector<float> last_values(E), final_value(1);
    std::vector<double> rewards(E);
    std::vector<uint8_t> terminated(E), truncated(E);
    for (int e = 0; e < E; ++e) {
      env->seed(e, seed_to_uint32_words(config_.seed, static_cast<uint64_t>(worker) * E + e));
      env->reset(e, obs.row(e));
    }
    Pcg64 rng({static_cast<uint32_t>(config_.seed), static_cast<uint32_t>(config_.seed >> 32),
               static_cast<uint32_t>(worker), 0xA3Cu});  // action sampling
    const Space& action_space = env->spec().action_space;
    RolloutBuffer rollout(T, E, D, action_space, dtype);
    std::vector<float> env_scratch;  // actions mapped into the Box (clipped or squashed)
    EpisodeAccumulator episodes(E);
    std::vector<float> local(model_.num_parameters()), grad(model_.num_parameters());
    ModelWorkspace act_ws(model_), update_ws(model_);
    // Only where the rollout is one gradient chunk: a larger one is done in chunks, asking
    // whether to stop between them (a stop never waits long for a huge update).
    const bool keep_forward = model_.policy().has_forward_rows() && model_.policy().gradient_chunk(T * E) >= T * E;
    const int H = model_.policy().head_size();
    std::vector<float> kept_head(keep_forward ? static_cast<size_t>(T) * E * H : 0);  // [T * E, H]
    // Normalization (float observations only): the rollout keeps the policy's inputs;
    // raw_obs the observations that update the statistics once the rollout is done.
    RunningStats* const obs_stats = model_.observation_stats();
    NormalizerSnapshot obs_norm, reward_norm;
    std::vector<float> raw_obs(obs_stats ? static_cast<size_t>(T) * E * D : 0), scratch_obs;
    std::optional<RewardScaler> reward_scaler;
    if (config_.normalize_reward) reward_scaler.emplace(E, config_.gamma);
    auto inputs = [&](const uint8_t* raw, int batch) -> const void* {
      if (!obs_stats) return raw;
      scratch_obs.resize(static_cast<size_t>(batch) * D);
      obs_norm.normalize(reinterpret_cast<const float*>(raw), batch, scratch_obs.data());
      return scratch_obs.data();
    };

    while (!monitor_.stopping()) {
      optimizer_.read_parameters(local.data());
      if (obs_stats) obs_norm = obs_stats->snapshot();
      if (reward_scaler) reward_norm = reward_stats_.snapshot();

      int t = 0;
      for (; t < T && !monitor_.check_stop(); ++t) {
        if (obs_stats) {
          const float* raw = reinterpret_cast<const float*>(obs.data());
          std::copy(raw, raw + static_cast<size_t>(E) * D, raw_obs.begin() + static_cast<ptrdiff_t>(t) * E * D);
          obs_norm.normalize(raw, E, rollout.obs(t));
        } else {
          std::memcpy(rollout.obs_row(t), obs.data(), obs.row_bytes() * E);
        }
        if (keep_forward)
          act_rows(model_, local.data(), rollout.obs_row(t), t * E, E, T * E, &rng, update_ws, rollout.actions(t),
                   kept_head.data() + static_cast<size_t>(t) * E * H, rollout.values(t));
        else
          act(model_, local.data(), rollout.obs_row(t), E, &rng, act_ws, rollout.actions(t), rollout.values(t));
        env->step(model_.distribution().env_actions(rollout.actions(t), E, env_scratch),
                  {obs.data(), rewards.data(), terminated.data(), truncated.data(), final_obs.data()});
        rollout.record_step(t, rewards.data(), terminated.data(), truncated.data(), nullptr);
        for (int e = 0; e < E; ++e) {
          if (truncated[e] && !terminated[e]) {  // a truncation bootstraps from the final state
            evaluate_values(model_, local.data(), inputs(final_obs.row(e), 1), 1, act_ws, final_value.data());
            rollout.set_final_value(t, e, final_value[0]);
          }
        }
        episodes.step(rollout.rewards_data() + static_cast<size_t>(t) * E,
                      rollout.dones_data() + static_cast<size_t>(t) * E, nullptr, monitor_);
        if (reward_scaler)  // after the episode bookkeeping, which counts the raw rewards
          reward_scaler->scale(rollout.rewards_data() + static_cast<size_t>(t) * E,
                               rollout.dones_data() + static_cast<size_t>(t) * E, nullptr, reward_norm.inv_std[0]);
      }
      if (t < T) break;  // stopped mid-rollout: the partial rollout is not used (nor counted)
      // Bootstrap the last step from V(s_T).
      evaluate_values(model_, local.data(), inputs(obs.data(), E), E, act_ws, last_values.data());
      rollout.finish(last_values.data(), config_.gamma, config_.gae_lambda);

      LossStats stats;
      try {
        if (keep_forward)
          stats = compute_gradient_after_forward(model_, local.data(), rollout.obs_bytes(), T * E,
                                                 rollout.actions_all().as_const(), rollout.advantages_data(),
                                                 rollout.returns_data(), kept_head.data(), rollout.values_data(),
                                                 config_.loss(), update_ws, grad.data());
        else
          stats = compute_gradient(model_, local.data(), rollout.obs_bytes(), static_cast<int>(rollout.rows()),
                                   rollout.actions_all().as_const(), rollout.advantages_data(), rollout.returns_data(),
                                   config_.loss(), update_ws, grad.data(), [this] { return monitor_.check_stop(); });
      } catch (const GradientCancelled&) {
        break;  // stopped during a long update: not applied (nor counted)
      }
      const bool applied = apply_gradient(optimizer_, grad.data(), config_.max_grad_norm, monitor_.learning_rate(), stats);
      monitor_.after_update(episodes.take_steps(), stats, !applied);
      if (obs_stats) obs_stats->update(raw_obs.data(), T * E);
      if (reward_scaler) reward_scaler->flush(reward_stats_);
      if (monitor_.take_evaluation_request()) {
        optimizer_.read_parameters(local.data());
        evaluate_for_stop(local.data());
      }
    }
  } catch (const std::bad_alloc&) {  // still a bad_alloc (MemoryError in Python), saying what failed
    fail(std::make_exception_ptr(WorkerOutOfMemory(
        "A3C worker " + std::to_string(worker) + " could not allocate memory for its " +
        std::to_string(config_.envs_per_worker) + " environments, rollout of t_max " + std::to_string(config_.t_max) +
        " or network; lower envs_per_worker, t_max or hidden_sizes")));
  } catch (...) {
    fail(std::current_exception());
  }
  if (running_workers_.fetch_sub(1) == 1) {
    std::lock_guard lock(done_mutex_);
    done_cv_.notify_all();
  }
}

}  // namespace fastac
