"""The native MinAtar Breakout (v0 and v1) against the ``minatar`` package's gymnasium envs:
identical step for step (bool observations, rewards, terminations, the game's fields), single
and vector envs, with seeded and unseeded resets, sticky actions and stepping past the end;
set_state's checks; training runs natively."""

from __future__ import annotations

import pickle

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import fastac
from fastac.envs import InvalidActionError, native_spec, reference_id
from fastac.envs.namespaces import register_namespace

pytest.importorskip("minatar")
V0, V1 = "MinAtar/Breakout-v0", "MinAtar/Breakout-v1"
register_namespace(V1)


def reference_fields(env: gym.Env) -> list[float]:
    """The native state layout (cpp/envs/minatar_breakout.h) read off minatar's game."""
    game = env.unwrapped.game
    b = game.env
    return [b.ball_x, b.ball_y, b.ball_dir, b.pos, b.last_x, b.last_y, b.strike, b.terminal, game.last_action,
            *b.brick_map.ravel()]


@pytest.mark.parametrize("env_id", [V0, V1])
@pytest.mark.parametrize("seed", [0, 12345, 2**32 - 1])
@pytest.mark.parametrize("sticky_action_prob", [0.1, 0.0, 0.9])
def test_episodes_identical_to_minatar(env_id, seed, sticky_action_prob):
    ours = gym.make(native_spec(env_id).fastac_id, sticky_action_prob=sticky_action_prob)
    theirs = gym.make(env_id, sticky_action_prob=sticky_action_prob)
    rng = np.random.default_rng(seed)
    a, _ = ours.reset(seed=seed)
    b, _ = theirs.reset(seed=seed)
    assert a.dtype == b.dtype == np.bool_ and a.shape == b.shape == (10, 10, 4)
    np.testing.assert_array_equal(a, b)
    episodes = rewards = 0
    for t in range(6000):
        action = int(rng.integers(ours.action_space.n))
        x, y = ours.step(action), theirs.step(action)
        np.testing.assert_array_equal(x[0], y[0])
        assert x[1:4] == y[1:4], t
        rewards += x[1]
        np.testing.assert_array_equal(ours.unwrapped.state, reference_fields(theirs))
        if x[2]:
            episodes += 1
            if episodes % 3 == 0:  # a step on a finished game: 0, still terminal, a draw all the same
                assert ours.step(action)[1:3] == theirs.step(action)[1:3] == (0, True)
            # Every other episode reseeds; the rest continue the stream.
            reseed = int(rng.integers(2**32)) if episodes % 2 else None
            np.testing.assert_array_equal(ours.reset(seed=reseed)[0], theirs.reset(seed=reseed)[0])
    assert episodes > 50 and rewards > 0


@pytest.mark.parametrize("env_id", [V0, V1])
def test_vector_env_identical_to_sync_vector_env(env_id):
    n = 6
    ours = gym.make_vec(native_spec(env_id).fastac_id, num_envs=n, vectorization_mode="vector_entry_point")
    theirs = gym.vector.SyncVectorEnv([lambda: gym.make(env_id) for _ in range(n)])
    rng = np.random.default_rng(1)
    np.testing.assert_array_equal(ours.reset(seed=3)[0], theirs.reset(seed=3)[0])
    ends = 0
    for _ in range(1500):
        actions = rng.integers(ours.single_action_space.n, size=n)
        x, y = ours.step(actions), theirs.step(actions)
        for k in range(4):
            np.testing.assert_array_equal(x[k], y[k])
        assert x[0].dtype == np.bool_ and x[0].shape == (n, 10, 10, 4)
        ends += int(x[2].sum())
    assert ends > 20


def test_spaces_spec_and_ids():
    ours, theirs = gym.make("fastac/MinAtar-Breakout-v1"), gym.make(V1)
    assert ours.observation_space == theirs.observation_space
    assert ours.action_space == theirs.action_space == gym.spaces.Discrete(3)
    assert gym.make("fastac/MinAtar-Breakout-v0").action_space == gym.spaces.Discrete(6)
    assert fastac.envs.native_id(V1) == "fastac/MinAtar-Breakout-v1"
    assert reference_id("fastac/MinAtar-Breakout-v1") == V1
    assert type(ours.unwrapped).__name__ == "MinAtarBreakoutV1Env"
    assert ours.spec.max_episode_steps is None  # minatar registers no time limit
    check_env(ours.unwrapped, skip_render_check=True)
    with pytest.raises(ValueError, match="render_mode"):
        gym.make("fastac/MinAtar-Breakout-v1", render_mode="rgb_array")
    with pytest.raises(TypeError, match="sticky_action_prob"):
        gym.make("fastac/MinAtar-Breakout-v1", game="breakout")


def test_invalid_actions_and_states_raise():
    env = gym.make("fastac/MinAtar-Breakout-v1")
    env.reset(seed=0)
    state = env.unwrapped.state
    with pytest.raises(InvalidActionError):
        env.step(3)
    np.testing.assert_array_equal(env.unwrapped.state, state)
    sim = env.unwrapped._sim
    for index, value in [(0, 10), (2, 4), (3, -1), (8, 6), (6, 0.5), (9, 2), (1, float("nan"))]:
        bad = state.copy()
        bad[index] = value
        with pytest.raises(ValueError, match="must be an integer in"):
            sim.set_state(0, bad)
        np.testing.assert_array_equal(env.unwrapped.state, state)  # unchanged
    moved = state.copy()
    moved[[0, 1, 3]] = [5, 6, 7]
    sim.set_state(0, moved)
    np.testing.assert_array_equal(env.unwrapped.state, moved)


def test_a_pickled_env_continues_its_random_stream():
    env = gym.make("fastac/MinAtar-Breakout-v1")
    env.reset(seed=4)
    for _ in range(30):
        if env.step(0)[2]:
            env.reset()
    copy = pickle.loads(pickle.dumps(env))
    for _ in range(300):  # sticky actions and resets draw from the copied streams
        x, y = env.step(2), copy.step(2)
        np.testing.assert_array_equal(x[0], y[0])
        assert x[1:4] == y[1:4]
        if x[2]:
            np.testing.assert_array_equal(env.reset()[0], copy.reset()[0])


@pytest.mark.parametrize("algorithm", ["a2c", "a3c"])
def test_trainers_run_minatar_natively(algorithm):
    kwargs = dict(num_envs=8, n_steps=5) if algorithm == "a2c" else dict(num_workers=2, envs_per_worker=4, t_max=5)
    model = (fastac.A2C if algorithm == "a2c" else fastac.A3C)(V1, seed=0, stop_eval_episodes=0, **kwargs)
    assert model._native_id == "fastac/MinAtar-Breakout-v1"  # the native env, chosen for the id
    assert model.policy.architecture == "minatar_cnn"
    model.learn(4000)
    assert model.num_timesteps >= 4000
    mean, _ = fastac.evaluate_policy(model.policy, V1, n_eval_episodes=3, seed=0)
    assert np.isfinite(mean)
