"""The native MountainCar-v0 and MountainCarContinuous-v0 against gymnasium's own:
identical step for step (float32 observations, rewards, terminated, truncated, state),
single and vector envs, under random actions and an energy-pumping controller that
reaches the goal; invalid actions rejected without stepping; property-based tests."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from hypothesis import given, settings
from hypothesis import strategies as st

import fastac  # noqa: F401  (registers the fastac/ ids)
from fastac.envs import InvalidActionError

DISCRETE, CONTINUOUS = "MountainCar-v0", "MountainCarContinuous-v0"
F32 = np.float32


def make_pair(env_id: str, **kwargs):
    return gym.make(f"fastac/{env_id}", **kwargs), gym.make(env_id, **kwargs)


def sync_reference(env_id: str, n: int, **kwargs):
    return gym.vector.SyncVectorEnv([lambda: gym.make(env_id, **kwargs) for _ in range(n)])


class Policy:
    """Random actions, or energy pumping (push in the direction of the velocity, with some
    noise) which reaches the goal. Continuous actions are float32 (the action space's dtype),
    in and outside [-1, 1] and exactly at the bounds."""

    def __init__(self, env_id: str, seed: int, pumping: bool):
        self.discrete, self.pumping = env_id == DISCRETE, pumping
        self.rng = np.random.default_rng(seed)

    def random(self):
        if self.discrete:
            return int(self.rng.integers(3))
        u = self.rng.random()
        if u < 0.6:
            x = self.rng.uniform(-1, 1)
        elif u < 0.85:
            x = self.rng.uniform(-2.5, 2.5)
        else:
            x = self.rng.choice([-1.0, 1.0, 0.0, -0.0])
        return np.array([x], dtype=F32)

    def __call__(self, velocity: float):
        if not self.pumping or self.rng.random() < 0.1:
            return self.random()
        if self.discrete:
            return 2 if velocity >= 0 else 0
        m = 1.0 if self.rng.random() < 0.5 else self.rng.uniform(0.6, 1.8)
        return np.array([m if velocity >= 0 else -m], dtype=F32)


def assert_same_obs(a, b):
    assert a.dtype == b.dtype == np.float32
    assert a.shape == b.shape and a.tobytes() == b.tobytes()  # np.array_equal, and the same bits


def assert_same_step(native, reference):
    assert_same_obs(native[0], reference[0])
    assert native[1] == reference[1]
    assert native[2] == reference[2] and native[3] == reference[3]


def assert_same_state(native, reference):
    """gymnasium's state is a float64 array after reset, then a tuple (MountainCar) or a float32
    array (MountainCarContinuous); the native one is float64: the values must be equal."""
    assert [float(v) for v in native.unwrapped.state] == [float(v) for v in reference.unwrapped.state]


# (env id, goal_velocity, policy seed, episodes): 1000 episodes in all.
EPISODE_RUNS = [
    (DISCRETE, None, 0, 200),
    (DISCRETE, None, 1, 200),
    (DISCRETE, 0.03, 2, 100),
    (DISCRETE, -0.01, 3, 100),
    (CONTINUOUS, None, 0, 150),
    (CONTINUOUS, None, 1, 150),
    (CONTINUOUS, 0.01, 2, 50),
    (CONTINUOUS, -0.02, 3, 50),
]


@pytest.mark.parametrize(("env_id", "goal_velocity", "policy_seed", "episodes"), EPISODE_RUNS)
def test_episodes_identical_to_gymnasium(env_id, goal_velocity, policy_seed, episodes):
    """Random and pumping episodes; seeded and unseeded resets, reset options, steps past the end."""
    kwargs = {} if goal_velocity is None else {"goal_velocity": goal_velocity}
    native, reference = make_pair(env_id, **kwargs)
    seeds = [0, 1, 2**32 + 1, 2**64 - 1, 12345]
    outcomes = {"terminated": 0, "truncated": 0}
    rng = np.random.default_rng(1000 + policy_seed)
    for episode in range(episodes):
        # Random actions on a tenth of the continuous episodes (999 steps), a third of the discrete ones.
        pumping = episode % (10 if env_id == CONTINUOUS else 3) != 1
        policy = Policy(env_id, 100 * policy_seed + episode, pumping)
        seed = seeds[episode % len(seeds)] + policy_seed if episode % 3 == 0 or episode == 0 else None
        options = None
        if episode % 7 == 3:
            low = float(rng.uniform(-1.2, -0.3))
            options = {"low": low, "high": low + float(rng.uniform(0, 0.5))}
        elif episode % 11 == 5:
            options = {"low": -0.25, "high": -0.25}
        obs_n, info_n = native.reset(seed=seed, options=options)
        obs_g, info_g = reference.reset(seed=seed, options=options)
        assert_same_obs(obs_n, obs_g)
        assert_same_state(native, reference)
        steps_after_end = None
        while steps_after_end is None or steps_after_end < episode % 4:
            action = policy(float(reference.unwrapped.state[1]))
            step_n, step_g = native.step(action), reference.step(action)
            assert_same_step(step_n, step_g)
            assert_same_state(native, reference)
            if steps_after_end is not None:
                steps_after_end += 1
            elif step_g[2] or step_g[3]:
                steps_after_end = 0
                outcomes["terminated" if step_g[2] else "truncated"] += 1
    assert outcomes["terminated"] > episodes // 3  # the pumping episodes reach the goal
    assert outcomes["truncated"] > 0


@pytest.mark.parametrize("env_id", [DISCRETE, CONTINUOUS])
def test_time_limit_truncation_and_stepping_past_it(env_id):
    native, reference = make_pair(env_id)
    native.reset(seed=3)
    reference.reset(seed=3)
    idle = 1 if env_id == DISCRETE else np.zeros(1, dtype=F32)  # never reaches the goal
    limit = 200 if env_id == DISCRETE else 999
    for t in range(1, limit + 6):
        step_n, step_g = native.step(idle), reference.step(idle)
        assert_same_step(step_n, step_g)
        assert step_n[3] == (t >= limit)


def test_continuous_extreme_and_boundary_actions():
    """Infinite, huge, tiny and boundary float32 actions: clipped for the dynamics, not the reward."""
    native, reference = make_pair(CONTINUOUS)
    native.reset(seed=8)
    reference.reset(seed=8)
    values = [np.inf, -np.inf, 3.4e38, -3.4e38, 1e-45, -1e-45, 1.0, -1.0, np.nextafter(F32(1), F32(2)),
              np.nextafter(F32(-1), F32(-2)), 0.0, -0.0, 0.5, 2.0]
    for v in values * 3:
        a = np.array([v], dtype=F32)
        assert_same_step(native.step(a), reference.step(a))
        assert_same_state(native, reference)


@pytest.mark.parametrize(("env_id", "num_envs"), [(DISCRETE, 1), (DISCRETE, 7), (CONTINUOUS, 1), (CONTINUOUS, 5)])
def test_vector_env_identical_to_sync_vector_env(env_id, num_envs):
    native = gym.make_vec(f"fastac/{env_id}", num_envs=num_envs, vectorization_mode="vector_entry_point")
    reference = sync_reference(env_id, num_envs)
    obs_n, _ = native.reset(seed=123)
    obs_g, _ = reference.reset(seed=123)
    assert_same_obs(obs_n, obs_g)
    policies = [Policy(env_id, i, pumping=i % 3 != 2) for i in range(num_envs)]
    ends = 0
    for t in range(450):
        velocities = obs_g[:, 1]
        actions = [p(float(v)) for p, v in zip(policies, velocities)]
        actions = np.array(actions, dtype=np.int64) if env_id == DISCRETE else np.stack(actions)
        out_n, out_g = native.step(actions), reference.step(actions)
        obs_g = out_g[0]
        assert_same_obs(out_n[0], out_g[0])
        for k in (1, 2, 3):
            assert out_n[k].dtype == out_g[k].dtype
            np.testing.assert_array_equal(out_n[k], out_g[k])
        ends += int(np.sum(out_n[2] | out_n[3]))
        if t == 250:  # an unseeded full reset continues every sub-env's stream
            obs_n, _ = native.reset()
            obs_g, _ = reference.reset()
            assert_same_obs(obs_n, obs_g)
        if t == 320:  # a masked reset with bounds
            mask = np.zeros(num_envs, dtype=bool)
            mask[::2] = True
            opts = {"reset_mask": mask, "low": -0.9, "high": -0.1}
            obs_n, _ = native.reset(options=dict(opts))
            obs_g, _ = reference.reset(options=dict(opts))
            assert_same_obs(obs_n, obs_g)
    assert ends >= num_envs


@pytest.mark.parametrize("env_id", [DISCRETE, CONTINUOUS])
def test_vector_env_goal_velocity(env_id):
    native = gym.make_vec(f"fastac/{env_id}", num_envs=4, vectorization_mode="vector_entry_point",
                          goal_velocity=0.02)
    reference = sync_reference(env_id, 4, goal_velocity=0.02)
    assert_same_obs(native.reset(seed=9)[0], reference.reset(seed=9)[0])
    policies = [Policy(env_id, i, pumping=True) for i in range(4)]
    obs = reference.reset(seed=9)[0]
    native.reset(seed=9)
    for _ in range(300):
        actions = [p(float(v)) for p, v in zip(policies, obs[:, 1])]
        actions = np.array(actions, dtype=np.int64) if env_id == DISCRETE else np.stack(actions)
        out_n, out_g = native.step(actions), reference.step(actions)
        obs = out_g[0]
        assert_same_obs(out_n[0], out_g[0])
        for k in (1, 2, 3):
            np.testing.assert_array_equal(out_n[k], out_g[k])


@pytest.mark.parametrize("env_id", [DISCRETE, CONTINUOUS])
def test_env_checker_passes(env_id):
    check_env(gym.make(f"fastac/{env_id}").unwrapped, skip_render_check=True)


@pytest.mark.parametrize("env_id", [DISCRETE, CONTINUOUS])
def test_spaces_and_spec_match_gymnasium(env_id):
    native, reference = make_pair(env_id)
    assert native.observation_space == reference.observation_space
    assert native.action_space == reference.action_space
    assert native.spec.reward_threshold == reference.spec.reward_threshold


DISCRETE_INVALID = [3, -1, 1.5, "1", None, np.array([1]), np.float32(0.0)]
CONTINUOUS_INVALID = [np.array([np.nan], dtype=F32), np.array([np.nan]), np.array([0.1, 0.2], dtype=F32),
                      np.array([[0.5]], dtype=F32), np.float32(0.5), 0.5, np.array([], dtype=F32), "a", None]


@pytest.mark.parametrize(("env_id", "bad"), [(DISCRETE, b) for b in DISCRETE_INVALID]
                         + [(CONTINUOUS, b) for b in CONTINUOUS_INVALID])
def test_invalid_actions_raise_and_step_nothing(env_id, bad):
    native, reference = make_pair(env_id)
    native.reset(seed=0)
    reference.reset(seed=0)
    valid = 2 if env_id == DISCRETE else np.array([1.0], dtype=F32)
    for _ in range(3):
        assert_same_step(native.step(valid), reference.step(valid))
    before = np.array(native.unwrapped.state)
    with pytest.raises(InvalidActionError):
        native.step(bad)
    with pytest.raises(AssertionError):  # as gymnasium's own envs signal it
        native.step(bad)
    with pytest.raises(ValueError):
        native.step(bad)
    np.testing.assert_array_equal(native.unwrapped.state, before)
    # Nothing was stepped (nor counted against the time limit): the runs stay identical.
    limit = 200 if env_id == DISCRETE else 999
    for _ in range(limit - 3):
        assert_same_step(native.step(valid), reference.step(valid))


@pytest.mark.parametrize("env_id", [DISCRETE, CONTINUOUS])
def test_vector_invalid_actions_raise_and_step_nothing(env_id):
    n = 4
    native = gym.make_vec(f"fastac/{env_id}", num_envs=n, vectorization_mode="vector_entry_point")
    reference = sync_reference(env_id, n)
    native.reset(seed=0)
    reference.reset(seed=0)
    if env_id == DISCRETE:
        bad = [np.array([0, 1, 3, 0]), np.array([-1, 0, 0, 0]), np.array([0, 1]), np.array([0.0, 1.0, 1.0, 0.0])]
        good = np.array([0, 1, 2, 2])
    else:
        bad = [np.array([[0.0], [1.0], [np.nan], [0.0]], dtype=F32), np.array([[np.nan]] * n),
               np.zeros((n,), dtype=F32), np.zeros((n, 2), dtype=F32), np.zeros((n - 1, 1), dtype=F32)]
        good = np.array([[0.5], [-2.0], [1.0], [0.0]], dtype=F32)
    for b in bad:
        with pytest.raises(InvalidActionError):
            native.step(b)
    if env_id == CONTINUOUS:
        with pytest.raises(InvalidActionError, match=r"actions\[2\]"):
            native.step(bad[0])
    out_n, out_g = native.step(good), reference.step(good)
    assert_same_obs(out_n[0], out_g[0])
    np.testing.assert_array_equal(out_n[1], out_g[1])


# --- property-based ---------------------------------------------------------------

seeds = st.integers(min_value=0, max_value=2**64 - 1)
discrete_actions = st.lists(st.integers(0, 2), min_size=1, max_size=300)
float32s = st.floats(width=32, allow_nan=False)  # any non-NaN float32, infinities included
continuous_actions = st.lists(float32s | st.sampled_from([-1.0, 1.0, 0.0]), min_size=1, max_size=300)
bounds = st.tuples(st.floats(-1.2, -0.5), st.floats(0.0, 0.7))


def _run_sequence(env_id, seed, actions, reset_bounds, reseed_every_episode, goal_velocity):
    native, reference = make_pair(env_id, goal_velocity=goal_velocity)
    options = None if reset_bounds is None else {"low": reset_bounds[0], "high": reset_bounds[0] + reset_bounds[1]}
    assert_same_obs(native.reset(seed=seed, options=options)[0], reference.reset(seed=seed, options=options)[0])
    episode = 0
    for a in actions:
        action = a if env_id == DISCRETE else np.array([a], dtype=F32)
        step_n, step_g = native.step(action), reference.step(action)
        assert_same_step(step_n, step_g)
        if step_n[2] or step_n[3]:
            episode += 1
            s = (seed + episode) % 2**64 if reseed_every_episode else None
            assert_same_obs(native.reset(seed=s)[0], reference.reset(seed=s)[0])


@settings(max_examples=40, deadline=None)
@given(seed=seeds, actions=discrete_actions, reset_bounds=st.none() | bounds, reseed=st.booleans(),
       goal_velocity=st.sampled_from([0.0, 0.01, -0.005]))
def test_discrete_property_identical_to_gymnasium(seed, actions, reset_bounds, reseed, goal_velocity):
    _run_sequence(DISCRETE, seed, actions, reset_bounds, reseed, goal_velocity)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, actions=continuous_actions, reset_bounds=st.none() | bounds, reseed=st.booleans(),
       goal_velocity=st.sampled_from([0.0, 0.01, -0.005]))
def test_continuous_property_identical_to_gymnasium(seed, actions, reset_bounds, reseed, goal_velocity):
    _run_sequence(CONTINUOUS, seed, actions, reset_bounds, reseed, goal_velocity)


@settings(max_examples=25, deadline=None)
@given(env_id=st.sampled_from([DISCRETE, CONTINUOUS]), seed=st.integers(0, 2**32), num_envs=st.integers(1, 12),
       steps=st.integers(1, 250), data=st.data())
def test_vector_property_identical_to_sync_vector_env(env_id, seed, num_envs, steps, data):
    native = gym.make_vec(f"fastac/{env_id}", num_envs=num_envs, vectorization_mode="vector_entry_point")
    reference = sync_reference(env_id, num_envs)
    assert_same_obs(native.reset(seed=seed)[0], reference.reset(seed=seed)[0])
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32)))
    for _ in range(steps):
        if env_id == DISCRETE:
            actions = rng.integers(0, 3, size=num_envs)
        else:
            actions = rng.uniform(-1.5, 1.5, size=(num_envs, 1)).astype(F32)
        out_n, out_g = native.step(actions), reference.step(actions)
        assert_same_obs(out_n[0], out_g[0])
        for k in (1, 2, 3):
            np.testing.assert_array_equal(out_n[k], out_g[k])


@settings(max_examples=30, deadline=None)
@given(discrete_bad=st.integers().filter(lambda a: a not in (0, 1, 2)), num_envs=st.integers(1, 8), data=st.data())
def test_vector_property_invalid_actions_step_nothing(discrete_bad, num_envs, data):
    env_id = data.draw(st.sampled_from([DISCRETE, CONTINUOUS]))
    native = gym.make_vec(f"fastac/{env_id}", num_envs=num_envs, vectorization_mode="vector_entry_point")
    native.reset(seed=1)
    where = data.draw(st.integers(0, num_envs - 1))
    if env_id == DISCRETE:
        action = np.zeros(num_envs, dtype=np.int64)
        if not np.iinfo(np.int64).min <= discrete_bad <= np.iinfo(np.int64).max:
            action = action.astype(object)
        action[where] = discrete_bad
        good = np.full(num_envs, 2, dtype=np.int64)
    else:
        action = np.zeros((num_envs, 1), dtype=F32)
        action[where, 0] = np.nan
        good = np.ones((num_envs, 1), dtype=F32)
    with pytest.raises(InvalidActionError):
        native.step(action)
    reference = sync_reference(env_id, num_envs)
    reference.reset(seed=1)
    out_n, out_g = native.step(good), reference.step(good)
    assert_same_obs(out_n[0], out_g[0])
