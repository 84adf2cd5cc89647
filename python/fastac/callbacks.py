"""Training callbacks with Stable-Baselines3's API: ``fastac.A2C`` and ``fastac.A3C`` call them.

The classes, their parameters and their semantics are Stable-Baselines3's
(``stable_baselines3.common.callbacks``), so that code written for SB3 callbacks runs with
fastac's models. The differences, each documented on its class:

- **Frequencies count env steps.** ``EvalCallback.eval_freq`` and
  ``CheckpointCallback.save_freq`` are numbers of environment steps (``model.num_timesteps``),
  unlike SB3, where they count calls (vector steps: ``n_envs`` env steps each). fastac's A2C
  calls :meth:`BaseCallback.on_step` once per vector step (``num_envs`` env steps per call);
  A3C runs its env steps in C++ worker threads and calls ``on_step`` from a supervising thread
  every few tens of milliseconds, many env steps per call. Such a callback acts at the first
  call at or after each multiple of its frequency; a call that crosses several multiples acts
  once. (``EveryNTimesteps`` already counts env steps in SB3 and is unchanged.)
- **Files are fastac model files** (``.pt``): ``CheckpointCallback`` writes
  ``{save_path}/{name_prefix}_{num_timesteps}_steps.pt``, ``EvalCallback`` writes
  ``{best_model_save_path}/best_model.pt``; every write is atomic. There is no replay buffer
  and the observation normalization is inside the model file, so ``save_replay_buffer`` and
  ``save_vecnormalize`` do not exist.
- **Return values are checked**: ``_on_step`` returns ``False`` to stop training, ``True`` or
  ``None`` to continue; anything else is a ``TypeError``.
- ``StopTrainingOnMaxEpisodes`` counts the episodes completed by all environments together
  (``model.num_episodes``), as A3C has no ``dones`` to read.
- ``EvalCallback`` takes a gymnasium env, a ``VectorEnv`` or a gymnasium id; it does not wrap
  the env in a ``VecEnv``, warn about differing env types or sync ``VecNormalize``.

Not ported: ``LogEveryNTimesteps`` and ``ProgressBarCallback`` (fastac's trainers have their
own progress reports).

A callback object is driven by one thread at a time (A3C's supervising thread); it need not be
thread-safe.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Protocol, Union, cast

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv, VectorWrapper

from fastac._atomic import atomic_write, check_path
from fastac._validation import check_bool, check_float, check_int
from fastac.envs.namespaces import register_namespace
from fastac.evaluation import _check_spaces, autoreset_mode, evaluate_policy
from fastac.policy import ActorCriticPolicy

__all__ = [
    "BaseCallback",
    "CallbackList",
    "CallbackModel",
    "CheckpointCallback",
    "ConvertCallback",
    "EvalCallback",
    "EventCallback",
    "EveryNTimesteps",
    "StopTrainingOnMaxEpisodes",
    "StopTrainingOnNoModelImprovement",
    "StopTrainingOnRewardThreshold",
    "SupportsRecord",
    "convert_callback",
]

#: A plain function callback: ``f(locals, globals)`` returns ``False`` to stop training.
CallbackFunction = Callable[[dict[str, Any], dict[str, Any]], Union[bool, None]]


class SupportsRecord(Protocol):
    """A logger as the callbacks use it: ``record(key, value)`` (TensorBoard and log values)."""

    def record(self, key: str, value: float) -> object:
        """Records ``value`` under ``key`` (for example ``"eval/mean_reward"``)."""


class CallbackModel(Protocol):
    """What the callbacks use of a model (``fastac.A2C``, ``fastac.A3C``).

    The model updates ``num_timesteps`` (and ``num_episodes``) before every call of
    :meth:`BaseCallback.on_step`, and gives through ``policy`` the policy to evaluate and save.
    """

    @property
    def num_timesteps(self) -> int:
        """Environment steps taken so far."""

    @property
    def num_episodes(self) -> int:
        """Episodes completed so far (by all environments)."""

    @property
    def policy(self) -> ActorCriticPolicy:
        """The current policy."""

    @property
    def logger(self) -> SupportsRecord:
        """Where recorded values go (TensorBoard, logs)."""

    @property
    def algorithm(self) -> str:
        """``"a2c"`` or ``"a3c"``."""

    def save(self, path: str) -> object:
        """Writes the model to ``path`` (a ``.pt`` torch file), atomically."""

    def get_env(self) -> Any:
        """The training env, or None."""


def _check_verbose(verbose: Any) -> int:
    return check_int("verbose", verbose, minimum=0)


def _check_callback(name: str, callback: Any) -> BaseCallback | None:
    if callback is not None and not isinstance(callback, BaseCallback):
        raise TypeError(f"{name} must be a fastac.callbacks.BaseCallback or None, got {callback!r} "
                        f"({type(callback).__name__})")
    return callback


def _check_optional_path(name: str, path: Any) -> str | None:
    return None if path is None else check_path(name, path)


def _crossed(num_timesteps: int, freq: int, last_multiple: int) -> tuple[bool, int]:
    """Whether ``num_timesteps`` has passed a multiple of ``freq`` beyond ``last_multiple``, and
    the multiple now reached (``num_timesteps // freq``)."""
    multiple = num_timesteps // freq
    return multiple > last_multiple, max(multiple, last_multiple)


class BaseCallback(ABC):
    """Base class of the callbacks, as Stable-Baselines3's ``BaseCallback``.

    A model calls, in order: :meth:`init_callback` (once per ``learn``), :meth:`on_training_start`,
    then repeatedly :meth:`on_rollout_start`, :meth:`on_step`, ..., :meth:`on_rollout_end`, and
    last :meth:`on_training_end`. Subclasses implement :meth:`_on_step` and may override the
    other ``_on_*`` hooks.

    Unlike SB3, ``on_step`` is not called once per ``env.step()``: fastac's A2C calls it once
    per vector step (``num_envs`` env steps), A3C about every few tens of milliseconds from a
    supervising thread while C++ worker threads step the envs (many env steps per call).
    Count env steps with ``self.num_timesteps``, not calls with ``self.n_calls``.

    Args:
        verbose: verbosity level, ``>= 0``: 0 for no output, 1 for info messages, 2 for debug
            messages.

    Attributes:
        model: the model, set by :meth:`init_callback`; typed as :class:`CallbackModel` (a
            subclass that uses more of a concrete model may redeclare ``model`` with its class).
        n_calls: the number of calls of :meth:`on_step`.
        num_timesteps: ``model.num_timesteps`` at the last call (env steps).
        locals: the trainer's local variables given to :meth:`on_training_start` and
            :meth:`update_locals` (only what the trainer chooses to share; A3C shares little).
        globals: the trainer's global variables given to :meth:`on_training_start`.
        parent: the callback this one is a child of (an ``EventCallback``), or None.
        verbose: the verbosity level.
    """

    model: CallbackModel

    def __init__(self, verbose: int = 0) -> None:
        super().__init__()
        self.verbose = _check_verbose(verbose)
        self.n_calls = 0
        self.num_timesteps = 0
        self.locals: dict[str, Any] = {}
        self.globals: dict[str, Any] = {}
        self.parent: BaseCallback | None = None

    @property
    def training_env(self) -> Any:
        """The model's training env (``model.get_env()``).

        Raises:
            RuntimeError: the model has no env (``get_env()`` returned None).
        """
        env = self.model.get_env()
        if env is None:
            raise RuntimeError(f"{type(self).__name__}: model.get_env() returned None; the model has no "
                               f"training env")
        return env

    @property
    def logger(self) -> SupportsRecord:
        """The model's logger (``model.logger``)."""
        return self.model.logger

    def init_callback(self, model: CallbackModel) -> None:
        """Keeps a reference to the model, then runs :meth:`_init_callback`.

        Args:
            model: the model being trained.
        """
        self.model = model
        self._init_callback()

    def _init_callback(self) -> None:
        """Hook run by :meth:`init_callback` (the model is set)."""

    def on_training_start(self, locals_: dict[str, Any], globals_: dict[str, Any]) -> None:
        """Called when training starts: keeps the variables and reads ``model.num_timesteps``.

        Args:
            locals_: the trainer's local variables (kept by reference, as SB3).
            globals_: the trainer's global variables (kept by reference).
        """
        self.locals = locals_
        self.globals = globals_
        # Training may have been done before.
        self.num_timesteps = self.model.num_timesteps
        self._on_training_start()

    def _on_training_start(self) -> None:
        """Hook run by :meth:`on_training_start`."""

    def on_rollout_start(self) -> None:
        """Called before collecting a rollout (A2C; A3C's rollouts are in its worker threads)."""
        self._on_rollout_start()

    def _on_rollout_start(self) -> None:
        """Hook run by :meth:`on_rollout_start`."""

    @abstractmethod
    def _on_step(self) -> bool | None:
        """The callback's work at each call of :meth:`on_step`.

        Returns:
            ``False`` to stop training; ``True`` or ``None`` to continue.
        """

    def on_step(self) -> bool:
        """Called by the model after env steps (for a child callback: when its event triggers).

        Counts the call, reads ``model.num_timesteps`` and runs :meth:`_on_step`.

        Returns:
            ``False`` if training must stop, else ``True``.

        Raises:
            TypeError: ``_on_step`` returned something other than a bool (numpy's included) or
                None (SB3 does not check; a stray return value would silently stop training or not).
        """
        self.n_calls += 1
        self.num_timesteps = self.model.num_timesteps
        result = self._on_step()
        if result is None:
            return True
        if isinstance(result, (bool, np.bool_)):
            return bool(result)
        raise TypeError(f"{self._description()}._on_step must return a bool or None (False stops training), "
                        f"got {result!r} ({type(result).__name__})")

    def _description(self) -> str:
        """How error messages name this callback."""
        return type(self).__name__

    def on_rollout_end(self) -> None:
        """Called after collecting a rollout, before the update (A2C)."""
        self._on_rollout_end()

    def _on_rollout_end(self) -> None:
        """Hook run by :meth:`on_rollout_end`."""

    def on_training_end(self) -> None:
        """Called when training ends (also when it stops early)."""
        self._on_training_end()

    def _on_training_end(self) -> None:
        """Hook run by :meth:`on_training_end`."""

    def update_locals(self, locals_: dict[str, Any]) -> None:
        """Updates the references to the trainer's local variables, here and in the children.

        Args:
            locals_: the local variables during rollout collection.
        """
        self.locals.update(locals_)
        self.update_child_locals(locals_)

    def update_child_locals(self, locals_: dict[str, Any]) -> None:
        """Updates the references to the local variables of the child callbacks (none here).

        Args:
            locals_: the local variables during rollout collection.
        """


class EventCallback(BaseCallback):
    """Base class of the callbacks that trigger a child callback on an event, as SB3's.

    Unlike SB3, the child also gets :meth:`on_rollout_start`, :meth:`on_rollout_end` and
    :meth:`on_training_end` (SB3 forwards only ``on_training_start``), so that a child that
    holds resources (an ``EvalCallback`` made from an env id) can release them.

    Args:
        callback: the callback whose :meth:`on_step` is called when the event triggers, or None.
        verbose: verbosity level, ``>= 0``.
    """

    def __init__(self, callback: BaseCallback | None = None, verbose: int = 0) -> None:
        super().__init__(verbose=verbose)
        self.callback = _check_callback("callback", callback)
        if self.callback is not None:
            self.callback.parent = self

    def _children(self) -> list[BaseCallback]:
        """The child callbacks, in the order they get the lifecycle events."""
        return [] if self.callback is None else [self.callback]

    def init_callback(self, model: CallbackModel) -> None:
        """Initializes this callback, then the child.

        Args:
            model: the model being trained.
        """
        super().init_callback(model)
        if self.callback is not None:
            self.callback.init_callback(self.model)

    def _on_training_start(self) -> None:
        for child in self._children():
            child.on_training_start(self.locals, self.globals)

    def _on_rollout_start(self) -> None:
        for child in self._children():
            child.on_rollout_start()

    def _on_rollout_end(self) -> None:
        for child in self._children():
            child.on_rollout_end()

    def _on_training_end(self) -> None:
        for child in self._children():
            child.on_training_end()

    def _on_event(self) -> bool:
        """Calls the child's :meth:`on_step`; returns whether training continues."""
        if self.callback is not None:
            return self.callback.on_step()
        return True

    def _on_step(self) -> bool:
        return True

    def update_child_locals(self, locals_: dict[str, Any]) -> None:
        """Updates the references to the local variables of the child callbacks.

        Args:
            locals_: the local variables during rollout collection.
        """
        for child in self._children():
            child.update_locals(locals_)


class CallbackList(BaseCallback):
    """Chains callbacks: each event goes to every callback, in the list's order, as SB3's.

    :meth:`on_step` calls every callback even after one asks to stop, and returns ``False``
    if at least one did.

    Args:
        callbacks: a list (or tuple) of callbacks.

    Raises:
        TypeError: ``callbacks`` is not a list or tuple of ``BaseCallback`` objects.
    """

    def __init__(self, callbacks: list[BaseCallback]) -> None:
        super().__init__()
        if not isinstance(callbacks, (list, tuple)):
            raise TypeError(f"callbacks must be a list of fastac.callbacks.BaseCallback, got {callbacks!r} "
                            f"({type(callbacks).__name__})")
        for i, callback in enumerate(callbacks):
            if not isinstance(callback, BaseCallback):
                raise TypeError(f"callbacks[{i}] must be a fastac.callbacks.BaseCallback, got {callback!r} "
                                f"({type(callback).__name__})")
        self.callbacks: list[BaseCallback] = list(callbacks)

    def _init_callback(self) -> None:
        for callback in self.callbacks:
            callback.init_callback(self.model)
            # As SB3 (its issue 1791): the children see this list's parent as theirs, so that
            # StopTrainingOnRewardThreshold in a list given to EvalCallback finds the EvalCallback.
            callback.parent = self.parent

    def _on_training_start(self) -> None:
        for callback in self.callbacks:
            callback.on_training_start(self.locals, self.globals)

    def _on_rollout_start(self) -> None:
        for callback in self.callbacks:
            callback.on_rollout_start()

    def _on_step(self) -> bool:
        continue_training = True
        for callback in self.callbacks:
            # Every callback is called; training stops if at least one returns False.
            continue_training = callback.on_step() and continue_training
        return continue_training

    def _on_rollout_end(self) -> None:
        for callback in self.callbacks:
            callback.on_rollout_end()

    def _on_training_end(self) -> None:
        for callback in self.callbacks:
            callback.on_training_end()

    def update_child_locals(self, locals_: dict[str, Any]) -> None:
        """Updates the references to the local variables of every callback in the list.

        Args:
            locals_: the local variables during rollout collection.
        """
        for callback in self.callbacks:
            callback.update_locals(locals_)


class CheckpointCallback(BaseCallback):
    """Saves the model every ``save_freq`` env steps, as SB3's ``CheckpointCallback``.

    The files are ``{save_path}/{name_prefix}_{num_timesteps}_steps.pt``, fastac model files
    (``fastac.load`` reads them), written atomically; ``num_timesteps`` is the model's step
    count when the file is written.

    Differences from SB3: ``save_freq`` counts env steps (``model.num_timesteps``), unlike SB3,
    where it counts calls (vector steps), so there is no ``save_freq // n_envs`` to compute. The
    model is saved at the first call at or after each multiple of ``save_freq``; a call that
    crosses several multiples (A3C calls every few tens of milliseconds) saves once. The
    parameters ``save_replay_buffer`` (no replay buffer) and ``save_vecnormalize`` (the
    normalization statistics are inside the model file) do not exist.

    Args:
        save_freq: env steps between checkpoints, ``>= 1``.
        save_path: the folder of the checkpoints (made if missing).
        name_prefix: the file names' prefix.
        verbose: verbosity level, ``>= 0``: 2 prints each checkpoint's path.

    Raises:
        TypeError, ValueError: an argument of the wrong type or out of range (named).
    """

    def __init__(self, save_freq: int, save_path: str | os.PathLike[str], name_prefix: str = "rl_model",
                 verbose: int = 0) -> None:
        super().__init__(verbose)
        self.save_freq = check_int("save_freq", save_freq, minimum=1)
        self.save_path = check_path("save_path", save_path)
        if not isinstance(name_prefix, str):
            raise TypeError(f"name_prefix must be a str, got {name_prefix!r} ({type(name_prefix).__name__})")
        if "\0" in name_prefix or os.sep in name_prefix or (os.altsep is not None and os.altsep in name_prefix):
            raise ValueError(f"name_prefix must be a file name prefix without path separators or NUL "
                             f"characters, got {name_prefix!r}")
        self.name_prefix = name_prefix
        self._last_multiple = 0

    def _init_callback(self) -> None:
        os.makedirs(self.save_path, exist_ok=True)

    def _on_training_start(self) -> None:
        # A resumed model saves at the next multiple after its current step count.
        self._last_multiple = self.num_timesteps // self.save_freq

    def _checkpoint_path(self) -> str:
        """The path of a checkpoint written now."""
        return os.path.join(self.save_path, f"{self.name_prefix}_{self.num_timesteps}_steps.pt")

    def _on_step(self) -> bool:
        due, self._last_multiple = _crossed(self.num_timesteps, self.save_freq, self._last_multiple)
        if due:
            model_path = self._checkpoint_path()
            self.model.save(model_path)
            if self.verbose >= 2:
                print(f"Saving model checkpoint to {model_path}")
        return True


class ConvertCallback(BaseCallback):
    """Turns a plain function into a callback, as SB3's.

    Args:
        callback: ``f(locals, globals)`` called at every :meth:`on_step` with the trainer's
            variables; it returns ``False`` to stop training, ``True`` or ``None`` to continue
            (anything else is a ``TypeError`` at that call). None: a callback that does nothing.
        verbose: verbosity level, ``>= 0``.

    Raises:
        TypeError: ``callback`` is not callable.
    """

    def __init__(self, callback: CallbackFunction | None, verbose: int = 0) -> None:
        super().__init__(verbose)
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be a function f(locals, globals) or None, got {callback!r} "
                            f"({type(callback).__name__})")
        self.callback = callback

    def _description(self) -> str:
        name = getattr(self.callback, "__qualname__", None) or repr(self.callback)
        return f"ConvertCallback({name})"

    def _on_step(self) -> bool | None:
        if self.callback is not None:
            return self.callback(self.locals, self.globals)
        return True


