"""Atari games through ale-py, with gymnasium's standard preprocessing.

``make_atari_env("ALE/Pong-v5")`` is the env the Nature CNN expects and what
Stable-Baselines3's ``make_atari_env`` / rl-zoo train on: the ALE env without its own frame
skip, then gymnasium's ``AtariPreprocessing`` (up to 30 no-op starts, 4-frame skip with a
max over the last two frames, 84x84 grayscale, uint8) and ``FrameStackObservation`` (the
last 4 frames, ``(4, 84, 84)`` uint8: channels first). Rewards are clipped to their sign
by default, as rl-zoo's ``AtariWrapper`` does; episode returns reported by the trainers
are then the clipped ones (pass ``clip_reward=False`` to evaluate raw scores).

Needs the ``atari`` extra (``ale-py``, which ships the ROMs, and OpenCV for the resize).
"""

from __future__ import annotations

import functools
from typing import Any, Callable, SupportsFloat

import gymnasium as gym
import numpy as np

from fastac.envs.namespaces import register_namespace


def _sign(reward: SupportsFloat) -> float:
    """-1, 0 or +1: rl-zoo's reward clipping."""
    return float(np.sign(float(reward)))


def make_atari_env(env_id: str = "ALE/Pong-v5", frame_stack: int = 4, noop_max: int = 30, frame_skip: int = 4,
                   screen_size: int = 84, terminal_on_life_loss: bool = False, clip_reward: bool = True,
                   **make_kwargs: Any) -> gym.Env:
    """One preprocessed Atari env (see the module docstring).

    Args:
        env_id: an ``ALE/...`` id (v5: sticky actions with probability 0.25, as the ALE
            recommends; pass ``repeat_action_probability=0.0`` to turn them off).
        frame_stack: frames per observation (the channels), >= 1.
        noop_max: at most this many no-op actions at the start of an episode.
        frame_skip: frames per agent step (the max of the last two is observed).
        screen_size: the square frame's side in pixels.
        terminal_on_life_loss: end the episode when a life is lost (rl-zoo's choice; the
            default False is gymnasium's and keeps episode returns whole-game).
        clip_reward: rewards clipped to -1, 0, +1.
        **make_kwargs: passed to ``gymnasium.make`` (e.g. ``render_mode``).
    """
    if frame_stack < 1:
        raise ValueError(f"frame_stack must be >= 1, got {frame_stack}")
    register_namespace(env_id)
    env = gym.make(env_id, frameskip=1, **make_kwargs)  # AtariPreprocessing skips frames itself
    env = gym.wrappers.AtariPreprocessing(env, noop_max=noop_max, frame_skip=frame_skip, screen_size=screen_size,
                                          terminal_on_life_loss=terminal_on_life_loss, grayscale_obs=True,
                                          scale_obs=False)
    if clip_reward:
        env = gym.wrappers.TransformReward(env, _sign)
    return gym.wrappers.FrameStackObservation(env, frame_stack)


def atari(env_id: str = "ALE/Pong-v5", **kwargs: Any) -> Callable[[], gym.Env]:
    """A maker of :func:`make_atari_env` envs, what the trainers take:
    ``fastac.A3C(fastac.envs.atari("ALE/Pong-v5"))``."""
    return functools.partial(make_atari_env, env_id, **kwargs)


def _ale_seed(seed: int) -> int:
    """A Python int seed of any size as one of ALE's: numpy's SeedSequence hash into
    [0, 2**30) (ALE takes C ints; seeds that differ anywhere, high bits included, give
    different games; room is left for ALE's int-seed convention, seed + env index)."""
    return int(np.random.SeedSequence(int(seed)).generate_state(1)[0] & 0x3FFFFFFF)


def is_ale_vector_env(envs: Any) -> bool:
    """Whether ``envs`` is (or wraps) ALE's batched ``AtariVectorEnv``."""
    try:
        from ale_py.vector_env import AtariVectorEnv
    except ImportError:
        return False
    return isinstance(getattr(envs, "unwrapped", None), AtariVectorEnv)


class GymnasiumSeeding(gym.vector.VectorWrapper):
    """ALE's ``AtariVectorEnv`` seeded as gymnasium's vector envs are: ``reset(seed=s)`` seeds
    env ``i`` with ``s + i``, ``reset(seed=[...])`` takes one seed (or None) per env, and with
    ``options["reset_mask"]`` only the masked envs' seeds count. ALE's own ``reset`` takes
    one C int per env reset (an int seed overflows it from 2**31 on, a list is refused);
    here every seed is hashed into ALE's range (:func:`_ale_seed`)."""

    def reset(self, *, seed: int | list[int | None] | None = None,
              options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        """Resets the envs (the masked ones, with ``options["reset_mask"]``), seeded as gymnasium's."""
        n = self.num_envs
        per_env: list[int | None]
        if seed is None:
            per_env = [None] * n
        elif isinstance(seed, (int, np.integer)):
            per_env = [int(seed) + i for i in range(n)]
        else:
            per_env = list(seed)
            if len(per_env) != n:
                raise ValueError(f"seed: one per env ({n}), got {len(per_env)}")
        mask = None if options is None else options.get("reset_mask")
        chosen = per_env if mask is None else [per_env[i] for i in np.flatnonzero(mask)]
        ale_seeds = None
        if any(s is not None for s in chosen):  # (ALE's -1: this env unseeded)
            ale_seeds = np.array([-1 if s is None else _ale_seed(s) for s in chosen], np.int64)
        return self.env.reset(seed=ale_seeds, options=options)  # type: ignore[arg-type]


def with_gymnasium_seeding(envs: gym.vector.VectorEnv) -> gym.vector.VectorEnv:
    """``envs`` in :class:`GymnasiumSeeding` if it is ALE's ``AtariVectorEnv`` (not already
    wrapped so), else ``envs`` itself."""
    if not is_ale_vector_env(envs):
        return envs
    inner: Any = envs
    while isinstance(inner, gym.vector.VectorWrapper):
        if isinstance(inner, GymnasiumSeeding):
            return envs
        inner = inner.env
    return GymnasiumSeeding(envs)
