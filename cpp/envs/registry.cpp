#include "envs/registry.h"

#include <stdexcept>

#include "envs/cartpole.h"

namespace fastac {

bool is_native_env(const std::string& id) { return id == "CartPole-v1" || id == "fastac/CartPole-v1"; }

std::unique_ptr<BatchedEnv> make_batched_env(const std::string& id, int num_envs, AutoresetMode mode) {
  if (id == "CartPole-v1" || id == "fastac/CartPole-v1") {
    CartPoleConfig config;
    config.autoreset_mode = mode;
    return std::make_unique<CartPole>(num_envs, config);
  }
  throw std::invalid_argument("env '" + id + "' has no native implementation (native envs: CartPole-v1)");
}

}  // namespace fastac
