"""Evaluating a policy on any gymnasium environment, as Stable-Baselines3's ``evaluate_policy``."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode

from fastac._validation import check_bool, check_int, check_seed
from fastac.envs.namespaces import register_namespace
from fastac.policy import ActorCriticPolicy


def evaluate_policy(
    policy: ActorCriticPolicy,
    env: gym.Env | gym.vector.VectorEnv | str,
    n_eval_episodes: int = 100,
    deterministic: bool = True,
    seed: int | None = None,
    return_episode_rewards: bool = False,
    render: bool = False,
) -> tuple[float, float] | tuple[list[float], list[int]]:
    """Mean and standard deviation of the episode return over ``n_eval_episodes`` episodes.

    Args:
        policy: a trained policy (``result.policy`` or ``fastac.load(path)``).
        env: a gymnasium env, a ``gymnasium.vector.VectorEnv``, or an id for ``gymnasium.make``
            (for example ``"CartPole-v1"``, gymnasium's own Python implementation). An env made
            from an id is closed; an env passed in is left open.

            A vector env steps its sub-envs in lockstep with one batched ``predict`` call and,
            as Stable-Baselines3 does, splits the episodes among them ahead of time so that
            short episodes are not over-represented: sub-env ``i`` plays
            ``(n_eval_episodes + i) // num_envs`` episodes (all ``n_eval_episodes`` in total;
            a sub-env with no episode to play still steps, its episodes are not counted).
            Its autoreset mode must be ``NEXT_STEP`` (gymnasium's default; the step after an
            episode's end is the reset and is not counted) or ``SAME_STEP``; ``DISABLED`` is
            refused with ``ValueError``. The returns and lengths are listed in the order the
            episodes end. Its spaces are checked through ``single_observation_space`` and
            ``single_action_space``.
        n_eval_episodes: episodes to run, ``>= 1``.
        deterministic: take the most probable action (as Stable-Baselines3's default), else sample.
        seed: if given, episode ``i`` is reset with ``seed + i``; a vector env is reset once
            with ``seed`` (gymnasium then seeds sub-env ``i`` with ``seed + i``) and its later
            episodes follow from their sub-env's generator.
        return_episode_rewards: return the list of episode returns and the list of episode
            lengths instead of the mean and standard deviation, as Stable-Baselines3 does.
        render: call ``env.render()`` after every step, as Stable-Baselines3 does (for an env
            made with ``render_mode="rgb_array"``; a ``"human"`` env renders in ``step``).

    Raises:
        TypeError: ``policy`` is not a fastac policy or ``env`` is not an env or an id.
        ValueError: the env's spaces do not match the policy's, the id cannot be made, or a
            vector env's autoreset mode is ``DISABLED``.
    """
    if not isinstance(policy, ActorCriticPolicy):
        raise TypeError(f"policy must be a fastac.ActorCriticPolicy, got {type(policy).__name__}")
    if not isinstance(env, str) and not all(hasattr(env, name) for name in
                                            ("reset", "step", "observation_space", "action_space")):
        raise TypeError(f"env must be a gymnasium env or a gymnasium id, got {env!r} ({type(env).__name__})")
    n_eval_episodes = check_int("n_eval_episodes", n_eval_episodes, minimum=1)
    deterministic = check_bool("deterministic", deterministic)
    return_episode_rewards = check_bool("return_episode_rewards", return_episode_rewards)
    render = check_bool("render", render)
    if seed is not None:
        seed = check_seed("seed", seed)
    owned = isinstance(env, str)
    if isinstance(env, str):
        try:
            register_namespace(env)
            env = gym.make(env)
        except gym.error.Error as error:  # an unknown id, a missing dependency, ...
            raise ValueError(f"env: cannot make {env!r}: {error}") from None
    try:
        if isinstance(env, gym.vector.VectorEnv):
            returns, lengths = _evaluate_vector(policy, env, n_eval_episodes, deterministic, seed, render)
        else:
            _check_spaces(policy, env.observation_space, env.action_space)
            returns, lengths = [], []
            for episode in range(n_eval_episodes):
                obs, _ = env.reset(seed=None if seed is None else seed + episode)
                total, length, done = 0.0, 0, False
                while not done:
                    action, _ = policy.predict(obs, deterministic=deterministic)
                    obs, reward, terminated, truncated, _ = env.step(action)
                    if render:
                        env.render()
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


def autoreset_mode(env: gym.vector.VectorEnv) -> AutoresetMode:
    """The vector env's autoreset mode (gymnasium's default NEXT_STEP if it names none)."""
    mode = getattr(env, "autoreset_mode", None)
    if mode is None:
        mode = (getattr(env, "metadata", None) or {}).get("autoreset_mode", AutoresetMode.NEXT_STEP)
    try:
        return mode if isinstance(mode, AutoresetMode) else AutoresetMode(mode)
    except ValueError:
        raise ValueError(f"env: unknown vector autoreset mode {mode!r}") from None


def _evaluate_vector(
    policy: ActorCriticPolicy,
    env: gym.vector.VectorEnv,
    n_eval_episodes: int,
    deterministic: bool,
    seed: int | None,
    render: bool,
) -> tuple[list[float], list[int]]:
    """Stable-Baselines3's vector evaluation: fixed per-sub-env episode targets, lockstep steps."""
    _check_spaces(policy, env.single_observation_space, env.single_action_space)
    mode = autoreset_mode(env)
    if mode == AutoresetMode.DISABLED:
        raise ValueError(
            "env: a vector env with autoreset_mode=DISABLED cannot be evaluated (its finished "
            "sub-envs are never reset); make it with autoreset_mode=NEXT_STEP (gymnasium's default) or SAME_STEP"
        )
    n_envs = int(env.num_envs)
    targets = np.array([(n_eval_episodes + i) // n_envs for i in range(n_envs)], dtype=np.int64)
    counts = np.zeros(n_envs, dtype=np.int64)
    current_returns = np.zeros(n_envs, dtype=np.float64)
    current_lengths = np.zeros(n_envs, dtype=np.int64)
    # NEXT_STEP: the step after a sub-env's episode ends only resets it (its action is ignored,
    # its reward is 0); that row belongs to no episode.
    resetting = np.zeros(n_envs, dtype=bool)
    returns: list[float] = []
    lengths: list[int] = []
    obs, _ = env.reset(seed=seed)
    while (counts < targets).any():
        actions, _ = policy.predict(obs, deterministic=deterministic)
        obs, rewards, terminated, truncated, _ = env.step(actions)
        if render:
            env.render()
        rewards = np.asarray(rewards, dtype=np.float64).reshape(n_envs)
        dones = np.logical_or(terminated, truncated).reshape(n_envs)
        live = ~resetting
        current_returns[live] += rewards[live]
        current_lengths[live] += 1
        for i in np.flatnonzero(live & dones):
            if counts[i] < targets[i]:
                returns.append(float(current_returns[i]))
                lengths.append(int(current_lengths[i]))
                counts[i] += 1
            current_returns[i] = 0.0
            current_lengths[i] = 0
        resetting = (live & dones) if mode == AutoresetMode.NEXT_STEP else np.zeros(n_envs, dtype=bool)
    return returns, lengths


def _check_spaces(policy: ActorCriticPolicy, obs_space: Any, act_space: Any) -> None:
    if not isinstance(obs_space, gym.spaces.Box) or obs_space.shape != policy.observation_shape or (
            policy.observation_dtype != "float32" and np.dtype(obs_space.dtype) != np.dtype(policy.observation_dtype)):
        raise ValueError(f"env observation space {obs_space} does not match the policy's {policy.observation_shape} "
                         f"{policy.observation_dtype} observations")
    if act_space != policy.action_space:
        raise ValueError(f"env action space {act_space} does not match the policy's {policy.action_space}")
