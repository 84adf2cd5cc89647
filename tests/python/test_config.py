"""fastac.TrainConfig: the one declaration of the hyperparameters."""

from __future__ import annotations

import dataclasses
import inspect
import json

import pytest

import fastac
from fastac import _core
from fastac.config import PYTHON_ONLY_FIELDS, TrainConfig


def test_cpp_mirror_has_the_same_fields():
    python = {f.name for f in dataclasses.fields(TrainConfig)}
    assert set(_core.TrainConfig.FIELDS) | set(PYTHON_ONLY_FIELDS) == python
    assert not set(_core.TrainConfig.FIELDS) & set(PYTHON_ONLY_FIELDS)


def test_to_core_copies_every_field():
    cfg = TrainConfig(lr=1e-3, hidden_sizes=(7, 9), num_workers=3, stop_at_return=12.5, seed=5).validated()
    core = cfg.to_core()
    assert core.hidden_sizes == [7, 9] and core.num_workers == 3 and core.stop_at_return == 12.5
    assert core.seed == 5 and abs(core.lr - 1e-3) < 1e-9
    default = TrainConfig(seed=1).validated().to_core()
    assert default.max_seconds == float("inf") and default.stop_at_return != default.stop_at_return  # NaN


def test_trainer_signatures_follow_the_config():
    for algorithm, train in (("a2c", fastac.train_a2c), ("a3c", fastac.train_a3c)):
        params = inspect.signature(train).parameters
        for f in TrainConfig.fields_for(algorithm):
            if f.name != "env":
                assert params[f.name].default == f.default, f.name
                assert f.metadata["doc"] in train.__doc__
    assert "num_envs" not in inspect.signature(fastac.train_a3c).parameters
    assert "num_workers" not in inspect.signature(fastac.train_a2c).parameters


def test_wrong_algorithm_option_is_a_type_error():
    with pytest.raises(TypeError, match="num_workers.*A3C only"):
        fastac.train_a2c(num_workers=2)
    with pytest.raises(TypeError, match="'no_such_option'"):
        fastac.train_a3c(no_such_option=1)


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_round_trip_through_files(tmp_path, fmt):
    cfg = TrainConfig(env="Acrobot-v1", lr=2e-4, hidden_sizes=(64, 64), stop_at_return=-90.0, anneal_lr=True)
    path = tmp_path / f"run.{fmt}"
    cfg.save(path)
    assert TrainConfig.from_file(path) == cfg
    if fmt == "json":
        assert json.loads(path.read_text())["hidden_sizes"] == [64, 64]


def test_unknown_field_in_a_file_is_named(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("lr: 0.001\nlearning_rate: 0.1\n")
    with pytest.raises(ValueError, match="learning_rate"):
        TrainConfig.from_file(path)


@pytest.mark.parametrize("name, value, error", [
    ("lr", 1e-50, ValueError),          # zero in float32
    ("lr", 1e39, ValueError),           # inf in float32
    ("anneal_lr", "no", TypeError),     # booleans must be bool
    ("native", 1, TypeError),
    ("seed", 2**64, ValueError),
    ("seed", -1, ValueError),
    ("hidden_sizes", [2**31], ValueError),
    ("optimizer", "adagrad", ValueError),
    ("total_steps", 0, ValueError),
    ("gamma", 0.0, ValueError),
])
def test_validation_names_the_field(name, value, error):
    with pytest.raises(error, match=name):
        TrainConfig(**{name: value}).validated()


def test_saved_model_carries_the_config(tmp_path):
    result = fastac.train_a2c("CartPole-v1", total_steps=2_000, seed=4, lr=1e-3)
    result.policy.save(tmp_path / "m.pt")
    saved = fastac.load(tmp_path / "m.pt").metadata["config"]
    assert TrainConfig.from_dict(saved) == TrainConfig.from_dict(result.config)
    assert saved["lr"] == 1e-3 and saved["seed"] == 4 and saved["num_envs"] == 8


def test_cli_exposes_every_field():
    from fastac.cli import build_parser

    help_text = build_parser()._subparsers._group_actions[0].choices["train"].format_help()  # type: ignore[union-attr]
    for f in dataclasses.fields(TrainConfig):
        assert "--" + f.name.replace("_", "-") in help_text, f.name
