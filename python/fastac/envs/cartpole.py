"""Native CartPole-v1 as a gymnasium ``Env`` and ``VectorEnv``.

The dynamics run in C++ (``cpp/envs/cartpole.h``) and reproduce
``gymnasium.make("CartPole-v1")`` bit for bit: the same float64 state, float32
observations, rewards, terminations, the 500-step truncation of ``TimeLimit``,
and the same reset draws for the same seeds (numpy's ``PCG64(SeedSequence(seed))``).
"""

from __future__ import annotations

from typing import Any, SupportsFloat

import numpy as np
from gymnasium import Env, spaces
from gymnasium.envs.classic_control.utils import maybe_parse_reset_bounds
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from fastac import _core
from fastac._validation import check_int, check_seed, random_seed, seed_words

_X_THRESHOLD = 2.4
_THETA_THRESHOLD_RADIANS = 12 * 2 * np.pi / 360
_RESET_LOW, _RESET_HIGH = -0.05, 0.05


class InvalidActionError(ValueError, AssertionError):
    """An action outside the action space.

    Subclasses both ``ValueError`` and ``AssertionError``: gymnasium's own envs reject
    invalid actions with an ``AssertionError``, so code written for them still works.
    """


def _observation_space() -> spaces.Box:
    high = np.array([_X_THRESHOLD * 2, np.inf, _THETA_THRESHOLD_RADIANS * 2, np.inf], dtype=np.float32)
    return spaces.Box(-high, high, dtype=np.float32)


def _check_config(max_episode_steps: Any, sutton_barto_reward: Any) -> tuple[int, bool]:
    max_episode_steps = check_int("max_episode_steps", max_episode_steps, minimum=1, maximum=2**31 - 1)
    if not isinstance(sutton_barto_reward, (bool, np.bool_)):
        raise TypeError(f"sutton_barto_reward must be a bool, got {sutton_barto_reward!r}")
    return max_episode_steps, bool(sutton_barto_reward)


class CartPoleEnv(Env[np.ndarray, np.int64]):
    """CartPole-v1 with native C++ dynamics; a drop-in for ``gymnasium.make("CartPole-v1")``.

    Observation: ``Box(4,)`` float32 of (cart position, cart velocity, pole angle, pole
    angular velocity). Actions: ``Discrete(2)``, 0 pushes left, 1 pushes right. Reward 1
    every step, including the terminating one (or gymnasium's ``sutton_barto_reward``:
    0 per step, -1 on termination). Episodes are truncated after ``max_episode_steps``
    steps (500), reported as gymnasium's ``TimeLimit`` reports it.

    Args:
        sutton_barto_reward: use gymnasium's Sutton & Barto reward.
        max_episode_steps: the time limit, ``>= 1``.
        render_mode: ``None``, ``"rgb_array"`` or ``"human"`` (drawn by gymnasium's
            renderer, which needs ``pygame``).
    """

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": 50}

    def __init__(
        self, sutton_barto_reward: bool = False, max_episode_steps: int = 500, render_mode: str | None = None
    ) -> None:
        max_episode_steps, sutton_barto_reward = _check_config(max_episode_steps, sutton_barto_reward)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None or one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.render_mode = render_mode
        self.max_episode_steps = max_episode_steps
        self.action_space = spaces.Discrete(2)
        self.observation_space = _observation_space()
        self._sim = _core.CartPole(1, max_episode_steps, sutton_barto_reward, "disabled")
        self._obs = np.zeros((1, 4), dtype=np.float32)
        self._seeded = False
        self._has_reset = False
        self._renderer: Env | None = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        """Starts an episode; ``seed`` reseeds the stream, ``options`` may hold ``low``/``high`` bounds."""
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
        low, high = maybe_parse_reset_bounds(options, _RESET_LOW, _RESET_HIGH)
        self._sim.reset(self._obs, low, high)
        self._has_reset = True
        if self.render_mode == "human":
            self.render()
        return self._obs[0].copy(), {}

    def step(self, action: Any) -> tuple[np.ndarray, SupportsFloat, bool, bool, dict]:
        """Advances the simulation by one 0.02 s Euler step."""
        if not (action.__class__ is int and 0 <= action <= 1):
            if not self.action_space.contains(action):
                raise InvalidActionError(f"{action!r} ({type(action)}) invalid: actions must be in {self.action_space}")
            action = int(action)
        if not self._has_reset:
            raise RuntimeError("Cannot call env.step() before calling env.reset()")
        obs, reward, terminated, truncated = self._sim.step_single(action)
        if self.render_mode == "human":
            self.render()
        return obs, reward, terminated, truncated, {}

    @property
    def state(self) -> np.ndarray:
        """The float64 state (x, x_dot, theta, theta_dot), as gymnasium's ``env.unwrapped.state``."""
        return self._sim.get_state(0)

    def render(self) -> Any:
        """Draws the current state with gymnasium's CartPole renderer."""
        if self.render_mode is None:
            return None
        if self._renderer is None:
            from gymnasium.envs.classic_control.cartpole import CartPoleEnv as GymCartPole

            self._renderer = GymCartPole(render_mode=self.render_mode)
        self._renderer.state = self.state
        return self._renderer.render()

    def close(self) -> None:
        """Closes the renderer, if one was opened."""
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None


