"""Bad inputs are refused with a TypeError or ValueError naming the parameter: the table of
bad values is generated from the one config, ``fastac.TrainConfig``.

How the table is generated. For every field in ``dataclasses.fields(TrainConfig)``,
:func:`_field_spec` reads

- the type from the field's annotation: ``int``, ``float``, ``bool``, ``str`` (with the
  ``choices`` metadata: a choice), ``tuple[int, ...]`` (layer sizes); ``| None`` makes None
  a good value;
- the accepted range from the field's help text, the one users read in ``--help`` and in the
  trainers' docstrings: ``in [0, 1)``, ``In [0, 10000]``, ``> 0``, ``>= 1``,
  ``each in [1, 65536]``, ``at most 64 layers``;
- whether the C++ mirror (``fastac._core.TrainConfig``) holds a float field as a float32
  (a value it cannot hold is refused too).

:func:`_bad_values` then derives what must be refused: wrong types (a str, a list, a float
for an int, a bool for an int or a float, an int for a bool, None where not optional, ...),
each side of the range (the nearest value outside, -1 and 2**63 for ints, NaN, +-inf and an
int beyond float's range for floats) and, for sizes, bad items and one layer too many.
:func:`_bad_texts` does the same for the command line. ``test_every_field_is_covered``
fails if a field gets no bad value of a kind that applies to it.

Each bad value must be refused, with a message naming the field, by
``TrainConfig(...).validated()``, by ``train_a2c``/``train_a3c`` before any training starts
(training is patched to fail the test; a field of the other algorithm is a TypeError), by
``fastac train --flag=TEXT`` (exit 2, the flag on stderr) and in a ``fastac train --config``
file. Hypothesis draws values on each side of the numeric ranges: outside, refused; inside,
accepted and held unchanged by the C++ mirror. Last, the other public callables with
parameters, declared with the same specs from their signatures and docstrings.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import subprocess
import sys
from dataclasses import dataclass
from typing import Any, Callable

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastac
import fastac.a2c
from fastac import _core
from fastac.cli import main
from fastac.config import BOTH, PYTHON_ONLY_FIELDS, TrainConfig
from fastac.policy import MAX_ACTIONS, MAX_HIDDEN_SIZE, MAX_OBSERVATION_SIZE

# --------------------------------------------------------------------------------------
# The specs: type and range of each parameter
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """What a parameter accepts. Integer bounds are inclusive; float bounds say whether open."""

    name: str
    kind: str  # "int", "float", "bool", "str", "choice" or "sizes"
    optional: bool = False
    low: Any = None
    high: Any = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()
    max_len: int | None = None  # sizes: most items
    float32: bool = False  # float: must stay finite (and non-zero if > 0) as a float32
    algorithms: tuple[str, ...] = BOTH

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


_NUMBER = r"-?\d+(?:\*\*\d+)?(?:\.\d+)?(?:e-?\d+)?"
_INTERVAL = re.compile(rf"\b[Ii]n ([\[(])({_NUMBER}), ({_NUMBER})([\])])")  # "in [0, 1)"
_HALF_LINE = re.compile(rf"(>=?) ({_NUMBER})")  # "> 0", ">= 1"
_MAX_LEN = re.compile(r"at most (\d+) layers")


def _number(text: str) -> int | float:
    base, _, exponent = text.partition("**")
    if exponent:
        return int(base) ** int(exponent)
    return int(text) if re.fullmatch(r"-?\d+", text) else float(text)


def _holds_as_float32(name: str) -> bool:
    """Whether the C++ mirror stores the field as a float32 (1e39 becomes inf there)."""
    if name not in _core.TrainConfig.FIELDS:
        return False
    core = _core.TrainConfig()
    setattr(core, name, 1e39)
    return math.isinf(getattr(core, name))


def _field_spec(f: dataclasses.Field[Any]) -> Spec:
    """The spec of a config field, from its annotation, help text and metadata."""
    annotation = str(f.type)
    optional = annotation.endswith("| None")
    base = annotation.split(" | ")[0]
    kind = "sizes" if base.startswith("tuple[int") else base
    if kind == "str" and f.metadata["choices"]:
        kind = "choice"
    assert kind in ("int", "float", "bool", "str", "choice", "sizes"), f"{f.name}: no spec for {annotation!r}"
    spec = Spec(f.name, kind, optional, choices=tuple(f.metadata["choices"] or ()),
                algorithms=tuple(f.metadata["algorithms"]))
    doc = f.metadata["doc"]
    if kind in ("int", "float", "sizes"):
        if match := _INTERVAL.search(doc):
            left, low, high, right = match.groups()
            spec = dataclasses.replace(spec, low=_number(low), high=_number(high), low_open=left == "(",
                                       high_open=right == ")")
        elif match := _HALF_LINE.search(doc):
            spec = dataclasses.replace(spec, low=_number(match[2]), low_open=match[1] == ">")
        if kind != "float" and spec.low is not None:  # integer bounds, inclusive
            spec = dataclasses.replace(spec, low=spec.low + spec.low_open, low_open=False)
        if kind != "float" and spec.high is not None:
            spec = dataclasses.replace(spec, high=spec.high - spec.high_open, high_open=False)
    if kind == "sizes" and (match := _MAX_LEN.search(doc)):
        spec = dataclasses.replace(spec, max_len=int(match[1]))
    if kind == "float":
        spec = dataclasses.replace(spec, float32=_holds_as_float32(f.name))
    return spec


FIELD_SPECS = [_field_spec(f) for f in dataclasses.fields(TrainConfig)]

# --------------------------------------------------------------------------------------
# The bad values
# --------------------------------------------------------------------------------------


def _bad_values(spec: Spec) -> list[tuple[str, Any]]:
    """(label, value) pairs that ``spec`` must refuse. A label starting with "type:" is a
    wrong type, "range:" a value outside the range."""
    bad: list[tuple[str, Any]] = []
    if not spec.optional:
        bad.append(("type:None", None))
    if spec.kind == "int":
        bad += [("type:str", "1"), ("type:list", [1]), ("type:float", 1.0), ("type:bool", True),
                ("type:numpy-bool", np.True_)]
        bad += [(f"range:{label}", value) for label, value in _int_outside(spec)]
    elif spec.kind == "float":
        bad += [("type:str", "0.5"), ("type:list", [0.5]), ("type:bool", True), ("type:complex", 0.5 + 0j)]
        bad += [("range:nan", math.nan), ("range:inf", math.inf), ("range:-inf", -math.inf),
                ("range:int-beyond-float", 10**400), ("range:-int-beyond-float", -(10**400))]
        if spec.low is not None:  # the bound itself if open, else the float just below it
            below = ("range:low", spec.low) if spec.low_open else ("range:below", math.nextafter(spec.low, -math.inf))
            bad += [below, ("range:low-1", spec.low - 1)]
        if spec.high is not None:
            above = ("range:high", spec.high) if spec.high_open else ("range:above",
                                                                      math.nextafter(spec.high, math.inf))
            bad += [above, ("range:high+1", spec.high + 1)]
        elif spec.float32:
            bad.append(("range:beyond-float32", 1e39))
        if spec.float32 and spec.low == 0 and spec.low_open:
            bad.append(("range:zero-in-float32", 1e-46))
    elif spec.kind == "bool":
        bad += [("type:int-1", 1), ("type:int-0", 0), ("type:str", "True"), ("type:float", 1.0),
                ("type:list", [True]), ("type:numpy-int", np.int64(1))]
    elif spec.kind == "choice":
        choice = spec.choices[0]
        bad += [("range:unknown", "no-such-" + choice), ("range:upper-case", choice.upper()), ("range:empty", ""),
                ("range:padded", choice + " "), ("type:int", 1), ("type:list", [choice]),
                ("type:bytes", choice.encode())]
    elif spec.kind == "str":
        bad += [("range:empty", ""), ("type:int", 1), ("type:bytes", b"CartPole-v1"), ("type:list", ["CartPole-v1"])]
    elif spec.kind == "sizes":
        bad += [("type:str", "64"), ("type:int", 64), ("type:bytes", b"64"), ("type:set", {64}), ("type:dict", {64: 1}),
                ("type:float-item", [64.0]), ("type:bool-item", [True]), ("type:str-item", ["64"]),
                ("type:None-item", [None])]
        bad += [(f"range:item-{label}", [value]) for label, value in _int_outside(spec)]
        if spec.max_len is not None:
            bad.append(("range:too-many", [spec.low or 1] * (spec.max_len + 1)))
    return bad


def _int_outside(spec: Spec) -> list[tuple[str, int]]:
    """Integers outside an inclusive range: the nearest on each side, -1 and 2**63."""
    out = []
    if spec.low is not None:
        out.append(("below", spec.low - 1))
        if spec.low - 1 > -1:
            out.append(("-1", -1))
    if spec.high is not None:
        out.append(("above", spec.high + 1))
        if spec.high + 1 < 2**63:
            out.append(("2**63", 2**63))
    return out


#: The table: (spec, bad value) for every field, with ids such as "lr-range:nan".
BAD = [pytest.param(spec, value, id=f"{spec.name}-{label}") for spec in FIELD_SPECS
       for label, value in _bad_values(spec)]


def _naming(name: str) -> str:
    """A regex for ``name`` as a word of its own ("env" in "env:", not in "environment")."""
    return rf"(?<!\w){re.escape(name)}(?!\w)"


def test_every_field_is_covered():
    """Every field has bad values in the table: wrong types and, past each bound of its range, a value."""
    assert {param.values[0].name for param in BAD} == {f.name for f in dataclasses.fields(TrainConfig)}
    for spec in FIELD_SPECS:
        labels = [label for label, _ in _bad_values(spec)]
        assert any(label.startswith("type:") for label in labels), spec.name
        if spec.kind in ("choice", "str"):
            assert any(label.startswith("range:") for label in labels), spec.name
        if spec.kind in ("int", "float", "sizes"):
            # Its help text states a range (only stop_at_return may be any finite number) ...
            assert spec.low is not None or spec.high is not None or spec.name == "stop_at_return", spec.name
            # ... and the table has a value past each bound.
            past_low = [label for label in labels if label.startswith(("range:below", "range:low", "range:item-below"))]
            past_high = [label for label in labels if label.startswith(("range:above", "range:high", "range:item-above",
                                                                        "range:beyond", "range:int-beyond"))]
            assert (spec.low is None or past_low) and past_high, spec.name


# --------------------------------------------------------------------------------------
# 1. The config, the trainers
# --------------------------------------------------------------------------------------

#: What a trainer would run with if a bad value slipped through: a few steps, one second.
TINY = TrainConfig(total_steps=64, max_seconds=1.0, seed=0, hidden_sizes=(4,), num_workers=1, envs_per_worker=1,
                   num_envs=1, stop_eval_episodes=0)
TRAINERS = {"a2c": fastac.train_a2c, "a3c": fastac.train_a3c}


@pytest.fixture
def no_training(monkeypatch):
    """Training fails the test: every bad value must be refused before it starts."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("training started: a bad value was not refused before it")

    monkeypatch.setattr(fastac.a2c, "_train", refuse)
    monkeypatch.setattr(_core, "A3CTrainer", refuse)


