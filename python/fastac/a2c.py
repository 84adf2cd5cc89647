"""``fastac.train_a2c``: synchronous advantage actor-critic on any gymnasium vector env.

The loop reads top to bottom like a CleanRL script: ``num_envs`` environments step in
lockstep for ``n_steps``; then one update over all their samples averages the gradient
over every agent (the A2C definition). Every piece of math and bookkeeping is the C++
core's, the same code the A3C workers run: the model's forward pass and sampling, the
rollout buffer (bootstrapping, GAE, masking), the episode window and stop criteria
(``RunMonitor``), the loss, its gradient and the optimizer step (``Learner``). This file
only moves numpy arrays between the environments and the core.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from typing import Any, Callable

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv

from fastac import _core
from fastac._run import (check_env_spaces, check_memory, describe_env, evaluate_for_stop, finish_result, make_policy,
                         make_result, registered_spec, with_config_signature)
from fastac._validation import seed_words
from fastac.base import BaseAlgorithm, CallbackLike, train_once
from fastac.callbacks import BaseCallback
from fastac.config import TrainConfig
from fastac.distributed import GradientExchange, batch_moments
from fastac.envs import NATIVE_ENV_IDS, NativeVectorEnv
from fastac.envs.atari import is_ale_vector_env, with_gymnasium_seeding
from fastac.policy import ActorCriticPolicy, ObservationSpec, core_space
from fastac.result import TrainResult

EnvLike = str | Callable[[], gym.Env] | VectorEnv


@with_config_signature("a2c")
def train_a2c(
    env: EnvLike | None = None,
    *,
    config: TrainConfig | None = None,
    callback: CallbackLike = None,
    callback_interval_s: float = 1.0,
    init_model: "BaseAlgorithm | str | os.PathLike[str] | None" = None,
    process_group: Any = None,
    **hyperparameters: Any,
) -> TrainResult:
    """Trains an actor-critic policy with synchronous A2C: ``A2C(env, ...).learn()`` in one call.

    Args:
        env: what to train on (default: ``init_model``'s env, else ``"CartPole-v1"``):

            - a gymnasium id: one with a native implementation (``"CartPole-v1"``,
              ``"Acrobot-v1"``, ...) runs the native C++ vector env unless ``native=False``;
              any other id goes through ``gymnasium.make_vec``;
            - a callable returning a ``gymnasium.Env`` (``num_envs`` copies are vectorized);
            - a ``gymnasium.vector.VectorEnv``, used as it is (and not closed).

            Observations must be a 1-D ``Box``; actions a ``Discrete`` (a categorical
            policy) or a float ``Box`` of any shape (a diagonal Gaussian over its flattened
            elements, clipped or squashed into the bounds); the vector env must autoreset on
            the next step (gymnasium's default) or the same step.
        config: a :class:`fastac.TrainConfig` to start from; keywords override its fields.
            Without one, a gymnasium id with a preset (:mod:`fastac.presets`, e.g.
            ``"Pendulum-v1"``) starts from its tuned hyperparameters instead of the defaults.
        callback: a function called about every ``callback_interval_s`` seconds (and at the
            end) with a dict of progress (``False`` stops training, ``None``/``True``
            continue), or a :class:`fastac.callbacks.BaseCallback` (``EvalCallback``,
            ``CheckpointCallback``, ...), or a list of these.
        callback_interval_s: seconds between a progress function's calls, > 0.
        init_model: continue training this model: a :class:`fastac.A2C` / :class:`fastac.A3C`
            (copied: it is not changed) or the path of one saved with ``.save``. Its weights,
            optimizer and normalization statistics carry on; ``total_steps`` counts steps
            *more*; keywords override its config (not ``config``).
        process_group: train data-parallel across the processes of this
            ``torch.distributed`` group (gloo) instead of the one ``distributed="auto"``
            finds (torchrun's); see :mod:`fastac.distributed`.
        {config_fields}

    Runs with the same seed are identical, bit for bit: the seed fixes the initial weights,
    the env seeds (sub-env ``i`` gets ``seed + i``) and action sampling (sub-env ``i``
    samples from its own stream ``i``). Across ``W`` processes (:mod:`fastac.distributed`)
    rank ``r``'s sub-env ``i`` is the one process's sub-env ``r * num_envs + i``: the run is
    the one-process run of ``W * num_envs`` envs, up to float rounding; ``total_steps``
    counts every process's steps.

    Returns:
        A :class:`~fastac.result.TrainResult`. Ctrl-C returns the partial result with
        ``interrupted=True``.
    """
    if process_group is not None:
        hyperparameters["process_group"] = process_group
    return train_once(A2C, env, config, hyperparameters, init_model, callback, callback_interval_s)


class A2C(BaseAlgorithm):
    """Synchronous advantage actor-critic as a model object, Stable-Baselines3's shape.

    ``A2C(env, **hyperparameters)`` makes the envs and the policy; :meth:`learn` trains
    (again: continues, with the optimizer's statistics, the envs where they were and the
    action-sampling stream), :meth:`predict`, :meth:`save` and :meth:`load` as SB3's.

    Args:
        env: as :func:`fastac.train_a2c`'s ``env``.
        config: a :class:`fastac.TrainConfig` to start from; keywords override its fields
            (a preset applies to a known id without one, as for :func:`fastac.train_a2c`).
        **hyperparameters: config fields (``lr``, ``n_steps``, ``total_steps``, ...), and
            ``process_group`` (as :func:`fastac.train_a2c`'s).

    The training loop (:func:`_train`) reads top to bottom like a CleanRL script:
    ``num_envs`` environments step in lockstep for ``n_steps``; then one update over all
    their samples averages the gradient over every agent.
    """

    algorithm = "a2c"

    def __init__(self, env: EnvLike = "CartPole-v1", *, config: TrainConfig | None = None,
                 _loaded: dict[str, Any] | None = None, **hyperparameters: Any) -> None:
        super().__init__(env, config, hyperparameters, _loaded)
        cfg = self.config
        self._envs, self._native_id, self._make_eval_env = _vector_env(env, cfg)
        self._owns_envs = not isinstance(env, VectorEnv)  # close what we made, not what the caller passed
        try:
            obs_spec, action_space = _check_spaces(self._envs, cfg.squash_output)
            if cfg.stop_at_return is not None and cfg.stop_eval_episodes > 0 and self._native_id is None \
                    and self._make_eval_env is None:
                raise ValueError("stop_eval_episodes needs a gymnasium id or a callable to make evaluation envs; "
                                 "pass one as env, or stop_eval_episodes=0")
            check_memory(self._envs.num_envs * cfg.n_steps, obs_spec, "num_envs x n_steps")
            cfg.num_envs = self._envs.num_envs
            policy = make_policy(obs_spec, action_space, cfg, "a2c", self._native_id or cfg.env,
                                 initialize=_loaded is None)
            if _loaded is not None:
                self._restore(policy)
            else:
                self._policy = policy
        except BaseException:
            self.close()
            raise
        self._session: _Session | None = None  # made at the first learn()

    def get_env(self) -> VectorEnv:
        """The vector env the model trains on."""
        return self._envs

    def close(self) -> None:
        """Closes the vector env if the model made it (not one passed in)."""
        if self._owns_envs and not getattr(self._envs, "closed", False):
            self._envs.close()

    def _live_optimizer_state(self) -> dict[str, Any] | None:
        if self._session is None:
            return self._optimizer_state
        return {"kind": self.config.optimizer, **self._session.learner.optimizer_state()}

    def _live_return_moments(self) -> tuple[float, np.ndarray, np.ndarray] | None:
        if self._session is None or not self.config.normalize_reward:
            return self._return_moments
        return self._session.return_stats.moments()

    def _run(self, config: TrainConfig, counters: dict[str, Any], callback: BaseCallback | None,
             reset_env: bool) -> TrainResult:
        monitor_config = config
        if self._group is not None:
            config, counters = self._agree_with_rank_zero(config, counters)
            # Every process's monitor must decide alike: max_seconds goes through the exchange.
            monitor_config = dataclasses.replace(config, max_seconds=None)
        if self._session is None:
            self._session = _Session(self, self._runs)
        elif reset_env:  # SB3's reset_num_timesteps: the envs start new episodes
            self._session.start_new_episodes(self.config)
        monitor = _core.RunMonitor(monitor_config.to_core())
        monitor.resume(counters)
        self._live = _Live(monitor, counters)
        try:
            result = _train(self._session, self.policy, config, self._live, callback, self._native_id,
                            self._make_eval_env, counters)
        finally:
            self._live = None
            self._counters = monitor.counters()
        return result

    def _adopt_training_state(self, optimizer: dict[str, Any] | None,
                              return_moments: tuple[float, np.ndarray, np.ndarray] | None) -> None:
        if self._session is None:
            super()._adopt_training_state(optimizer, return_moments)
            return
        if optimizer is not None:
            self._session.learner.set_optimizer_state(optimizer)
        if return_moments is not None:
            self._session.return_stats.set(*return_moments)


class _Session:
    """What an A2C model keeps between learn() calls: the optimizer (in the learner), the
    rollout buffer, the running episodes, the sampling stream, the reward scaler, the envs'
    last observations."""

    def __init__(self, model: A2C, runs: int) -> None:
        cfg, policy, envs = model.config, model.policy, model.get_env()
        N, T, D = envs.num_envs, cfg.n_steps, policy.observation_size
        group = model._group
        W, first_env = (group.world_size, group.rank * N) if group is not None else (1, 0)
        self.envs = envs
        self.learner = _core.Learner(policy.network, cfg.to_core())
        if model._optimizer_state is not None:
            self.learner.set_optimizer_state(model._optimizer_state)
        # Images stay bytes in the rollout (uint8 / bool), as the envs give them.
        self.rollout = _core.RolloutBuffer(T, N, D, core_space(policy.action_space), policy.observation_dtype)
        self.episodes = _core.EpisodeAccumulator(N)
        # Normalization (VecNormalize's): the model normalizes what it acts on with its
        # observation statistics, and the rollout keeps those inputs; the statistics take
        # the raw observations of each rollout once it is done. Rewards are scaled after
        # the episode bookkeeping, which reports them raw.
        self.raw_obs = np.empty((T, N, D), np.float32) if policy.observation_stats is not None else None
        self.return_stats = _core.RunningStats(1)  # of the discounted return (normalize_reward)
        if model._return_moments is not None:
            self.return_stats.set(*model._return_moments)
        self.reward_scaler = _core.RewardScaler(N, cfg.gamma) if cfg.normalize_reward else None
        # Action sampling, a stream per sub-env (a process's sub-env i is sub-env first_env + i
        # of the whole run); a loaded model that has trained before draws new streams.
        self.rngs = [_core.Rng(seed_words(cfg.resolved_seed()) + [0xA2C, first_env + i] + ([runs] if runs else []))
                     for i in range(N)]
        # The first reset: sub-env i gets seed + first_env + i (seed + runs * N * W + ... for a
        # loaded model that has trained before: other episodes than its earlier runs').
        self.reset_seed: int | None = (cfg.resolved_seed() + runs * N * W + first_env) % 2**63
        # Distributed: the one all-reduce per update, and a monitor of this process's own
        # episodes (and the cancel check of its gradient, which never cancels: every
        # process must reach the exchange).
        self.exchange = GradientExchange(group, policy.network.num_parameters, N * T) if group is not None else None
        self.local_config = dataclasses.replace(cfg, total_steps=2**62, stop_at_return=None,
                                                max_seconds=None).to_core()
        self.obs: np.ndarray | None = None  # the envs' current observations; None: reset them first
        # A NEXT_STEP autoreset spends one step per finished episode on the reset
        # (reward 0, action ignored): that row is no transition, and is masked out.
        self.autoreset = np.zeros(N, dtype=np.bool_)

    def start_new_episodes(self, cfg: TrainConfig) -> None:
        """The envs are reset (their random streams continue) and no episode carries on."""
        self.obs = None
        self.episodes = _core.EpisodeAccumulator(self.envs.num_envs)
        if self.reward_scaler is not None:
            self.reward_scaler = _core.RewardScaler(self.envs.num_envs, cfg.gamma)


class _Live:
    """What a running A2C learn() tells the model (and so its callbacks)."""

    def __init__(self, monitor: Any, counters: dict[str, Any]) -> None:
        self.monitor = monitor
        self.steps = int(counters["env_steps"])  # updated at every vector step

    def num_timesteps(self) -> int:
        return self.steps

    def progress(self) -> dict[str, Any]:
        return self.monitor.progress()  # type: ignore[no-any-return]

    def counters(self) -> dict[str, Any]:
        return self.monitor.counters()  # type: ignore[no-any-return]


def _train(run: _Session, policy: ActorCriticPolicy, cfg: TrainConfig, live: _Live, callback: BaseCallback | None,
           native_id: str | None, make_eval_env: Callable[[], gym.Env | VectorEnv] | None,
           counters: dict[str, Any]) -> TrainResult:
    """The A2C loop, from the session's state until the monitor stops the run."""
    monitor = live.monitor
    envs, model, learner, rollout, episodes = run.envs, policy.network, run.learner, run.rollout, run.episodes
    N, T = envs.num_envs, cfg.n_steps
    same_step = envs.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP) == AutoresetMode.SAME_STEP
    b_obs, b_actions, b_values = rollout.obs, rollout.actions, rollout.values  # numpy views of the C++ buffers
    b_rewards, b_dones, b_valid = rollout.rewards, rollout.dones, rollout.valid
    obs_stats, raw_obs, reward_scaler = model.observation_stats, run.raw_obs, run.reward_scaler
    # What the envs take: a Box's samples clipped (or squashed) into the bounds, in its shape;
    # the rollout keeps the samples themselves.
    box_shape = (N,) + policy.action_space.shape if isinstance(policy.action_space, gym.spaces.Box) else None
    obs_dtype = policy.observation_dtype
    interrupted = False
    # Distributed (fastac.distributed): this process's episodes go to a monitor of its own
    # for the exchange; the stop requests (a callback's, Ctrl-C) wait for it.
    ddp = run.exchange
    local = monitor if ddp is None else _core.RunMonitor(run.local_config)
    stop_request = False

    monitor.start()
    try:
        with ddp.group.deferred_signals() if ddp is not None else contextlib.nullcontext():
            if run.obs is None:
                run.obs = _checked(envs.reset(seed=run.reset_seed)[0], "on reset", obs_dtype)
                run.reset_seed, run.autoreset[:] = None, False  # later resets continue the envs' streams
            obs = run.obs
            if callback is not None:
                callback.on_training_start(locals(), globals())
            while not monitor.stopping:
                # 1. Roll out n_steps in every env with the current policy.
                if callback is not None:
                    callback.on_rollout_start()
                for t in range(T):
                    if ddp is None and monitor.check_stop():  # max_seconds holds however long a step takes
                        break
                    actions, values = model.act(obs, run.rngs)
                    if raw_obs is not None:
                        raw_obs[t], b_obs[t] = obs, obs_stats.normalize(obs)
                    else:
                        b_obs[t] = obs
                    b_actions[t], b_values[t] = actions, values
                    next_obs, rewards, terminated, truncated, infos = envs.step(
                        actions if box_shape is None else model.env_actions(actions).reshape(box_shape))
                    rollout.record_step(t, rewards, terminated, truncated, ~run.autoreset)
                    dones = np.logical_or(terminated, truncated)
                    if same_step and dones.any():  # bootstrap a truncation from the final observation
                        ended = np.flatnonzero(dones)
                        final = _checked(np.stack([infos["final_obs"][i] for i in ended]), "as a final observation",
                                         obs_dtype)
                        for i, value in zip(ended, model.act(final, None)[1]):
                            rollout.set_final_value(t, int(i), float(value))
                    episodes.step(rollout, t, local)
                    if reward_scaler is not None:
                        reward_scaler.scale(b_rewards[t], b_dones[t], b_valid[t], run.return_stats)
                    live.steps += N - int(np.count_nonzero(run.autoreset))  # the transitions (what the monitor counts)
                    run.autoreset = dones if not same_step else np.zeros(N, dtype=np.bool_)
                    obs = run.obs = _checked(next_obs, "during training", obs_dtype)
                    if callback is not None:  # SB3's cadence: once per vector step
                        callback.update_locals(locals())
                        if not callback.on_step():
                            if ddp is not None:  # every process stops after the next exchange
                                stop_request = True
                                continue
                            monitor.stop()
                            break

                if monitor.stopping:  # stopped mid-rollout: the partial rollout is not used (nor counted)
                    episodes.take_steps()
                    live.steps = monitor.counters()["env_steps"]
                    break
                if callback is not None:
                    callback.on_rollout_end()

                # 2. Advantages: bootstrap from V of the next observation (the final one of a
                #    truncated episode), never across a termination; keep the real transitions.
                rollout.finish(model.act(obs, None)[1], cfg.gamma, cfg.gae_lambda)
                batch = rollout.compact_valid()

                # 3. One update over every agent's samples: gradient, (hooks), clip, apply.
                if ddp is None and batch:  # (a rollout of autoreset steps only has no transition to learn from)
                    loss = learner.compute_gradient(rollout, batch, monitor)
                    if loss is None:  # the time ran out during a long update: not applied
                        break
                    loss, skipped = learner.apply(loss, monitor.learning_rate())
                    monitor.after_update(episodes.take_steps(), loss, skipped)
                    live.steps = monitor.counters()["env_steps"]
                elif ddp is not None:  # ... and every process's: the mean gradient of one all-reduce
                    loss = learner.compute_gradient(rollout, batch, local) if batch else _core.LossStats()
                    finished = local.history()
                    local = _core.RunMonitor(run.local_config)  # the next rollout's episodes
                    stop = "requested" if stop_request or ddp.group.signals else \
                        "max_seconds" if cfg.max_seconds is not None and monitor.elapsed() >= cfg.max_seconds else None
                    every = ddp.exchange(learner.gradient, batch, episodes.take_steps(), stop, loss,
                                         finished["episode_return"], finished["episode_length"])
                    for returns, lengths in every.episodes:  # rank by rank: the same window everywhere
                        for episode_return, length in zip(returns, lengths):
                            monitor.record_episode(float(episode_return), int(length))
                    if every.samples:
                        loss, skipped = learner.apply(every.loss, monitor.learning_rate())
                        monitor.after_update(every.steps, loss, skipped)
                    else:
                        monitor.after_updates(every.steps, 0, 0, every.loss)
                    if every.stop is not None:
                        monitor.stop(every.stop)
                    if ddp.updates % cfg.dist_check_every == 0 or monitor.stopping:
                        ddp.check_parameters(model.parameters)
                    live.steps = monitor.counters()["env_steps"]
                valid_obs = raw_obs[b_valid.astype(np.bool_)] if raw_obs is not None else None
                if ddp is None:
                    if valid_obs is not None:  # not the NEXT_STEP reset rows, which hold the last episode's final observation
                        obs_stats.update(valid_obs)
                    if reward_scaler is not None:
                        reward_scaler.flush(run.return_stats)
                elif valid_obs is not None or reward_scaler is not None:  # every process's batch, merged alike
                    parts = ([batch_moments(valid_obs)] if valid_obs is not None else []) + \
                        ([reward_scaler.take_pending()] if reward_scaler is not None else [])
                    merged = ddp.merge_moments(parts)
                    if valid_obs is not None:
                        obs_stats.update_moments(*merged[0])
                    if reward_scaler is not None:
                        run.return_stats.update_moments(*merged[-1])

                # 4. The greedy confirmation of stop_at_return, when the monitor asks for one
                #    (distributed: rank 0 plays it; every process records its result).
                if monitor.take_evaluation_request():
                    evaluation = None
                    if ddp is None or ddp.group.is_main:
                        evaluation = evaluate_for_stop(policy, native_id, make_eval_env, cfg, monitor.progress()["evaluations"])
                    mean, eval_steps = ddp.agree_evaluation(evaluation) if ddp is not None else evaluation  # type: ignore[misc]
                    monitor.record_evaluation(mean, eval_steps)
    except KeyboardInterrupt:
        interrupted = True
        monitor.stop()
    if callback is not None:
        callback.on_training_end()
    result = finish_result(lambda: make_result(policy, monitor.progress(), monitor.history(), monitor.stop_reason,
                                               interrupted, cfg, counters))
    if ddp is not None:
        result.distributed = {"rank": ddp.group.rank, "world_size": ddp.group.world_size,
                              "bytes_per_update": ddp.bytes_per_update, "exchanges": ddp.updates}
    return result


def _checked(obs: Any, when: str, dtype: str = "float32") -> np.ndarray:
    """A batch of observations as the network takes them, ``[batch, observation_size]``:
    float32, refusing NaN/inf (NaN in, NaN weights out); or an image's uint8 / bool bytes,
    refusing values that are not exactly the image dtype's."""
    if dtype == "float32":
        array: np.ndarray = np.asarray(obs, dtype=np.float32)
        if not np.isfinite(array).all():
            raise ValueError(f"env returned a non-finite observation {when}: {array}")
        return array
    array = np.asarray(obs)
    if array.dtype != np.dtype(dtype):
        converted = array.astype(dtype)
        if not np.array_equal(converted, array):
            raise ValueError(f"env returned an observation {when} that is not {dtype} (dtype {array.dtype})")
        array = converted
    return np.ascontiguousarray(array.reshape(len(array), -1))


def _vector_env(env: Any, cfg: TrainConfig) -> tuple[VectorEnv, str | None, Callable[[], gym.Env | VectorEnv] | None]:
    """(the vector env, its native id if native, a maker of evaluation envs: single ones, or for a
    vector entry point a vector env of one)."""
    if isinstance(env, VectorEnv):
        if cfg.num_envs is not None and cfg.num_envs != env.num_envs:
            raise ValueError(f"num_envs={cfg.num_envs} but the VectorEnv given has {env.num_envs}")
        native_id = _native_id_of(env)
        env_spec = getattr(env, "spec", None)
        make_eval = None
        if is_ale_vector_env(env):  # seeded as gymnasium's; its evaluation envs can't be made again from its id
            env = with_gymnasium_seeding(env)
        elif env_spec is not None:
            make_eval = lambda: gym.make(env_spec.id, **(env_spec.kwargs or {}))  # noqa: E731
        return env, native_id, make_eval
    n = 8 if cfg.num_envs is None else cfg.num_envs
    if isinstance(env, str):
        native_id = NATIVE_ENV_IDS.get(env) if cfg.native else None
        if native_id is not None:
            return gym.make_vec(native_id, n, vectorization_mode="vector_entry_point"), native_id, None
        spec = registered_spec(env)
        if cfg.vectorization_mode == "vector_entry_point":  # (ALE's AtariVectorEnv seeded as gymnasium's)
            def make_vector(num_envs: int) -> VectorEnv:
                return with_gymnasium_seeding(gym.make_vec(spec.id, num_envs, vectorization_mode="vector_entry_point"))

            return make_vector(n), None, lambda: make_vector(1)  # (its evaluation envs are its own, batched)
        return gym.make_vec(env, num_envs=n, vectorization_mode=cfg.vectorization_mode), None, lambda: gym.make(spec.id)
    if callable(env):
        if cfg.vectorization_mode not in ("sync", "async"):
            raise ValueError(f"vectorization_mode must be 'sync' or 'async' for a callable env, "
                             f"got {cfg.vectorization_mode!r}")
        cls = gym.vector.SyncVectorEnv if cfg.vectorization_mode == "sync" else gym.vector.AsyncVectorEnv
        return cls([env] * n), None, env
    raise TypeError(f"env must be a gymnasium id, a callable making an env, or a VectorEnv, got {describe_env(env)!r}")


def _native_id_of(env: VectorEnv) -> str | None:
    """The native id of a native vector env with its registered defaults (so that the C++
    evaluation plays the same env), else None."""
    if isinstance(env, NativeVectorEnv) and env.is_registered_default:
        return NATIVE_ENV_IDS[env.env_id]
    return None


def _check_spaces(envs: VectorEnv, squash_output: bool) -> tuple[ObservationSpec, gym.spaces.Space[Any]]:
    checked = check_env_spaces("a2c", envs.single_observation_space, envs.single_action_space, squash_output)
    if envs.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP) == AutoresetMode.DISABLED:
        raise ValueError("env: train_a2c needs a vector env that autoresets (NEXT_STEP or SAME_STEP), got DISABLED")
    return checked