class CartPoleVectorEnv(VectorEnv):
    """``num_envs`` native CartPole-v1 environments stepped by one C++ call.

    Behaves as ``gymnasium.vector.SyncVectorEnv`` of ``CartPole-v1`` with the default
    ``AutoresetMode.NEXT_STEP``: the step after an episode ends resets that sub-env
    (reward 0, not terminated, not truncated, its action ignored). ``reset(seed=s)``
    seeds sub-env ``i`` with ``s + i``; ``options`` takes ``low``/``high`` and
    ``reset_mask`` as gymnasium's vector envs do.
    """

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(self, num_envs: int = 1, sutton_barto_reward: bool = False, max_episode_steps: int = 500) -> None:
        self.num_envs = check_int("num_envs", num_envs, minimum=1, maximum=2**31 - 1)
        max_episode_steps, sutton_barto_reward = _check_config(max_episode_steps, sutton_barto_reward)
        self.max_episode_steps = max_episode_steps
        self.sutton_barto_reward = sutton_barto_reward
        self.single_observation_space = _observation_space()
        self.single_action_space = spaces.Discrete(2)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._sim = _core.CartPole(self.num_envs, max_episode_steps, sutton_barto_reward, "next_step")
        self._has_reset = False

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict]:
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
            if not isinstance(mask, np.ndarray) or mask.dtype != np.bool_ or mask.shape != (n,):
                raise ValueError(f"options['reset_mask'] must be a numpy bool array of shape ({n},)")
            if not mask.any():
                raise ValueError("options['reset_mask'] must contain at least one True value")
        elif not self._has_reset:
            # The first reset seeds every sub-env that was given no seed from OS entropy.
            seeds = [random_seed() if s is None else s for s in seeds]
        for i, s in enumerate(seeds):
            if s is not None and (mask is None or mask[i]):
                self._sim.seed(i, seed_words(s))
        low, high = maybe_parse_reset_bounds(options or None, _RESET_LOW, _RESET_HIGH)
        obs = np.empty((n, 4), dtype=np.float32)
        self._sim.reset(obs, low, high, mask)
        self._has_reset = True
        return obs, {}

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
        """Steps every sub-env with ``actions`` (integers in {0, 1}, shape ``(num_envs,)``)."""
        a = np.asarray(actions)
        if a.shape != (self.num_envs,) or a.dtype.kind not in "iu":
            raise InvalidActionError(
                f"actions must be integers of shape ({self.num_envs},), got dtype {a.dtype} and shape {a.shape}"
            )
        if not self._has_reset:
            raise RuntimeError("Cannot call step() before calling reset()")
        if a.dtype != np.int64:
            a = a.astype(np.int64)
        # Fresh arrays every step (what SyncVectorEnv(copy=True) returns), written by C++
        # directly rather than copied. Rewards are float32, as gymnasium's own
        # CartPoleVectorEnv returns them.
        n = self.num_envs
        obs, reward = np.empty((n, 4), dtype=np.float32), np.empty(n, dtype=np.float32)
        terminated, truncated = np.empty(n, dtype=np.bool_), np.empty(n, dtype=np.bool_)
        bad = self._sim.step(a, obs, reward, terminated, truncated)
        if bad >= 0:
            raise InvalidActionError(f"actions[{bad}] = {a[bad]!r} invalid: actions must be in {self.single_action_space}")
        return obs, reward, terminated, truncated, {}
