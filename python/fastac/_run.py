"""What a training run does around its algorithm, the same for A2C and A3C: resolving the
config, checking the env, and building the result."""

from __future__ import annotations

import dataclasses
import inspect
import os
from typing import Any, Callable, TypeVar

import gymnasium as gym
import numpy as np

from fastac.config import TrainConfig, describe_fields
from fastac.envs.namespaces import register_namespace
from fastac.policy import (CNN_ARCHITECTURES, ActorCriticPolicy, ObservationSpec, check_action_space,
                           observation_spec, resolve_architecture)
from fastac.torch_module import FEATURES_DIM
from fastac.presets import preset_config
from fastac.result import TrainResult

T = TypeVar("T")

def resolve_config(algorithm: str, env: Any, config: TrainConfig | None,
                   kwargs: dict[str, Any]) -> tuple[TrainConfig, frozenset[str]]:
    """The validated config of a run: ``config`` (or the defaults with the env id's preset,
    :mod:`fastac.presets`), then ``kwargs``, then the env id when ``env`` is one (else a
    description of it); and the names of the fields that none of these set, which
    :meth:`TrainConfig.validated` filled in (``seed``, ``num_workers``)."""
    if config is not None and not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a fastac.TrainConfig or None, got {type(config).__name__}")
    if config is None and isinstance(env, str):
        config = preset_config(env, algorithm)
    cfg = TrainConfig.from_kwargs(algorithm, config, **kwargs)
    cfg.env = env if isinstance(env, str) else describe_env(env)
    validated = cfg.validated()
    filled_in = frozenset(f.name for f in dataclasses.fields(cfg)
                          if getattr(cfg, f.name) is None and getattr(validated, f.name) is not None)
    return validated, filled_in


def make_policy(obs: ObservationSpec, action_space: gym.spaces.Space[Any], cfg: TrainConfig, algorithm: str,
                env_name: str, initialize: bool = True) -> ActorCriticPolicy:
    """The policy a run of ``cfg`` trains: its architecture fields (``architecture`` resolved
    for the observations), its seed, and the run recorded in the metadata (the env's id, the
    algorithm, the config)."""
    architecture = resolve_architecture(cfg.architecture, obs)
    if architecture in CNN_ARCHITECTURES:
        hidden_sizes: tuple[int, ...] = (cfg.features_dim or FEATURES_DIM[architecture],)
        if cfg.hidden_sizes != TrainConfig.hidden_sizes:
            raise ValueError(f"hidden_sizes={cfg.hidden_sizes} is for MLPs; the {architecture} policy's one hidden "
                             f"layer is features_dim")
    else:
        hidden_sizes = cfg.hidden_sizes
        if cfg.features_dim is not None:
            raise ValueError(f"features_dim={cfg.features_dim} is for CNN policies; the {architecture} policy's "
                             f"layers are hidden_sizes")
    return ActorCriticPolicy(obs.size, action_space, hidden_sizes, seed=cfg.resolved_seed(),
                             metadata={"env": env_name, "algorithm": algorithm, "config": cfg.to_dict()},
                             log_std_init=cfg.log_std_init, squash_output=cfg.squash_output,
                             normalize_obs=cfg.normalize_obs, activation=cfg.activation,
                             share_trunk=cfg.share_trunk, architecture=architecture, observation_shape=obs.shape,
                             observation_dtype=obs.dtype, channels_last=obs.channels_last, _initialize=initialize)


def check_memory(rollout_rows: int, obs: ObservationSpec, what: str) -> None:
    """Refuses, before anything is allocated, a rollout that cannot fit in this machine's
    memory: a ``MemoryError`` that says which sizes to lower."""
    # Per row: the observation (float32, or a byte per image value), the action, value,
    # reward, advantage, return and bootstrap floats and the flags the rollout buffer keeps
    # (rl/rollout.h).
    observation_size = obs.size
    needed = rollout_rows * ((1 if obs.is_image else 4) * observation_size + 8 + 4 * 6 + 4)
    try:
        available = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not POSIX: let the allocation decide
        return
    if needed > available:
        raise MemoryError(f"{what} = {rollout_rows:,} rollout rows of {observation_size} observation values need "
                          f"about {needed / 2**30:,.1f} GiB, more than this machine's {available / 2**30:,.1f} GiB; "
                          f"lower them")


def registered_spec(env_id: str) -> Any:
    """gymnasium's spec of a registered id (registering a MinAtar or ALE namespace first);
    ``ValueError`` for an unknown one."""
    register_namespace(env_id)
    try:
        return gym.spec(env_id)
    except gym.error.Error as e:
        raise ValueError(f"env {env_id!r} is not a registered gymnasium id: {e}") from None


