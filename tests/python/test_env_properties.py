"""Property-based tests (hypothesis): the native CartPole against gymnasium's on random
seeds, action sequences, reset options and batch sizes; invalid actions rejected."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastac
from fastac.envs import CartPoleEnv, CartPoleVectorEnv

seeds = st.integers(min_value=0, max_value=2**64 - 1)
actions = st.lists(st.integers(min_value=0, max_value=1), min_size=1, max_size=400)
bounds = st.tuples(st.floats(-0.2, 0.0), st.floats(0.001, 0.2))


@settings(max_examples=60, deadline=None)
@given(seed=seeds, action_sequence=actions, reset_bounds=st.none() | bounds, reseed_every_episode=st.booleans())
def test_single_env_identical_to_gymnasium(seed, action_sequence, reset_bounds, reseed_every_episode):
    ours, theirs = CartPoleEnv(), gym.make("CartPole-v1")
    options = None if reset_bounds is None else {"low": reset_bounds[0], "high": reset_bounds[1]}
    a, _ = ours.reset(seed=seed, options=options)
    b, _ = theirs.reset(seed=seed, options=options)
    np.testing.assert_array_equal(a, b)
    episode = 0
    for action in action_sequence:
        a = ours.step(action)
        b = theirs.step(action)
        np.testing.assert_array_equal(a[0], b[0])
        assert a[1:4] == b[1:4]
        if a[2] or a[3]:
            episode += 1
            next_seed = (seed + episode) % 2**64 if reseed_every_episode else None
            np.testing.assert_array_equal(ours.reset(seed=next_seed)[0], theirs.reset(seed=next_seed)[0])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32), num_envs=st.integers(1, 16), steps=st.integers(1, 300), data=st.data())
def test_vector_env_identical_to_sync_vector_env(seed, num_envs, steps, data):
    ours = CartPoleVectorEnv(num_envs)
    theirs = gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1")] * num_envs)
    np.testing.assert_array_equal(ours.reset(seed=seed)[0], theirs.reset(seed=seed)[0])
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32)))
    for _ in range(steps):
        action = rng.integers(0, 2, size=num_envs)
        a, b = ours.step(action), theirs.step(action)
        for x, y in zip(a[:4], b[:4]):
            np.testing.assert_array_equal(x, y)


@settings(max_examples=60, deadline=None)
@given(action=st.integers().filter(lambda a: a not in (0, 1)) | st.floats(allow_nan=True) | st.text(max_size=3))
def test_invalid_actions_rejected_like_gymnasium(action):
    env = CartPoleEnv()
    env.reset(seed=0)
    before = env.state.copy()
    with pytest.raises(fastac.InvalidActionError):
        env.step(action)
    np.testing.assert_array_equal(env.state, before)  # the rejected action changed nothing


@settings(max_examples=30, deadline=None)
@given(num_envs=st.integers(1, 8), bad=st.integers().filter(lambda a: a not in (0, 1)), data=st.data())
def test_vector_env_rejects_invalid_actions_without_stepping(num_envs, bad, data):
    env = CartPoleVectorEnv(num_envs)
    obs, _ = env.reset(seed=1)
    where = data.draw(st.integers(0, num_envs - 1))
    action = np.zeros(num_envs, dtype=np.int64)
    if bad > np.iinfo(np.int64).max or bad < np.iinfo(np.int64).min:
        action = action.astype(object)
    action[where] = bad
    with pytest.raises(fastac.InvalidActionError):
        env.step(action)
    # Nothing was stepped: the next valid step matches a fresh env's first step.
    fresh = CartPoleVectorEnv(num_envs)
    fresh.reset(seed=1)
    np.testing.assert_array_equal(env.step(np.ones(num_envs, dtype=np.int64))[0],
                                  fresh.step(np.ones(num_envs, dtype=np.int64))[0])
