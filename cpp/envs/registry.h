// The one registry of native environments: one line per environment in
// registry.cpp. Python generates the gymnasium ids, spaces, Env/VectorEnv
// wrappers and registrations from it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "envs/env.h"
#include "envs/vector_env.h"

namespace fastac {

struct NativeEnvEntry {
  const EnvSpec& (*spec)();
  // num_envs copies; params: spec().params values (nullptr: defaults); max_episode_steps < 0: the spec's.
  std::unique_ptr<BatchedEnv> (*make)(int num_envs, AutoresetMode mode, const double* params, int max_episode_steps);
};

// Every native environment, in registration order.
const std::vector<NativeEnvEntry>& native_envs();

// The entry of a gymnasium id ("CartPole-v1", "MinAtar/Breakout-v1") or of its fastac id
// ("fastac/CartPole-v1", "fastac/MinAtar-Breakout-v1": EnvSpec::fastac_id), or nullptr.
const NativeEnvEntry* find_native_env(const std::string& id);
bool is_native_env(const std::string& id);

// Throws std::invalid_argument for an id with no native implementation.
std::unique_ptr<BatchedEnv> make_batched_env(const std::string& id, int num_envs, AutoresetMode mode,
                                             const double* params = nullptr, int max_episode_steps = -1);

// A batch from BatchedEnv::save()'s bytes, continuing exactly where the saved one was.
// Throws std::invalid_argument for bytes that are not such a save.
std::unique_ptr<BatchedEnv> restore_batched_env(const std::string& bytes);

}  // namespace fastac
