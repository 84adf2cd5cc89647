"""The model objects' common part: :class:`BaseAlgorithm`, Stable-Baselines3's shape.

``fastac.A2C`` (:mod:`fastac.a2c`) and ``fastac.A3C`` (:mod:`fastac.a3c`) hold a policy,
a config, and what training needs to go on where it stopped: the optimizer's
statistics, the run counters (``num_timesteps``, episodes, updates, the last 100
episodes), the reward-normalization statistics (the observation statistics are the
policy's). ``learn`` trains; calling it again continues; ``save`` writes all of it into
one model file that ``fastac.load`` also reads as a plain policy, and ``load`` continues
from such a file.

A subclass builds its envs and runs its algorithm (``_run``); this class does the rest:
the learn bookkeeping, callbacks, saving and loading.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import os
import time
import warnings
from typing import Any, Callable, ClassVar, TypeVar

import gymnasium as gym
import numpy as np
import torch

from fastac._atomic import atomic_write, check_path, to_bytes
from fastac._run import resolve_config
from fastac._validation import check_float, check_int
from fastac.callbacks import BaseCallback, CallbackList, ConvertCallback
from fastac.config import OPTIMIZERS, TrainConfig
from fastac.policy import CNN_ARCHITECTURES, ActorCriticPolicy, _read_model_file
from fastac.result import TrainResult

SelfAlgorithm = TypeVar("SelfAlgorithm", bound="BaseAlgorithm")

#: The counters of a model that has not trained yet.
FRESH_COUNTERS: dict[str, Any] = {"env_steps": 0, "episodes": 0, "updates": 0, "skipped_updates": 0,
                                  "recent_returns": np.zeros(0, np.float32), "recent_lengths": np.zeros(0, np.int32)}


class Logger:
    """Values recorded by callbacks for the logs (Stable-Baselines3's ``logger.record``).

    A progress function (``fastac.TrainingMonitor``, the CLI's logs) receives them in its
    progress dict under their own names (``"eval/mean_reward"``), at its next call after
    they were recorded; TensorBoard writes them as they are named.
    """

    def __init__(self) -> None:
        self.name_to_value: dict[str, float] = {}
        self._new = False

    def record(self, key: str, value: Any, exclude: Any = None) -> None:
        """Records ``value`` under ``key`` (``exclude`` is accepted for SB3 compatibility)."""
        if not isinstance(key, str) or not key:
            raise TypeError(f"key must be a non-empty str, got {key!r}")
        self.name_to_value[key] = value
        self._new = True

    def take_new(self) -> bool:
        """Whether values were recorded since the last call."""
        new, self._new = self._new, False
        return new


class ProgressFunctionCallback(BaseCallback):
    """Calls a progress function ``fn(progress: dict)`` about every ``interval_s`` seconds
    (and as soon as a callback has recorded log values), and once more at the end.

    The progress dict is the trainers' (``env_steps``, ``episodes``, ``mean_return``,
    ``mean_length``, ``steps_per_s``, the last loss, ...) with the values recorded in
    ``model.logger``. ``fn`` returning ``False`` stops training, ``None``/``True``
    continue, anything else is a ``TypeError``.
    """

    def __init__(self, fn: Callable[[dict[str, Any]], Any], interval_s: float = 1.0) -> None:
        super().__init__()
        if not callable(fn):
            raise TypeError(f"callback must be callable or None, got {fn!r}")
        self.fn = fn
        self.interval_s = check_float("callback_interval_s", interval_s, low=0, low_inclusive=False)
        self._next = 0.0

    def _on_training_start(self) -> None:
        self._next = time.perf_counter() + self.interval_s
        self._last: tuple[int, int] | None = None

    def _on_step(self) -> bool:
        logged = self._algorithm().logger.take_new()
        if time.perf_counter() < self._next and not logged:
            return True
        return self._call()

    def _on_training_end(self) -> None:
        if self._last != self._position():  # (not twice at the same point: A3C's last on_step is at the end)
            self._call()

    def _position(self) -> tuple[int, int]:
        progress = self._algorithm().progress(take_logged=False)
        return int(progress["env_steps"]), int(progress.get("updates", 0))

    def _algorithm(self) -> BaseAlgorithm:
        if not isinstance(self.model, BaseAlgorithm):
            raise TypeError("a progress function runs in fastac.A2C / fastac.A3C training")
        return self.model

    def _call(self) -> bool:
        self._next = time.perf_counter() + self.interval_s
        progress = self._algorithm().progress()
        self._last = int(progress["env_steps"]), int(progress.get("updates", 0))
        keep_going = self.fn(progress)
        if keep_going is None or keep_going is True:
            return True
        if keep_going is False:
            return False
        raise TypeError(f"the callback must return True, False or None, got {keep_going!r} "
                        f"({type(keep_going).__name__})")


CallbackLike = BaseCallback | Callable[[dict[str, Any]], Any] | list[Any] | None


def as_callback(callback: Any, interval_s: float) -> BaseCallback | None:
    """One callback object for what ``learn(callback=...)`` takes: a :class:`BaseCallback`,
    a progress function ``f(progress)`` (called with the progress dict every ``interval_s``
    seconds), an SB3 function callback ``f(locals, globals)`` (called at every ``on_step``),
    or a list of these (run in order), or None."""
    if callback is None:
        return None
    if isinstance(callback, BaseCallback):
        return callback
    if isinstance(callback, (list, tuple)):
        return CallbackList([c for c in (as_callback(item, interval_s) for item in callback) if c is not None])
    if callable(callback):
        if _takes_locals_and_globals(callback):  # SB3's function callback, f(locals, globals)
            return ConvertCallback(callback)
        return ProgressFunctionCallback(callback, interval_s)
    raise TypeError(f"callback must be a fastac.callbacks.BaseCallback, a function of the progress dict, a list "
                    f"of these, or None; got {callback!r} ({type(callback).__name__})")


def _takes_locals_and_globals(fn: Callable[..., Any]) -> bool:
    """Whether ``fn`` takes two positional arguments (SB3's ``f(locals, globals)``), not one
    (fastac's ``f(progress)``)."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # no signature (some builtins): a progress function
        return False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len([p for p in positional if p.default is p.empty]) >= 2


class BaseAlgorithm:
    """What :class:`fastac.A2C` and :class:`fastac.A3C` share (see their docstrings).

    Attributes:
        config: the run's :class:`fastac.TrainConfig` (validated; ``total_steps`` is the
            default of :meth:`learn`).
        num_timesteps: env steps trained so far, over every :meth:`learn` call (SB3's name).
        logger: values callbacks record for the logs (:class:`Logger`).
        result: the :class:`fastac.TrainResult` of the last :meth:`learn` call, or None.
    """

    algorithm: ClassVar[str]

    def __init__(self, env: Any, config: TrainConfig | None, hyperparameters: dict[str, Any],
                 _loaded: dict[str, Any] | None = None) -> None:
        from fastac.distributed import connect

        hyperparameters = dict(hyperparameters)
        process_group = hyperparameters.pop("process_group", None)
        self.config: TrainConfig
        # (_filled_in_fields: the config fields nothing set, which validation filled in)
        self.config, self._filled_in_fields = resolve_config(self.algorithm, env, config, hyperparameters)
        # The processes this model trains across (fastac.distributed), None alone.
        self._group = connect(self.config.distributed, process_group, self.config.dist_timeout_s)
        self.logger = Logger()
        self.result: TrainResult | None = None
        self._counters: dict[str, Any] = dict(FRESH_COUNTERS)
        # learn() calls so far (saved with the model): a later call's fresh envs and sampling
        # streams are seeded on from it instead of replaying the first call's.
        self._runs = 0
        self._optimizer_state: dict[str, Any] | None = None  # of a loaded model, until its trainer takes it
        self._return_moments: tuple[float, np.ndarray, np.ndarray] | None = None
        self._policy: ActorCriticPolicy | None = None
        self._live: Any = None  # while learn() runs: what progress() and training_state() ask
        self._loaded = _loaded

    # ---- what a subclass provides ----------------------------------------------------

    def _run(self, config: TrainConfig, counters: dict[str, Any], callback: BaseCallback | None,
             reset_env: bool) -> TrainResult:
        """Trains until ``config``'s stop criteria (``total_steps`` counts the total), continuing
        from ``counters``; sets ``self._counters`` to the run's final counters."""
        raise NotImplementedError

    def _live_optimizer_state(self) -> dict[str, Any] | None:
        """The optimizer statistics as training has left them (None before any training)."""
        return self._optimizer_state

    def _live_return_moments(self) -> tuple[float, np.ndarray, np.ndarray] | None:
        return self._return_moments

    def _agree_with_rank_zero(self, config: TrainConfig, counters: dict[str, Any]) -> tuple[TrainConfig, dict[str, Any]]:
        """Distributed: every process takes rank 0's parameters, statistics, optimizer
        state, counters, seed and total_steps (a model loaded or resumed on rank 0 only
        trains on everywhere); the other fields of the configs must agree."""
        from fastac.distributed import rank_zero_state

        assert self._group is not None
        policy = self.policy
        obs_stats = policy.network.observation_stats
        state = {"num_parameters": policy.network.num_parameters,
                 # (num_workers may differ: machines differ; A3C's seeds leave room for any count)
                 "config": {k: v for k, v in config.to_dict().items() if k not in ("seed", "total_steps", "num_workers")},
                 "seed": config.resolved_seed(), "total_steps": config.total_steps, "counters": counters,
                 "parameters": policy.network.parameters.copy(), "runs": self._runs,
                 "observation_moments": obs_stats.moments() if obs_stats is not None else None,
                 "optimizer": self._live_optimizer_state(), "return_moments": self._live_return_moments()}
        chosen = rank_zero_state(self._group, state, "rank 0's model")
        if not self._group.is_main:
            policy.network.parameters[:] = chosen["parameters"]
            if obs_stats is not None:
                obs_stats.set(*chosen["observation_moments"])
            self._runs = chosen["runs"]
            self._adopt_training_state(chosen["optimizer"], chosen["return_moments"])
            self.config.seed = chosen["seed"]
        return dataclasses.replace(config, seed=chosen["seed"], total_steps=chosen["total_steps"]), chosen["counters"]

    def _adopt_training_state(self, optimizer: dict[str, Any] | None,
                              return_moments: tuple[float, np.ndarray, np.ndarray] | None) -> None:
        """Takes another process's optimizer statistics and return statistics (before the trainer takes them)."""
        self._optimizer_state, self._return_moments = optimizer, return_moments

    def get_env(self) -> Any:
        """The training env (A2C's vector env), or None (A3C: each worker makes its own)."""
        return None

    def close(self) -> None:
        """Closes the envs this model made (not an env passed in)."""

    # ---- the public API ------------------------------------------------------------

    @property
    def policy(self) -> ActorCriticPolicy:
        """The policy (during A3C training, a snapshot of the shared parameters taken for the
        callbacks, so that what they evaluate and save is one consistent policy)."""
        if self._live is not None and hasattr(self._live, "policy_view"):
            view: ActorCriticPolicy = self._live.policy_view()
            return view
        assert self._policy is not None
        return self._policy

    @property
    def num_timesteps(self) -> int:
        """Env steps trained so far, over every :meth:`learn` call (as counted by the last
        ``on_step`` of a running :meth:`learn`)."""
        if self._live is not None:
            return int(self._live.num_timesteps())
        return int(self._counters["env_steps"])

    @property
    def num_episodes(self) -> int:
        """Episodes completed in training so far, over every :meth:`learn` call."""
        if self._live is not None:
            return int(self._live.progress()["episodes"])
        return int(self._counters["episodes"])

    def progress(self, take_logged: bool = True) -> dict[str, Any]:
        """The progress dict of the running (or last) :meth:`learn`, with the values callbacks
        recorded in :attr:`logger` since the last call (``take_logged``: and forgets them, as
        SB3's ``logger.dump``: each is logged once)."""
        progress = dict(self._live.progress()) if self._live is not None else {
            "env_steps": self.num_timesteps, "episodes": self.num_episodes}
        if self.policy.continuous:  # SB3's train/std: the mean standard deviation of the Gaussian
            progress["std"] = float(np.exp(self.policy.state_dict()["log_std"].numpy()).mean())
        if take_logged:
            progress.update(self.logger.name_to_value)
            self.logger.name_to_value.clear()
        return progress

    def learn(self: SelfAlgorithm, total_steps: int | None = None, callback: CallbackLike = None,
              callback_interval_s: float = 1.0, reset_num_timesteps: bool = True) -> SelfAlgorithm:
        """Trains the policy; a second call goes on from where the first stopped.

        Args:
            total_steps: env steps to train for (default: ``config.total_steps``); with
                ``reset_num_timesteps=False``, steps *more*, as in Stable-Baselines3.
            callback: a :class:`fastac.callbacks.BaseCallback` (``EvalCallback``,
                ``CheckpointCallback``, ...), a function of the progress dict (called about
                every ``callback_interval_s`` seconds and at the end; ``False`` stops), or a
                list of these.
            callback_interval_s: seconds between a progress function's calls, > 0.
            reset_num_timesteps: count ``num_timesteps`` (and the episode window, the
                learning-rate schedule) from 0 again, and reset the envs, as SB3. Either way
                the weights, the optimizer's statistics and the normalization statistics
                carry on. ``False`` continues the previous run exactly: for A2C with a seed,
                ``learn(n); learn(m, reset_num_timesteps=False)`` equals ``learn(n + m)`` bit
                for bit (when ``n`` is a whole number of rollouts and ``anneal_lr`` is off:
                the schedule runs over each call's total).

        Returns:
            The model; :attr:`result` holds the call's :class:`fastac.TrainResult`.
        """
        from fastac._validation import check_bool

        steps = self.config.total_steps if total_steps is None else \
            check_int("total_steps", total_steps, minimum=1, maximum=2**62)
        reset = check_bool("reset_num_timesteps", reset_num_timesteps)
        callback_interval_s = check_float("callback_interval_s", callback_interval_s, low=0, low_inclusive=False)
        counters = dict(FRESH_COUNTERS) if reset else self._counters
        total = steps + int(counters["env_steps"])
        if total > 2**62:
            raise ValueError(f"total_steps: num_timesteps {counters['env_steps']:,} + {steps:,} is over 2**62")
        cb = as_callback(callback, callback_interval_s)
        run_config = dataclasses.replace(self.config, total_steps=total)
        if cb is not None:
            cb.init_callback(self)
        try:
            self.result = self._run(run_config, counters, cb, reset_env=reset)
        finally:
            self._runs += 1
        return self

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = False) -> tuple[np.ndarray, None]:
        """The policy's actions, as :meth:`fastac.ActorCriticPolicy.predict` (SB3's signature)."""
        return self.policy.predict(observation, state, episode_start, deterministic)

    def training_state(self) -> dict[str, Any]:
        """What continuing needs besides the policy: algorithm, counters, optimizer
        statistics and the reward normalization's return statistics."""
        counters = self._live.counters() if self._live is not None else self._counters
        return {"algorithm": self.algorithm, "counters": counters, "optimizer": self._live_optimizer_state(),
                "return_moments": self._live_return_moments(), "runs": self._runs + (self._live is not None)}

    def save(self, path: str | os.PathLike[str]) -> None:
        """Writes the model to ``path`` atomically: the policy (what :func:`fastac.load`
        reads), and what :meth:`load` needs to continue training (optimizer statistics,
        counters, reward-normalization statistics)."""
        target = check_path("path", path)
        payload = self.policy._payload()
        payload["training"] = _training_to_file(self.training_state(), self.config)
        atomic_write(target, to_bytes(lambda buffer: torch.save(payload, buffer)))

    @classmethod
    def load(cls: type[SelfAlgorithm], path: str | os.PathLike[str], env: Any = None,
             **hyperparameters: Any) -> SelfAlgorithm:
        """A model saved with :meth:`save`, ready to predict or to :meth:`learn` on.

        Args:
            path: the model file. A file written by ``policy.save`` (no training state) also
                loads: training then starts with fresh optimizer statistics.
            env: what to train on (as the constructor's ``env``); default: the env id the
                model was trained on.
            **hyperparameters: config fields overriding the saved config (``total_steps``,
                ``lr``, ...); the architecture comes from the file.
        """
        name = check_path("path", path)
        payload = _read_model_file(name)
        policy = ActorCriticPolicy._from_payload(payload, repr(name))
        return cls._from_policy(policy, payload.get("training"), env, hyperparameters, repr(name))

    @classmethod
    def _from_policy(cls: type[SelfAlgorithm], policy: ActorCriticPolicy, training: Any, env: Any,
                     hyperparameters: dict[str, Any], source: str) -> SelfAlgorithm:
        saved = policy.metadata.get("config")
        config = TrainConfig.from_dict(saved) if isinstance(saved, dict) else TrainConfig()
        cnn = policy.architecture in CNN_ARCHITECTURES  # its one hidden layer is features_dim
        config = dataclasses.replace(config, hidden_sizes=TrainConfig.hidden_sizes if cnn else policy.hidden_sizes,
                                     features_dim=policy.hidden_sizes[0] if cnn else None,
                                     squash_output=policy.squash_output, normalize_obs=policy.normalize_obs,
                                     activation=policy.activation, share_trunk=policy.share_trunk,
                                     architecture=policy.architecture)
        for name in ("hidden_sizes", "features_dim", "squash_output", "normalize_obs", "activation", "share_trunk",
                     "architecture"):
            if name in hyperparameters and hyperparameters[name] != getattr(config, name):
                raise ValueError(f"{name}: the architecture comes from {source} ({name}={getattr(config, name)!r})")
        if env is None:
            env = policy.metadata.get("env")
            if not isinstance(env, str) or env not in gym.registry:
                raise ValueError(f"env: {source} was trained on {env!r}, not a registered gymnasium id (a callable "
                                 f"or an env object); pass env=")
        if isinstance(env, gym.vector.VectorEnv) and "num_envs" not in hyperparameters:
            config = dataclasses.replace(config, num_envs=None)  # the env's own count
        state = _training_from_file(training, source)
        model = cls(env, config=config, _loaded={"policy": policy, "training": state, "source": source},
                    **hyperparameters)
        return model

    def _restore(self, policy: ActorCriticPolicy) -> None:
        """Takes a loaded model's policy and training state (called by a subclass once it
        knows its env's spaces): refuses a policy that does not fit the env."""
        assert self._loaded is not None
        loaded: ActorCriticPolicy = self._loaded["policy"]
        if loaded.observation_spec != policy.observation_spec or loaded.action_space != policy.action_space:
            raise ValueError(f"env: the model was trained on observations {loaded.observation_spec} and actions "
                             f"{loaded.action_space}; this env has {policy.observation_spec} and "
                             f"{policy.action_space}")
        loaded.metadata = policy.metadata
        self._policy = loaded
        state, source = self._loaded["training"], self._loaded["source"]
        self._loaded = None
        if state is None:
            return
        self._counters = state["counters"]
        self._runs = state["runs"]
        optimizer = state["optimizer"]
        if optimizer is not None:
            for key in ("square_avg", "exp_avg"):
                if len(optimizer[key]) not in (0, loaded.network.num_parameters):
                    raise ValueError(f"{source} has an invalid training state: the optimizer's {key} has "
                                     f"{len(optimizer[key]):,} values for {loaded.network.num_parameters:,} parameters")
        if optimizer is not None and optimizer["kind"] != self.config.optimizer:
            warnings.warn(f"the saved optimizer statistics are {optimizer['kind']}'s; optimizer="
                          f"{self.config.optimizer!r} starts afresh", RuntimeWarning, stacklevel=4)
            optimizer = None
        self._optimizer_state = optimizer
        self._return_moments = state["return_moments"]

    def __enter__(self: SelfAlgorithm) -> SelfAlgorithm:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(env={self.config.env!r}, num_timesteps={self.num_timesteps:,})"


def _training_to_file(state: dict[str, Any], config: TrainConfig) -> dict[str, Any]:
    """The model file's ``training`` entry: tensors and plain values (``weights_only`` loads them)."""
    counters = state["counters"]
    out: dict[str, Any] = {
        "algorithm": state["algorithm"],
        "runs": int(state.get("runs", 0)),
        "counters": {key: int(counters[key]) for key in COUNTER_KEYS},
        "recent_returns": torch.as_tensor(np.asarray(counters["recent_returns"], np.float32)),
        "recent_lengths": torch.as_tensor(np.asarray(counters["recent_lengths"], np.int32)),
        "optimizer": None,
        "return_moments": None,
    }
    optimizer = state["optimizer"]
    if optimizer is not None:
        out["optimizer"] = {"kind": optimizer.get("kind", config.optimizer),
                            "square_avg": torch.as_tensor(np.asarray(optimizer["square_avg"], np.float32)),
                            "exp_avg": torch.as_tensor(np.asarray(optimizer["exp_avg"], np.float32)),
                            "step": int(optimizer["step"])}
    moments = state["return_moments"]
    if moments is not None:
        out["return_moments"] = [float(moments[0]), torch.as_tensor(np.asarray(moments[1], np.float64)),
                                 torch.as_tensor(np.asarray(moments[2], np.float64))]
    return out


COUNTER_KEYS = ("env_steps", "episodes", "updates", "skipped_updates")
_MAX_COUNT = 2**62


def _training_from_file(entry: Any, source: str) -> dict[str, Any] | None:
    """The inverse of :func:`_training_to_file`, checked: anything malformed or out of range
    is a ``ValueError`` naming the file (the optimizer's sizes are checked against the
    network in ``_restore``)."""
    if entry is None:
        return None

    def refuse(problem: str) -> ValueError:
        return ValueError(f"{source} has an invalid training state: {problem}")

    def count(value: Any, what: str, low: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= _MAX_COUNT:
            raise refuse(f"{what} must be an int in [{low}, 2**62], got {value!r}")
        return value

    def array(value: Any, dtype: Any, what: str, kinds: str) -> np.ndarray:
        if not isinstance(value, torch.Tensor) or value.dim() != 1 or value.is_complex() \
                or value.dtype == torch.bool or (value.is_floating_point() != (kinds == "f")):
            raise refuse(f"{what} must be a 1-D {'float' if kinds == 'f' else 'integer'} tensor")
        result: np.ndarray = value.detach().cpu().numpy().astype(dtype)
        if not np.isfinite(result).all():
            raise refuse(f"{what} holds non-finite values")
        return result

    def field(mapping: Any, key: str) -> Any:
        if not isinstance(mapping, dict) or key not in mapping:
            raise refuse(f"it has no {key!r}")
        return mapping[key]

    if not isinstance(entry, dict):
        raise refuse(f"it is a {type(entry).__name__}, not a dict")
    algorithm = field(entry, "algorithm")
    if algorithm not in ("a2c", "a3c"):
        raise refuse(f"algorithm must be 'a2c' or 'a3c', got {algorithm!r}")
    counters: dict[str, Any] = {key: count(field(field(entry, "counters"), key), key) for key in COUNTER_KEYS}
    counters["recent_returns"] = array(field(entry, "recent_returns"), np.float32, "recent_returns", "f")
    counters["recent_lengths"] = array(field(entry, "recent_lengths"), np.int32, "recent_lengths", "i")
    recent = len(counters["recent_returns"])
    if recent != len(counters["recent_lengths"]) or recent > 100 or recent > counters["episodes"]:
        raise refuse(f"recent_returns and recent_lengths must be as long as each other, at most 100 and at most "
                     f"episodes ({counters['episodes']})")
    if (counters["recent_lengths"] < 1).any():
        raise refuse("recent_lengths must be >= 1")
    optimizer = field(entry, "optimizer")
    if optimizer is not None:
        kind = field(optimizer, "kind")
        if kind not in OPTIMIZERS:
            raise refuse(f"optimizer kind must be one of {OPTIMIZERS}, got {kind!r}")
        optimizer = {"kind": kind,
                     "square_avg": array(field(optimizer, "square_avg"), np.float32, "optimizer square_avg", "f"),
                     "exp_avg": array(field(optimizer, "exp_avg"), np.float32, "optimizer exp_avg", "f"),
                     "step": count(field(optimizer, "step"), "optimizer step")}
        if (optimizer["square_avg"] < 0).any():
            raise refuse("optimizer square_avg must be >= 0")
    moments = field(entry, "return_moments")
    if moments is not None:
        if not isinstance(moments, (list, tuple)) or len(moments) != 3:
            raise refuse("return_moments must be [count, mean, var]")
        n = moments[0]
        if isinstance(n, bool) or not isinstance(n, (int, float)) or not (math.isfinite(n) and n > 0):
            raise refuse(f"the return statistics' count must be a finite number > 0, got {n!r}")
        mean = array(moments[1], np.float64, "return mean", "f")
        var = array(moments[2], np.float64, "return var", "f")
        if mean.shape != (1,) or var.shape != (1,) or var[0] < 0:
            raise refuse("the return statistics must be one mean and one variance >= 0")
        moments = (float(n), mean, var)
    runs = count(entry.get("runs", 1 if counters["env_steps"] else 0), "runs")
    return {"algorithm": algorithm, "counters": counters, "optimizer": optimizer, "return_moments": moments,
            "runs": runs}


def is_gym_env(env: Any) -> bool:
    """Whether ``env`` is a gymnasium env or vector env instance."""
    return isinstance(env, (gym.Env, gym.vector.VectorEnv))


def train_once(cls: type[BaseAlgorithm], env: Any, config: TrainConfig | None, hyperparameters: dict[str, Any],
               init_model: Any, callback: CallbackLike, callback_interval_s: float) -> TrainResult:
    """What a one-call trainer (``train_a2c``/``train_a3c``) does: one :meth:`~BaseAlgorithm.learn`
    of a new model, or of one continuing ``init_model`` (a model object, copied, or a model
    file's path); the model's envs are closed after."""
    if init_model is None:
        model = cls("CartPole-v1" if env is None else env, config=config, **hyperparameters)
    elif config is not None:
        raise ValueError("config: with init_model the model's config is the base; pass changes as keywords")
    elif isinstance(init_model, BaseAlgorithm):
        policy = ActorCriticPolicy._from_payload(init_model.policy._payload(), "init_model")
        training = _training_to_file(init_model.training_state(), init_model.config)
        model = cls._from_policy(policy, training, env, hyperparameters, "init_model")
    elif isinstance(init_model, (str, os.PathLike)):
        model = cls.load(init_model, env=env, **hyperparameters)
    else:
        raise TypeError(f"init_model must be a fastac.A2C or fastac.A3C model, the path of a saved one, or None; "
                        f"got {type(init_model).__name__}")
    with model:
        model.learn(callback=callback, callback_interval_s=callback_interval_s,
                    reset_num_timesteps=init_model is None)
        assert model.result is not None
        return model.result
