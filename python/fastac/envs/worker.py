"""The Python environments of one A3C worker: :class:`WorkerEnvs`.

An A3C worker thread (``cpp/rl/a3c.cpp``) steps its environments through the core's
``BatchedEnv`` interface; for Python environments the bindings adapt a ``WorkerEnvs``
(``cpp/bindings/python_env.h``), calling :meth:`WorkerEnvs.reset_one` and
:meth:`WorkerEnvs.step` from the worker's thread with the GIL held only for those calls.
The network, the loss and the optimizer run without it, so the GIL is the bottleneck only
for the environments' own Python code.

Three modes, as gymnasium's vectorization modes:

- ``"sync"``: the worker's thread steps its gymnasium envs one after the other. The
  cheapest per step; environments whose ``step`` releases the GIL (native code that
  says so) then run in parallel across workers. ALE's ``AtariEnv`` does not (ale-py
  0.12: two threads stepping Pong take no more steps per second than one).
- ``"async"``: the worker's envs live in a ``gymnasium.vector.AsyncVectorEnv`` (one
  subprocess each), so that pure-Python envs run in parallel too, at the price of a
  round trip between processes per step.
- ``"vector_entry_point"``: the worker's envs are one vector env made by
  ``make_vector_env(num_envs)``, such as a gymnasium id's registered vector entry point
  (ALE's ``AtariVectorEnv``, whose C++ steps and preprocesses a batch without the GIL),
  stepped with one call per step. It must autoreset on the same step.

Episodes autoreset on the same step (gymnasium's ``AutoresetMode.SAME_STEP``): the last
observation of a finished episode goes to ``final_obs``, from which a truncated episode is
bootstrapped.
"""

from __future__ import annotations

import functools
import os
import signal
import statistics
import threading
import time
from typing import Any, Callable

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode

from fastac import _core
from fastac.evaluation import autoreset_mode

__all__ = ["WorkerEnvs", "check_same_step_vector_env", "parallel_step_speedup"]


def _make_ignoring_sigint(make_env: Callable[[], gym.Env], parent_pid: int) -> gym.Env:
    """``make_env()``, and in an ``AsyncVectorEnv`` subprocess SIGINT ignored: a terminal's Ctrl-C
    reaches the whole process group, and it is the parent's to handle (it stops the run and
    closes the subprocesses), not an error of the env. (``AsyncVectorEnv`` also calls this in
    the parent, for the spaces: that process keeps its handler.)"""
    if os.getpid() != parent_pid:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    return make_env()


