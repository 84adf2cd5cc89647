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
