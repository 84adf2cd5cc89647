"""The hyperparameters A3C and A2C share: one validation, one translation to the C++ configs."""

from __future__ import annotations

import secrets
from typing import Any, Sequence

from fastac import _core
from fastac._validation import check_float, check_int, check_seed

_OPTIMIZERS = ("rmsprop", "adam", "sgd")


def check_common_hyperparameters(
    *,
    total_steps: Any,
    stop_at_return: Any,
    stop_eval_episodes: Any,
    max_seconds: Any,
    seed: Any,
    gamma: Any,
    gae_lambda: Any,
    lr: Any,
    entropy_coef: Any,
    value_coef: Any,
    max_grad_norm: Any,
    optimizer: Any,
    rmsprop_alpha: Any,
    optimizer_eps: Any,
    hidden_sizes: Any,
    callback: Any,
) -> dict[str, Any]:
    """Validates the hyperparameters A3C and A2C share; returns them normalized."""
    if optimizer not in _OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {_OPTIMIZERS}, got {optimizer!r}")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None, got {callback!r}")
    if isinstance(hidden_sizes, (str, bytes)) or not isinstance(hidden_sizes, Sequence):
        raise TypeError(f"hidden_sizes must be a sequence of positive ints, got {hidden_sizes!r}")
    return {
        "total_steps": check_int("total_steps", total_steps, minimum=1),
        "stop_at_return": None if stop_at_return is None else check_float("stop_at_return", stop_at_return),
        "stop_eval_episodes": check_int("stop_eval_episodes", stop_eval_episodes, minimum=0, maximum=10_000),
        "max_seconds": None if max_seconds is None else check_float("max_seconds", max_seconds, low=0, low_inclusive=False),
        "seed": secrets.randbits(63) if seed is None else check_seed("seed", seed) % 2**64,
        "gamma": check_float("gamma", gamma, low=0, high=1, low_inclusive=False),
        "gae_lambda": check_float("gae_lambda", gae_lambda, low=0, high=1),
        "lr": check_float("lr", lr, low=0, low_inclusive=False),
        "entropy_coef": check_float("entropy_coef", entropy_coef, low=0),
        "value_coef": check_float("value_coef", value_coef, low=0),
        "max_grad_norm": check_float("max_grad_norm", max_grad_norm, low=0),
        "optimizer": optimizer,
        "rmsprop_alpha": check_float("rmsprop_alpha", rmsprop_alpha, low=0, high=1, high_inclusive=False),
        "optimizer_eps": check_float("optimizer_eps", optimizer_eps, low=0, low_inclusive=False),
        "hidden_sizes": tuple(check_int(f"hidden_sizes[{i}]", h, minimum=1) for i, h in enumerate(hidden_sizes)),
    }


def core_configs(hp: dict[str, Any]) -> tuple[Any, Any]:
    """The C++ ``LossConfig`` and ``OptimizerConfig`` of validated hyperparameters."""
    loss = _core.LossConfig()
    loss.value_coef, loss.entropy_coef, loss.max_grad_norm = hp["value_coef"], hp["entropy_coef"], hp["max_grad_norm"]
    optimizer = _core.OptimizerConfig()
    optimizer.kind = _core.OptimizerKind.__members__[hp["optimizer"]]
    optimizer.alpha, optimizer.eps = hp["rmsprop_alpha"], hp["optimizer_eps"]
    return loss, optimizer
