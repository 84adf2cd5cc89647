"""Evaluating a policy on any gymnasium environment, as Stable-Baselines3's ``evaluate_policy``."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from fastac._validation import check_bool, check_int, check_seed
from fastac.policy import ActorCriticPolicy


def evaluate_policy(
    policy: ActorCriticPolicy,
    env: gym.Env | str,
    n_eval_episodes: int = 100,
    deterministic: bool = True,
    seed: int | None = None,
    return_episode_rewards: bool = False,
) -> tuple[float, float] | tuple[list[float], list[int]]:
    """Mean and standard deviation of the episode return over ``n_eval_episodes`` episodes.

    Args:
        policy: a trained policy (``result.policy`` or ``fastac.load(path)``).
        env: a gymnasium env, or an id for ``gymnasium.make`` (for example ``"CartPole-v1"``,
            gymnasium's own Python implementation). An env made from an id is closed.
        n_eval_episodes: episodes to run, ``>= 1``.
        deterministic: take the most probable action (as Stable-Baselines3's default), else sample.
        seed: if given, episode ``i`` is reset with ``seed + i``.
        return_episode_rewards: return the list of episode returns and the list of episode
            lengths instead of the mean and standard deviation, as Stable-Baselines3 does.
    """
    if not isinstance(policy, ActorCriticPolicy):
        raise TypeError(f"policy must be a fastac.ActorCriticPolicy, got {type(policy).__name__}")
    if not isinstance(env, str) and not all(hasattr(env, name) for name in
                                            ("reset", "step", "observation_space", "action_space")):
        raise TypeError(f"env must be a gymnasium env or a gymnasium id, got {env!r} ({type(env).__name__})")
    n_eval_episodes = check_int("n_eval_episodes", n_eval_episodes, minimum=1)
    deterministic = check_bool("deterministic", deterministic)
    return_episode_rewards = check_bool("return_episode_rewards", return_episode_rewards)
    if seed is not None:
        seed = check_seed("seed", seed)
    owned = isinstance(env, str)
    if isinstance(env, str):
        try:
            env = gym.make(env)
        except gym.error.Error as error:  # an unknown id, a missing dependency, ...
            raise ValueError(f"env: cannot make {env!r}: {error}") from None
    try:
        _check_spaces(policy, env)
        returns, lengths = [], []
        for episode in range(n_eval_episodes):
            obs, _ = env.reset(seed=None if seed is None else seed + episode)
            total, length, done = 0.0, 0, False
            while not done:
                action, _ = policy.predict(obs, deterministic=deterministic)
                obs, reward, terminated, truncated, _ = env.step(action)
                total += float(reward)
                length += 1
                done = terminated or truncated
            returns.append(total)
            lengths.append(length)
    finally:
        if owned:
            env.close()
    if return_episode_rewards:
        return returns, lengths
    return float(np.mean(returns)), float(np.std(returns))


def _check_spaces(policy: ActorCriticPolicy, env: Any) -> None:
    obs_space, act_space = env.observation_space, env.action_space
    if not isinstance(obs_space, gym.spaces.Box) or obs_space.shape != (policy.observation_size,):
        raise ValueError(f"env observation space {obs_space} does not match the policy's ({policy.observation_size},)")
    if act_space != policy.action_space:
        raise ValueError(f"env action space {act_space} does not match the policy's {policy.action_space}")
