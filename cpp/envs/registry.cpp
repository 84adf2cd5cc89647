#include "envs/registry.h"

#include <stdexcept>

#include "envs/acrobot.h"
#include "envs/cartpole.h"
#include "envs/continuous_mountain_car.h"
#include "envs/mountain_car.h"
#include "envs/pendulum.h"

namespace fastac {
namespace {

template <class E>
NativeEnvEntry entry() {
  return {&E::spec, [](int num_envs, AutoresetMode mode, const double* params, int max_episode_steps) {
            return std::unique_ptr<BatchedEnv>(std::make_unique<VectorEnv<E>>(num_envs, mode, params, max_episode_steps));
          }};
}

}  // namespace

const std::vector<NativeEnvEntry>& native_envs() {
  static const std::vector<NativeEnvEntry> envs = {
      entry<CartPoleEnv>(),
      entry<AcrobotEnv>(),
      entry<MountainCarEnv>(),
      entry<MountainCarContinuousEnv>(),
      entry<PendulumEnv>(),
  };
  return envs;
}

const NativeEnvEntry* find_native_env(const std::string& id) {
  const std::string name = id.rfind("fastac/", 0) == 0 ? id.substr(7) : id;
  for (const auto& e : native_envs())
    if (e.spec().id == name) return &e;
  return nullptr;
}

bool is_native_env(const std::string& id) { return find_native_env(id) != nullptr; }

std::unique_ptr<BatchedEnv> make_batched_env(const std::string& id, int num_envs, AutoresetMode mode,
                                             const double* params, int max_episode_steps) {
  const NativeEnvEntry* e = find_native_env(id);
  if (e == nullptr) {
    std::string names;
    for (const auto& x : native_envs()) names += (names.empty() ? "" : ", ") + x.spec().id;
    throw std::invalid_argument("env '" + id + "' has no native implementation (native envs: " + names + ")");
  }
  return e->make(num_envs, mode, params, max_episode_steps);
}

}  // namespace fastac
