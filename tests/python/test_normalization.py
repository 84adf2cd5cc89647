"""Observation normalization and reward scaling (normalize_obs, normalize_reward): the
statistics are the policy's, round-trip through state_dict, save/load, to_torch and the
exports with identical outputs, and are updated by both trainers."""

from __future__ import annotations

import math
import warnings

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium import spaces

import fastac
from fastac import ActorCriticPolicy


def _trained_stats_policy(space: spaces.Space = spaces.Discrete(3), **kwargs) -> ActorCriticPolicy:
    policy = ActorCriticPolicy(4, space, (16,), seed=2, normalize_obs=True, **kwargs)
    rng = np.random.default_rng(0)
    for _ in range(5):
        policy.observation_stats.update((rng.normal(size=(64, 4)) * [1, 10, 100, 0.1] + [5, -3, 0, 50]).astype(np.float32))
    return policy


def test_the_policy_acts_on_normalized_observations():
    policy = _trained_stats_policy()
    count, mean, var = policy.observation_stats.moments()
    assert count == pytest.approx(320 + 1e-4)
    assert mean[3] == pytest.approx(50, abs=0.05) and var[2] == pytest.approx(100**2, rel=0.2)
    plain = ActorCriticPolicy(4, 3, (16,), seed=2)
    sd = {k: v for k, v in policy.state_dict().items() if not k.startswith("obs_rms")}
    plain.load_state_dict(sd)
    obs = np.random.default_rng(1).normal(size=(32, 4)).astype(np.float32) * 50
    normalized = np.clip((obs - mean.astype(np.float32)) * (1 / np.sqrt(var + 1e-8)).astype(np.float32), -10, 10)
    np.testing.assert_allclose(policy.forward(obs)[0], plain.forward(normalized)[0], rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(policy.predict(obs, deterministic=True)[0],
                                  plain.predict(normalized, deterministic=True)[0])
    np.testing.assert_array_equal(policy.observation_stats.normalize(obs), normalized)


@pytest.mark.parametrize("space", [spaces.Discrete(3), spaces.Box(-1.0, 1.0, (2,), np.float32)])
def test_statistics_round_trip_through_save_load_to_torch_and_exports(tmp_path, space):
    policy = _trained_stats_policy(space)
    sd = policy.state_dict()
    assert sd["obs_rms.mean"].dtype == torch.float64 and sd["obs_rms.count"].shape == ()
    obs = np.random.default_rng(3).normal(size=(64, 4)).astype(np.float32) * 30
    head, values = policy.forward(obs)
    greedy, _ = policy.predict(obs, deterministic=True)

    policy.save(tmp_path / "m.pt")
    loaded = fastac.load(tmp_path / "m.pt")
    assert loaded.normalize_obs
    for key, value in sd.items():
        assert torch.equal(value, loaded.state_dict()[key]), key
    np.testing.assert_array_equal(loaded.forward(obs)[0], head)

    module = policy.to_torch()
    with torch.no_grad():
        h, v = module(torch.from_numpy(obs))
        np.testing.assert_allclose(h.numpy(), head, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(v.numpy(), values, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(module.act(torch.from_numpy(obs)).numpy(), greedy, rtol=1e-5, atol=1e-5)
    again = ActorCriticPolicy(4, space, (16,), seed=9, normalize_obs=True)
    again.load_state_dict(module.state_dict())  # and back
    np.testing.assert_array_equal(again.forward(obs)[0], head)

    policy.export_torchscript(tmp_path / "p.pt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        scripted = torch.jit.load(str(tmp_path / "p.pt"))
    np.testing.assert_allclose(scripted(torch.from_numpy(obs))[0].detach().numpy(), head, rtol=1e-5, atol=1e-5)
    policy.export_program(tmp_path / "p.pt2")
    program = torch.export.load(str(tmp_path / "p.pt2")).module()
    np.testing.assert_allclose(program(torch.from_numpy(obs))[0].detach().numpy(), head, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("key, value, match", [
    ("obs_rms.var", torch.tensor([1.0, -1.0, 1.0, 1.0], dtype=torch.float64), "negative variance"),
    ("obs_rms.count", torch.tensor(0.0, dtype=torch.float64), "must be > 0"),
    ("obs_rms.mean", torch.tensor([math.nan, 0, 0, 0], dtype=torch.float64), "NaN"),
])
def test_bad_statistics_are_refused_and_nothing_is_copied(tmp_path, key, value, match):
    policy = _trained_stats_policy()
    before = policy.state_dict()
    sd = dict(before)
    sd[key] = value
    with pytest.raises(ValueError, match=match):
        policy.load_state_dict(sd)
    for k, v in before.items():
        assert torch.equal(v, policy.state_dict()[k]), k
    policy.save(tmp_path / "m.pt")
    payload = torch.load(tmp_path / "m.pt", weights_only=True)
    payload["state_dict"][key] = value
    torch.save(payload, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match=match):
        fastac.load(tmp_path / "bad.pt")


def test_a2c_updates_the_statistics_and_reports_raw_returns():
    result = fastac.train_a2c("Pendulum-v1", normalize_obs=True, normalize_reward=True, total_steps=4_000, seed=0,
                              num_envs=4, n_steps=5, config=fastac.TrainConfig())
    count, mean, var = result.policy.observation_stats.moments()
    assert count == pytest.approx(4_000 + 1e-4)  # the transitions' observations (no reset rows)
    assert abs(mean[2]) < 3 and var[2] > 1  # the angular velocity's spread, raw
    assert result.policy.normalize_obs and result.config["normalize_reward"]
    returns = result.history["episode_return"]
    assert len(returns) == 4_000 // 200 and returns.max() < -100  # Pendulum's own scale, not the scaled rewards'


def test_a2c_with_normalization_is_deterministic():
    kwargs = dict(normalize_obs=True, normalize_reward=True, total_steps=3_000, seed=4, num_envs=4)
    a, b = fastac.train_a2c("Acrobot-v1", **kwargs), fastac.train_a2c("Acrobot-v1", **kwargs)
    for key, value in a.policy.state_dict().items():
        assert torch.equal(value, b.policy.state_dict()[key]), key


def test_a3c_shares_the_statistics_across_workers():
    result = fastac.train_a3c("Pendulum-v1", normalize_obs=True, normalize_reward=True, total_steps=20_000,
                              num_workers=2, envs_per_worker=4, t_max=5, seed=1, config=fastac.TrainConfig())
    count, _, var = result.policy.observation_stats.moments()
    # Every full rollout's observations, from both workers (a rollout cut short by the budget is not counted).
    assert 18_000 <= count <= 20_000 + 2 * 4 * 5
    assert var[2] > 1
    mean, _ = fastac.evaluate_policy(result.policy, gym.make("Pendulum-v1"), n_eval_episodes=2, seed=0)
    assert math.isfinite(mean)


def test_a3c_learns_cartpole_with_normalization():
    result = fastac.train_a3c("CartPole-v1", normalize_obs=True, normalize_reward=True, stop_at_return=475, seed=0,
                              total_steps=3_000_000, max_seconds=120)
    assert result.stop_reason == "stop_at_return", result.stop_reason
    mean, _ = fastac.evaluate_policy(result.policy, gym.make("CartPole-v1"), n_eval_episodes=100, seed=10_000)
    assert mean >= 475


def test_the_reward_scaler_refuses_rows_it_cannot_scale_in_place():
    scaler, stats = fastac._core.RewardScaler(4, 0.99), fastac._core.RunningStats(1)
    dones = np.zeros(4, np.bool_)
    for bad in (np.zeros(3, np.float32), np.zeros(4, np.float64), np.zeros((2, 4), np.float32)[:, 0],
                np.zeros((1, 4), np.float32)):
        with pytest.raises(ValueError, match="rewards"):
            scaler.scale(bad, dones, None, stats)
    with pytest.raises(ValueError, match="stats"):
        scaler.scale(np.ones(4, np.float32), dones, None, fastac._core.RunningStats(2))
    rewards = np.full(4, 3.0, np.float32)
    scaler.scale(rewards, dones, None, stats)
    np.testing.assert_allclose(rewards, 3.0, rtol=1e-6)  # initial statistics: var 1


def test_a2c_statistics_leave_out_the_reset_rows():
    # NEXT_STEP autoreset: the reset row holds the ended episode's final observation, not a state the policy acted in.
    result = fastac.train_a2c("Pendulum-v1", normalize_obs=True, total_steps=4_000, seed=0, num_envs=4, n_steps=5,
                              config=fastac.TrainConfig())
    count, _, _ = result.policy.observation_stats.moments()
    assert count == pytest.approx(4_000 + 1e-4)
