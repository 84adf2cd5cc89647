"""The per-env presets (fastac.presets): applied by default for a known id, overridable,
and each one learns within a small budget (the full targets are bench/'s)."""

from __future__ import annotations

import gymnasium as gym
import pytest

import fastac
from fastac.presets import PRESETS, preset, preset_config


def test_every_preset_is_a_valid_config_for_its_algorithm():
    for env_id, by_algorithm in PRESETS.items():
        for algorithm, fields in by_algorithm.items():
            config = preset_config(env_id, algorithm).validated()
            for name, value in fields.items():
                assert getattr(config, name) == value, (env_id, algorithm, name)
            assert {f.name for f in fastac.TrainConfig.fields_for(algorithm)} >= set(fields), (env_id, algorithm)


def test_native_ids_share_their_gymnasium_twin_preset_and_unknown_ids_have_none():
    assert preset("fastac/Acrobot-v1", "a3c") == preset("Acrobot-v1", "a3c") != {}
    assert preset("NoSuch-v0", "a2c") == {}
    assert preset("CartPole-v1", "a2c") == preset("CartPole-v1", "a3c") == {"anneal_lr": True}


@pytest.mark.parametrize("seed", [0, 1])
def test_acrobot_a3c_preset_learns(seed):
    result = fastac.train_a3c("Acrobot-v1", seed=seed, max_seconds=60)
    assert result.config["normalize_reward"] and result.config["entropy_coef"] == 0.01
    mean, _ = fastac.evaluate_policy(result.policy, gym.make("Acrobot-v1"), n_eval_episodes=100, seed=10_000)
    assert mean >= -100, mean  # rl-zoo's A2C: -83; what the preset reaches: presets.py


def test_acrobot_a2c_preset_learns_within_a_fifth_of_its_budget():
    result = fastac.train_a2c("Acrobot-v1", seed=0, total_steps=100_000, max_seconds=60)
    mean, _ = fastac.evaluate_policy(result.policy, gym.make("Acrobot-v1"), n_eval_episodes=100, seed=10_000)
    assert mean >= -100, mean


def test_mountain_car_a2c_preset_learns_within_a_third_of_its_budget():
    result = fastac.train_a2c("MountainCar-v0", seed=0, total_steps=300_000, max_seconds=60)
    assert result.config["activation"] == "tanh" and not result.config["share_trunk"]
    mean, _ = fastac.evaluate_policy(result.policy, gym.make("MountainCar-v0"), n_eval_episodes=100, seed=10_000)
    assert mean >= -150, mean  # rl-zoo's A2C: -111; measured -135 here, -105 to -108 after the full 1M


def test_mountain_car_a3c_preset_learns_within_a_third_of_its_budget():
    # One worker: deterministic (two race on the shared weights).
    result = fastac.train_a3c("MountainCar-v0", seed=0, num_workers=1, total_steps=300_000, max_seconds=60)
    mean, _ = fastac.evaluate_policy(result.policy, gym.make("MountainCar-v0"), n_eval_episodes=100, seed=10_000)
    assert mean >= -150, mean  # measured -135 here, -105 to -106 with 2 workers after the full 1M


@pytest.mark.parametrize("train", [fastac.train_a2c, fastac.train_a3c])
def test_mountain_car_continuous_preset_learns_within_half_its_budget(train):
    extra = {"num_workers": 1} if train is fastac.train_a3c else {}
    result = train("MountainCarContinuous-v0", seed=0, total_steps=50_000, max_seconds=60, **extra)
    mean, _ = fastac.evaluate_policy(result.policy, gym.make("MountainCarContinuous-v0"), n_eval_episodes=100,
                                     seed=10_000)
    assert mean >= 80, mean  # rl-zoo's A2C (with gSDE): 91; measured 96.0 (A2C) and 95.2 (A3C) here


@pytest.mark.parametrize("train", [fastac.train_a2c, fastac.train_a3c])
def test_lunar_lander_preset_learns_within_a_quarter_of_its_budget(train):
    pytest.importorskip("Box2D", reason="LunarLander needs box2d (the test extra installs it)")
    result = train("LunarLander-v3", seed=0, total_steps=50_000, stop_eval_episodes=0, max_seconds=60)
    returns = result.history["episode_return"]
    # Measured: the last 100 training episodes average -18 (A2C) and -8 (A3C, one worker with
    # one env), the first 20 -238 and -245 (random play: about -180).
    assert result.mean_return() >= -80, result.mean_return()
    assert result.mean_return() >= returns[:20].mean() + 100
