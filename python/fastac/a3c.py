"""``fastac.train_a3c``: asynchronous advantage actor-critic, run by the C++ core.

The algorithm (cpp/rl/a3c.cpp): ``num_workers`` std::threads, each with its own
environments and a local copy of the network, compute n-step actor-critic gradients
and apply them to the shared parameters lock-free (Hogwild) through an optimizer whose
statistics all workers share, as in Mnih et al. (2016).
"""

from __future__ import annotations

import math
import os
from typing import Any, Callable, Sequence

import numpy as np

from fastac import _core
from fastac._hyperparameters import check_common_hyperparameters, core_configs
from fastac._validation import check_float, check_int
from fastac.envs import NATIVE_ENV_IDS
from fastac.policy import ActorCriticPolicy
from fastac.result import TrainResult

def train_a3c(
    env: str = "CartPole-v1",
    num_workers: int | None = None,
    envs_per_worker: int = 8,
    total_steps: int = 2_000_000,
    stop_at_return: float | None = None,
    stop_eval_episodes: int = 100,
    max_seconds: float | None = None,
    seed: int | None = None,
    gamma: float = 0.99,
    lr: float = 3e-3,
    t_max: int = 5,
    entropy_coef: float = 0.0,
    value_coef: float = 0.5,
    max_grad_norm: float = 0.5,
    gae_lambda: float = 1.0,
    optimizer: str = "rmsprop",
    rmsprop_alpha: float = 0.99,
    optimizer_eps: float = 1e-5,
    anneal_lr: bool = False,
    hidden_sizes: Sequence[int] = (128,),
    callback: Callable[[dict[str, Any]], bool | None] | None = None,
    callback_interval_s: float = 1.0,
) -> TrainResult:
    """Trains an actor-critic policy with A3C on a native environment.

    Args:
        env: a gymnasium id with a native implementation (``"CartPole-v1"``).
        num_workers: worker threads, ``>= 1`` (default: the machine's hardware threads).
        envs_per_worker: environments each worker steps together, ``>= 1``; 1 is the
            classic algorithm, more batch each forward pass.
        total_steps: environment steps budget, ``>= 1``.
        stop_at_return: stop once the mean return of the last 100 training episodes
            reaches it (and the evaluation below confirms it).
        stop_eval_episodes: when the training episodes reach ``stop_at_return``, a
            snapshot of the greedy policy plays this many fresh native episodes (seeds
            apart from the training ones; their steps are not counted in ``env_steps``)
            and training stops only if their mean reaches ``stop_at_return`` too; the
            returned policy is that snapshot. Training episodes span older parameters
            and exploratory actions, so without this check the final policy can fall
            short of the target. ``0`` stops on the training episodes alone (the
            criterion of SB3's ``ep_info_buffer``). In ``[0, 10000]``.
        max_seconds: stop after this much wall time.
        seed: fixes the initial weights, the env seeds (worker w's env e gets
            ``seed + w * envs_per_worker + e``) and action sampling. With one worker a
            run is reproducible; with more, Hogwild updates interleave
            nondeterministically.
        gamma: discount, in (0, 1].
        lr: learning rate, > 0.
        t_max: steps per environment between updates (the n of n-step returns), ``>= 1``.
        entropy_coef, value_coef: loss coefficients, ``>= 0``.
        max_grad_norm: gradient-norm clipping, ``>= 0`` (0 disables).
        gae_lambda: GAE(lambda) in [0, 1]; 1 gives plain n-step returns.
        optimizer: ``"rmsprop"`` (shared statistics, epsilon inside the square root, as
            in the A3C paper), ``"adam"`` or ``"sgd"``.
        rmsprop_alpha, optimizer_eps: RMSProp decay and epsilon (Adam uses eps too).
        anneal_lr: decay the learning rate linearly to 0 over ``total_steps``.
        hidden_sizes: sizes of the shared ReLU trunk layers.
        callback: called about every ``callback_interval_s`` seconds with a dict of
            progress (``env_steps``, ``episodes``, ``mean_return``, ``steps_per_s``, ...);
            returning ``False`` stops training.

    Returns:
        A :class:`~fastac.result.TrainResult`. Ctrl-C stops every worker within a fraction
        of a second and returns the partial result with ``interrupted=True``.
    """
    native_id = NATIVE_ENV_IDS.get(env) if isinstance(env, str) else None
    if native_id is None:
        raise ValueError(
            f"env must be the id of a native environment ({sorted(set(NATIVE_ENV_IDS))}), got {env!r}; "
            "train_a2c accepts any gymnasium environment"
        )
    hp = check_common_hyperparameters(
        total_steps=total_steps, stop_at_return=stop_at_return, stop_eval_episodes=stop_eval_episodes,
        max_seconds=max_seconds, seed=seed, gamma=gamma,
        gae_lambda=gae_lambda, lr=lr, entropy_coef=entropy_coef, value_coef=value_coef, max_grad_norm=max_grad_norm,
        optimizer=optimizer, rmsprop_alpha=rmsprop_alpha, optimizer_eps=optimizer_eps, hidden_sizes=hidden_sizes,
        callback=callback,
    )
    if num_workers is None:
        num_workers = os.cpu_count() or 1
    num_workers = check_int("num_workers", num_workers, minimum=1, maximum=1024)
    envs_per_worker = check_int("envs_per_worker", envs_per_worker, minimum=1, maximum=65536)
    t_max = check_int("t_max", t_max, minimum=1, maximum=65536)
    callback_interval_s = check_float("callback_interval_s", callback_interval_s, low=0, low_inclusive=False)

    config = _core.A3CConfig()
    config.env_id = native_id
    config.num_workers, config.envs_per_worker, config.t_max = num_workers, envs_per_worker, t_max
    config.total_steps = hp["total_steps"]
    config.stop_at_return = math.nan if hp["stop_at_return"] is None else hp["stop_at_return"]
    config.stop_eval_episodes = hp["stop_eval_episodes"]
    config.max_seconds = math.inf if hp["max_seconds"] is None else hp["max_seconds"]
    config.seed = hp["seed"]
    config.gamma, config.gae_lambda, config.lr = hp["gamma"], hp["gae_lambda"], hp["lr"]
    config.anneal_lr = bool(anneal_lr)
    config.loss, config.optimizer = core_configs(hp)

    run_config = {"algorithm": "a3c", "env": env, "num_workers": num_workers, "envs_per_worker": envs_per_worker,
                  "t_max": t_max, "anneal_lr": bool(anneal_lr), **hp}
    observation_size, num_actions = _core.native_env_sizes(native_id)
    policy = ActorCriticPolicy(observation_size, num_actions, hp["hidden_sizes"], seed=hp["seed"], metadata={"env": native_id, "train": run_config})
    out = _core.train_a3c(config, policy.network, callback, callback_interval_s)
    return _result(policy, out, run_config)


def _result(policy: ActorCriticPolicy, out: dict[str, Any], run_config: dict[str, Any]) -> TrainResult:
    history = {
        "wall_time_s": np.asarray(out["history_wall_time_s"]),
        "env_steps": np.asarray(out["history_env_steps"]),
        "episode_return": np.asarray(out["history_return"]),
        "episode_length": np.asarray(out["history_length"]),
    }
    result = TrainResult(
        policy=policy,
        wall_time_s=float(out["elapsed_s"]),
        env_steps=int(out["env_steps"]),
        episodes=int(out["episodes"]),
        history=history,
        interrupted=bool(out["interrupted"]),
        stop_reason=str(out["stop_reason"]),
        config=run_config,
        updates=int(out["updates"]),
        skipped_updates=int(out["skipped_updates"]),
    )
    result.warn_if_updates_skipped()
    return result
