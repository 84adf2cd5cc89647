"""Evaluating a policy on any gymnasium environment, as Stable-Baselines3's ``evaluate_policy``."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from fastac._validation import check_int, check_seed
from fastac.policy import ActorCriticPolicy


def evaluate_policy(
    policy: ActorCriticPolicy,
    env: gym.Env | str,
    n_eval_episodes: int = 100,
    deterministic: bool = True,
    seed: int | None = None,
) -> tuple[float, float]:
    """Mean and standard deviation of the episode return over ``n_eval_episodes`` episodes.

    Args:
        policy: a trained policy (``result.policy`` or ``fastac.load(path)``).
        env: a gymnasium env, or an id for ``gymnasium.make`` (for example ``"CartPole-v1"``,
            gymnasium's own Python implementation).
        n_eval_episodes: episodes to run, ``>= 1``.
        deterministic: take the most probable action (else sample).
        seed: if given, episode ``i`` is reset with ``seed + i``.
    """
    n_eval_episodes = check_int("n_eval_episodes", n_eval_episodes, minimum=1)
    if seed is not None:
        seed = check_seed("seed", seed)
    if isinstance(env, str):
        env = gym.make(env)
    _check_spaces(policy, env)
    returns = []
    for episode in range(n_eval_episodes):
        obs, _ = env.reset(seed=None if seed is None else seed + episode)
        total, done = 0.0, False
        while not done:
            action, _ = policy.predict(obs, deterministic=deterministic)
            obs, reward, terminated, truncated, _ = env.step(action)
            total += float(reward)
            done = terminated or truncated
        returns.append(total)
    return float(np.mean(returns)), float(np.std(returns))


def _check_spaces(policy: ActorCriticPolicy, env: Any) -> None:
    obs_space, act_space = env.observation_space, env.action_space
    if not isinstance(obs_space, gym.spaces.Box) or obs_space.shape != (policy.observation_size,):
        raise ValueError(f"env observation space {obs_space} does not match the policy's ({policy.observation_size},)")
    if not isinstance(act_space, gym.spaces.Discrete) or int(act_space.n) != policy.num_actions:
        raise ValueError(f"env action space {act_space} does not match the policy's Discrete({policy.num_actions})")
