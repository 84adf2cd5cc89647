"""The native CartPole against gymnasium's own CartPole-v1: identical bit for bit."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import fastac
from fastac.envs import CartPoleEnv, CartPoleVectorEnv


def assert_same_step(native, reference):
    obs_n, rew_n, term_n, trunc_n, _ = native
    obs_g, rew_g, term_g, trunc_g, _ = reference
    assert obs_n.dtype == obs_g.dtype == np.float32
    assert obs_n.tobytes() == obs_g.tobytes()
    assert rew_n == rew_g and term_n == term_g and trunc_n == trunc_g


@pytest.mark.parametrize("policy_seed", [0, 1, 2, 3])
def test_random_policy_episodes_identical(policy_seed):
    """250 episodes per policy seed (1000 in all): seeded and unseeded resets, reset options."""
    native = gym.make("fastac/CartPole-v1")
    reference = gym.make("CartPole-v1")
    rng = np.random.default_rng(policy_seed)
    steps = 0
    for episode in range(250):
        # Mix seeded resets, resets that continue the stream, and custom bounds.
        seed = 1000 * policy_seed + episode if episode % 3 == 0 else None
        options = {"low": -0.2, "high": 0.15} if episode % 7 == 5 else None
        obs_n, _ = native.reset(seed=seed, options=options)
        obs_g, _ = reference.reset(seed=seed if episode > 0 else 1000 * policy_seed, options=options)
        if episode == 0:  # first reset must be seeded for both to be comparable
            obs_n, _ = native.reset(seed=1000 * policy_seed, options=options)
        assert obs_n.tobytes() == obs_g.tobytes()
        done = False
        while not done:
            action = int(rng.integers(2))
            step_n, step_g = native.step(action), reference.step(action)
            assert_same_step(step_n, step_g)
            assert native.unwrapped.state.tobytes() == reference.unwrapped.state.tobytes()
            done = step_n[2] or step_n[3]
            steps += 1
    assert steps > 4000


def test_truncation_at_500_and_stepping_past_the_end():
    """A balancing policy reaches the TimeLimit; steps after termination/truncation also match."""
    native, reference = gym.make("fastac/CartPole-v1"), gym.make("CartPole-v1")
    for seed in [5, 6]:
        native.reset(seed=seed)
        reference.reset(seed=seed)
        truncated_at = None
        for t in range(1, 521):
            theta, theta_dot = reference.unwrapped.state[2], reference.unwrapped.state[3]
            action = int(theta + 0.5 * theta_dot > 0)
            step_n, step_g = native.step(action), reference.step(action)
            assert_same_step(step_n, step_g)
            if step_g[3] and truncated_at is None:
                truncated_at = t
        assert truncated_at == 500


def test_stepping_after_termination_matches():
    native, reference = gym.make("fastac/CartPole-v1"), gym.make("CartPole-v1")
    native.reset(seed=11)
    reference.reset(seed=11)
    for _ in range(60):  # always push right: terminates early, then keeps stepping
        assert_same_step(native.step(1), reference.step(1))


@pytest.mark.parametrize("seed", [0, 3])
def test_sutton_barto_reward(seed):
    native = gym.make("fastac/CartPole-v1", sutton_barto_reward=True)
    reference = gym.make("CartPole-v1", sutton_barto_reward=True)
    native.reset(seed=seed)
    reference.reset(seed=seed)
    rng = np.random.default_rng(seed)
    rewards = set()
    for _ in range(80):
        a = int(rng.integers(2))
        step_n, step_g = native.step(a), reference.step(a)
        assert_same_step(step_n, step_g)
        rewards.add(step_n[1])
    assert rewards == {0.0, -1.0}


def test_large_seeds_and_seed_types():
    native, reference = gym.make("fastac/CartPole-v1"), gym.make("CartPole-v1")
    for seed in [0, 2**32 - 1, 2**32, 2**64 + 17, 2**100]:
        assert native.reset(seed=seed)[0].tobytes() == reference.reset(seed=seed)[0].tobytes()
    with pytest.raises(ValueError, match="seed"):
        native.reset(seed=-1)
    with pytest.raises(TypeError, match="seed"):
        native.reset(seed=1.5)


def _sync_reference(n):
    return gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1") for _ in range(n)])


@pytest.mark.parametrize("num_envs", [1, 7, 64])
def test_vector_env_identical_to_sync_vector_env(num_envs):
    native = gym.make_vec("fastac/CartPole-v1", num_envs=num_envs)
    assert isinstance(native, CartPoleVectorEnv)
    reference = _sync_reference(num_envs)
    obs_n, _ = native.reset(seed=123)
    obs_g, _ = reference.reset(seed=123)
    assert obs_n.tobytes() == obs_g.tobytes()
    rng = np.random.default_rng(num_envs)
    autoresets = 0
    for t in range(400):
        actions = rng.integers(0, 2, size=num_envs)
        out_n, out_g = native.step(actions), reference.step(actions)
        assert out_n[0].dtype == np.float32 and out_n[0].tobytes() == out_g[0].tobytes()
        np.testing.assert_array_equal(out_n[1], out_g[1])
        np.testing.assert_array_equal(out_n[2], out_g[2])
        np.testing.assert_array_equal(out_n[3], out_g[3])
        autoresets += int(np.sum(out_n[2] | out_n[3]))
        if t == 200:  # an unseeded full reset continues every sub-env's stream
            assert native.reset()[0].tobytes() == reference.reset()[0].tobytes()
        if t == 300:  # a masked reset with bounds
            mask = np.zeros(num_envs, dtype=bool)
            mask[::2] = True
            opts = {"reset_mask": mask, "low": -0.1, "high": 0.1}
            assert native.reset(options=dict(opts))[0].tobytes() == reference.reset(options=dict(opts))[0].tobytes()
    assert autoresets > num_envs


def test_vector_env_seed_list():
    native, reference = CartPoleVectorEnv(3), _sync_reference(3)
    seeds = [5, 9, 2**40]
    assert native.reset(seed=seeds)[0].tobytes() == reference.reset(seed=seeds)[0].tobytes()
    with pytest.raises(ValueError, match="num_envs"):
        native.reset(seed=[1, 2])


def test_env_checker_passes():
    check_env(CartPoleEnv(), skip_render_check=True)
    check_env(gym.make("fastac/CartPole-v1").unwrapped, skip_render_check=True)


@pytest.mark.parametrize("bad", [2, -1, 1.0, "1", None, np.array([1]), np.float32(0.0)])
def test_invalid_actions_rejected_as_gymnasium_does(bad):
    native, reference = gym.make("fastac/CartPole-v1"), gym.make("CartPole-v1")
    native.reset(seed=0)
    reference.reset(seed=0)
    with pytest.raises(AssertionError):
        reference.step(bad)
    with pytest.raises(AssertionError):
        native.step(bad)
    with pytest.raises(fastac.InvalidActionError):
        native.step(bad)


def test_numpy_integer_actions_accepted():
    native, reference = gym.make("fastac/CartPole-v1"), gym.make("CartPole-v1")
    native.reset(seed=4)
    reference.reset(seed=4)
    for a in [np.int64(1), np.int32(0), np.array(1), True]:
        assert_same_step(native.step(a), reference.step(a))


def test_vector_invalid_actions():
    env = CartPoleVectorEnv(4)
    env.reset(seed=0)
    state_before = env.reset(seed=0)[0]
    with pytest.raises(fastac.InvalidActionError, match=r"actions\[2\]"):
        env.step(np.array([0, 1, 2, 0]))
    with pytest.raises(fastac.InvalidActionError):
        env.step(np.array([0.0, 1.0, 1.0, 0.0]))
    with pytest.raises(fastac.InvalidActionError):
        env.step(np.array([0, 1]))
    # nothing was stepped by the rejected calls
    obs, *_ = env.step(np.array([0, 0, 0, 0]))
    reference = _sync_reference(4)
    reference.reset(seed=0)
    assert obs.tobytes() == reference.step(np.array([0, 0, 0, 0]))[0].tobytes()
    assert state_before.shape == (4, 4)


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="num_envs"):
        CartPoleVectorEnv(0)
    with pytest.raises(ValueError, match="max_episode_steps"):
        CartPoleEnv(max_episode_steps=0)
    with pytest.raises(ValueError, match="render_mode"):
        CartPoleEnv(render_mode="ascii")


def test_step_before_reset_raises():
    with pytest.raises(RuntimeError, match="reset"):
        CartPoleEnv().step(0)
