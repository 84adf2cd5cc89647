"""Native environments, as gymnasium ``Env`` and ``VectorEnv``.

Importing this module registers ``fastac/CartPole-v1`` with gymnasium, so that
``gymnasium.make("fastac/CartPole-v1")`` and ``gymnasium.make_vec("fastac/CartPole-v1", n)``
give the native environment.
"""

from __future__ import annotations

import gymnasium

from fastac.envs.cartpole import CartPoleEnv, CartPoleVectorEnv, InvalidActionError

__all__ = ["CartPoleEnv", "CartPoleVectorEnv", "InvalidActionError", "NATIVE_ENV_IDS"]

#: gymnasium ids that have a native implementation, mapped to the fastac id.
NATIVE_ENV_IDS = {"CartPole-v1": "fastac/CartPole-v1", "fastac/CartPole-v1": "fastac/CartPole-v1"}

if "fastac/CartPole-v1" not in gymnasium.registry:
    # No max_episode_steps here: the native env enforces its own 500-step limit
    # (as gymnasium's TimeLimit reports it), so make() adds no TimeLimit wrapper.
    gymnasium.register(
        id="fastac/CartPole-v1",
        entry_point="fastac.envs.cartpole:CartPoleEnv",
        vector_entry_point="fastac.envs.cartpole:CartPoleVectorEnv",
        reward_threshold=475.0,
    )