@pytest.mark.parametrize("algorithm", BOTH)
def test_the_no_training_guard_catches_a_run(algorithm, no_training):
    with pytest.raises(AssertionError, match="training started"):
        TRAINERS[algorithm](config=TINY)


@pytest.mark.parametrize("spec, value", BAD)
def test_config_validation_refuses(spec, value):
    with pytest.raises((TypeError, ValueError), match=_naming(spec.name)):
        TrainConfig(**{spec.name: value}).validated()


#: The trainers' env=None is their default (CartPole-v1, or init_model's env), not a bad value.
BAD_FOR_TRAINERS = [p for p in BAD if not (p.values[0].name == "env" and p.values[1] is None)]


@pytest.mark.parametrize("algorithm", BOTH)
@pytest.mark.parametrize("spec, value", BAD_FOR_TRAINERS)
def test_trainers_refuse_before_training(spec, value, algorithm, no_training):
    with pytest.raises((TypeError, ValueError), match=_naming(spec.name)) as info:
        TRAINERS[algorithm](config=TINY, **{spec.name: value})  # env=... is the trainers' env argument
    if algorithm not in spec.algorithms:  # a keyword of the other algorithm, whatever its value
        assert info.type is TypeError and "unexpected keyword argument" in str(info.value)


# --------------------------------------------------------------------------------------
# 2. The command line: each field's flag, and --config files
# --------------------------------------------------------------------------------------


