"""fastac: fast actor-critic reinforcement learning on the CPU.

A C++ core (libtorch actor-critic network, native gymnasium-exact environments,
A3C with lock-free std::thread workers) behind a thin Python layer.
"""

from __future__ import annotations

# The extension links libtorch; importing torch first loads it into the process
# (an editable install's module does not find it by RPATH).
import torch  # noqa: F401

from fastac import _core  # noqa: F401
from fastac import envs  # noqa: F401  (registers fastac/CartPole-v1 with gymnasium)
from fastac.envs import InvalidActionError

__version__ = "0.1.0"

__all__ = ["InvalidActionError", "envs", "__version__"]
