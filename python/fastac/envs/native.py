"""Native environments as gymnasium ``Env`` and ``VectorEnv``, generated from the C++ registry.

One generic :class:`NativeEnv` and one :class:`NativeVectorEnv` serve every native
environment: each reads the environment's spec (spaces, constructor arguments, reset
options, time limit) from ``fastac._core.native_env_specs()``. For each registered env this
module defines a subclass pair named after it (``CartPoleEnv``/``CartPoleVectorEnv``,
``AcrobotEnv``/``AcrobotVectorEnv``, ...) so that gymnasium entry points are importable
strings. Nothing here is specific to one environment.

Both reproduce ``gymnasium.make(id)`` bit for bit: the same state, observations (float32
vectors for classic control, bool images for MinAtar), rewards, terminations, the truncation
of gymnasium's ``TimeLimit`` (reported by the native env itself, so ``make`` adds no
wrapper), and the same random draws for the same seeds (numpy's
``PCG64(SeedSequence(seed))`` as gymnasium's ``np_random``; MinAtar's own
``RandomState(seed)``, which refuses seeds of 2**32 or more where the native env seeds
itself as numpy does from an array).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, SupportsFloat

import numpy as np
from gymnasium import Env, spaces
from gymnasium.envs.classic_control.utils import maybe_parse_reset_bounds, verify_number_and_cast
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from fastac import _core
from fastac._validation import check_bool, check_float, check_int, check_seed, random_seed, seed_words

#: The spec of every native env, by its gymnasium id ("CartPole-v1").
SPECS: dict[str, Any] = {spec.id: spec for spec in _core.native_env_specs()}


class InvalidActionError(ValueError, AssertionError):
    """An action outside the action space.

    Subclasses both ``ValueError`` and ``AssertionError``: gymnasium's own envs reject
    invalid actions with an ``AssertionError``, so code written for them still works.
    """


def make_space(space: Any, dtype: str = "float32") -> spaces.Discrete | spaces.Box:
    """The gymnasium space of a ``_core.Space``; a Box of ``dtype`` (an observation
    space's: ``spec.observation_dtype``)."""
    if space.is_discrete:
        return spaces.Discrete(space.n, start=space.start)
    shape = tuple(space.shape)
    low = np.asarray(space.low, dtype=np.float32).reshape(shape).astype(dtype)
    high = np.asarray(space.high, dtype=np.float32).reshape(shape).astype(dtype)
    return spaces.Box(low, high, shape, dtype=np.dtype(dtype))


def observation_space(spec: Any) -> spaces.Box:
    """A native env's observation space (its shape and dtype: float32, or bool for MinAtar)."""
    return make_space(spec.observation_space, spec.observation_dtype)  # type: ignore[return-value]  # a Box


def _params(spec: Any, kwargs: dict[str, Any]) -> list[float]:
    """The constructor arguments in spec order, checked."""
    values = []
    for p in spec.params:
        value = kwargs.pop(p.name, bool(p.default_value) if p.boolean else p.default_value)
        values.append(float(check_bool(p.name, value)) if p.boolean else check_float(p.name, value))
    if kwargs:
        raise TypeError(f"{spec.id} got unexpected keyword argument(s) {sorted(kwargs)}; "
                        f"it takes {[p.name for p in spec.params] + ['max_episode_steps', 'render_mode']}")
    return values


def _reset_options(spec: Any, options: dict[str, Any] | None) -> list[float]:
    """The reset options in spec order, read as gymnasium's classic-control envs read them."""
    names = [o.name for o in spec.reset_options]
    defaults = [o.default_value for o in spec.reset_options]
    if names == ["low", "high"]:
        low, high = maybe_parse_reset_bounds(options, defaults[0], defaults[1])
        _check_uniform_range(low, high)
        return [low, high]
    options = options or {}
    return [verify_number_and_cast(options.get(n, d)) for n, d in zip(names, defaults)]


def _check_uniform_range(low: float, high: float) -> None:
    """Refuses the bounds gymnasium's ``np_random.uniform(low, high)`` refuses, as numpy does:
    an ``OverflowError`` when ``high - low`` is not finite (a NaN or infinite bound, or a range
    beyond float64's), else a ``ValueError`` when it has its sign bit set (``low=0.0, high=-0.0``)."""
    span = high - low
    if not math.isfinite(span):
        raise OverflowError(f"high - low range exceeds valid bounds: low={low}, high={high}")
    if math.copysign(1.0, span) < 0:
        raise ValueError(f"high - low < 0: low={low}, high={high}")


def _max_episode_steps(spec: Any, value: Any) -> int:
    """The time limit: the registered one (0: none, as MinAtar's) unless given (>= 1, as
    gymnasium's ``TimeLimit`` takes it)."""
    if value is None:
        return int(spec.max_episode_steps)
    return check_int("max_episode_steps", value, minimum=1, maximum=2**31 - 1)


class _ActionConverter:
    """Actions as the core takes them: int64 [n] for Discrete, float32 [n, size] for a Box."""

    def __init__(self, space: spaces.Discrete | spaces.Box, num_envs: int) -> None:
        self.space, self.num_envs = space, num_envs
        self.discrete = isinstance(space, spaces.Discrete)
        self.shape: tuple[int, ...] = () if isinstance(space, spaces.Discrete) else space.shape

    def batch(self, actions: Any) -> np.ndarray:
        n = self.num_envs
        a = np.asarray(actions)
        if self.discrete:
            if a.shape != (n,) or a.dtype.kind not in "iu":
                raise InvalidActionError(f"actions must be integers of shape ({n},), got dtype {a.dtype} and shape {a.shape}")
            return a if a.dtype == np.int64 else a.astype(np.int64)
        shape = (n, *self.shape)
        if a.shape != shape or a.dtype.kind not in "fiu":
            raise InvalidActionError(f"actions must be numbers of shape {shape}, got dtype {a.dtype} and shape {a.shape}")
        return np.ascontiguousarray(a, dtype=np.float32).reshape(n, -1)


class NativeEnv(Env[np.ndarray, Any]):
    """One native environment; a drop-in for ``gymnasium.make(env_id)``.

    Args:
        **kwargs: the environment's own constructor arguments (as gymnasium's, e.g.
            ``sutton_barto_reward`` for CartPole, ``g`` for Pendulum).
        max_episode_steps: the time limit (default: the registered one, none for MinAtar).
        render_mode: ``None``, ``"rgb_array"`` or ``"human"`` (drawn by gymnasium's own
            renderer of the environment, which needs ``pygame``).
    """

    env_id: ClassVar[str] = ""
    metadata: dict[str, Any] = {"render_modes": ["human", "rgb_array"], "render_fps": 30}

    def __init__(self, max_episode_steps: int | None = None, render_mode: str | None = None, **kwargs: Any) -> None:
        spec = SPECS[self.env_id]
        self.native_spec = spec
        params = _params(spec, dict(kwargs))
        self.max_episode_steps = _max_episode_steps(spec, max_episode_steps)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None or one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.render_mode = render_mode
        self.action_space = make_space(spec.action_space)
        self.observation_space = observation_space(spec)
        self._kwargs = kwargs
        self._sim = _core.make_env(spec.id, 1, "disabled", params, self.max_episode_steps)
        self._obs = np.zeros((1, spec.observation_space.size), dtype=spec.observation_dtype)
        # Images come from C++ as flat rows; a view gives them their shape.
        self._image_shape: tuple[int, ...] | None = \
            self.observation_space.shape if len(self.observation_space.shape) > 1 else None
        self._seeded = False
        self._has_reset = False
        self._renderer: Any = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        """Starts an episode; ``seed`` reseeds the stream, ``options`` as gymnasium's env takes them."""
        if seed is not None:
            seed = check_seed("seed", seed)
            # The native stream draws the states; gymnasium's np_random is seeded
            # the same way for code that uses env.np_random directly.
            super().reset(seed=seed)
            self._sim.seed(0, seed_words(seed))
            self._seeded = True
        elif not self._seeded:
            self._sim.seed(0, seed_words(random_seed()))
            self._seeded = True
        self._sim.reset(self._obs, _reset_options(self.native_spec, options))
        self._has_reset = True
        if self.render_mode == "human":
            self.render()
        obs = self._obs[0].copy()
        return (obs if self._image_shape is None else obs.reshape(self._image_shape)), {}

    def step(self, action: Any) -> tuple[np.ndarray, SupportsFloat, bool, bool, dict[str, Any]]:
        """Advances the simulation by one step."""
        if isinstance(self.action_space, spaces.Discrete):
            if not (action.__class__ is int and self.action_space.start <= action < self.action_space.start
                    + self.action_space.n):  # the fast path
                if not self.action_space.contains(action):
                    raise InvalidActionError(f"{action!r} ({type(action)}) invalid: actions must be in {self.action_space}")
                action = int(action)
        else:
            a = np.asarray(action)
            if a.shape != self.action_space.shape or a.dtype.kind not in "fiu":
                raise InvalidActionError(f"{action!r} invalid: actions must be numbers of shape {self.action_space.shape}")
            action = a.astype(np.float32, copy=False)
        if not self._has_reset:
            raise RuntimeError("Cannot call env.step() before calling env.reset()")
        out = self._sim.step_single(action)
        if out is None:
            raise InvalidActionError(f"{action!r} invalid: actions must be in {self.action_space}")
        if self.render_mode == "human":
            self.render()
        obs = out[0] if self._image_shape is None else out[0].reshape(self._image_shape)
        return obs, out[1], out[2], out[3], {}

    @property
    def state(self) -> np.ndarray:
        """The float64 state, as gymnasium's ``env.unwrapped.state`` (layout: the C++ env's header)."""
        return self._sim.get_state(0)

    def render(self) -> Any:
        """Draws the current state with gymnasium's renderer of the same environment."""
        if self.render_mode is None:
            return None
        if self._renderer is None:
            from gymnasium.envs.registration import load_env_creator

            cls = load_env_creator(self.native_spec.reference_entry_point)
            self._renderer = cls(render_mode=self.render_mode, **self._kwargs)
        self._renderer.state = self.state
        if not hasattr(self._renderer, "last_u"):  # Pendulum draws its last torque; none is kept natively
            self._renderer.last_u = None
        return self._renderer.render()

    def __getstate__(self) -> dict[str, Any]:
        """Pickle and deepcopy: the whole simulation (``_core.BatchedEnv`` pickles its full state,
        random stream included); the renderer is not carried (a copy opens its own)."""
        return _picklable_state(self, renderer=True)

    def __setstate__(self, state: dict[str, Any]) -> None:
        _restore_state(self, state)

    def close(self) -> None:
        """Closes the renderer, if one was opened."""
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None


class NativeVectorEnv(VectorEnv):
    """``num_envs`` copies of a native environment stepped by one C++ call.

    Behaves as ``gymnasium.vector.SyncVectorEnv`` of ``gymnasium.make(env_id)`` with the
    default ``AutoresetMode.NEXT_STEP``: the step after an episode ends resets that sub-env
    (reward 0, not terminated, not truncated, its action ignored). ``reset(seed=s)`` seeds
    sub-env ``i`` with ``s + i``; ``options`` takes the env's reset options and
    ``reset_mask`` as gymnasium's vector envs do. Rewards are float64, as SyncVectorEnv's.
    """

    env_id: ClassVar[str] = ""
    metadata: dict[str, Any] = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(self, num_envs: int = 1, max_episode_steps: int | None = None, **kwargs: Any) -> None:
        spec = SPECS[self.env_id]
        self.native_spec = spec
        self.num_envs = check_int("num_envs", num_envs, minimum=1, maximum=2**31 - 1)
        params = _params(spec, dict(kwargs))
        self.max_episode_steps = _max_episode_steps(spec, max_episode_steps)
        self.single_observation_space = observation_space(spec)
        self.single_action_space = make_space(spec.action_space)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._actions = _ActionConverter(self.single_action_space, self.num_envs)
        self._sim = _core.make_env(spec.id, self.num_envs, "next_step", params, self.max_episode_steps)
        #: Whether this is the registered env (default arguments and time limit).
        self.is_registered_default = (self.max_episode_steps == spec.max_episode_steps
                                      and params == [p.default_value for p in spec.params])
        self._obs_size = spec.observation_space.size
        self._obs_dtype = np.dtype(spec.observation_dtype)
        # Images come from C++ as flat rows; a view gives them their shape.
        self._image_shape: tuple[int, ...] | None = (
            self.observation_space.shape if len(self.single_observation_space.shape) > 1 else None)
        self._has_reset = False

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Resets the sub-envs (all, or ``options["reset_mask"]``); see the class docstring for seeding."""
        n = self.num_envs
        if seed is None:
            seeds: list[int | None] = [None] * n
        elif isinstance(seed, (list, tuple)):
            if len(seed) != n:
                raise ValueError(f"seed as a list must have length num_envs={n}, got {len(seed)}")
            seeds = [None if s is None else check_seed("seed", s) for s in seed]
        else:
            base = check_seed("seed", seed)
            seeds = [base + i for i in range(n)]
        options = dict(options) if options else {}
        mask = options.pop("reset_mask", None)
        if mask is not None:
            # SyncVectorEnv's checks, in its order and with its exception types.
            if not isinstance(mask, np.ndarray):
                raise TypeError(f"options['reset_mask'] must be a numpy array, got {type(mask)}")
            if mask.shape != (n,):
                raise ValueError(f"options['reset_mask'] must have shape ({n},), got {mask.shape}")
            if mask.dtype != np.bool_:
                raise TypeError(f"options['reset_mask'] must have dtype=np.bool_, got {mask.dtype}")
            if not mask.any():
                raise ValueError("options['reset_mask'] must contain at least one True value")
            if not self._has_reset and not mask.all():
                # SyncVectorEnv raises too (a ValueError: it has no observation of the others).
                raise ValueError("options['reset_mask'] leaves sub-envs that were never reset; the first reset "
                                 "must reset every sub-env (call reset() without a reset_mask)")
        values = _reset_options(self.native_spec, options or None)  # checked before anything changes
        if not self._has_reset:
            # The first reset seeds every sub-env that was given no seed from OS entropy.
            seeds = [random_seed() if s is None else s for s in seeds]
        for i, s in enumerate(seeds):
            if s is not None and (mask is None or mask[i]):
                self._sim.seed(i, seed_words(s))
        obs = np.empty((n, self._obs_size), dtype=self._obs_dtype)
        self._sim.reset(obs, values, mask)
        self._has_reset = True
        return (obs if self._image_shape is None else obs.reshape(self._image_shape)), {}

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Steps every sub-env with ``actions`` (shape ``(num_envs, *action_shape)``)."""
        a = self._actions.batch(actions)
        if not self._has_reset:
            raise RuntimeError("Cannot call step() before calling reset()")
        # Fresh arrays every step (what SyncVectorEnv(copy=True) returns), written by C++
        # directly rather than copied.
        n = self.num_envs
        obs, reward = np.empty((n, self._obs_size), dtype=self._obs_dtype), np.empty(n, dtype=np.float64)
        terminated, truncated = np.empty(n, dtype=np.bool_), np.empty(n, dtype=np.bool_)
        bad = self._sim.step(a, obs, reward, terminated, truncated)
        if bad >= 0:
            raise InvalidActionError(f"actions[{bad}] = {a[bad]!r} invalid: actions must be in {self.single_action_space}")
        return (obs if self._image_shape is None else obs.reshape(self._image_shape)), reward, terminated, truncated, {}


    def __getstate__(self) -> dict[str, Any]:
        """Pickle and deepcopy: the whole batch (every sub-env's state, random stream position,
        step counter and autoreset flag), so that a copy steps exactly as the original."""
        return _picklable_state(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        _restore_state(self, state)


def _picklable_state(env: NativeEnv | NativeVectorEnv, renderer: bool = False) -> dict[str, Any]:
    """The instance dict without what does not pickle: the spec (looked up again by id) and a renderer."""
    state = dict(env.__dict__)
    del state["native_spec"]
    if renderer:
        state["_renderer"] = None
    return state


def _restore_state(env: NativeEnv | NativeVectorEnv, state: dict[str, Any]) -> None:
    env.__dict__.update(state)
    env.native_spec = SPECS[env.env_id]


def class_name(env_id: str, suffix: str) -> str:
    """``"CartPole-v1"`` -> ``"CartPoleEnv"`` (``suffix="Env"``); a namespace joins the name
    and, where the registry has the name twice, the version too (``"MinAtar/Breakout-v1"`` ->
    ``"MinAtarBreakoutV1Env"``)."""
    def name(i: str) -> str:
        return i.rsplit("-v", 1)[0].replace("/", "")
    versions = sum(name(other) == name(env_id) for other in SPECS)
    return name(env_id) + (f"V{env_id.rsplit('-v', 1)[1]}" if versions > 1 else "") + suffix


def _define_classes() -> dict[str, tuple[type[NativeEnv], type[NativeVectorEnv]]]:
    classes = {}
    for env_id, spec in SPECS.items():
        doc = (f"Native {env_id} (cpp/envs/), bit for bit as ``gymnasium.make({env_id!r})``; "
               f"see :class:`NativeEnv`. Constructor arguments: "
               f"{', '.join(p.name for p in spec.params) or 'none'}.")
        metadata = {**NativeEnv.metadata, "render_modes": list(spec.render_modes)}
        single = type(class_name(env_id, "Env"), (NativeEnv,), {"env_id": env_id, "__doc__": doc,
                                                                 "__module__": __name__, "metadata": metadata})
        vector = type(class_name(env_id, "VectorEnv"), (NativeVectorEnv,),
                      {"env_id": env_id, "__doc__": doc.replace("NativeEnv", "NativeVectorEnv"), "__module__": __name__})
        globals()[single.__name__], globals()[vector.__name__] = single, vector
        classes[env_id] = (single, vector)
    return classes


#: gymnasium id -> (single env class, vector env class).
CLASSES = _define_classes()


def reward_threshold(env_id: str) -> float | None:
    """The registered reward threshold, or None."""
    value = SPECS[env_id].reward_threshold
    return None if math.isnan(value) else float(value)