def _bad_texts(spec: Spec) -> list[str]:
    """Arguments (``--flag=text``) that ``fastac train`` must refuse for a field."""
    if spec.kind == "bool":  # a switch: --flag / --no-flag take no value
        return [f"{spec.flag}=maybe", f"{spec.flag}=1", f"--no-{spec.flag[2:]}=0"]
    texts = []
    if spec.kind == "choice":
        texts += ["no-such-choice", spec.choices[0].upper(), ""]
    if spec.kind == "str":
        texts.append("")
    if spec.kind in ("int", "float"):
        texts += ["abc", "", "nan", "inf", "-inf", "1e400"] + ([] if spec.optional else ["none"])
        outside = _int_outside(spec) if spec.kind == "int" else [
            (label, value) for label, value in _bad_values(spec)
            if label.startswith("range:") and not label.endswith("int-beyond-float") and math.isfinite(value)]
        texts += [repr(value) for _, value in outside]
        if spec.kind == "int":
            texts.append("1.5")
    if spec.kind == "sizes":
        texts += ["a,b", "64,", "64,,64", "1.5", "none"] + [str(value) for _, value in _int_outside(spec)]
        if spec.max_len is not None:
            texts.append(",".join(["1"] * (spec.max_len + 1)))
    return [f"{spec.flag}={text}" for text in texts]


