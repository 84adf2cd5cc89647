"""fastac: fast actor-critic reinforcement learning on the CPU.

A C++ core (libtorch actor-critic network, native gymnasium-exact environments,
A3C with lock-free std::thread workers) behind a thin Python layer.
"""

from __future__ import annotations

# The extension links libtorch; importing torch first loads it into the process
# (an editable install's module does not find it by RPATH).
import torch  # noqa: F401

from fastac import _core  # noqa: F401
from fastac import envs  # noqa: F401  (registers the native envs with gymnasium)
from fastac import callbacks  # noqa: F401
from fastac.a2c import A2C, train_a2c
from fastac.a3c import A3C, train_a3c
from fastac.callbacks import (BaseCallback, CallbackList, CheckpointCallback, EvalCallback, EveryNTimesteps,
                              StopTrainingOnMaxEpisodes, StopTrainingOnNoModelImprovement,
                              StopTrainingOnRewardThreshold)
from fastac.config import TrainConfig
from fastac.envs import InvalidActionError
from fastac.evaluation import evaluate_policy
from fastac.policy import ActorCriticPolicy, load
from fastac.result import TrainResult

__version__ = "0.1.0"

__all__ = [
    "A2C",
    "A3C",
    "ActorCriticPolicy",
    "BaseCallback",
    "CallbackList",
    "CheckpointCallback",
    "EvalCallback",
    "EveryNTimesteps",
    "StopTrainingOnMaxEpisodes",
    "StopTrainingOnNoModelImprovement",
    "StopTrainingOnRewardThreshold",
    "callbacks",
    "InvalidActionError",
    "TrainConfig",
    "TrainResult",
    "envs",
    "evaluate_policy",
    "load",
    "train_a2c",
    "train_a3c",
    "__version__",
]
