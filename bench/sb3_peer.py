"""Stable-Baselines3 A2C as the peer of the fastac benchmarks (optional: ``pip install stable-baselines3``).

rl-zoo's CartPole-v1 hyperparameters for A2C are ``n_envs: 8, ent_coef: 0.0`` on top of
SB3's A2C defaults (lr 7e-4, n_steps 5, RMSProp, max_grad_norm 0.5, separate 64-64 tanh
networks). "Solved" uses the criterion fastac's ``stop_at_return`` uses: the mean return
of the last 100 completed training episodes (SB3's own ``ep_info_buffer`` holds exactly
those 100).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np


def available() -> bool:
    """Whether stable-baselines3 is installed."""
    try:
        import stable_baselines3  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class PeerRun:
    wall_time_s: float  # the learn() call
    env_steps: int
    solved: bool
    model: Any


def sb3_a2c(
    env_id: str = "CartPole-v1",
    n_envs: int = 8,
    seed: int = 0,
    total_steps: int = 500_000,
    stop_at_return: float | None = None,
    normalize: bool = False,
    **hyperparameters: Any,
) -> PeerRun:
    """Trains SB3 A2C (rl-zoo CartPole settings unless overridden) on gymnasium's own env;
    ``normalize`` wraps it in ``VecNormalize`` (rl-zoo's ``normalize: true``). The episode
    returns the stop criterion reads are the raw ones (SB3's Monitor sits inside)."""
    from stable_baselines3 import A2C
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_vec_env

    class StopAtReturn(BaseCallback):
        def __init__(self) -> None:
            super().__init__()
            self.solved = False

        def _on_step(self) -> bool:
            buffer = self.model.ep_info_buffer
            if stop_at_return is not None and len(buffer) == buffer.maxlen:
                if np.mean([info["r"] for info in buffer]) >= stop_at_return:
                    self.solved = True
                    return False
            return True

    env = make_vec_env(env_id, n_envs=n_envs, seed=seed)
    if normalize:
        from stable_baselines3.common.vec_env import VecNormalize

        env = VecNormalize(env)
    model = A2C("MlpPolicy", env, ent_coef=0.0, seed=seed, device="cpu", verbose=0, **hyperparameters)
    callback = StopAtReturn()
    start = time.perf_counter()
    model.learn(total_timesteps=total_steps, callback=callback)
    wall = time.perf_counter() - start
    return PeerRun(wall, int(model.num_timesteps), callback.solved, model)
