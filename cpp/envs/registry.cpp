#include "envs/registry.h"

#include <stdexcept>

#include "envs/acrobot.h"
#include "envs/cartpole.h"
#include "envs/continuous_mountain_car.h"
#include "envs/minatar_breakout.h"
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
      entry<MinAtarBreakoutV0Env>(),
      entry<MinAtarBreakoutV1Env>(),
  };
  return envs;
}

const NativeEnvEntry* find_native_env(const std::string& id) {
  for (const auto& e : native_envs())
    if (e.spec().id == id || e.spec().fastac_id() == id) return &e;
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

std::unique_ptr<BatchedEnv> restore_batched_env(const std::string& bytes) {
  std::string id;
  const SavedEnvHeader h = read_saved_env_header(bytes, &id);
  const NativeEnvEntry* e = find_native_env(id);
  if (e == nullptr) throw std::invalid_argument("saved env state: unknown env '" + id + "'");
  if (h.num_envs < 1 || h.max_episode_steps < 0 || h.autoreset_mode < 0 ||
      h.autoreset_mode > static_cast<int32_t>(AutoresetMode::kDisabled))
    throw std::invalid_argument("saved env state: corrupt header");
  // (Checked before the batch is allocated, so that a corrupt count allocates nothing.)
  if (bytes.size() != saved_env_size(h))
    throw std::invalid_argument("saved env state: its size does not match its header");
  // Made with the default params: load() overwrites the env structs, which hold them.
  std::unique_ptr<BatchedEnv> env =
      e->make(h.num_envs, static_cast<AutoresetMode>(h.autoreset_mode), nullptr, h.max_episode_steps);
  env->load(bytes);
  return env;
}

}  // namespace fastac
