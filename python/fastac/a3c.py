"""``fastac.train_a3c``: asynchronous advantage actor-critic, run by the C++ core.

The algorithm (``cpp/rl/a3c.cpp``): ``num_workers`` std::threads, each with its own
environments (native C++ ones, or Python ones it steps itself: ``fastac.envs.worker``)
and a local copy of the network, compute n-step actor-critic gradients and
apply them to the shared parameters lock-free (Hogwild) through an optimizer whose
statistics all workers share, as in Mnih et al. (2016). The workers use the same rollout
buffer, loss, update and run bookkeeping as A2C.

This file supervises the run from Python: it waits for the workers without holding the
GIL, calls the callback on its cadence, turns Ctrl-C into a clean stop, and re-raises an
exception from any worker.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import gymnasium as gym

from fastac import _core
from fastac._run import (CallbackRunner, ProgressCallback, check_env_spaces, check_memory, describe_env, finish_result,
                         make_result, registered_spec, resolve_config, to_completion, with_config_signature)
from fastac.config import TrainConfig
from fastac.envs import NATIVE_ENV_IDS, SPECS
from fastac.envs.native import make_space
from fastac.envs.worker import WorkerEnvs
from fastac.policy import ActorCriticPolicy
from fastac.result import TrainResult

#: How often the supervising thread wakes up (Ctrl-C and callbacks are served this fast).
_POLL_S = 0.05


@with_config_signature("a3c")
def train_a3c(
    env: str | Callable[[], gym.Env] = "CartPole-v1",
    *,
    config: TrainConfig | None = None,
    callback: ProgressCallback | None = None,
    callback_interval_s: float = 1.0,
    **hyperparameters: Any,
) -> TrainResult:
    """Trains an actor-critic policy with A3C.

    Args:
        env: what each worker trains on:

            - a gymnasium id: one with a native implementation (``"CartPole-v1"``,
              ``"Acrobot-v1"``, ...; ``fastac.envs.NATIVE_ENV_IDS``) runs in C++ unless
              ``native=False``; any other id is made with ``gymnasium.make``;
            - a callable returning a ``gymnasium.Env``.

            Each worker makes ``envs_per_worker`` envs of its own. Observations must be a 1-D
            ``Box``; actions a ``Discrete`` or a float ``Box`` (as for :func:`fastac.train_a2c`).
            Python envs are stepped by the worker threads themselves, holding the GIL only
            for ``reset``/``step`` (``vectorization_mode="sync"``, the default): the pick for
            envs whose step is quick or releases the GIL (ALE, MuJoCo, native code), which
            then run in parallel. ``vectorization_mode="async"`` puts each worker's envs in
            ``AsyncVectorEnv`` subprocesses: the pick for slow pure-Python envs, which the GIL
            would otherwise serialize. For a quick env whose step holds the GIL (gymnasium's
            classic control in Python), the env steps are the run's cost and are serialized
            either way: expect A2C's speed, and prefer ``num_workers=1`` (no GIL handoffs
            between workers) or the native env.
        config: a :class:`fastac.TrainConfig` to start from; keywords override its fields.
            Without one, a gymnasium id with a preset (:mod:`fastac.presets`, e.g.
            ``"Pendulum-v1"``) starts from its tuned hyperparameters instead of the defaults.
        callback: called about every ``callback_interval_s`` seconds (and at the end) with a
            dict of progress (``env_steps``, ``episodes``, ``mean_return``, ``steps_per_s``,
            ...); ``False`` stops training, ``None``/``True`` continue.
        callback_interval_s: seconds between callbacks, > 0.
        {config_fields}

    With one worker a seeded run on a native env is reproducible; with more, Hogwild updates
    interleave nondeterministically. Worker ``w``'s env ``e`` is seeded
    ``seed + w * envs_per_worker + e``.

    Returns:
        A :class:`~fastac.result.TrainResult`. Ctrl-C stops every worker within a fraction
        of a second and returns the partial result with ``interrupted=True``. An exception
        in a worker (a Python env's included, with its traceback) stops the others and is
        raised here; every env is closed on every path.
    """
    cfg = resolve_config("a3c", env, config, hyperparameters)
    if isinstance(env, gym.vector.VectorEnv) or isinstance(env, gym.Env):
        raise TypeError(f"env: train_a3c makes each worker's envs itself; pass a gymnasium id or a callable "
                        f"returning a gymnasium.Env, not an env instance ({describe_env(env)!r})")
    native_id = NATIVE_ENV_IDS.get(cfg.env) if isinstance(env, str) and cfg.native else None
    runner = CallbackRunner(callback, callback_interval_s)
    if native_id is not None:
        spec = SPECS[native_id.split("/", 1)[1]]
        cfg.env = native_id
        return _run(cfg, spec.observation_space.size, make_space(spec.action_space), native_id, None, runner)
    make_env = _env_maker(env)
    obs_size, action_space = _probe_spaces(make_env, cfg.squash_output)
    if cfg.vectorization_mode not in ("sync", "async"):
        raise ValueError(f"vectorization_mode must be 'sync' or 'async' for A3C, got {cfg.vectorization_mode!r}")
    return _run(cfg, obs_size, action_space, cfg.env, make_env, runner)


def _run(cfg: TrainConfig, obs_size: int, action_space: gym.spaces.Space[Any], env_name: str,
         make_env: Callable[[], gym.Env] | None, runner: CallbackRunner) -> TrainResult:
    """Starts the workers (on native envs, or on ``make_env``'s Python envs), supervises them, builds the result."""
    check_memory(cfg.num_workers * cfg.envs_per_worker * cfg.t_max, obs_size,  # type: ignore[operator]
                 "num_workers x envs_per_worker x t_max")
    policy = ActorCriticPolicy(obs_size, action_space, cfg.hidden_sizes, seed=cfg.resolved_seed(),
                               metadata={"env": env_name, "algorithm": "a3c", "config": cfg.to_dict()},
                               log_std_init=cfg.log_std_init, squash_output=cfg.squash_output,
                               normalize_obs=cfg.normalize_obs)
    worker_envs: list[WorkerEnvs] = []  # "async": made here, before any thread runs (fork is safe then)
    try:
        if make_env is None:
            trainer = _core.A3CTrainer(cfg.to_core(), policy.network)
        else:
            def make(mode: str, n: int) -> WorkerEnvs:
                return WorkerEnvs(make_env, n, env_name, obs_size, action_space, mode)

            if cfg.vectorization_mode == "async":
                for _ in range(cfg.num_workers):  # type: ignore[arg-type]
                    worker_envs.append(make("async", cfg.envs_per_worker))
            trainer = _core.A3CTrainer(
                cfg.to_core(), policy.network,
                lambda worker, n: worker_envs[worker] if worker_envs else make("sync", n),
                lambda n: make("sync", n))  # the stop evaluation's envs, in the evaluating worker's thread
        return _supervise(trainer, policy, cfg, runner)
    finally:
        for envs in worker_envs:  # those no worker took (a worker closes its own)
            envs.close()


def _supervise(trainer: Any, policy: ActorCriticPolicy, cfg: TrainConfig, runner: CallbackRunner) -> TrainResult:
    interrupted = False
    trainer.start()
    try:
        while not trainer.wait_for(_POLL_S):
            if runner.due() and not runner(trainer.progress()):
                trainer.request_stop()
        if runner.callback is not None:
            runner(trainer.progress())
    except KeyboardInterrupt:
        interrupted = True
    finally:
        # Stop and join even if a signal lands meanwhile; join re-raises a worker's exception.
        def stop_and_join() -> None:
            trainer.request_stop()
            trainer.join()

        _, late = to_completion(stop_and_join)
        interrupted |= late
    return finish_result(lambda: make_result(policy, trainer.progress(), trainer.history(), trainer.stop_reason,
                                             interrupted, cfg))


def _env_maker(env: Any) -> Callable[[], gym.Env]:
    """A function making one Python env of ``env`` (a gymnasium id or a callable)."""
    if isinstance(env, str):
        return functools.partial(gym.make, registered_spec(env).id)
    if callable(env):
        return env  # type: ignore[no-any-return]
    raise TypeError(f"env must be a gymnasium id or a callable making a gymnasium.Env, got {describe_env(env)!r}")


def _probe_spaces(make_env: Callable[[], gym.Env], squash_output: bool) -> tuple[int, gym.spaces.Space[Any]]:
    """The observation size and action space of ``make_env``'s envs, checked (one env is made and closed)."""
    probe = make_env()
    try:
        if not isinstance(probe, gym.Env):
            raise TypeError(f"env: the callable must return a gymnasium.Env, got {type(probe).__name__}")
        obs_space, act_space = probe.observation_space, probe.action_space
    finally:
        close = getattr(probe, "close", None)
        if close is not None:
            close()
    return check_env_spaces("a3c", obs_space, act_space, squash_output)
