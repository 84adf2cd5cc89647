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