class _SuccessRecorder:
    """A pass-through view of a (non-vector) env that collects ``info["is_success"]`` at episode ends."""

    def __init__(self, env: Any) -> None:
        self.env = env
        self.observation_space = env.observation_space
        self.action_space = env.action_space
        self.successes: list[bool] = []

    def reset(self, **kwargs: Any) -> Any:
        return self.env.reset(**kwargs)

    def step(self, action: Any) -> Any:
        result = self.env.step(action)
        _, _, terminated, truncated, info = result
        if terminated or truncated:
            success = info.get("is_success") if isinstance(info, dict) else None
            if success is not None:
                self.successes.append(bool(success))
        return result

    def render(self) -> Any:
        return self.env.render()

    def __getattr__(self, name: str) -> Any:  # anything else: the env's
        if name == "env":  # not yet set (copying): no recursion
            raise AttributeError(name)
        return getattr(self.env, name)


class _VectorSuccessRecorder(VectorWrapper):
    """A pass-through vector env that collects ``is_success`` of the episodes that
    ``evaluate_policy`` counts (sub-env ``i``'s first ``(n_eval_episodes + i) // num_envs``)."""

    def __init__(self, env: VectorEnv, n_eval_episodes: int) -> None:
        super().__init__(env)
        self.autoreset_mode = autoreset_mode(env)
        n = int(env.num_envs)
        self._targets = [(n_eval_episodes + i) // n for i in range(n)]
        self._counts = [0] * n
        self._resetting = np.zeros(n, dtype=bool)
        self.successes: list[bool] = []

    def reset(self, **kwargs: Any) -> Any:
        self._resetting[:] = False
        return self.env.reset(**kwargs)

    def step(self, actions: Any) -> Any:
        result = self.env.step(actions)
        _, _, terminated, truncated, infos = result
        n = len(self._counts)
        dones = np.logical_or(terminated, truncated).reshape(n) & ~self._resetting
        same_step = self.autoreset_mode == AutoresetMode.SAME_STEP
        for i in np.flatnonzero(dones):
            if self._counts[i] >= self._targets[i]:
                continue
            self._counts[i] += 1
            source = infos
            if same_step:  # the finished episode's info is under "final_info"
                source = infos.get("final_info", {}) if isinstance(infos, dict) else {}
            success = _vector_info(source, "is_success", int(i))
            if success is not None:
                self.successes.append(bool(success))
        self._resetting = dones if self.autoreset_mode == AutoresetMode.NEXT_STEP else np.zeros(n, dtype=bool)
        return result


def _vector_info(infos: Any, key: str, i: int) -> Any:
    """Sub-env ``i``'s value of ``key`` in a vector env's infos (arrays with ``_key`` masks), or None."""
    if not isinstance(infos, dict) or key not in infos:
        return None
    mask = infos.get(f"_{key}")
    if mask is not None and not bool(np.asarray(mask)[i]):
        return None
    return np.asarray(infos[key])[i]


EvalEnv = Union[gym.Env, VectorEnv, str]


def _check_eval_env(eval_env: Any) -> EvalEnv:
    if isinstance(eval_env, str):
        try:
            gym.spec(eval_env)
        except gym.error.Error as error:
            raise ValueError(f"eval_env: {eval_env!r} is not a registered gymnasium id: {error}") from None
        return eval_env
    if not all(hasattr(eval_env, name) for name in ("reset", "step", "observation_space", "action_space")):
        raise TypeError(f"eval_env must be a gymnasium Env, a gymnasium.vector.VectorEnv or a gymnasium id, "
                        f"got {eval_env!r} ({type(eval_env).__name__})")
    return cast(EvalEnv, eval_env)


class EvalCallback(EventCallback):
    """Evaluates the policy every ``eval_freq`` env steps, as SB3's ``EvalCallback``.

    Each evaluation runs ``fastac.evaluate_policy`` on ``model.policy`` for ``n_eval_episodes``
    episodes, records ``eval/mean_reward``, ``eval/mean_ep_length``, ``eval/success_rate`` (if
    the env's final ``info`` has ``is_success``) and ``time/total_timesteps`` with
    ``model.logger.record``, appends to ``evaluations_timesteps``, ``evaluations_results`` and
    ``evaluations_length`` and, with ``log_path``, rewrites ``{log_path}/evaluations.npz``
    (``timesteps``, ``results``, ``ep_lengths`` and, if any, ``successes``; atomically). When
    the mean return beats ``best_mean_reward``, the evaluated policy is saved (with
    ``best_model_save_path``) and ``callback_on_new_best`` is called; then, after every
    evaluation, ``callback_after_eval``. Training stops when either returns ``False``.

    Differences from SB3:

    - ``eval_freq`` counts env steps (``model.num_timesteps``), unlike SB3, where ``eval_freq``
      counts calls, i.e. vector steps (so no ``eval_freq // n_envs``). The evaluation runs at
      the first call at or after each multiple of ``eval_freq``; a call that crosses several
      multiples (A3C calls every few tens of milliseconds) evaluates once.
    - ``eval_env`` may be a gymnasium id: it is made with ``gymnasium.make`` when the callback
      is initialized and closed when training ends (and made again if the callback is reused).
      An env object is used as it is (not wrapped in a ``VecEnv``) and left open. Its spaces are
      checked against the policy's when the callback is initialized. There is no warning
      about differing training and eval env types and no ``VecNormalize`` to sync (the
      normalization statistics are in the policy).
    - The best model is ``{best_model_save_path}/best_model.pt``, a fastac model file written
      atomically right after the evaluation, so it is the policy that was evaluated.
    - ``evaluations_*`` are filled with or without ``log_path`` (SB3 fills them only with it).
    - ``callback_on_new_best`` also gets ``on_training_start`` and the other lifecycle events.

    Args:
        eval_env: a gymnasium Env, a ``gymnasium.vector.VectorEnv`` or a gymnasium id. Seed it
            yourself for reproducible evaluations (``evaluate_policy`` is called without a seed).
        callback_on_new_best: called when there is a new best mean return (for example
            :class:`StopTrainingOnRewardThreshold`), or None.
        callback_after_eval: called after every evaluation (for example
            :class:`StopTrainingOnNoModelImprovement`), or None.
        n_eval_episodes: episodes per evaluation, ``>= 1``.
        eval_freq: env steps between evaluations, ``>= 1``.
        log_path: a folder for ``evaluations.npz`` (made if missing), or None.
        best_model_save_path: a folder for ``best_model.pt`` (made if missing), or None.
        deterministic: take the most probable actions, else sample.
        render: call the env's ``render()`` after every evaluation step (give an env made
            with a ``render_mode``).
        verbose: verbosity level, ``>= 0``: 1 prints each evaluation's results.
        warn: accepted for SB3 compatibility (SB3 passes it to its ``evaluate_policy``, which
            warns about an env without a ``Monitor`` wrapper); fastac's ``evaluate_policy``
            sums the env's own rewards, so there is nothing to warn about.

    Attributes:
        best_mean_reward: the best mean return so far (``-inf`` before the first evaluation).
        last_mean_reward: the last evaluation's mean return (``-inf`` before the first).
        evaluations_timesteps: the step counts of the evaluations.
        evaluations_results: each evaluation's episode returns.
        evaluations_length: each evaluation's episode lengths.
        evaluations_successes: each evaluation's ``is_success`` values (where the env gives them).

    Raises:
        TypeError, ValueError: an argument of the wrong type or out of range (named), or an
            unregistered gymnasium id.
    """

    def __init__(
        self,
        eval_env: gym.Env | VectorEnv | str,
        callback_on_new_best: BaseCallback | None = None,
        callback_after_eval: BaseCallback | None = None,
        n_eval_episodes: int = 5,
        eval_freq: int = 10000,
        log_path: str | os.PathLike[str] | None = None,
        best_model_save_path: str | os.PathLike[str] | None = None,
        deterministic: bool = True,
        render: bool = False,
        verbose: int = 1,
        warn: bool = True,
    ) -> None:
        self.eval_env = _check_eval_env(eval_env)
        super().__init__(_check_callback("callback_after_eval", callback_after_eval), verbose=verbose)
        self.callback_on_new_best = _check_callback("callback_on_new_best", callback_on_new_best)
        if self.callback_on_new_best is not None:
            self.callback_on_new_best.parent = self
        self.n_eval_episodes = check_int("n_eval_episodes", n_eval_episodes, minimum=1)
        self.eval_freq = check_int("eval_freq", eval_freq, minimum=1)
        log_folder = _check_optional_path("log_path", log_path)
        self.best_model_save_path = _check_optional_path("best_model_save_path", best_model_save_path)
        self.deterministic = check_bool("deterministic", deterministic)
        self.render = check_bool("render", render)
        self.warn = check_bool("warn", warn)
        self.best_mean_reward = -np.inf
        self.last_mean_reward = -np.inf
        # As SB3: the path without ".npz" (numpy's savez adds it).
        self.log_path = None if log_folder is None else os.path.join(log_folder, "evaluations")
        self.evaluations_results: list[list[float]] = []
        self.evaluations_timesteps: list[int] = []
        self.evaluations_length: list[list[int]] = []
        self.evaluations_successes: list[list[bool]] = []
        self._is_success_buffer: list[bool] = []
        self._env: Any = None if isinstance(self.eval_env, str) else self.eval_env
        self._last_multiple = 0

    def _children(self) -> list[BaseCallback]:
        children = [] if self.callback_on_new_best is None else [self.callback_on_new_best]
        return children + super()._children()

    def _open_env(self) -> Any:
        """The env to evaluate on (made from the id if it is one and not open)."""
        if self._env is None:
            env_id = cast(str, self.eval_env)
            try:
                register_namespace(env_id)
                self._env = gym.make(env_id)
            except gym.error.Error as error:  # a missing dependency, ...
                raise ValueError(f"eval_env: cannot make {env_id!r}: {error}") from None
        return self._env

    def _close_env(self) -> None:
        """Closes the env if this callback made it."""
        if isinstance(self.eval_env, str) and self._env is not None:
            env, self._env = self._env, None
            env.close()

    def _init_callback(self) -> None:
        if self.best_model_save_path is not None:
            os.makedirs(self.best_model_save_path, exist_ok=True)
        if self.log_path is not None:
            os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
        env = self._open_env()
        policy = getattr(self.model, "policy", None)
        if isinstance(policy, ActorCriticPolicy):
            try:
                if isinstance(env, VectorEnv):
                    _check_spaces(policy, env.single_observation_space, env.single_action_space)
                else:
                    _check_spaces(policy, env.observation_space, env.action_space)
            except ValueError as error:
                self._close_env()
                raise ValueError(f"eval_env: {error}") from None
        if self.callback_on_new_best is not None:
            self.callback_on_new_best.init_callback(self.model)

    def _on_training_start(self) -> None:
        # A resumed model evaluates at the next multiple after its current step count.
        self._last_multiple = self.num_timesteps // self.eval_freq
        super()._on_training_start()

    def _on_training_end(self) -> None:
        super()._on_training_end()
        self._close_env()

    def _evaluate(self) -> tuple[list[float], list[int]]:
        """Runs ``evaluate_policy`` on ``model.policy``; fills ``_is_success_buffer``."""
        env = self._open_env()
        recorder: Any = (_VectorSuccessRecorder(env, self.n_eval_episodes) if isinstance(env, VectorEnv)
                         else _SuccessRecorder(env))
        returns, lengths = evaluate_policy(self.model.policy, recorder, n_eval_episodes=self.n_eval_episodes,
                                           deterministic=self.deterministic, render=self.render,
                                           return_episode_rewards=True)
        self._is_success_buffer = list(recorder.successes)
        return cast(list[float], returns), cast(list[int], lengths)

    def _write_log(self) -> None:
        """Rewrites ``evaluations.npz`` atomically."""
        if self.log_path is None:
            return
        arrays: dict[str, Any] = {
            "timesteps": np.asarray(self.evaluations_timesteps),
            "results": np.asarray(self.evaluations_results),
            "ep_lengths": np.asarray(self.evaluations_length),
        }
        if self.evaluations_successes:
            arrays["successes"] = np.asarray(self.evaluations_successes)
        atomic_write(self.log_path + ".npz", lambda buffer: np.savez(buffer, **arrays))

    def _on_step(self) -> bool:
        due, self._last_multiple = _crossed(self.num_timesteps, self.eval_freq, self._last_multiple)
        if not due:
            return True
        continue_training = True
        episode_rewards, episode_lengths = self._evaluate()
        self.evaluations_timesteps.append(self.num_timesteps)
        self.evaluations_results.append(episode_rewards)
        self.evaluations_length.append(episode_lengths)
        if self._is_success_buffer:
            self.evaluations_successes.append(self._is_success_buffer)
        self._write_log()

        mean_reward, std_reward = float(np.mean(episode_rewards)), float(np.std(episode_rewards))
        mean_ep_length, std_ep_length = float(np.mean(episode_lengths)), float(np.std(episode_lengths))
        self.last_mean_reward = mean_reward
        if self.verbose >= 1:
            print(f"Eval num_timesteps={self.num_timesteps}, episode_reward={mean_reward:.2f} +/- {std_reward:.2f}")
            print(f"Episode length: {mean_ep_length:.2f} +/- {std_ep_length:.2f}")
        self.logger.record("eval/mean_reward", mean_reward)
        self.logger.record("eval/mean_ep_length", mean_ep_length)
        if self._is_success_buffer:
            success_rate = float(np.mean(self._is_success_buffer))
            if self.verbose >= 1:
                print(f"Success rate: {100 * success_rate:.2f}%")
            self.logger.record("eval/success_rate", success_rate)
        self.logger.record("time/total_timesteps", self.num_timesteps)

        if mean_reward > self.best_mean_reward:
            if self.verbose >= 1:
                print("New best mean reward!")
            if self.best_model_save_path is not None:
                self.model.save(os.path.join(self.best_model_save_path, "best_model.pt"))
            self.best_mean_reward = mean_reward
            if self.callback_on_new_best is not None:
                continue_training = self.callback_on_new_best.on_step()
        # As SB3: after a stop from callback_on_new_best, callback_after_eval is not called.
        if self.callback is not None:
            continue_training = continue_training and self._on_event()
        return continue_training


def _eval_parent(callback: BaseCallback) -> EvalCallback:
    """The ``EvalCallback`` a stop callback belongs to, or a ``RuntimeError`` saying how to use it."""
    parent = callback.parent
    if not isinstance(parent, EvalCallback):
        raise RuntimeError(f"{type(callback).__name__} must be used with an EvalCallback (as its "
                           f"callback_on_new_best or callback_after_eval); its parent is {parent!r}")
    return parent


class StopTrainingOnRewardThreshold(BaseCallback):
    """Stops training once the best mean evaluation return reaches a threshold, as SB3's.

    Give it to an :class:`EvalCallback` as ``callback_on_new_best``; it reads the
    ``EvalCallback``'s ``best_mean_reward``.

    Args:
        reward_threshold: the mean episode return at which training stops (a finite number).
        verbose: verbosity level, ``>= 0``: 1 prints when it stops training.

    Raises:
        TypeError, ValueError: ``reward_threshold`` is not a finite number, or a bad ``verbose``.
    """

    def __init__(self, reward_threshold: float, verbose: int = 0) -> None:
        super().__init__(verbose=verbose)
        self.reward_threshold = check_float("reward_threshold", reward_threshold)

    def _on_step(self) -> bool:
        parent = _eval_parent(self)
        continue_training = bool(parent.best_mean_reward < self.reward_threshold)
        if self.verbose >= 1 and not continue_training:
            print(f"Stopping training because the mean reward {parent.best_mean_reward:.2f} "
                  f"is above the threshold {self.reward_threshold}")
        return continue_training


class EveryNTimesteps(EventCallback):
    """Triggers a callback every ``n_steps`` env steps, as SB3's.

    The callback is triggered at the first call at which at least ``n_steps`` env steps have
    passed since the last trigger (or since step 0); as in SB3, the next trigger counts from the
    step count of this one.

    Args:
        n_steps: env steps between two triggers, ``>= 1``.
        callback: the callback to trigger.

    Raises:
        TypeError, ValueError: ``n_steps`` is not an int ``>= 1`` or ``callback`` not a callback.
    """

    def __init__(self, n_steps: int, callback: BaseCallback) -> None:
        if callback is None:
            raise TypeError("callback must be a fastac.callbacks.BaseCallback, got None")
        super().__init__(callback)
        self.n_steps = check_int("n_steps", n_steps, minimum=1)
        self.last_time_trigger = 0

    def _on_step(self) -> bool:
        if (self.num_timesteps - self.last_time_trigger) >= self.n_steps:
            self.last_time_trigger = self.num_timesteps
            return self._on_event()
        return True


class StopTrainingOnMaxEpisodes(BaseCallback):
    """Stops training once ``max_episodes`` episodes are completed.

    Difference from SB3: the episodes are counted over all environments together, from
    ``model.num_episodes`` (fastac's A3C steps its envs in C++ threads, with no ``dones`` in
    ``locals``), where SB3 counts ``dones`` and stops after ``max_episodes * n_envs`` episodes
    (``max_episodes`` per env on average). Episodes completed before this callback's first
    training start are not counted.

    Args:
        max_episodes: the number of episodes after which training stops, ``>= 1``.
        verbose: verbosity level, ``>= 0``: 1 prints when it stops training.

    Attributes:
        n_episodes: the episodes completed since training started (at the last call).

    Raises:
        TypeError, ValueError: ``max_episodes`` is not an int ``>= 1``, or a bad ``verbose``.
    """

    def __init__(self, max_episodes: int, verbose: int = 0) -> None:
        super().__init__(verbose=verbose)
        self.max_episodes = check_int("max_episodes", max_episodes, minimum=1)
        self.n_episodes = 0
        self._episodes_before: int | None = None

    def _on_training_start(self) -> None:
        # Counted from here on; a reused callback goes on from its count.
        self._episodes_before = int(self.model.num_episodes) - self.n_episodes

    def _on_step(self) -> bool:
        if self._episodes_before is None:  # on_training_start was not called
            self._episodes_before = 0
        self.n_episodes = int(self.model.num_episodes) - self._episodes_before
        continue_training = self.n_episodes < self.max_episodes
        if self.verbose >= 1 and not continue_training:
            print(f"Stopping training with a total of {self.num_timesteps} steps because the "
                  f"{self.model.algorithm} model reached max_episodes={self.max_episodes}, "
                  f"by playing for {self.n_episodes} episodes")
        return continue_training


class StopTrainingOnNoModelImprovement(BaseCallback):
    """Stops training after ``max_no_improvement_evals`` consecutive evaluations without a new
    best mean return (after the first ``min_evals`` evaluations), as SB3's.

    Give it to an :class:`EvalCallback` as ``callback_after_eval``: it is then called once per
    evaluation, and its ``n_calls`` counts evaluations.

    Args:
        max_no_improvement_evals: the evaluations without improvement to tolerate, ``>= 1``:
            training stops at the next one.
        min_evals: evaluations before starting to count, ``>= 0``.
        verbose: verbosity level, ``>= 0``: 1 prints when it stops training.

    Raises:
        TypeError, ValueError: an argument of the wrong type or out of range (named).
    """

    def __init__(self, max_no_improvement_evals: int, min_evals: int = 0, verbose: int = 0) -> None:
        super().__init__(verbose=verbose)
        self.max_no_improvement_evals = check_int("max_no_improvement_evals", max_no_improvement_evals, minimum=1)
        self.min_evals = check_int("min_evals", min_evals, minimum=0)
        self.last_best_mean_reward = -np.inf
        self.no_improvement_evals = 0

    def _on_step(self) -> bool:
        parent = _eval_parent(self)
        continue_training = True
        if self.n_calls > self.min_evals:
            if parent.best_mean_reward > self.last_best_mean_reward:
                self.no_improvement_evals = 0
            else:
                self.no_improvement_evals += 1
                if self.no_improvement_evals > self.max_no_improvement_evals:
                    continue_training = False
        self.last_best_mean_reward = parent.best_mean_reward
        if self.verbose >= 1 and not continue_training:
            print(f"Stopping training because there was no new best model in the last "
                  f"{self.no_improvement_evals:d} evaluations")
        return continue_training


def convert_callback(
    callback: BaseCallback | list[BaseCallback] | CallbackFunction | None,
) -> BaseCallback | None:
    """A model's ``callback`` argument as one callback object, as SB3's ``_init_callback``.

    Args:
        callback: None; a :class:`BaseCallback` (returned as it is); a list of them (a
            :class:`CallbackList`); or a function ``f(locals, globals)`` (a :class:`ConvertCallback`).

    Returns:
        The callback, or None for None.

    Raises:
        TypeError: ``callback`` is none of these (or a list holds something else than callbacks).
    """
    if callback is None or isinstance(callback, BaseCallback):
        return callback
    if isinstance(callback, list):
        for i, item in enumerate(callback):
            if not isinstance(item, BaseCallback):
                raise TypeError(f"callback[{i}] must be a fastac.callbacks.BaseCallback, got {item!r} "
                                f"({type(item).__name__})")
        return CallbackList(callback)
    if callable(callback):
        return ConvertCallback(callback)
    raise TypeError(f"callback must be None, a fastac.callbacks.BaseCallback, a list of them or a function "
                    f"f(locals, globals), got {callback!r} ({type(callback).__name__})")

