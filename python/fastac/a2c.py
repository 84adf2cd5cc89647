"""``fastac.train_a2c``: synchronous advantage actor-critic on any gymnasium vector env.

The loop reads top to bottom like a CleanRL script: ``num_envs`` environments step in
lockstep for ``n_steps``; then one update over all ``num_envs * n_steps`` samples
averages the gradient over every agent (the A2C definition). The forward pass, the
advantages, the loss, its gradient and the optimizer step are the C++ core's, the same
code A3C runs; this file only moves numpy arrays between the environments and the core.
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable, Sequence

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv

from fastac import _core
from fastac._hyperparameters import check_common_hyperparameters, core_configs
from fastac._validation import check_float, check_int
from fastac.envs import NATIVE_ENV_IDS, CartPoleVectorEnv
from fastac.evaluation import evaluate_policy
from fastac.policy import ActorCriticPolicy
from fastac.result import TrainResult

EnvLike = str | Callable[[], gym.Env] | VectorEnv

_RETURN_WINDOW = 100  # stop_at_return averages the last 100 episodes, as SB3's ep_info_buffer
_EPISODES_BETWEEN_EVALUATIONS = 10  # after a failed stop evaluation, wait for fresh episodes
_VECTORIZATION_MODES = (None, "sync", "async", "vector_entry_point")


def train_a2c(
    env: EnvLike = "CartPole-v1",
    num_envs: int | None = None,
    n_steps: int = 5,
    total_steps: int = 1_000_000,
    stop_at_return: float | None = None,
    stop_eval_episodes: int = 100,
    max_seconds: float | None = None,
    seed: int | None = None,
    gamma: float = 0.99,
    lr: float = 3e-3,
    entropy_coef: float = 0.0,
    value_coef: float = 0.5,
    max_grad_norm: float = 0.5,
    gae_lambda: float = 1.0,
    optimizer: str = "rmsprop",
    rmsprop_alpha: float = 0.99,
    optimizer_eps: float = 1e-5,
    anneal_lr: bool = False,
    hidden_sizes: Sequence[int] = (128,),
    native: bool = True,
    vectorization_mode: str | None = "sync",
    callback: Callable[[dict[str, Any]], bool | None] | None = None,
    callback_interval_s: float = 1.0,
) -> TrainResult:
    """Trains an actor-critic policy with synchronous A2C.

    Args:
        env: what to train on:

            - a gymnasium id: ``"CartPole-v1"`` runs the native C++ vector env (unless
              ``native=False``); any other id goes through ``gymnasium.make_vec``;
            - a callable returning a ``gymnasium.Env`` (``num_envs`` copies are vectorized);
            - a ``gymnasium.vector.VectorEnv``, used as it is.

            Observations must be a 1-D ``Box``, actions a ``Discrete`` starting at 0; the
            vector env must autoreset on the next step (gymnasium's default) or the same step.
        num_envs: parallel environments, ``>= 1`` (default 8, rl-zoo's CartPole setting;
            for a ``VectorEnv`` its own ``num_envs``).
        n_steps: steps per environment between updates, ``>= 1``.
        total_steps: environment transitions budget, ``>= 1``.
        stop_at_return: stop once the mean return of the last 100 training episodes
            reaches it and the evaluation below confirms it.
        stop_eval_episodes: when the training episodes reach ``stop_at_return``, the
            greedy policy plays this many fresh episodes (native envs in C++, others
            through ``gymnasium.make`` or the callable; their steps are not counted) and
            training stops only if they reach it too. ``0`` stops on training episodes alone.
        max_seconds: stop after this much wall time.
        seed: fixes the initial weights, the env seeds (sub-env ``i`` gets ``seed + i``)
            and action sampling: two runs with the same seed are identical, bit for bit.
        gamma, lr, entropy_coef, value_coef, max_grad_norm, gae_lambda, optimizer,
            rmsprop_alpha, optimizer_eps, anneal_lr, hidden_sizes: as in
            :func:`fastac.train_a3c`, with the same meaning and checks.
        native: use the native vector env for ids that have one.
        vectorization_mode: for gymnasium ids and callables, ``"sync"`` or ``"async"``
            (``gymnasium.make_vec`` also accepts ``"vector_entry_point"`` for ids).
        callback: called about every ``callback_interval_s`` seconds with a dict of
            progress; returning ``False`` stops training.

    Returns:
        A :class:`~fastac.result.TrainResult`. Ctrl-C returns the partial result with
        ``interrupted=True``.
    """
    hp = check_common_hyperparameters(
        total_steps=total_steps, stop_at_return=stop_at_return, stop_eval_episodes=stop_eval_episodes,
        max_seconds=max_seconds, seed=seed, gamma=gamma, gae_lambda=gae_lambda, lr=lr, entropy_coef=entropy_coef,
        value_coef=value_coef, max_grad_norm=max_grad_norm, optimizer=optimizer, rmsprop_alpha=rmsprop_alpha,
        optimizer_eps=optimizer_eps, hidden_sizes=hidden_sizes, callback=callback,
    )
    n_steps = check_int("n_steps", n_steps, minimum=1, maximum=65536)
    callback_interval_s = check_float("callback_interval_s", callback_interval_s, low=0, low_inclusive=False)
    if vectorization_mode not in _VECTORIZATION_MODES:
        raise ValueError(f"vectorization_mode must be one of {_VECTORIZATION_MODES}, got {vectorization_mode!r}")
    envs, native_id, make_eval_env = _vector_env(env, num_envs, native, vectorization_mode)
    owns_envs = envs is not env  # close what we made, not what the caller passed
    N, T = envs.num_envs, n_steps
    try:
        D, num_actions = _check_spaces(envs)
    except ValueError:
        if owns_envs:
            envs.close()
        raise
    same_step = envs.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP) == AutoresetMode.SAME_STEP
    if hp["stop_at_return"] is not None and hp["stop_eval_episodes"] > 0 and native_id is None and make_eval_env is None:
        raise ValueError(
            "stop_eval_episodes needs a gymnasium id or a callable to make evaluation envs; "
            "pass one as env, or stop_eval_episodes=0"
        )

    run_config = {"algorithm": "a2c", "env": _describe(env), "num_envs": N, "n_steps": T, "anneal_lr": bool(anneal_lr),
                  "native": native_id is not None, **hp}
    seed = hp["seed"]
    policy = ActorCriticPolicy(D, num_actions, hp["hidden_sizes"], seed=seed,
                               metadata={"env": native_id or _describe(env), "train": run_config})
    net = policy.network
    loss_config, optimizer_config = core_configs(hp)
    learner = _core.Learner(net, optimizer_config, loss_config)
    rng = np.random.default_rng([seed, 0xA2C])  # action sampling

    # Rollout storage, [T, N]. A NEXT_STEP autoreset spends one step per finished
    # episode on the reset (reward 0, action ignored): that row is not a transition.
    b_obs = np.zeros((T, N, D), dtype=np.float32)
    b_actions = np.zeros((T, N), dtype=np.int64)
    b_values = np.zeros((T, N), dtype=np.float32)
    b_rewards = np.zeros((T, N), dtype=np.float32)
    b_terminated = np.zeros((T, N), dtype=np.bool_)
    b_dones = np.zeros((T, N), dtype=np.bool_)
    b_valid = np.zeros((T, N), dtype=np.bool_)
    b_final_values = np.zeros((T, N), dtype=np.float32)  # SAME_STEP: V(final obs) where an episode ended
    b_has_final = np.zeros((T, N), dtype=np.bool_)

    history: dict[str, list] = {"wall_time_s": [], "env_steps": [], "episode_return": [], "episode_length": []}
    episode_return = np.zeros(N, dtype=np.float64)
    episode_length = np.zeros(N, dtype=np.int64)
    recent: list[float] = []
    env_steps = updates = skipped = evaluations = 0
    episodes_at_last_evaluation = -_EPISODES_BETWEEN_EVALUATIONS
    last_eval_return = math.nan
    stats: dict[str, Any] = {}
    stop_reason, interrupted = "", False
    next_callback = callback_interval_s

    def progress(elapsed: float) -> dict[str, Any]:
        """What the callback receives."""
        return {"env_steps": env_steps, "episodes": len(history["episode_return"]), "updates": updates,
                "skipped_updates": skipped, "mean_return": float(np.mean(recent)) if recent else math.nan,
                "evaluations": evaluations, "last_eval_return": last_eval_return, "elapsed_s": elapsed,
                "steps_per_s": env_steps / elapsed if elapsed > 0 else 0.0, **stats}

    autoreset = np.zeros(N, dtype=np.bool_)
    start = time.perf_counter()
    try:
        obs, _ = envs.reset(seed=seed)
        obs = np.asarray(obs, dtype=np.float32)
        if not np.isfinite(obs).all():
            raise ValueError(f"env returned a non-finite observation on reset: {obs}")
        while not stop_reason:
            # 1. Roll out n_steps in every env with the current policy.
            for t in range(T):
                actions, values = _core.act(net, obs, rng.random(N, dtype=np.float32))
                b_obs[t], b_actions[t], b_values[t], b_valid[t] = obs, actions, values, ~autoreset
                next_obs, rewards, terminated, truncated, infos = envs.step(actions)
                dones = np.logical_or(terminated, truncated)
                b_rewards[t], b_terminated[t], b_dones[t] = rewards, terminated, dones
                b_has_final[t] = False
                if same_step and dones.any():  # bootstrap a truncation from the final observation
                    final = np.stack([infos["final_obs"][i] for i in np.flatnonzero(dones)]).astype(np.float32)
                    b_final_values[t, dones] = _core.act(net, final, None)[1]
                    b_has_final[t] = dones

                # Episode bookkeeping, over real transitions only.
                valid = b_valid[t]
                env_steps += int(valid.sum())
                episode_return += np.where(valid, rewards, 0.0)
                episode_length += valid
                ended = np.flatnonzero(dones & valid)
                if len(ended):
                    elapsed = time.perf_counter() - start
                    for i in ended:
                        history["wall_time_s"].append(elapsed)
                        history["env_steps"].append(env_steps)
                        history["episode_return"].append(float(episode_return[i]))
                        history["episode_length"].append(int(episode_length[i]))
                        recent.append(float(episode_return[i]))
                    del recent[:-_RETURN_WINDOW]
                    episode_return[ended] = 0.0
                    episode_length[ended] = 0
                autoreset = dones if not same_step else np.zeros(N, dtype=np.bool_)
                obs = np.asarray(next_obs, dtype=np.float32)
                if not np.isfinite(obs).all():  # NaN in, NaN weights out: refuse it
                    raise ValueError(f"env returned a non-finite observation after {env_steps:,} env steps: {obs}")

            # 2. Advantages: bootstrap from V of the next observation (the final one of a
            #    truncated episode), not across a termination.
            _, last_values = _core.act(net, obs, None)
            next_values = np.concatenate([b_values[1:], last_values[None]])
            next_values = np.where(b_has_final, b_final_values, next_values)
            advantages, returns = _core.compute_advantages(
                b_rewards, b_values, next_values, b_terminated, b_dones, hp["gamma"], hp["gae_lambda"]
            )

            # 3. One update over every agent's samples.
            lr_now = hp["lr"] * (max(0.0, 1.0 - env_steps / hp["total_steps"]) if anneal_lr else 1.0)
            valid = b_valid.reshape(-1)
            stats = learner.update(
                b_obs.reshape(-1, D)[valid], b_actions.reshape(-1)[valid], advantages.reshape(-1)[valid],
                returns.reshape(-1)[valid], lr_now,
            )
            if stats["skipped"]:
                skipped += 1
            else:
                updates += 1

            # 4. Stop conditions.
            elapsed = time.perf_counter() - start
            episodes = len(history["episode_return"])
            target = hp["stop_at_return"]
            if (target is not None and len(recent) == _RETURN_WINDOW and np.mean(recent) >= target
                    and episodes - episodes_at_last_evaluation >= _EPISODES_BETWEEN_EVALUATIONS):
                if hp["stop_eval_episodes"] == 0:
                    stop_reason = "stop_at_return"
                else:
                    last_eval_return = _evaluate(policy, native_id, make_eval_env, hp["stop_eval_episodes"],
                                                 seed + evaluations)
                    evaluations += 1
                    episodes_at_last_evaluation = episodes
                    if last_eval_return >= target:
                        stop_reason = "stop_at_return"
            if not stop_reason and env_steps >= hp["total_steps"]:
                stop_reason = "total_steps"
            if not stop_reason and hp["max_seconds"] is not None and elapsed >= hp["max_seconds"]:
                stop_reason = "max_seconds"
            if callback is not None and (stop_reason or elapsed >= next_callback):
                next_callback = elapsed + callback_interval_s
                keep_going = callback(progress(elapsed))
                if keep_going is not None and not keep_going and not stop_reason:
                    stop_reason = "callback"
    except KeyboardInterrupt:
        interrupted, stop_reason = True, "interrupted"
    finally:
        if owns_envs:
            envs.close()
    wall = time.perf_counter() - start
    result = TrainResult(
        policy=policy,
        wall_time_s=wall,
        env_steps=env_steps,
        episodes=len(history["episode_return"]),
        history={
            "wall_time_s": np.asarray(history["wall_time_s"], dtype=np.float64),
            "env_steps": np.asarray(history["env_steps"], dtype=np.int64),
            "episode_return": np.asarray(history["episode_return"], dtype=np.float32),
            "episode_length": np.asarray(history["episode_length"], dtype=np.int32),
        },
        interrupted=interrupted,
        stop_reason=stop_reason,
        config=run_config,
        updates=updates,
        skipped_updates=skipped,
    )
    result.warn_if_updates_skipped()
    return result


def _vector_env(
    env: Any, num_envs: Any, native: bool, vectorization_mode: str | None
) -> tuple[VectorEnv, str | None, Callable[[], gym.Env] | None]:
    """(the vector env, its native id if native, a maker of single evaluation envs)."""
    if isinstance(env, VectorEnv):
        if num_envs is not None and check_int("num_envs", num_envs, minimum=1) != env.num_envs:
            raise ValueError(f"num_envs={num_envs} but the VectorEnv given has {env.num_envs}")
        native_id = "fastac/CartPole-v1" if _is_default_native_cartpole(env) else None
        spec = getattr(env, "spec", None)
        make_eval = (lambda: gym.make(spec.id, **(spec.kwargs or {}))) if spec is not None else None
        return env, native_id, make_eval
    n = 8 if num_envs is None else check_int("num_envs", num_envs, minimum=1, maximum=65536)
    if isinstance(env, str):
        if native and env in NATIVE_ENV_IDS:
            return CartPoleVectorEnv(n), NATIVE_ENV_IDS[env], None
        try:
            spec = gym.spec(env)
        except gym.error.Error as e:
            raise ValueError(f"env {env!r} is not a registered gymnasium id: {e}") from None
        vector_env = gym.make_vec(env, num_envs=n, vectorization_mode=vectorization_mode)
        return vector_env, None, lambda: gym.make(spec.id)
    if callable(env):
        if vectorization_mode not in ("sync", "async"):
            raise ValueError(f"vectorization_mode must be 'sync' or 'async' for a callable env, got {vectorization_mode!r}")
        cls = gym.vector.SyncVectorEnv if vectorization_mode == "sync" else gym.vector.AsyncVectorEnv
        return cls([env] * n), None, env
    raise TypeError(f"env must be a gymnasium id, a callable making an env, or a VectorEnv, got {env!r}")


def _is_default_native_cartpole(env: VectorEnv) -> bool:
    return isinstance(env, CartPoleVectorEnv) and env.max_episode_steps == 500 and not env.sutton_barto_reward


def _check_spaces(envs: VectorEnv) -> tuple[int, int]:
    obs_space, act_space = envs.single_observation_space, envs.single_action_space
    if not isinstance(obs_space, gym.spaces.Box) or len(obs_space.shape) != 1:
        raise ValueError(f"env: train_a2c needs a 1-D Box observation space, got {obs_space}")
    if not isinstance(act_space, gym.spaces.Discrete) or int(act_space.start) != 0:
        raise ValueError(f"env: train_a2c needs a Discrete action space starting at 0, got {act_space}")
    if envs.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP) == AutoresetMode.DISABLED:
        raise ValueError("env: train_a2c needs a vector env that autoresets (NEXT_STEP or SAME_STEP), got DISABLED")
    return int(obs_space.shape[0]), int(act_space.n)


def _evaluate(policy: ActorCriticPolicy, native_id: str | None, make_eval_env: Callable[[], gym.Env] | None,
              episodes: int, seed: int) -> float:
    """Mean greedy return over fresh episodes: in C++ for native envs, else through gymnasium."""
    if native_id is not None:
        return float(_core.evaluate_greedy(native_id, policy.network, episodes, seed)[0])
    assert make_eval_env is not None
    eval_env = make_eval_env()
    try:
        return evaluate_policy(policy, eval_env, n_eval_episodes=episodes, seed=seed)[0]
    finally:
        eval_env.close()


def _describe(env: Any) -> str:
    if isinstance(env, str):
        return env
    spec = getattr(env, "spec", None)
    return getattr(spec, "id", None) or type(env).__name__
