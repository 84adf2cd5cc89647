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


def vector_env_for_sb3(envs: Any) -> Any:
    """A gymnasium ``VectorEnv`` that autoresets on the same step (such as ALE's
    ``AtariVectorEnv`` made with ``autoreset_mode=SAME_STEP``) as a Stable-Baselines3
    ``VecEnv``: done = terminated or truncated, the ended episode's last observation in
    ``info["terminal_observation"]`` and ``TimeLimit.truncated`` as SB3's own VecEnvs give
    them. So SB3 trains on the same batched env as fastac in the benchmarks."""
    from gymnasium.vector import AutoresetMode
    from stable_baselines3.common.vec_env import VecEnv

    if envs.metadata.get("autoreset_mode") != AutoresetMode.SAME_STEP:
        raise ValueError("vector_env_for_sb3 needs a vector env that autoresets on the same step")

    class VectorEnvAsSb3(VecEnv):
        def __init__(self) -> None:
            super().__init__(envs.num_envs, envs.single_observation_space, envs.single_action_space)
            self._actions: np.ndarray | None = None

        def reset(self) -> np.ndarray:
            seed = self._seeds[0]
            obs, _ = envs.reset(seed=seed)
            self._reset_seeds()
            return obs

        def step_async(self, actions: np.ndarray) -> None:
            self._actions = np.asarray(actions)

        def step_wait(self) -> Any:
            obs, reward, terminated, truncated, info = envs.step(self._actions)
            dones = np.logical_or(terminated, truncated)
            infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
            for i in np.flatnonzero(dones):
                infos[i]["terminal_observation"] = info["final_obs"][i]
                infos[i]["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
            return obs, np.asarray(reward, np.float32), dones, infos

        def close(self) -> None:
            envs.close()

        def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
            return [getattr(envs, attr_name)] * len(self._get_indices(indices))

        def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
            raise NotImplementedError("set_attr on a batched vector env")

        def env_method(self, method_name: str, *args: Any, indices: Any = None, **kwargs: Any) -> list[Any]:
            raise NotImplementedError("env_method on a batched vector env")

        def env_is_wrapped(self, wrapper_class: type, indices: Any = None) -> list[bool]:
            return [False] * len(self._get_indices(indices))

    return VectorEnvAsSb3()
