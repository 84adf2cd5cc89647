"""Argument checks that raise a clear exception naming the parameter and its accepted range."""

from __future__ import annotations

import numbers
import secrets
from typing import Any


def check_int(name: str, value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Returns ``value`` as an int, or raises naming ``name`` and the accepted range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        low = "-inf" if minimum is None else str(minimum)
        high = "inf" if maximum is None else str(maximum)
        raise ValueError(f"{name} must be in [{low}, {high}], got {value}")
    return value


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
