"""Pickle and copy.deepcopy of policies (every kind built so far) and training results:
the copy has the same state_dict and predicts exactly as the original, sampling included."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import torch
from gymnasium import spaces

import fastac
from fastac import ActorCriticPolicy

POLICIES = {
    "discrete": lambda: ActorCriticPolicy(4, spaces.Discrete(3, start=-1), (16, 8), seed=1, metadata={"env": "x"}),
    "box": lambda: ActorCriticPolicy(4, spaces.Box(-2.0, 2.0, (2,), np.float32), (16,), seed=2, log_std_init=-0.5),
    "squashed": lambda: ActorCriticPolicy(4, spaces.Box(-1.0, 3.0, (3,), np.float64), (8,), seed=3,
                                          squash_output=True),
    "normalized": lambda: ActorCriticPolicy(4, 2, (8,), seed=4, normalize_obs=True),
}


@pytest.mark.parametrize("kind", sorted(POLICIES))
@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_a_copied_policy_predicts_exactly_as_the_original(kind, how):
    policy = POLICIES[kind]()
    obs = np.random.default_rng(0).normal(size=(32, 4)).astype(np.float32) * 3
    if policy.normalize_obs:
        policy.observation_stats.update(obs * 2 + 1)
    policy.predict(obs)  # move the sampling stream off its start
    copied = pickle.loads(pickle.dumps(policy)) if how == "pickle" else copy.deepcopy(policy)
    assert copied is not policy and copied.network is not policy.network
    assert copied.action_space == policy.action_space and copied.metadata == policy.metadata
    for key, value in policy.state_dict().items():
        assert torch.equal(value, copied.state_dict()[key]), key
    for deterministic in (True, False, False):
        np.testing.assert_array_equal(copied.predict(obs, deterministic=deterministic)[0],
                                      policy.predict(obs, deterministic=deterministic)[0])
    # Independent afterwards: changing the copy leaves the original alone.
    copied.network.parameters[:] = 0
    assert not np.array_equal(copied.forward(obs)[0], policy.forward(obs)[0])


def test_a_training_result_pickles_with_its_policy_and_history():
    result = fastac.train_a2c("CartPole-v1", total_steps=2_000, seed=0)
    again = pickle.loads(pickle.dumps(result))
    np.testing.assert_array_equal(again.history["episode_return"], result.history["episode_return"])
    assert again.config == result.config and again.stop_reason == result.stop_reason
    obs = np.zeros((3, 4), np.float32)
    np.testing.assert_array_equal(again.policy.predict(obs, deterministic=True)[0],
                                  result.policy.predict(obs, deterministic=True)[0])


def test_a_corrupted_pickle_is_refused_with_a_value_error():
    policy = POLICIES["discrete"]()
    reducer, (payload, rng_state) = policy.__reduce__()
    payload["state_dict"]["actor.bias"] = torch.zeros(5)
    with pytest.raises(ValueError, match="pickled policy.*actor.bias"):
        reducer(payload, rng_state)
    with pytest.raises(ValueError, match="state"):
        reducer(policy.__reduce__()[1][0], (1, 2, 3, 4))  # an even increment: no PCG64 position


def _spawned_vector_env_steps(seed: int) -> list:
    import gymnasium as gym

    fns = [lambda: gym.make("fastac:fastac/CartPole-v1")] * 2  # "module:id": the child imports fastac itself
    spawned = gym.vector.AsyncVectorEnv(fns, context="spawn")
    local = gym.vector.SyncVectorEnv(fns)
    try:
        out = [(spawned.reset(seed=seed)[0], local.reset(seed=seed)[0])]
        for t in range(300):  # across autoresets
            actions = np.array([t % 2, (t // 3) % 2])
            out.append((spawned.step(actions)[:4], local.step(actions)[:4]))
        return out
    finally:
        spawned.close()
        local.close()


def test_native_ids_work_in_spawned_processes_through_the_module_form():
    for a, b in _spawned_vector_env_steps(3):
        if isinstance(a, tuple):
            for x, y in zip(a, b):
                np.testing.assert_array_equal(x, y)
        else:
            np.testing.assert_array_equal(a, b)


# Native envs: the whole simulation travels (state, random stream position, step
# counters, autoreset flags), so that a copy continues bit for bit.
NATIVE_IDS = sorted(spec.fastac_id for spec in fastac.envs.native.SPECS.values())


def _copy(obj, how):
    return pickle.loads(pickle.dumps(obj)) if how == "pickle" else copy.deepcopy(obj)


def _actions(space, seed, count):
    space = copy.deepcopy(space)
    space.seed(seed)
    return [space.sample() for _ in range(count)]


@pytest.mark.parametrize("env_id", NATIVE_IDS)
@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_a_copied_native_env_continues_exactly_as_the_original(env_id, how):
    import gymnasium as gym

    # A short time limit, so that both runs cross episode ends; resets after them
    # take no seed and draw from the copied stream.
    env = gym.make(env_id, max_episode_steps=9)
    env.reset(seed=5)
    for action in _actions(env.action_space, 0, 13):  # past one episode end, mid-way into the next
        if any(env.step(action)[2:4]):
            env.reset()
    copied = _copy(env, how)
    assert copied.unwrapped is not env.unwrapped
    np.testing.assert_array_equal(copied.unwrapped.state, env.unwrapped.state)
    ends = 0
    for action in _actions(env.action_space, 1, 40):
        a, b = env.step(action), copied.step(action)
        for x, y in zip(a[:4], b[:4]):
            np.testing.assert_array_equal(x, y)
        if any(a[2:4]):
            ends += 1
            for x, y in zip(env.reset()[0], copied.reset()[0]):
                np.testing.assert_array_equal(x, y)
    assert ends >= 3
    # Independent afterwards.
    copied.reset(seed=123)
    assert not np.array_equal(copied.unwrapped.state, env.unwrapped.state)


@pytest.mark.parametrize("env_id", NATIVE_IDS)
@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_a_copied_native_vector_env_continues_exactly_across_autoresets(env_id, how):
    import gymnasium as gym

    envs = gym.make_vec(env_id, num_envs=3, max_episode_steps=7)
    envs.reset(seed=2)
    waiting = False
    for actions in _actions(envs.action_space, 0, 50):
        out = envs.step(actions)
        if (out[2] | out[3]).any():  # copy just after an episode end: its NEXT_STEP reset is pending
            waiting = True
            break
    assert waiting
    copied = _copy(envs, how)
    for actions in _actions(envs.action_space, 1, 30):
        for x, y in zip(envs.step(actions)[:4], copied.step(actions)[:4]):
            np.testing.assert_array_equal(x, y)


def test_a_native_env_copy_before_reset_still_refuses_to_step():
    import gymnasium as gym

    env = fastac.envs.native.CLASSES["CartPole-v1"][0]()
    with pytest.raises(RuntimeError, match="reset"):
        _copy(env, "pickle").step(0)
    vec = gym.make_vec("fastac/CartPole-v1", num_envs=2)
    with pytest.raises(RuntimeError, match="reset"):
        _copy(vec, "deepcopy").step(np.zeros(2, np.int64))


def test_corrupt_native_env_state_is_refused_with_a_value_error():
    sim = fastac._core.make_env("CartPole-v1", 2)
    reducer_state = sim.__getstate__()
    blank = fastac._core.BatchedEnv.__new__(fastac._core.BatchedEnv)
    for bad in (reducer_state[:-1], b"", b"x" + reducer_state[1:]):
        with pytest.raises(ValueError, match="saved env state"):
            blank.__setstate__(bad)