BAD_ARGS = [pytest.param(spec, arg, id=arg) for spec in FIELD_SPECS for arg in _bad_texts(spec)]


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int | str | None, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    return info.value.code, capsys.readouterr().err


def _train_argv(spec: Spec, *args: str) -> list[str]:
    """``fastac train`` with ``args``, and a tiny budget should a bad value be missed."""
    budget = [arg for arg in ("--total-steps=64", "--max-seconds=1") if not arg.startswith(spec.flag + "=")]
    return ["train", "--algo", spec.algorithms[0], *budget, "--quiet", *args]


def test_every_flag_is_covered():
    assert {spec.name for spec, _ in (p.values for p in BAD_ARGS)} == {f.name for f in dataclasses.fields(TrainConfig)}


@pytest.mark.parametrize("spec, arg", BAD_ARGS)
def test_cli_flag_refuses(spec, arg, capsys, no_training):
    code, err = _cli(_train_argv(spec, arg), capsys)
    assert code == 2 and f"argument {spec.flag}" in err, err


def _other_algorithm(spec: Spec) -> str:
    """The algorithm that does not read the field, if there is one: its values must be checked all the same."""
    others = [a for a in BOTH if a not in spec.algorithms]
    return others[0] if others else "a3c"


def _json_able(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


BAD_IN_FILES = [p for p in BAD if _json_able(p.values[1])]


@pytest.mark.parametrize("spec, value", BAD_IN_FILES)
def test_cli_config_file_refuses(spec, value, tmp_path, capsys, no_training):
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"total_steps": 64, "max_seconds": 1.0, spec.name: value}))
    code, err = _cli(["train", "--algo", _other_algorithm(spec), "--config", str(path), "--quiet"], capsys)
    assert code == 2 and re.search(_naming(spec.name), err), err


