"""What a training run returns."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fastac.policy import ActorCriticPolicy


@dataclass
class TrainResult:
    """The outcome of ``train_a3c`` / ``train_a2c``.

    Attributes:
        policy: the trained policy.
        wall_time_s: seconds spent in training (not counting imports or setup).
        env_steps: environment steps taken.
        episodes: episodes completed.
        history: per completed episode, arrays ``wall_time_s``, ``env_steps``,
            ``episode_return`` and ``episode_length``.
        interrupted: training was stopped by Ctrl-C (the policy holds what was learned).
        stop_reason: ``"stop_at_return"``, ``"total_steps"``, ``"max_seconds"``,
            ``"callback"`` or ``"interrupted"``.
        config: the hyperparameters of the run.
        updates: parameter updates applied.
        skipped_updates: updates whose gradient was not finite (NaN or inf), skipped so
            that the weights stay finite; a warning is raised when there are any.
        num_timesteps: env steps of the model over every run it continues (``env_steps``
            counts this run's only).
        distributed: a run across processes (:mod:`fastac.distributed`): ``rank`` and
            ``world_size``; for A2C ``bytes_per_update`` and ``exchanges`` (all-reduces);
            for A3C ``exchanges`` and ``dropped`` (changes too stale to apply) and on rank 0
            the ``staleness_mean`` / ``staleness_max`` of the changes it received (in
            exchanges applied since the sender's last pull). None for one process.
    """

    policy: ActorCriticPolicy
    wall_time_s: float
    env_steps: int
    episodes: int
    history: dict[str, np.ndarray]
    interrupted: bool = False
    stop_reason: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    updates: int = 0
    skipped_updates: int = 0
    num_timesteps: int = 0
    distributed: dict[str, Any] | None = None

    def warn_if_updates_skipped(self) -> None:
        """Warns (RuntimeWarning) if any update was skipped for a non-finite gradient."""
        if self.skipped_updates:
            warnings.warn(
                f"{self.skipped_updates} of {self.updates + self.skipped_updates} updates had a non-finite gradient "
                "and were skipped (the weights stay finite); the run is diverging: lower lr or max_grad_norm",
                RuntimeWarning,
                stacklevel=3,
            )

    def mean_return(self, last: int = 100) -> float:
        """Mean return of the last ``last`` completed episodes (NaN if none)."""
        returns = self.history["episode_return"][-last:]
        return float(np.mean(returns)) if len(returns) else float("nan")