class WorkerEnvs:
    """``num_envs`` environments made by ``make_env``, stepped together (see the module docstring).

    Args:
        make_env: returns a new ``gymnasium.Env``; ``"async"`` mode pickles it into the
            subprocesses (with cloudpickle, as ``AsyncVectorEnv`` does). Unused (may be
            None) in ``"vector_entry_point"`` mode.
        num_envs: how many.
        env_id: the name the errors use.
        observation_size: the flat observation size the policy takes.
        action_space: the single env's action space (Discrete or Box).
        mode: ``"sync"``, ``"async"`` or ``"vector_entry_point"``.
        observation_dtype: ``"float32"``, or an image's ``"uint8"`` / ``"bool"`` (kept as bytes).
        make_vector_env: ``"vector_entry_point"`` mode's: ``make_vector_env(num_envs)``
            returns a ``gymnasium.vector.VectorEnv`` of ``num_envs`` envs that autoresets on
            the same step (``AutoresetMode.SAME_STEP``, the last observation of an ended
            episode in ``info["final_obs"]``); another autoreset mode or number of envs is
            refused with ``ValueError``, something not a ``VectorEnv`` with ``TypeError``.
            It is called in the worker's thread, so it must not start subprocesses
            (``AsyncVectorEnv``: forking a threaded process; use ``"async"`` mode). Its
            ``reset`` takes gymnasium's seeds, one per env (ALE's ``AtariVectorEnv`` in
            :class:`fastac.envs.atari.GymnasiumSeeding`, as A3C makes it).
    """

    def __init__(self, make_env: Callable[[], gym.Env] | None, num_envs: int, env_id: str, observation_size: int,
                 action_space: gym.spaces.Space[Any], mode: str = "sync", context: str | None = None,
                 observation_dtype: str = "float32",
                 make_vector_env: Callable[[int], gym.vector.VectorEnv] | None = None) -> None:
        from fastac.policy import core_space

        self.num_envs, self.env_id, self.observation_size = num_envs, env_id, observation_size
        self.observation_dtype = observation_dtype
        self._image = observation_dtype != "float32"
        self.core_action_space = core_space(action_space)
        self.mode = mode
        self._box_shape = action_space.shape if isinstance(action_space, gym.spaces.Box) else None
        self._envs: list[gym.Env] = []
        self._vector: gym.vector.VectorEnv | None = None
        self._closed = False
        try:
            if mode == "vector_entry_point":
                if make_vector_env is None:
                    raise ValueError("WorkerEnvs: mode 'vector_entry_point' needs make_vector_env")
                self._vector = check_same_step_vector_env(make_vector_env(num_envs), num_envs, env_id)
                # Every env reset once first (a masked reset needs the others' observations, and
                # ALE's refuses one before it); reset_one then reseeds each.
                self._vector.reset()
            elif make_env is None:
                raise ValueError(f"WorkerEnvs: mode {mode!r} needs make_env")
            elif mode == "async":
                make_child = functools.partial(_make_ignoring_sigint, make_env, os.getpid())
                self._vector = gym.vector.AsyncVectorEnv([make_child] * num_envs,
                                                         autoreset_mode=AutoresetMode.SAME_STEP, context=context)
            else:
                for _ in range(num_envs):
                    self._envs.append(make_env())
        except BaseException:
            self.close()
            raise
        n = num_envs
        self._obs = np.zeros((n, observation_size), observation_dtype)
        self._final_obs = np.zeros((n, observation_size), observation_dtype)
        self._reward = np.zeros(n, np.float64)
        self._terminated = np.zeros(n, np.bool_)
        self._truncated = np.zeros(n, np.bool_)
        self._terminated_u8, self._truncated_u8 = self._terminated.view(np.uint8), self._truncated.view(np.uint8)
        self._any_ended = False  # whether the last step ended an episode (its flags are still set)

    def reset_one(self, index: int, seed: int | None) -> np.ndarray:
        """Starts a new episode in env ``index`` (reseeded if ``seed`` is given); its observation."""
        if self._vector is not None:
            vector: Any = self._vector  # (gymnasium's vector envs take a list of seeds, typed as an int)
            mask = np.zeros(self.num_envs, np.bool_)
            mask[index] = True
            seeds: list[int | None] = [None] * self.num_envs
            seeds[index] = seed
            obs = vector.reset(seed=seeds, options={"reset_mask": mask})[0][index]
        else:
            obs = self._envs[index].reset(seed=seed)[0]
        self._store(self._obs, index, obs, "reset")
        row: np.ndarray = self._obs[index]
        self._check_finite(row, "reset")
        return row

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Steps every env; (obs, reward, terminated, truncated, final_obs), the last valid where an episode ended.
        Finished episodes are reset at once (without a seed: their streams continue)."""
        if self._box_shape is not None:
            actions = actions.reshape((self.num_envs, *self._box_shape))
        if self._vector is not None:
            obs, reward, terminated, truncated, info = self._vector.step(actions)
            self._reward[:], self._terminated[:], self._truncated[:] = reward, terminated, truncated
            for done in np.flatnonzero(self._terminated | self._truncated).tolist():
                self._store(self._final_obs, done, info["final_obs"][done], "step")
            self._store_batch(obs)
        else:
            # The hot loop of a worker on Python envs: one check per batch, and the actions as
            # numpy scalars (what SB3's DummyVecEnv passes): gymnasium's Discrete.contains builds
            # an np.iinfo for each Python int, about 1 µs a step (bench/before_after_worker_envs.py).
            reward, terminated, truncated = self._reward, self._terminated, self._truncated
            if self._any_ended:
                terminated[:] = truncated[:] = False
                self._any_ended = False
            for k, (env, action) in enumerate(zip(self._envs, actions)):
                obs, reward[k], te, tr, _ = env.step(action)
                if te or tr:
                    self._any_ended = True
                    terminated[k], truncated[k] = te, tr
                    self._store(self._final_obs, k, obs, "step")
                    obs = env.reset()[0]
                self._store(self._obs, k, obs, "step")
        self._check_finite(self._obs, "step")
        if self._vector is not None or self._any_ended:
            ended = self._terminated | self._truncated
            if ended.any():
                self._check_finite(self._final_obs[ended], "step")
        # (Flags as uint8 views, the core's type: no conversion on the way in.)
        return self._obs, self._reward, self._terminated_u8, self._truncated_u8, self._final_obs

    def _store_batch(self, obs: Any) -> None:
        """self._obs = a vector env's batch of observations: one copy when it is an array of
        the right size and dtype (ALE's batch of frames), else row by row with the checks."""
        if isinstance(obs, np.ndarray) and obs.dtype == self._obs.dtype and obs.size == self._obs.size and \
                len(obs) == self.num_envs:
            self._obs[:] = obs.reshape(self._obs.shape)
            return
        for index in range(self.num_envs):
            self._store(self._obs, index, obs[index], "step")

    def _store(self, rows: np.ndarray, index: int, obs: Any, when: str) -> None:
        """rows[index] = obs, refusing an observation of another size (numpy would broadcast a single value)."""
        if self._image:
            self._store_image(rows, index, obs, when)
            return
        try:
            if len(obs) == self.observation_size:
                rows[index] = obs
                return
            size = np.size(obs)
        except (TypeError, ValueError):
            size = np.size(obs)
            if size == self.observation_size and np.ndim(obs) == 1:
                raise ValueError(f"env {self.env_id!r} (sub-env {index}) returned an observation that is not numeric "
                                 f"on {when}: {obs!r}") from None
        raise ValueError(f"env {self.env_id!r} (sub-env {index}) returned an observation of {size} values of shape "
                         f"{np.shape(obs)} on {when}; its observation space has {self.observation_size}")

    def _store_image(self, rows: np.ndarray, index: int, obs: Any, when: str) -> None:
        """rows[index] = an image, flattened; values that are not exactly the image dtype's
        (a float, 256 for uint8, 2 for bool) are refused rather than cast."""
        image = np.asarray(obs)
        if image.size != self.observation_size:
            raise ValueError(f"env {self.env_id!r} (sub-env {index}) returned an observation of {image.size} values "
                             f"of shape {image.shape} on {when}; its observation space has {self.observation_size}")
        if image.dtype != rows.dtype:
            converted = image.astype(rows.dtype)
            if image.dtype.kind not in "biuf" or not np.array_equal(converted, image):
                raise ValueError(f"env {self.env_id!r} (sub-env {index}) returned a {image.dtype} observation on "
                                 f"{when} that is not {rows.dtype}")
            image = converted
        rows[index] = image.reshape(-1)

    def _check_finite(self, obs: np.ndarray, when: str) -> None:
        """Refuses NaN/inf observations (NaN in, NaN weights out); images are bytes."""
        if not self._image and not np.isfinite(obs).all():
            raise ValueError(f"env {self.env_id!r} returned a non-finite observation on {when}: {obs}")

    def close(self) -> None:
        """Closes every env (and the subprocesses); safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        errors = []
        for env in self._envs:
            try:
                env.close()
            except Exception as error:  # close the others anyway; report the first
                errors.append(error)
        if self._vector is not None:
            try:
                if isinstance(self._vector, gym.vector.AsyncVectorEnv):
                    self._vector.close(terminate=True)
                else:
                    self._vector.close()
            except Exception as error:
                errors.append(error)
        if errors:
            raise errors[0]


def check_same_step_vector_env(envs: Any, num_envs: int, env_id: str) -> gym.vector.VectorEnv:
    """``envs`` if it is a ``VectorEnv`` of ``num_envs`` envs that autoresets on the same step
    (what an A3C worker's envs do); else it is closed and ``ValueError`` (``TypeError`` for
    something that is not a ``VectorEnv``) says why."""
    problem, error = None, ValueError  # type: tuple[str | None, type[Exception]]
    if not isinstance(envs, gym.vector.VectorEnv):
        problem, error = f"must make a gymnasium.vector.VectorEnv, got {type(envs).__name__}", TypeError
    elif envs.num_envs != num_envs:
        problem = f"asked for {num_envs} envs, made {envs.num_envs}"
    elif (mode := autoreset_mode(envs)) != AutoresetMode.SAME_STEP:
        problem = (f"must autoreset on the same step (AutoresetMode.SAME_STEP: an ended episode's last observation "
                   f"in info['final_obs']), got {mode}")
    if problem is None:
        checked: gym.vector.VectorEnv = envs
        return checked
    close = getattr(envs, "close", None)
    if close is not None:
        close()
    raise error(f"env {env_id!r}, vectorization_mode 'vector_entry_point': the vector env maker {problem}")


#: A step slower than this is not probed: GIL handoffs between workers cost little next to it.
SLOW_STEP_S = 1e-3
#: A median speedup in this range takes four more rounds: on a loaded machine a step that
#: holds the GIL measured up to 1.46, one that releases it down to 1.68 (3 rounds each).
_UNCLEAR = (1.25, 1.75)


def parallel_step_speedup(make_env: Callable[[], gym.Env], seconds: float = 0.03, seed: int = 0) -> float | None:
    """How many times more env steps per second two threads take, each stepping an env of
    its own, than one thread alone: about 2 for an env whose ``step`` releases the GIL
    (native code), about 1 or less for one that holds it (pure Python). A3C chooses its
    default number of workers for a Python env with it.

    Makes two envs (closed on every path) and steps them with random actions (their
    wrappers' side effects included: videos, windows): a warm-up, then three times one env
    alone for ``seconds`` and both at once for as many steps each, about ``7 * seconds``
    in all. The time of both at once runs from the first thread's first step to the last
    one's last, so a thread that the other keeps off the GIL counts as waiting (a pure
    Python step can hold the GIL for a whole round). The median of the three ratios
    counts, so one preempted round does not decide; a median between 1.25 and 1.75 takes
    four more rounds (the median of all seven counts). Returns None, without the rounds,
    when a step takes more than :data:`SLOW_STEP_S`. An exception raised by an env, in
    either thread, is raised here once both threads have stopped; so is a KeyboardInterrupt.
    """
    envs: list[gym.Env] = []
    try:
        for k in range(2):
            envs.append(make_env())
            envs[k].action_space.seed(seed + k)
        actions = [[env.action_space.sample() for _ in range(64)] for env in envs]
        for k, env in enumerate(envs):
            env.reset(seed=seed + k)

        def step(k: int, n: int) -> None:
            env = envs[k]
            _, _, terminated, truncated, _ = env.step(actions[k][n % 64])
            if terminated or truncated:
                env.reset()

        def alone(deadline: float) -> tuple[int, float]:
            n, start = 0, time.perf_counter()
            while time.perf_counter() < deadline:
                step(0, n)
                n += 1
            return n, time.perf_counter() - start

        def both_at_once(n: int) -> float:
            spans = [(0.0, 0.0), (0.0, 0.0)]
            errors: list[BaseException] = []
            start, stop = threading.Barrier(2), threading.Event()

            def run(k: int) -> None:
                try:
                    start.wait()
                    began = time.perf_counter()
                    for i in range(n):
                        if stop.is_set():
                            return
                        step(k, i)
                    spans[k] = (began, time.perf_counter())
                except threading.BrokenBarrierError:
                    pass  # the other thread did not start
                except BaseException as error:  # noqa: BLE001 (raised in the caller below)
                    errors.append(error)

            threads = [threading.Thread(target=run, args=(k,), name=f"fastac-step-probe-{k}", daemon=True)
                       for k in range(2)]
            try:
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
            finally:  # (a Ctrl-C or a failed start: stop, and join before the envs are closed)
                stop.set()
                start.abort()
                for t in threads:
                    if t.ident is not None:
                        t.join()
            if errors:
                raise errors[0]
            return max(end for _, end in spans) - min(began for began, _ in spans)

        n, warm_up = alone(time.perf_counter() + seconds)  # also: caches, lazy imports
        if warm_up > SLOW_STEP_S * max(n, 1):
            return None
        ratios: list[float] = []
        while len(ratios) < 3 or (len(ratios) < 7 and _UNCLEAR[0] <= statistics.median(ratios) <= _UNCLEAR[1]):
            n, one = alone(time.perf_counter() + seconds)
            ratios.append(2 * one / max(both_at_once(max(n, 1)), 1e-9))
        return statistics.median(ratios)
    finally:
        for env in envs:
            env.close()
