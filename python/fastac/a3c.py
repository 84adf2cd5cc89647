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

import dataclasses
import functools
import os
from typing import Any, Callable

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode

from fastac import _core
from fastac._run import (check_env_spaces, check_memory, describe_env, evaluate_for_stop, finish_result, make_policy,
                         make_result, registered_spec, to_completion, with_config_signature)
from fastac.base import BaseAlgorithm, CallbackLike, train_once
from fastac.callbacks import BaseCallback
from fastac.config import TrainConfig
from fastac.distributed import (FAILED, LEAVING, REQUESTED, TRAINING, DistributedError, ParameterClient,
                                ParameterServer)
from fastac.envs import NATIVE_ENV_IDS, native_spec
from fastac.envs.native import make_space, observation_space
from fastac.envs.atari import with_gymnasium_seeding
from fastac.envs.worker import WorkerEnvs, check_same_step_vector_env, parallel_step_speedup
from fastac.policy import ActorCriticPolicy, ObservationSpec, resolve_architecture
from fastac.result import TrainResult

#: How often the supervising thread wakes up (Ctrl-C and callbacks are served this fast).
_POLL_S = 0.05


@with_config_signature("a3c")
def train_a3c(
    env: str | Callable[[], gym.Env] | Callable[[int], gym.vector.VectorEnv] | None = None,
    *,
    config: TrainConfig | None = None,
    callback: CallbackLike = None,
    callback_interval_s: float = 1.0,
    init_model: "BaseAlgorithm | str | os.PathLike[str] | None" = None,
    process_group: Any = None,
    **hyperparameters: Any,
) -> TrainResult:
    """Trains an actor-critic policy with A3C: ``A3C(env, ...).learn()`` in one call.

    Args:
        env: what each worker trains on (default: ``init_model``'s env, else ``"CartPole-v1"``):

            - a gymnasium id: one with a native implementation (``"CartPole-v1"``,
              ``"Acrobot-v1"``, ...; ``fastac.envs.NATIVE_ENV_IDS``) runs in C++ unless
              ``native=False``; any other id is made with ``gymnasium.make``;
            - a callable returning a ``gymnasium.Env``;
            - with ``vectorization_mode="vector_entry_point"``: a gymnasium id whose
              registration has a vector entry point that autoresets on the same step (ALE's
              ``AtariVectorEnv`` for the ``ALE/...`` ids), or a callable ``make(num_envs)``
              returning a ``gymnasium.vector.VectorEnv`` of that many envs with
              ``AutoresetMode.SAME_STEP``.

            Each worker makes ``envs_per_worker`` envs of its own. Observations must be a 1-D
            ``Box`` or an image; actions a ``Discrete`` or a float ``Box`` (as for
            :func:`fastac.train_a2c`). Python envs are stepped by the worker threads
            themselves, holding the GIL only for ``reset``/``step``
            (``vectorization_mode="sync"``, the default): the pick for envs whose step is
            quick or releases the GIL (native code that says so), which then run in parallel.
            ``vectorization_mode="async"`` puts each worker's envs in ``AsyncVectorEnv``
            subprocesses: the pick for slow pure-Python envs, which the GIL would otherwise
            serialize. ``vectorization_mode="vector_entry_point"`` gives each worker one
            vector env stepped with one call per step: the pick for a batched native env.
            ALE's ``AtariEnv`` (ale-py 0.12) holds the GIL in its step, so Atari runs fastest
            as ``A3C("ALE/Pong-v5", vectorization_mode="vector_entry_point")``: its vector
            env steps and preprocesses (84x84 grayscale, 4-frame skip and stack, no-op
            starts, sign-clipped rewards, FIRE on reset) in C++ without the GIL
            (bench/README.md: 1.3x the frames/s of ``fastac.envs.atari`` envs stepped one by
            one). For a quick env whose step holds the GIL (gymnasium's classic control in
            Python), the env steps are the run's cost and are serialized either way (use the
            native env where there is one). Unless ``num_workers`` is set
            (by a keyword, ``config`` or a preset), A3C measures, for such a Python env in
            ``"sync"`` mode with the MLP kernels, whether its step holds the GIL
            (:func:`fastac.envs.worker.parallel_step_speedup`: two extra envs stepped with
            random actions, ~0.2 s), and if it does runs one worker, which no GIL handoffs
            slow down. The measurement depends on the machine's load.
        config: a :class:`fastac.TrainConfig` to start from; keywords override its fields.
            Without one, a gymnasium id with a preset (:mod:`fastac.presets`, e.g.
            ``"Pendulum-v1"``) starts from its tuned hyperparameters instead of the defaults.
        callback: a function called about every ``callback_interval_s`` seconds (and at the
            end) with a dict of progress (``env_steps``, ``episodes``, ``mean_return``,
            ``steps_per_s``, ...; ``False`` stops training, ``None``/``True`` continue), or a
            :class:`fastac.callbacks.BaseCallback` (``EvalCallback``, ``CheckpointCallback``,
            ...), or a list of these. The workers run in C++ threads: a callback object's
            ``on_step`` is called by the supervising thread every 50 ms (not per env step)
            and once after the workers stop, and sees ``model.policy`` as a snapshot of the
            shared parameters.
        callback_interval_s: seconds between a progress function's calls, > 0.
        init_model: continue training this model: a :class:`fastac.A3C` / :class:`fastac.A2C`
            (copied: it is not changed) or the path of one saved with ``.save``. Its weights,
            optimizer and normalization statistics carry on; ``total_steps`` counts steps
            *more*; keywords override its config (not ``config``).
        process_group: train across the processes of this ``torch.distributed`` group
            (gloo) instead of the one ``distributed="auto"`` finds (torchrun's): each
            process runs its own workers, and exchanges its parameter changes with rank 0
            every ``dist_sync_interval_s`` (see :mod:`fastac.distributed`). ``total_steps``
            and the stop criteria count every process's steps and episodes; rank 0's result
            has them, the others' their own.
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
    if process_group is not None:
        hyperparameters["process_group"] = process_group
    return train_once(A3C, env, config, hyperparameters, init_model, callback, callback_interval_s)


class A3C(BaseAlgorithm):
    """Asynchronous advantage actor-critic as a model object, Stable-Baselines3's shape.

    ``A3C(env, **hyperparameters)`` checks the env and makes the policy; :meth:`learn`
    starts the workers (again: continues, with the shared optimizer's statistics; each
    call's workers make fresh envs, seeded on from where the last call's seeds ended),
    :meth:`predict`, :meth:`save` and :meth:`load` as SB3's.

    Args:
        env: as :func:`fastac.train_a3c`'s ``env``.
        config: a :class:`fastac.TrainConfig` to start from; keywords override its fields
            (a preset applies to a known id without one, as for :func:`fastac.train_a3c`).
        **hyperparameters: config fields (``num_workers``, ``t_max``, ``lr``, ...), and
            ``process_group`` (as :func:`fastac.train_a3c`'s).
    """

    algorithm = "a3c"

    def __init__(self, env: str | Callable[[], gym.Env] | Callable[[int], gym.vector.VectorEnv] = "CartPole-v1", *,
                 config: TrainConfig | None = None,
                 _loaded: dict[str, Any] | None = None, **hyperparameters: Any) -> None:
        super().__init__(env, config, hyperparameters, _loaded)
        choose_workers = _loaded is None and "num_workers" in self._filled_in_fields  # nothing set it
        cfg = self.config
        if isinstance(env, gym.vector.VectorEnv) or isinstance(env, gym.Env):
            raise TypeError(f"env: train_a3c makes each worker's envs itself; pass a gymnasium id or a callable "
                            f"returning a gymnasium.Env, not an env instance ({describe_env(env)!r})")
        if self._group is not None:
            if cfg.normalize_obs or cfg.normalize_reward:
                raise ValueError("normalize_obs / normalize_reward: distributed A3C does not merge the processes' "
                                 "normalization statistics; pass normalize_obs=False, normalize_reward=False (or "
                                 "train with distributed A2C, which merges them)")
            if cfg.dist_sync_interval_s >= cfg.dist_timeout_s / 2:
                raise ValueError(f"dist_sync_interval_s={cfg.dist_sync_interval_s:g} must be < dist_timeout_s / 2 = "
                                 f"{cfg.dist_timeout_s / 2:g}: rank 0 takes a process silent for dist_timeout_s as "
                                 f"dead")
        self._native_id = NATIVE_ENV_IDS.get(cfg.env) if isinstance(env, str) and cfg.native else None
        self._make_env: Callable[[], gym.Env] | None = None
        self._make_vector_env: Callable[[int], gym.vector.VectorEnv] | None = None
        action_space: gym.spaces.Space[Any]
        if self._native_id is not None:
            spec = native_spec(self._native_id)
            cfg.env = self._native_id
            obs_spec, action_space = check_env_spaces("a3c", observation_space(spec), make_space(spec.action_space),
                                                      cfg.squash_output)
        elif cfg.vectorization_mode == "vector_entry_point":
            self._make_vector_env = _vector_env_maker(env)
            obs_spec, action_space = _probe_vector_spaces(self._make_vector_env, cfg.env, cfg.squash_output)
        else:
            self._make_env = _env_maker(env)
            obs_spec, action_space = _probe_spaces(self._make_env, cfg.squash_output)
            if choose_workers and cfg.vectorization_mode == "sync" and cfg.num_workers != 1 and \
                    resolve_architecture(cfg.architecture, obs_spec) == "mlp":
                cfg.num_workers = _workers_for_python_env(self._make_env, cfg)
        check_memory(cfg.num_workers * cfg.envs_per_worker * cfg.t_max, obs_spec,  # type: ignore[operator]
                     "num_workers x envs_per_worker x t_max")
        policy = make_policy(obs_spec, action_space, cfg, "a3c", cfg.env, initialize=_loaded is None)
        if _loaded is not None:
            self._restore(policy)
        else:
            self._policy = policy

    def _live_optimizer_state(self) -> dict[str, Any] | None:
        if self._live is not None:
            return self._live.optimizer_state()  # type: ignore[no-any-return]
        return self._optimizer_state

    def _live_return_moments(self) -> tuple[float, np.ndarray, np.ndarray] | None:
        if self._live is not None and self.config.normalize_reward:
            return self._live.return_moments()  # type: ignore[no-any-return]
        return self._return_moments

    def _run(self, config: TrainConfig, counters: dict[str, Any], callback: BaseCallback | None,
             reset_env: bool) -> TrainResult:
        """Starts the workers (on native envs, or on Python ones), supervises them, builds the result."""
        assert self._policy is not None
        policy, env_name, make_env, make_vector_env = self._policy, config.env, self._make_env, self._make_vector_env
        group = self._group
        if group is not None:
            config, counters = self._agree_with_rank_zero(config, counters)
        run_config = config
        envs_per_process = config.num_workers * config.envs_per_worker  # type: ignore[operator]
        rank = group.rank if group is not None else 0
        if self._runs or rank:  # a later learn(): the next env seeds; rank r: seeds from seed + r * 2**32
            shift = rank * 2**32 + self._runs * envs_per_process
            run_config = dataclasses.replace(config, seed=(config.resolved_seed() + shift) % 2**63)
        if group is not None:  # rank 0 decides when the run stops, for every process
            run_config = dataclasses.replace(run_config, total_steps=2**62, stop_at_return=None, max_seconds=None)
        worker_envs: list[WorkerEnvs] = []  # "async": made here, before any thread runs (fork is safe then)
        try:
            if make_env is None and make_vector_env is None:
                trainer = _core.A3CTrainer(run_config.to_core(), policy.network)
            else:
                def make(mode: str, n: int) -> WorkerEnvs:
                    return WorkerEnvs(make_env, n, env_name, policy.observation_size, policy.action_space, mode,
                                      observation_dtype=policy.observation_dtype, make_vector_env=make_vector_env)

                in_thread = "vector_entry_point" if make_vector_env is not None else "sync"
                if config.vectorization_mode == "async":
                    for _ in range(config.num_workers):  # type: ignore[arg-type]
                        worker_envs.append(make("async", config.envs_per_worker))
                trainer = _core.A3CTrainer(
                    run_config.to_core(), policy.network,
                    lambda worker, n: worker_envs[worker] if worker_envs else make(in_thread, n),
                    lambda n: make(in_thread, n))  # the stop evaluation's envs, in the evaluating worker's thread
            trainer.resume(counters)
            if self._optimizer_state is not None:
                trainer.set_optimizer_state(self._optimizer_state)
            if self._return_moments is not None:
                trainer.reward_stats.set(*self._return_moments)
            if group is None:
                self._live = live = _Live(trainer, policy, config.optimizer)
            else:
                # The run's monitor: on rank 0 its counts and stop criteria; on every rank the
                # run's learning rate until rank 0's schedule arrives (ParameterServer/Client).
                monitor = _core.RunMonitor(config.to_core())
                monitor.resume(counters)
                trainer.set_learning_rate(monitor.learning_rate())
                self._live = live = _Live(trainer, policy, config.optimizer, monitor if group.is_main else None)
            try:
                if group is None:
                    return _supervise(trainer, live, policy, config, callback, counters)
                return _supervise_distributed(group, trainer, live, policy, config, callback, counters,
                                              self._native_id, self._make_env if make_vector_env is None
                                              else functools.partial(make_vector_env, 1))
            finally:
                self._counters = live.counts.counters()
                self._live = None
                self._optimizer_state = {"kind": config.optimizer, **trainer.optimizer_state()}
                if config.normalize_reward:
                    self._return_moments = trainer.reward_stats.moments()
        finally:
            for envs in worker_envs:  # those no worker took (a worker closes its own)
                envs.close()


class _Live:
    """What a running A3C learn() tells the model (and so its callbacks): counts from the
    trainer (distributed, on rank 0: from the run's ``monitor``, every process's), and for
    ``model.policy`` a snapshot of the shared parameters, taken at most once per supervisor
    round (the workers keep writing the live ones)."""

    def __init__(self, trainer: Any, policy: ActorCriticPolicy, optimizer: str, monitor: Any = None) -> None:
        self.trainer, self.policy, self.optimizer = trainer, policy, optimizer
        self.counts = monitor if monitor is not None else trainer  # progress(), counters(), history()
        self.read_parameters = trainer.read_parameters  # what model.policy shows
        self.round, self.finished = 0, False
        self._view: ActorCriticPolicy | None = None
        self._view_round = -1
        # Taken with the view (one after the other, microseconds apart): what a save pairs
        # with the snapshot's parameters.
        self._counters: dict[str, Any] = {}
        self._optimizer_state: dict[str, Any] = {}
        self._return_moments: Any = None

    def num_timesteps(self) -> int:
        return int(self.counts.progress()["env_steps"])

    def progress(self) -> dict[str, Any]:
        return self.counts.progress()  # type: ignore[no-any-return]

    def counters(self) -> dict[str, Any]:
        self.policy_view()
        return self._counters if not self.finished else self.counts.counters()

    def optimizer_state(self) -> dict[str, Any]:
        self.policy_view()
        state = self._optimizer_state if not self.finished else self.trainer.optimizer_state()
        return {"kind": self.optimizer, **state}

    def return_moments(self) -> Any:
        self.policy_view()
        return self._return_moments if not self.finished else self.trainer.reward_stats.moments()

    def policy_view(self) -> ActorCriticPolicy:
        if self.finished:
            return self.policy
        p = self.policy
        if self._view is None:
            self._view = ActorCriticPolicy(**p.architecture_kwargs(), metadata=p.metadata, _initialize=False)
        if self._view_round != self.round:
            self._counters = self.counts.counters()
            self.read_parameters(self._view.network.parameters)
            if p.observation_stats is not None:
                self._view.observation_stats.set(*p.observation_stats.moments())
            self._optimizer_state = self.trainer.optimizer_state()
            self._return_moments = self.trainer.reward_stats.moments()
            self._view_round = self.round
        return self._view


def _supervise(trainer: Any, live: _Live, policy: ActorCriticPolicy, cfg: TrainConfig,
               callback: BaseCallback | None, counters: dict[str, Any]) -> TrainResult:
    interrupted = False
    if callback is not None:
        callback.on_training_start(locals(), globals())
    trainer.start()
    try:
        while not trainer.wait_for(_POLL_S):
            live.round += 1
            if callback is not None and not callback.on_step():
                trainer.request_stop()
    except KeyboardInterrupt:
        interrupted = True
    finally:
        # Stop and join even if a signal lands meanwhile; join re-raises a worker's exception.
        def stop_and_join() -> None:
            trainer.request_stop()
            trainer.join()

        _, late = to_completion(stop_and_join)
        interrupted |= late
    live.finished = True  # the policy is the trained one again
    if callback is not None:
        # Once more with the final counts (a short run may end between two rounds); the
        # workers have stopped, so what it returns changes nothing.
        live.round += 1
        callback.on_step()
        callback.on_training_end()
    return finish_result(lambda: make_result(policy, trainer.progress(), trainer.history(), trainer.stop_reason,
                                             interrupted, cfg, counters))


def _supervise_distributed(group: Any, trainer: Any, live: _Live, policy: ActorCriticPolicy, cfg: TrainConfig,
                           callback: BaseCallback | None, counters: dict[str, Any], native_id: str | None,
                           make_env: Callable[[], gym.Env | gym.vector.VectorEnv] | None) -> TrainResult:
    """A3C across processes (fastac.distributed): this process's workers train as alone, while
    its supervising thread exchanges their parameter changes with the global parameters on
    rank 0 (on rank 0 itself too; a thread serves the others' exchanges there, and rank 0
    decides, for every process, when the run stops). Rank 0 ends with the global
    parameters; the others with what their last exchange gave them."""
    P = policy.network.num_parameters
    server = client = None
    if group.is_main:
        monitor = live.counts
        server = ParameterServer(group, trainer, monitor, P, cfg.dist_max_staleness, cfg.dist_sync_interval_s)
        poll = _POLL_S
    else:
        client = ParameterClient(group, trainer, P, cfg.dist_sync_interval_s)
        poll = min(_POLL_S, cfg.dist_sync_interval_s)
    evaluated: np.ndarray | None = None  # the snapshot that met stop_at_return
    interrupted = stop_requested = False
    error: BaseException | None = None
    if server is not None:  # callbacks (checkpoints, evaluations) see the global parameters
        live.read_parameters = server.read_global
    if callback is not None:
        callback.on_training_start(locals(), globals())
    try:
        with group.deferred_signals():  # Ctrl-C: a stop request to every process, not an abandoned exchange
            try:
                if server is not None:  # (counting from before the workers' first step)
                    monitor.start()
                    server.start()
                else:
                    assert client is not None
                    client.start()
                trainer.start()
                while not trainer.wait_for(poll):
                    live.round += 1
                    if server is not None:
                        server.record_own()
                        server.check()
                        if server.due():
                            server.exchange_own()
                        if group.signals or stop_requested:
                            monitor.stop("requested")
                        if monitor.take_evaluation_request():  # the run's stop_at_return, on the global parameters
                            view = live.policy_view()
                            view.network.parameters[:] = server.global_snapshot()
                            mean, steps = evaluate_for_stop(view, native_id, make_env, cfg,
                                                             monitor.progress()["evaluations"])
                            if monitor.record_evaluation(mean, steps):
                                evaluated = view.network.parameters.copy()
                        if monitor.check_stop():
                            trainer.request_stop()
                    elif client is not None and (client.due() or group.signals or stop_requested):
                        if client.exchange(REQUESTED if group.signals or stop_requested else TRAINING):
                            trainer.request_stop()
                    if callback is not None and not callback.on_step():
                        stop_requested = True
            except BaseException as exc:  # noqa: BLE001 (told to every process below, then raised)
                error = exc
            try:
                trainer.request_stop()
                trainer.join()  # re-raises a worker's exception
            except BaseException as exc:  # noqa: BLE001
                error = error or exc
            if server is not None:  # answer the others until each has made its last exchange
                server.record_own()
                if error is not None:
                    monitor.stop("error")
                if not isinstance(error, DistributedError):
                    server.finish()  # (the others learn of an error in its answers)
                    server.exchange_own()  # the last of its own workers' changes
                else:
                    server.abandon()
                policy.network.parameters[:] = server.global_snapshot()
                if server.failed and error is None:
                    error = DistributedError(f"rank 0: rank(s) {server.failed} stopped with an error (raised there)")
            elif client is not None:
                try:
                    client.exchange(FAILED if error is not None else LEAVING)
                except DistributedError:
                    if error is None:
                        raise  # (else this process's own error is the one to raise)
                if error is None and client.stop_reason == "error":
                    error = DistributedError(f"rank {group.rank}: rank 0 stopped the run after an error in another "
                                             f"process (raised there)")
    except KeyboardInterrupt:  # a signal received meanwhile, handed on when the exchanges are over
        interrupted = True
    if error is not None:
        raise error
    live.finished = True
    if evaluated is not None:
        policy.network.parameters[:] = evaluated
    if callback is not None:
        live.round += 1
        callback.on_step()
        callback.on_training_end()
    if server is not None:
        progress, history, reason = monitor.progress(), monitor.history(), monitor.stop_reason
        report = server.report()
    else:
        assert client is not None
        progress, history = trainer.progress(), trainer.history()
        reason = client.stop_reason or trainer.stop_reason
        report = {"exchanges": client.exchanges, "dropped": client.dropped, "exchange_seconds": client.seconds}
    result = finish_result(lambda: make_result(policy, progress, history, reason, interrupted, cfg, counters))
    result.distributed = {"rank": group.rank, "world_size": group.world_size, **report}
    return result


def _env_maker(env: Any) -> Callable[[], gym.Env]:
    """A function making one Python env of ``env`` (a gymnasium id or a callable)."""
    if isinstance(env, str):
        return functools.partial(gym.make, registered_spec(env).id)
    if callable(env):
        return env  # type: ignore[no-any-return]
    raise TypeError(f"env must be a gymnasium id or a callable making a gymnasium.Env, got {describe_env(env)!r}")


def _vector_env_maker(env: Any) -> Callable[[int], gym.vector.VectorEnv]:
    """``vectorization_mode="vector_entry_point"``: a function making a worker's ``n`` envs as
    one vector env, from a gymnasium id with a vector entry point (autoresetting on the same
    step) or from the user's ``make(n)``; ALE's ``AtariVectorEnv`` comes seeded as
    gymnasium's vector envs are (:func:`fastac.envs.atari.with_gymnasium_seeding`)."""
    make: Callable[[int], gym.vector.VectorEnv]
    if isinstance(env, str):
        spec = registered_spec(env)
        if spec.vector_entry_point is None:
            raise ValueError(f"vectorization_mode='vector_entry_point': {spec.id!r} has no vector entry point in its "
                             f"gymnasium registration; use 'sync' or 'async', or pass a callable make(num_envs) "
                             f"returning a gymnasium.vector.VectorEnv")

        def make_by_id(num_envs: int) -> gym.vector.VectorEnv:
            try:
                return gym.make_vec(spec.id, num_envs, vectorization_mode="vector_entry_point",
                                    autoreset_mode=AutoresetMode.SAME_STEP)
            except TypeError as error:
                if "autoreset_mode" not in str(error):
                    raise
                raise ValueError(f"vectorization_mode='vector_entry_point': {spec.id!r}'s vector env "
                                 f"({spec.vector_entry_point}) takes no autoreset_mode, and A3C's workers need one "
                                 f"that autoresets on the same step (ALE's AtariVectorEnv does); use 'sync' or "
                                 f"'async'") from None

        make = make_by_id
    elif callable(env):
        make = env
    else:
        raise TypeError(f"env: with vectorization_mode='vector_entry_point', a gymnasium id or a callable "
                        f"make(num_envs) returning a gymnasium.vector.VectorEnv, got {describe_env(env)!r}")
    return lambda num_envs: with_gymnasium_seeding(make(num_envs))


def _probe_vector_spaces(make_vector_env: Callable[[int], gym.vector.VectorEnv], env_id: str,
                         squash_output: bool) -> tuple[ObservationSpec, gym.spaces.Space[Any]]:
    """The single env's spaces of ``make_vector_env``'s vector envs, checked (one of 1 env is made and closed)."""
    try:
        made = make_vector_env(1)
    except TypeError as error:
        if "positional argument" not in str(error):
            raise
        raise TypeError(f"env: with vectorization_mode='vector_entry_point', a callable must take num_envs and "
                        f"return a gymnasium.vector.VectorEnv of that many envs; calling it with 1 failed: "
                        f"{error}") from None
    probe = check_same_step_vector_env(made, 1, env_id)
    try:
        obs_space, act_space = probe.single_observation_space, probe.single_action_space
    finally:
        probe.close()
    return check_env_spaces("a3c", obs_space, act_space, squash_output)


#: parallel_step_speedup below which a Python env's step is taken to hold the GIL (it
#: measures ~1.0 for gymnasium's classic control, ~2 for a step that releases it; under
#: load 0.9-1.2 and, rarely, down to 1.2 for the latter). Below the middle: taking one
#: worker for an env that releases the GIL halves the speed, two for one that holds it
#: costs about a quarter.
_PARALLEL_STEPS_FOR_WORKERS = 1.4


def _workers_for_python_env(make_env: Callable[[], gym.Env], cfg: TrainConfig) -> int:
    """The default worker count for a Python env stepped in the workers' threads with the
    MLP kernels: 1 if its step holds the GIL (:func:`parallel_step_speedup`), else
    ``cfg.num_workers`` (the hardware threads). With the GIL held, the env steps are the
    run and are serialized whatever the count, while the kernels take about a µs a sample
    (the default net): a second worker only adds GIL handoffs (Python CartPole: 41.6K env
    steps/s with 2 workers, 55.7K with 1). A much larger net would shift this balance;
    pass ``num_workers`` then."""
    try:
        speedup = parallel_step_speedup(make_env, seed=cfg.resolved_seed())
    except Exception as error:
        error.add_note("(raised while A3C measured whether the env's step holds the GIL, to choose num_workers; "
                       "passing num_workers skips that)")
        raise
    if speedup is None or speedup >= _PARALLEL_STEPS_FOR_WORKERS:  # a slow step, or one that releases the GIL
        return cfg.num_workers  # type: ignore[return-value]
    return 1


def _probe_spaces(make_env: Callable[[], gym.Env], squash_output: bool) -> tuple[ObservationSpec, gym.spaces.Space[Any]]:
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
