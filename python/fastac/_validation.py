"""Argument checks that raise a clear exception naming the parameter and its accepted range."""

from __future__ import annotations

import numbers
import secrets
from typing import Any

import numpy as np


def check_int(name: str, value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Returns ``value`` as an int, or raises naming ``name`` and the accepted range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    number = int(value)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        low = "-inf" if minimum is None else str(minimum)
        high = "inf" if maximum is None else str(maximum)
        raise ValueError(f"{name} must be in [{low}, {high}], got {number}")
    return number


def check_seed(name: str, seed: Any) -> int:
    """A seed as gymnasium accepts it: a non-negative integer."""
    return check_int(name, seed, minimum=0)


def seed_words(seed: int) -> list[int]:
    """A non-negative int as little-endian uint32 words, as numpy's SeedSequence reads it."""
    if seed == 0:
        return [0]
    words = []
    while seed:
        words.append(seed & 0xFFFFFFFF)
        seed >>= 32
    return words


def random_seed() -> int:
    """128 bits from the OS, as ``numpy.random.SeedSequence()`` draws when given no seed."""
    return secrets.randbits(128)


def check_float(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Returns ``value`` as a finite float within the bounds, or raises naming ``name`` and the range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    try:
        number = float(value)
    except OverflowError:  # an int (or Fraction) beyond float's range: refused below as infinite
        number = float("-inf") if value < 0 else float("inf")
    ok = number == number and number not in (float("inf"), float("-inf"))
    if ok and low is not None:
        ok = number >= low if low_inclusive else number > low
    if ok and high is not None:
        ok = number <= high if high_inclusive else number < high
    if not ok:
        left = "-inf" if low is None else f"{low}"
        right = "inf" if high is None else f"{high}"
        interval = ("[" if low_inclusive and low is not None else "(") + f"{left}, {right}" + (
            "]" if high_inclusive and high is not None else ")"
        )
        raise ValueError(f"{name} must be a finite number in {interval}, got {number}")
    return number


def check_bool(name: str, value: Any) -> bool:
    """Returns ``value`` if it is a bool (numpy's included); anything else is a ``TypeError``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool (True or False), got {value!r} ({type(value).__name__})")
    return bool(value)


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    """Returns ``value`` if it is one of ``choices``, else raises naming them."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value
