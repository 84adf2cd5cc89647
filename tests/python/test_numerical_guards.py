"""Diverging runs and non-finite data: skipped and reported, never silent NaN weights."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

import fastac


def _finite(result: fastac.TrainResult) -> bool:
    return all(torch.isfinite(v).all() for v in result.policy.state_dict().values())


@pytest.mark.parametrize("train", [fastac.train_a3c, fastac.train_a2c])
def test_absurd_learning_rate_skips_updates_and_warns(train):
    with pytest.warns(RuntimeWarning, match="non-finite gradient"):
        result = train("CartPole-v1", lr=1e30, max_grad_norm=0, optimizer="sgd", total_steps=50_000, seed=0)
    assert result.skipped_updates > 0
    assert _finite(result)


def test_healthy_run_reports_no_skipped_updates():
    result = fastac.train_a3c(total_steps=20_000, seed=0, num_workers=1)
    assert result.skipped_updates == 0 and result.updates > 0


class _NanAfter(gym.Wrapper):
    """CartPole whose observations turn NaN after `steps` steps."""

    def __init__(self, steps: int) -> None:
        super().__init__(gym.make("CartPole-v1"))
        self.left = steps

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.left -= 1
        if self.left <= 0:
            obs = np.full_like(obs, np.nan)
        return obs, reward, terminated, truncated, info


def test_a2c_rejects_nan_observations():
    with pytest.raises(ValueError, match="non-finite observation"):
        fastac.train_a2c(lambda: _NanAfter(50), num_envs=2, total_steps=10_000, seed=0)


def test_predict_rejects_wrong_shapes_and_non_finite_observations():
    policy = fastac.ActorCriticPolicy(4, 2, seed=0)
    for bad in (np.zeros(3), np.zeros((2, 5)), np.zeros((2, 2, 4))):
        with pytest.raises(ValueError, match="observation must have shape"):
            policy.predict(bad)
    for value in (np.nan, np.inf, -np.inf):  # NaN in used to give action 0 out, silently
        with pytest.raises(ValueError, match="non-finite"):
            policy.predict(np.full((3, 4), value, dtype=np.float32))


@pytest.mark.parametrize("algo", ["a3c", "a2c"])
def test_max_seconds_holds_however_long_one_update_takes(algo):
    """One update of this run takes many seconds (a million parameters, 8192 samples): the time
    limit is checked at every step and between chunks of the gradient, not only between updates."""
    sizes = {"num_workers": 2, "envs_per_worker": 256, "t_max": 32} if algo == "a3c" else {"num_envs": 256, "n_steps": 32}
    result = getattr(fastac, f"train_{algo}")("CartPole-v1", hidden_sizes=(1024, 1024), max_seconds=0.5, seed=0, **sizes)
    assert result.stop_reason == "max_seconds"
    assert result.wall_time_s < 1.5
