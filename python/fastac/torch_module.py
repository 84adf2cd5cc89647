"""The policy as a plain ``torch.nn.Module``: for use in torch code and for TorchScript export."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from fastac._validation import check_int


class ActorCriticModule(nn.Module):
    """The actor-critic network in torch: ``trunk`` (Linear, ReLU, ...), ``actor`` and ``critic`` heads.

    Parameter names and shapes are those of :meth:`fastac.ActorCriticPolicy.state_dict`,
    so ``module.load_state_dict(policy.state_dict())`` works both ways.
    """

    def __init__(self, observation_size: int, num_actions: int, hidden_sizes: Sequence[int] = (128,)) -> None:
        super().__init__()
        observation_size = check_int("observation_size", observation_size, minimum=1)
        num_actions = check_int("num_actions", num_actions, minimum=1)
        if isinstance(hidden_sizes, (str, bytes)) or not isinstance(hidden_sizes, Sequence):
            raise TypeError(f"hidden_sizes must be a sequence of ints, got {type(hidden_sizes).__name__}")
        hidden_sizes = [check_int(f"hidden_sizes[{i}]", h, minimum=1) for i, h in enumerate(hidden_sizes)]
        layers: list[nn.Module] = []
        size = observation_size
        for hidden in hidden_sizes:
            layers += [nn.Linear(size, hidden), nn.ReLU()]
            size = hidden
        self.trunk = nn.Sequential(*layers)
        self.actor = nn.Linear(size, num_actions)
        self.critic = nn.Linear(size, 1)

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits ``[batch, num_actions]`` and values ``[batch]`` of observations ``[batch, obs_size]``."""
        h = self.trunk(obs)
        return self.actor(h), self.critic(h).squeeze(-1)

    @torch.jit.export
    def act(self, obs: torch.Tensor) -> torch.Tensor:
        """Greedy actions ``[batch]`` (int64): what a deployed policy runs."""
        logits, _ = self.forward(obs)
        return logits.argmax(dim=-1)