def check_env_spaces(algorithm: str, obs_space: Any, act_space: Any,
                     squash_output: bool) -> tuple[ObservationSpec, gym.spaces.Space[Any]]:
    """(observations, action space) of an env both trainers can train on: a 1-D Box or a
    uint8 / bool image observation space (:func:`fastac.policy.observation_spec`) and a
    Discrete or Box action space (``ValueError`` otherwise)."""
    trainer = f"train_{algorithm}"
    try:
        obs = observation_spec(obs_space)
    except ValueError as error:
        raise ValueError(f"env: {trainer}: {error}") from None
    if not isinstance(act_space, (gym.spaces.Discrete, gym.spaces.Box)):
        raise ValueError(f"env: {trainer} needs a Discrete or Box action space, got {act_space}")
    try:
        check_action_space(act_space, squash_output)
    except ValueError as error:
        raise ValueError(f"env: {error}") from None
    return obs, act_space


def describe_env(env: Any) -> str:
    """A gymnasium id naming an env object, or its class name."""
    spec = getattr(env, "spec", None)
    return getattr(spec, "id", None) or getattr(env, "__name__", None) or type(env).__name__


def to_completion(step: Callable[[], T]) -> tuple[T, bool]:
    """Runs ``step`` to completion even if Ctrl-C lands in it, running it again (it must be
    idempotent: joining the workers, building the result); returns its value and whether a
    ``KeyboardInterrupt`` arrived. The end of a run that has done its work is never lost."""
    interrupted = False
    while True:
        try:
            return step(), interrupted
        except KeyboardInterrupt:
            interrupted = True


def finish_result(build: Callable[[], TrainResult]) -> TrainResult:
    """``build()`` (a :func:`make_result` call, its arguments included) to completion even if
    Ctrl-C lands in it; the result then says ``interrupted=True``."""
    result, late = to_completion(build)
    if late:
        result.interrupted = True
    return result


def make_result(policy: ActorCriticPolicy, progress: dict[str, Any], history: dict[str, np.ndarray],
                stop_reason: str, interrupted: bool, config: TrainConfig,
                before: dict[str, Any] | None = None) -> TrainResult:
    """The :class:`TrainResult` of a finished run (and a warning if updates were skipped):
    its own counts, less the ``before`` counters of the runs it continued."""
    if stop_reason == "requested":
        stop_reason = "interrupted" if interrupted else "callback"
    before = before or {}
    result = TrainResult(
        policy=policy,
        wall_time_s=float(progress["elapsed_s"]),
        env_steps=int(progress["env_steps"]) - int(before.get("env_steps", 0)),
        episodes=int(progress["episodes"]) - int(before.get("episodes", 0)),
        history=history,
        interrupted=interrupted,
        stop_reason=stop_reason,
        config=config.to_dict(),
        updates=int(progress["updates"]) - int(before.get("updates", 0)),
        skipped_updates=int(progress["skipped_updates"]) - int(before.get("skipped_updates", 0)),
        num_timesteps=int(progress["env_steps"]),
    )
    result.warn_if_updates_skipped()
    return result


def with_config_signature(algorithm: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Gives a trainer the signature and Args documentation of its config fields, so that
    ``help()`` and ``inspect.signature`` show every hyperparameter with its default."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        sig = inspect.signature(fn)
        params = [p for p in sig.parameters.values() if p.kind != inspect.Parameter.VAR_KEYWORD]
        fields = [inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default)
                  for f in TrainConfig.fields_for(algorithm) if f.name != "env"]
        fn.__signature__ = sig.replace(parameters=params + fields)  # type: ignore[attr-defined]
        fn.__doc__ = (fn.__doc__ or "").replace("{config_fields}", describe_fields(algorithm).lstrip())
        return fn

    return decorate


def evaluate_for_stop(policy: ActorCriticPolicy, native_id: str | None,
                      make_eval_env: Callable[[], gym.Env | gym.vector.VectorEnv] | None, cfg: TrainConfig,
                      stream: int) -> tuple[float, int]:
    """The greedy confirmation of stop_at_return: (mean greedy return, env steps) of ``policy`` over
    ``cfg.stop_eval_episodes`` fresh episodes (evaluation ``stream``): in C++ for native envs, else
    through gymnasium."""
    from fastac import _core
    from fastac.evaluation import evaluate_policy

    if native_id is not None:
        mean, steps = _core.evaluate_greedy(native_id, policy.network, cfg.stop_eval_episodes, cfg.resolved_seed(),
                                            stream)
        return float(mean), int(steps)
    assert make_eval_env is not None
    eval_env = make_eval_env()
    try:
        rewards, lengths = evaluate_policy(policy, eval_env, n_eval_episodes=cfg.stop_eval_episodes,
                                           seed=cfg.resolved_seed() + stream * cfg.stop_eval_episodes,
                                           return_episode_rewards=True)
        return float(np.mean(rewards)), int(np.sum(lengths))
    finally:
        eval_env.close()
