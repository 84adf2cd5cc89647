#include "rl/evaluate.h"

#include <algorithm>
#include <vector>

#include "envs/registry.h"
#include "rl/act.h"

namespace fastac {

EvaluationResult evaluate_greedy(const std::string& env_id, const ParameterLayout& layout, const float* params,
                                 int episodes, uint64_t seed) {
  constexpr uint32_t kEvaluationTag = 0xE7A1u;
  const int D = layout.spec.observation_size;
  auto env = make_batched_env(env_id, episodes, AutoresetMode::kDisabled);
  std::vector<float> obs(static_cast<size_t>(episodes) * D), reward(episodes), returns(episodes, 0.0f);
  std::vector<uint8_t> terminated(episodes), truncated(episodes), done(episodes, 0);
  std::vector<int64_t> actions(episodes, 0);
  std::vector<float> values(episodes);
  for (int e = 0; e < episodes; ++e) {
    env->seed(e, {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), static_cast<uint32_t>(e),
                  kEvaluationTag});
    env->reset(e, obs.data() + static_cast<size_t>(e) * D);
  }
  MlpWorkspace ws;
  EvaluationResult result;
  int running = episodes;
  // Finished sub-environments keep stepping (autoreset is off) until the last
  // episode ends; their results are ignored.
  while (running > 0) {
    act(layout, params, obs.data(), episodes, nullptr, ws, actions.data(), values.data());
    env->step(actions.data(), {obs.data(), reward.data(), terminated.data(), truncated.data(), nullptr});
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
  for (float r : returns) sum += r;
  result.mean_return = sum / episodes;
  return result;
}

}  // namespace fastac
