"""fastac.train_a2c: solving on native and gymnasium envs, another env, determinism, arguments."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

import fastac
from fastac.envs import CartPoleVectorEnv


def _same_run(a: fastac.TrainResult, b: fastac.TrainResult) -> None:
    for key in ("episode_return", "episode_length", "env_steps"):
        np.testing.assert_array_equal(a.history[key], b.history[key])
    for key, value in a.policy.state_dict().items():
        assert torch.equal(value, b.policy.state_dict()[key]), key


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_solves_native_cartpole_and_evaluates_on_gymnasium(seed):
    result = fastac.train_a2c("CartPole-v1", stop_at_return=475, seed=seed, total_steps=2_000_000, max_seconds=120)
    assert result.stop_reason == "stop_at_return", result.stop_reason
    assert result.config["native"]
    assert result.mean_return() >= 475
    mean, _ = fastac.evaluate_policy(result.policy, gym.make("CartPole-v1"), n_eval_episodes=100, seed=10_000)
    assert mean >= 475


def test_solves_gymnasium_python_cartpole_through_make_vec():
    result = fastac.train_a2c(
        "CartPole-v1", native=False, vectorization_mode="sync", stop_at_return=475, seed=0,
        total_steps=2_000_000, max_seconds=300,
    )
    assert result.stop_reason == "stop_at_return"
    assert not result.config["native"]
    mean, _ = fastac.evaluate_policy(result.policy, gym.make("CartPole-v1"), n_eval_episodes=100, seed=10_000)
    assert mean >= 475


def test_learns_acrobot():
    # Acrobot-v1: 6 observations, 3 actions, reward -1 per step; a random policy
    # averages about -500 (the 500-step limit), a learned one swings up in ~100 steps.
    result = fastac.train_a2c("Acrobot-v1", total_steps=150_000, seed=0, entropy_coef=0.01, max_seconds=300)
    assert result.policy.observation_size == 6 and result.policy.num_actions == 3
    assert result.mean_return() > -150, result.mean_return()


def test_same_seed_is_bitwise_identical_native():
    a = fastac.train_a2c("CartPole-v1", total_steps=30_000, seed=5)
    b = fastac.train_a2c("CartPole-v1", total_steps=30_000, seed=5)
    _same_run(a, b)
    c = fastac.train_a2c("CartPole-v1", total_steps=30_000, seed=6)
    assert not np.array_equal(a.history["episode_return"][:20], c.history["episode_return"][:20])


def test_same_seed_is_bitwise_identical_gymnasium():
    a = fastac.train_a2c("CartPole-v1", native=False, total_steps=5_000, seed=5)
    b = fastac.train_a2c("CartPole-v1", native=False, total_steps=5_000, seed=5)
    _same_run(a, b)


def test_native_and_gymnasium_envs_train_identically():
    # The native env is bit-exact with gymnasium's, so the whole run is too.
    a = fastac.train_a2c("CartPole-v1", total_steps=5_000, seed=3)
    b = fastac.train_a2c("CartPole-v1", native=False, total_steps=5_000, seed=3)
    _same_run(a, b)


def test_accepts_callable_and_vector_env():
    r = fastac.train_a2c(lambda: gym.make("CartPole-v1"), num_envs=4, total_steps=2_000, seed=0)
    assert r.config["num_envs"] == 4 and r.env_steps >= 2_000
    envs = CartPoleVectorEnv(6)
    r = fastac.train_a2c(envs, total_steps=2_000, seed=0)
    assert r.config["num_envs"] == 6 and r.config["native"]
    envs.step(np.zeros(6, dtype=np.int64))  # a VectorEnv passed in is left open for its owner


def test_same_step_autoreset_vector_env():
    envs = gym.make_vec("CartPole-v1", num_envs=4, vectorization_mode="sync",
                        vector_kwargs={"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP})
    r = fastac.train_a2c(envs, total_steps=20_000, seed=0)
    assert r.env_steps >= 20_000
    assert r.history["episode_length"].sum() <= r.env_steps
    # SAME_STEP wastes no step on resets: every row of every rollout (4 envs x 5 steps) is a transition.
    assert r.env_steps == 4 * 5 * (r.updates + r.skipped_updates)
    # NEXT_STEP spends a step on each reset, which is not counted: one per finished
    # episode, less at most one per env whose reset had not come yet when training stopped.
    n = fastac.train_a2c(gym.make_vec("CartPole-v1", num_envs=4, vectorization_mode="sync"), total_steps=20_000, seed=0)
    rows = 4 * 5 * (n.updates + n.skipped_updates)
    assert rows - n.episodes <= n.env_steps <= rows - n.episodes + 4


def test_env_steps_count_transitions_not_autoreset_steps():
    r = fastac.train_a2c("CartPole-v1", num_envs=1, n_steps=1, total_steps=3_000, seed=0)
    # One env: every finished episode's length adds up to the steps taken when it ended.
    np.testing.assert_array_equal(np.cumsum(r.history["episode_length"]), r.history["env_steps"])


def test_callback_and_stop_reasons():
    seen = []
    r = fastac.train_a2c("CartPole-v1", total_steps=10**9, seed=0, callback=lambda p: seen.append(p) or False,
                         callback_interval_s=0.01)
    assert r.stop_reason == "callback"
    assert {"env_steps", "episodes", "mean_return", "steps_per_s", "policy_loss", "value_loss"} <= set(seen[0])
    assert fastac.train_a2c("CartPole-v1", total_steps=10**9, max_seconds=0.2, seed=0).stop_reason == "max_seconds"
    assert fastac.train_a2c("CartPole-v1", total_steps=1000, seed=0).stop_reason == "total_steps"


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"num_envs": 0}, "num_envs"),
        ({"n_steps": 0}, "n_steps"),
        ({"total_steps": 0}, "total_steps"),
        ({"gamma": 0.0}, "gamma"),
        ({"lr": -1.0}, "lr"),
        ({"gae_lambda": 2.0}, "gae_lambda"),
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"stop_eval_episodes": -1}, "stop_eval_episodes"),
        ({"env": "NoSuchEnv-v0"}, "env"),
        ({"env": "Blackjack-v1"}, "a 1-D Box of numbers or a 3-D uint8 / bool image Box"),
        ({"log_std_init": 21.0}, "log_std_init"),
        ({"bounds_coef": -1.0}, "bounds_coef"),
        ({"env": "CartPole-v1", "native": False, "vectorization_mode": "bogus"}, "vectorization_mode"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(kwargs, name):
    with pytest.raises(ValueError, match=name):
        fastac.train_a2c(**{"total_steps": 1000, **kwargs})


def test_wrong_types_raise_type_error():
    with pytest.raises(TypeError, match="env"):
        fastac.train_a2c(env=3)
    with pytest.raises(TypeError, match="num_envs"):
        fastac.train_a2c(num_envs=2.5)


def test_stop_evaluation_needs_a_way_to_make_eval_envs():
    envs = gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1")] * 2)
    with pytest.raises(ValueError, match="stop_eval_episodes"):
        fastac.train_a2c(envs, stop_at_return=475, total_steps=1000)
