#include "rl/evaluate.h"

#include <stdexcept>
#include <string>
#include <vector>

#include "envs/registry.h"
#include "rl/act.h"

namespace fastac {

void check_env_fits_model(const BatchedEnv& env, const ActorCritic& model) {
  const Space& a = env.spec().action_space;
  const Space& b = model.spec().action_space;
  if (env.observation_size() == model.spec().observation_size &&
      env.observation_dtype() == model.policy().observation_dtype() && a.is_discrete() == b.is_discrete() &&
      (a.is_discrete() ? a.n == b.n : a.size() == b.size()))
    return;
  auto actions = [](const Space& s) {
    return s.is_discrete() ? "Discrete(" + std::to_string(s.n) + ")" : "Box of " + std::to_string(s.size());
  };
  throw std::invalid_argument("env '" + env.spec().id + "' has " + obs_dtype_name(env.observation_dtype()) +
                              " observations of size " + std::to_string(env.observation_size()) + " and " +
                              actions(a) + " actions; the model takes " +
                              obs_dtype_name(model.policy().observation_dtype()) + " of size " +
                              std::to_string(model.spec().observation_size) + " and " + actions(b));
}

EvaluationResult evaluate_greedy(const std::string& env_id, const ActorCritic& model, const float* params,
                                 int episodes, uint64_t seed, uint64_t stream,
                                 const NormalizerSnapshot* observations) {
  auto env = make_batched_env(env_id, episodes, AutoresetMode::kSameStep);
  return evaluate_greedy(*env, model, params, seed, stream, observations);
}

EvaluationResult evaluate_greedy(BatchedEnv& env, const ActorCritic& model, const float* params, uint64_t seed,
                                 uint64_t stream, const NormalizerSnapshot* observations) {
  constexpr uint32_t kEvaluationTag = 0xE7A1u;
  check_env_fits_model(env, model);
  const int episodes = env.num_envs();
  const int D = env.observation_size();
  const Space& action_space = env.spec().action_space;
  ObservationBuffer obs(episodes, D, env.observation_dtype()), final_obs(episodes, D, env.observation_dtype());
  std::vector<float> values(episodes);
  std::vector<double> reward(episodes), returns(episodes, 0.0);
  std::vector<uint8_t> terminated(episodes), truncated(episodes), done(episodes, 0);
  std::vector<int64_t> discrete(action_space.is_discrete() ? episodes : 0);
  std::vector<float> box(action_space.is_discrete() ? 0 : static_cast<size_t>(episodes) * action_space.size());
  const ActionBuffer actions{discrete.empty() ? nullptr : discrete.data(), box.empty() ? nullptr : box.data(),
                             action_space.is_discrete() ? 0 : action_space.size()};
  for (int e = 0; e < episodes; ++e) {
    env.seed(e, {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), static_cast<uint32_t>(stream),
                  static_cast<uint32_t>(stream >> 32), static_cast<uint32_t>(e), kEvaluationTag});
    env.reset(e, obs.row(e));
  }
  ModelWorkspace ws(model);
  std::vector<float> env_scratch, inputs;
  NormalizerSnapshot normalizer;
  if (model.observation_stats() != nullptr) {
    normalizer = observations != nullptr ? *observations : model.observation_stats()->snapshot();
    inputs.resize(static_cast<size_t>(episodes) * D);
  }
  EvaluationResult result;
  int running = episodes;
  // Finished sub-environments keep stepping (into new episodes) until the last
  // episode ends; their results are ignored.
  while (running > 0) {
    // (Normalization is for float observations only.)
    if (!inputs.empty()) normalizer.normalize(reinterpret_cast<const float*>(obs.data()), episodes, inputs.data());
    act(model, params, inputs.empty() ? static_cast<const void*>(obs.data()) : inputs.data(), episodes, nullptr, ws,
        actions, values.data());
    env.step(model.distribution().env_actions(actions, episodes, env_scratch),
              {obs.data(), reward.data(), terminated.data(), truncated.data(), final_obs.data()});
    for (int e = 0; e < episodes; ++e) {
      if (done[e]) continue;
      returns[e] += reward[e];
      ++result.env_steps;
      if (terminated[e] || truncated[e]) {
        done[e] = 1;
        --running;
      }
    }
  }
  double sum = 0.0;
  for (double r : returns) sum += r;
  result.mean_return = sum / episodes;
  return result;
}

}  // namespace fastac
