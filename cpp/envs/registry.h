// Native environments by gymnasium id.
#pragma once

#include <memory>
#include <string>

#include "envs/batched_env.h"

namespace fastac {

// Throws std::invalid_argument for an id with no native implementation.
std::unique_ptr<BatchedEnv> make_batched_env(const std::string& id, int num_envs, AutoresetMode mode);
bool is_native_env(const std::string& id);

}  // namespace fastac