def test_cli_smoke_in_a_subprocess():
    """The console entry point itself: exit 2, the flag named, no traceback."""
    out = subprocess.run([sys.executable, "-m", "fastac", "train", "--lr=nan"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 2 and "argument --lr" in out.stderr and "Traceback" not in out.stderr, out.stderr


# --------------------------------------------------------------------------------------
# 3. Hypothesis: each side of every numeric range
# --------------------------------------------------------------------------------------

NUMERIC = [pytest.param(spec, id=spec.name) for spec in FIELD_SPECS if spec.kind in ("int", "float", "sizes")]


def _outside(spec: Spec) -> st.SearchStrategy[Any]:
    if spec.kind == "sizes":  # one item out of range, among good ones
        good, bad = st.integers(spec.low, spec.high), _outside(dataclasses.replace(spec, kind="int"))
        return st.tuples(st.lists(good, max_size=3), bad, st.lists(good, max_size=3)).map(
            lambda t: [*t[0], t[1], *t[2]])
    if spec.kind == "int":
        sides = [st.integers(max_value=spec.low - 1)] if spec.low is not None else []
        return st.one_of(sides + ([st.integers(min_value=spec.high + 1)] if spec.high is not None else []))
    sides = [st.sampled_from([math.nan, math.inf, -math.inf])]
    if spec.low is not None:
        sides.append(st.floats(max_value=spec.low, exclude_max=not spec.low_open, allow_infinity=False))
    if spec.high is not None:
        sides.append(st.floats(min_value=spec.high, exclude_min=not spec.high_open, allow_infinity=False))
    return st.one_of(sides)


def _inside(spec: Spec) -> st.SearchStrategy[Any]:
    if spec.kind == "sizes":
        return st.lists(st.integers(spec.low, spec.high), max_size=spec.max_len or 8).map(tuple)
    if spec.kind == "int":
        return st.integers(spec.low, spec.high)
    return st.floats(spec.low, spec.high, exclude_min=spec.low_open, exclude_max=spec.high_open, allow_nan=False,
                     allow_infinity=False, width=32 if spec.float32 else 64)


@pytest.mark.parametrize("spec", NUMERIC)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_values_outside_the_range_are_refused(spec, data):
    value = data.draw(_outside(spec), label=spec.name)
    with pytest.raises((TypeError, ValueError), match=_naming(spec.name)):
        TrainConfig(**{spec.name: value}).validated()


@pytest.mark.parametrize("spec", NUMERIC)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_values_inside_the_range_are_accepted_and_kept(spec, data):
    value = data.draw(_inside(spec), label=spec.name)
    config = TrainConfig(**{spec.name: value}).validated()
    assert getattr(config, spec.name) == value
    if spec.name in PYTHON_ONLY_FIELDS:  # (how processes exchange: no C++ twin)
        return
    core_value = getattr(config.to_core(), spec.name)  # what the C++ trainers read
    assert (tuple(core_value) if spec.kind == "sizes" else core_value) == value


# --------------------------------------------------------------------------------------
# 4. The other public callables
# --------------------------------------------------------------------------------------
# Their parameters are declared as specs from their signatures and docstrings (the bounds
# are fastac.policy's constants); the bad values come from the same _bad_values.

POLICY_SPECS = [
    Spec("observation_size", "int", low=1, high=MAX_OBSERVATION_SIZE),
    Spec("action_space", "int", low=1, high=MAX_ACTIONS),  # an int n for Discrete(n)
    Spec("hidden_sizes", "sizes", low=1, high=MAX_HIDDEN_SIZE),
    Spec("seed", "int", low=0, high=2**64 - 1),
]
EVALUATE_SPECS = [
    Spec("n_eval_episodes", "int", low=1),
    Spec("deterministic", "bool"),
    Spec("seed", "int", optional=True, low=0),
    Spec("return_episode_rewards", "bool"),
]
TRAINER_SPECS = [Spec("callback_interval_s", "float", low=0, low_open=True)]


def _policy(**kwargs: Any) -> fastac.ActorCriticPolicy:
    return fastac.ActorCriticPolicy(**{"observation_size": 4, "action_space": 2, "hidden_sizes": (8,), **kwargs})


class _BytesPath:
    """An os.PathLike whose path is bytes."""

    def __fspath__(self) -> bytes:
        return b"/tmp/m.pt"


BAD_PATHS = [pytest.param(p, id=i) for p, i in
             ((b"/tmp/m.pt", "bytes"), (123, "int"), (None, "None"), (_BytesPath(), "bytes-pathlike"), ("", "empty"),
              ("m\0.pt", "NUL"))]
PATH_CALLS = {
    "TrainConfig.from_file": TrainConfig.from_file,
    "TrainConfig.save": lambda path: TrainConfig().save(path),
    "policy.save": lambda path: _policy().save(path),
    "ActorCriticPolicy.load": fastac.ActorCriticPolicy.load,
    "fastac.load": fastac.load,
}

_Case = tuple[Callable[[], Any], Any, str]  # (call, exception type(s), regex the message must match)


def _cases() -> dict[str, _Case]:
    cases: dict[str, _Case] = {}
    either = (TypeError, ValueError)
    for spec in POLICY_SPECS:
        for label, value in _bad_values(spec):
            cases[f"ActorCriticPolicy-{spec.name}-{label}"] = (
                lambda s=spec, v=value: _policy(**{s.name: v}), either, _naming(spec.name))
    for space, label in ((gym.spaces.MultiDiscrete([2, 2]), "MultiDiscrete"),
                         (gym.spaces.Discrete(MAX_ACTIONS + 1), "Discrete-too-many"),
                         (gym.spaces.Discrete(2, start=2**62 + 1), "Discrete-start-beyond-int64")):
        cases[f"ActorCriticPolicy-action_space-{label}"] = (
            lambda s=space: _policy(action_space=s), ValueError, _naming("action_space"))
    for metadata, label in (("env", "str"), (1, "int"), ({1: "x"}, "int-key"), ({"x": np.float32(1)}, "numpy-value"),
                            ({"x": {"y": {1, 2}}}, "nested-set")):
        cases[f"ActorCriticPolicy-metadata-{label}"] = (
            lambda m=metadata: _policy(metadata=m), TypeError, _naming("metadata"))

    # predict(observation, deterministic): observation_size 4
    for obs, label in ((np.float32(0), "0-d"), (np.zeros(0), "empty-1-d"), (np.zeros((1, 5)), "batch-of-5"),
                       (np.zeros((4, 1)), "column"), (np.zeros((1, 1, 4)), "3-d")):
        cases[f"predict-shape-{label}"] = (lambda o=obs: _policy().predict(o), ValueError,
                                           "observation must have shape")
    for obs, label in (([0.0, 0.0, math.nan, 0.0], "nan-in-a-list"), (np.full(4, 1e39), "beyond-float32"),
                       (np.array([0, 0, 0, -np.inf], np.float16), "float16-inf")):
        cases[f"predict-{label}"] = (lambda o=obs: _policy().predict(o), ValueError,
                                     "observation contains a non-finite")
    for obs, label in ((np.zeros(4, complex), "complex"), ([None] * 4, "object"), (None, "None"), (b"abcd", "bytes"),
                       (np.zeros(4, "datetime64[s]"), "datetime")):
        cases[f"predict-dtype-{label}"] = (lambda o=obs: _policy().predict(o), TypeError, "observation")
    for label, value in _bad_values(Spec("deterministic", "bool")):
        cases[f"predict-deterministic-{label}"] = (
            lambda v=value: _policy().predict(np.zeros(4), deterministic=v), TypeError, "deterministic")

    # evaluate_policy(policy, env, n_eval_episodes, deterministic, seed, return_episode_rewards)
    for spec in EVALUATE_SPECS:
        for label, value in _bad_values(spec):
            kwargs = {"n_eval_episodes": 1, spec.name: value}
            cases[f"evaluate_policy-{spec.name}-{label}"] = (
                lambda k=kwargs: fastac.evaluate_policy(_policy(), "CartPole-v1", **k), either, _naming(spec.name))
    for policy, label in ((None, "None"), (lambda: _policy().network, "native-model")):
        cases[f"evaluate_policy-policy-{label}"] = (
            lambda p=policy: fastac.evaluate_policy(p() if callable(p) else p, "CartPole-v1", 1), TypeError,
            _naming("policy"))
    for env, label, error in ((None, "None", TypeError), ("", "empty-id", ValueError),
                              (gym.envs.classic_control.CartPoleEnv, "class", TypeError),
                              ("Acrobot-v1", "other-observations", ValueError),
                              ("MountainCar-v0", "other-actions", ValueError)):
        size = 2 if env == "MountainCar-v0" else 4  # MountainCar: the observations match, the 3 actions do not
        cases[f"evaluate_policy-env-{label}"] = (
            lambda e=env, n=size: fastac.evaluate_policy(_policy(observation_size=n), e, 1), error, _naming("env"))

    # the trainers' own arguments
    for algorithm, train in TRAINERS.items():
        for spec in TRAINER_SPECS:
            for label, value in _bad_values(spec):
                cases[f"train_{algorithm}-{spec.name}-{label}"] = (
                    lambda t=train, s=spec, v=value: t(config=TINY, **{s.name: v}), either, _naming(spec.name))
        for config, label in (({"lr": 1e-3}, "dict"), ("run.yaml", "path"), (TrainConfig, "class")):
            cases[f"train_{algorithm}-config-{label}"] = (lambda t=train, c=config: t(config=c), TypeError,
                                                          _naming("config"))
        cases[f"train_{algorithm}-callback-not-callable"] = (
            lambda t=train: t(config=TINY, callback="print"), TypeError, _naming("callback"))

    # TrainConfig's class methods
    for algorithm in ("A2C", "ppo", None, 2):
        cases[f"TrainConfig.from_kwargs-algorithm-{algorithm}"] = (
            lambda a=algorithm: TrainConfig.from_kwargs(a), ValueError, _naming("algorithm"))
    cases["TrainConfig.from_dict-pairs"] = (lambda: TrainConfig.from_dict([("lr", 1e-3)]), TypeError, "mapping")
    return cases


CASES = _cases()


@pytest.mark.parametrize("call, error, message", [pytest.param(*case, id=key) for key, case in CASES.items()])
def test_other_callables_refuse(call, error, message, no_training):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("path", BAD_PATHS)
@pytest.mark.parametrize("call", PATH_CALLS.values(), ids=PATH_CALLS.keys())
def test_bad_paths_name_path(call, path):
    expected = ValueError if isinstance(path, str) else TypeError
    with pytest.raises(expected, match=_naming("path")):
        call(path)


# from_file: (file name, content, exception, regex of the message); "{path}" stands for the file
FILES = [
    ("missing.yaml", None, FileNotFoundError, "{path}"),
    ("directory.json", "a directory", IsADirectoryError, "{path}"),
    ("list.yaml", "- 1\n- 2\n", TypeError, "mapping"),
    ("zero.yaml", "0\n", TypeError, "mapping"),  # used to read as {}: the defaults, silently
    ("false.yaml", "false\n", TypeError, "mapping"),
    ("list.json", "[1, 2]", TypeError, "mapping"),
    ("null.json", "null", TypeError, "mapping"),
    ("string.json", '"lr"', TypeError, "mapping"),
    ("unknown.json", '{"lr": 0.001, "learning_rate": 0.1}', ValueError, "'learning_rate'"),
    ("int-key.yaml", "1: 2\nlearning_rate: 3\n", ValueError, r"\[1, 'learning_rate'\]"),
    ("syntax.yaml", "lr: [1\n", ValueError, "{path}.*not valid YAML"),
    ("syntax.json", "{", ValueError, "{path}.*not valid JSON"),
    ("empty.json", "", ValueError, "{path}.*not valid JSON"),
    ("binary.json", b"\xff\xfe\x00", ValueError, "{path}.*not a text file"),
]


@pytest.mark.parametrize("name, content, error, message", FILES, ids=[f[0] for f in FILES])
def test_from_file_refuses(tmp_path, name, content, error, message):
    path = tmp_path / name
    if content == "a directory":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(error, match=message.replace("{path}", re.escape(str(path)))):
        TrainConfig.from_file(path)


def test_an_empty_yaml_file_is_the_default_config(tmp_path):
    """The one file that is no mapping and still a config: an empty YAML file (no field set)."""
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing set\n")
    assert TrainConfig.from_file(path) == TrainConfig()
