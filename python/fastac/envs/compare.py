"""The native CartPole side by side with gymnasium's: same results, and how fast each runs.

The timing helpers here, for any action space, are also what ``bench/bench_envs.py`` and
``bench/bench_classic_control.py`` measure with.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import gymnasium as gym
import numpy as np

VECTOR_N = 1024


def identical_to_gymnasium(episodes: int = 200, seed: int = 0) -> bool:
    """Whether random-policy episodes of both CartPoles agree in every observation, reward and flag."""
    native, reference = gym.make("fastac/CartPole-v1"), gym.make("CartPole-v1")
    rng = np.random.default_rng(seed)
    for episode in range(episodes):
        obs_n, _ = native.reset(seed=seed + episode)
        obs_g, _ = reference.reset(seed=seed + episode)
        if obs_n.tobytes() != obs_g.tobytes():
            return False
        done = False
        while not done:
            action = int(rng.integers(2))
            step_n, step_g = native.step(action), reference.step(action)
            if step_n[0].tobytes() != step_g[0].tobytes() or step_n[1:4] != step_g[1:4]:
                return False
            done = step_n[2] or step_n[3]
    return True


def draw_actions(space: gym.spaces.Space[Any], count: int) -> list[Any]:
    """``count`` seeded samples of ``space`` (Discrete ones as Python ints, what a single env takes fastest)."""
    space.seed(0)
    actions = [space.sample() for _ in range(count)]
    return [int(a) for a in actions] if isinstance(space, gym.spaces.Discrete) else actions


def time_single(env: gym.Env[Any, Any], seconds: float) -> float:
    """Steps/s of one env under pre-drawn random actions of its space, resetting at episode ends."""
    env.reset(seed=0)
    actions = draw_actions(env.action_space, 4096)
    for a in actions[:256]:  # warm-up: first calls pay one-off costs
        if any(env.step(a)[2:4]):
            env.reset()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for a in actions:
            _, _, terminated, truncated, _ = env.step(a)
            if terminated or truncated:
                env.reset()
        steps += len(actions)
    return steps / (time.perf_counter() - start)


def time_vector(env: Any, seconds: float, num_envs: int, action_dtype: Any = None,
                single_space: gym.spaces.Space[Any] | None = None) -> float:
    """Sub-env steps/s of a vector env (autoreset) under pre-drawn random actions.

    The actions are samples of ``single_space`` (default: the env's ``single_action_space``;
    pass it for vector envs that have none, as envpool's), cast to ``action_dtype`` if given.
    """
    env.reset(seed=0)
    space = single_space if single_space is not None else env.single_action_space
    actions = np.stack([np.asarray(a) for a in draw_actions(space, 64 * num_envs)])
    actions = actions.reshape(64, num_envs, *actions.shape[1:])
    if action_dtype is not None:
        actions = actions.astype(action_dtype)
    env.step(actions[0])
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for row in actions:
            env.step(row)
        steps += len(actions) * num_envs
    return steps / (time.perf_counter() - start)


def make_vector(env_id: str, num_envs: int = VECTOR_N) -> Any:
    """The env's own vector implementation (gymnasium's numpy CartPoleVectorEnv, or fastac's)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gym.make_vec(env_id, num_envs, vectorization_mode="vector_entry_point")


def compare_with_gymnasium(episodes: int = 200, seed: int = 0, seconds: float = 0.5) -> tuple[list[tuple[str, float, float]], bool]:
    """Checks identity on ``episodes`` episodes, then times both implementations.

    Returns rows of (case, gymnasium steps/s, fastac steps/s) and the identity verdict.
    """
    identical = identical_to_gymnasium(episodes, seed)
    rows = [
        (
            "single env, gymnasium.make",
            time_single(gym.make("CartPole-v1"), seconds),
            time_single(gym.make("fastac/CartPole-v1"), seconds),
        ),
        (
            f"vector env, N={VECTOR_N}",
            time_vector(make_vector("CartPole-v1"), seconds, VECTOR_N),
            time_vector(make_vector("fastac/CartPole-v1"), seconds, VECTOR_N),
        ),
    ]
    return rows, identical


def format_comparison(rows: list[tuple[str, float, float]], identical: bool, episodes: int) -> str:
    """The comparison as a plain-text table."""
    lines = [
        f"CartPole-v1: gymnasium vs fastac native ({episodes} random-policy episodes compared)",
        f"identical observations, rewards, terminations, truncations: {'yes' if identical else 'NO'}",
        "",
        f"{'case':<28}{'gymnasium steps/s':>20}{'fastac steps/s':>18}{'ratio':>8}",
    ]
    for case, reference, native in rows:
        lines.append(f"{case:<28}{reference:>20,.0f}{native:>18,.0f}{native / reference:>7.1f}x")
    return "\n".join(lines)
