"""The trained actor-critic policy: predict, state_dict, save and load."""

from __future__ import annotations

import os
import pickle
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import torch

from fastac import _core
from fastac._atomic import atomic_write
from fastac._validation import check_int

if TYPE_CHECKING:
    from fastac.torch_module import ActorCriticModule

FORMAT_NAME = "fastac.ActorCriticPolicy"
FORMAT_VERSION = 1


class ActorCriticPolicy:
    """An actor-critic network (shared ReLU trunk, softmax actor head, value head).

    The parameters live in C++ (one flat float32 buffer that libtorch owns); this object
    predicts with the native forward pass, and converts to and from a torch ``state_dict``
    with the names and shapes of ``torch.nn.Linear`` layers (``trunk.0``, ``trunk.2``, ...,
    ``actor``, ``critic``).
    """

    def __init__(
        self,
        observation_size: int,
        num_actions: int,
        hidden_sizes: Sequence[int] = (128,),
        seed: int = 0,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.observation_size = check_int("observation_size", observation_size, minimum=1)
        self.num_actions = check_int("num_actions", num_actions, minimum=2)
        self.hidden_sizes = tuple(check_int("hidden_sizes[i]", h, minimum=1) for h in hidden_sizes)
        self.metadata: dict[str, Any] = dict(metadata or {})
        self._network = _core.ActorCritic(self.observation_size, self.num_actions, list(self.hidden_sizes), seed)
        self._rng = np.random.default_rng(seed)

    @property
    def network(self) -> Any:
        """The native network (``fastac._core.ActorCritic``)."""
        return self._network

    def forward(self, observations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Logits ``[batch, num_actions]`` and values ``[batch]`` of a batch of observations."""
        return self._network.forward(self._as_batch(observations)[0])

    def predict(
        self,
        observation: np.ndarray,
        state: Any = None,
        episode_start: Any = None,
        deterministic: bool = True,
    ) -> tuple[np.ndarray, None]:
        """Actions for one observation or a batch, as Stable-Baselines3's ``predict``.

        Returns ``(actions, None)``: an int64 array of shape ``(batch,)`` for a batch, a
        0-d array for a single observation. ``deterministic=True`` takes the most probable
        action, ``False`` samples from the policy.
        """
        obs, single = self._as_batch(observation)
        logits, _ = self._network.forward(obs)
        if deterministic:
            actions = logits.argmax(axis=1)
        else:
            z = logits - logits.max(axis=1, keepdims=True)
            probs = np.exp(z)
            probs /= probs.sum(axis=1, keepdims=True)
            u = self._rng.random((len(probs), 1))
            actions = np.minimum((probs.cumsum(axis=1) < u).sum(axis=1), self.num_actions - 1)
        actions = actions.astype(np.int64)
        return (actions[0] if single else actions), None

    def _as_batch(self, observation: Any) -> tuple[np.ndarray, bool]:
        obs = np.asarray(observation, dtype=np.float32)
        if obs.shape == (self.observation_size,):
            return obs[None, :], True
        if obs.ndim == 2 and obs.shape[1] == self.observation_size:
            return np.ascontiguousarray(obs), False
        raise ValueError(
            f"observation must have shape ({self.observation_size},) or (batch, {self.observation_size}), "
            f"got {obs.shape}"
        )

    def state_dict(self) -> "OrderedDict[str, torch.Tensor]":
        """The parameters as torch tensors named and shaped as ``torch.nn.Linear`` layers (copies)."""
        flat = torch.from_numpy(self._network.parameters)
        out: OrderedDict[str, torch.Tensor] = OrderedDict()
        for name, n_in, n_out, input_major, w_off, b_off in self._network.layout():
            weight = flat[w_off : w_off + n_in * n_out]
            weight = weight.view(n_in, n_out).t() if input_major else weight.view(n_out, n_in)
            out[f"{name}.weight"] = weight.clone()
            out[f"{name}.bias"] = flat[b_off : b_off + n_out].clone()
        return out

    def load_state_dict(self, state_dict: "dict[str, torch.Tensor]") -> None:
        """Copies parameters from a ``state_dict`` of the same architecture."""
        flat = torch.from_numpy(self._network.parameters)
        for name, n_in, n_out, input_major, w_off, b_off in self._network.layout():
            for key, shape in ((f"{name}.weight", (n_out, n_in)), (f"{name}.bias", (n_out,))):
                if key not in state_dict:
                    raise KeyError(f"state_dict is missing {key!r}")
                if tuple(state_dict[key].shape) != shape:
                    raise ValueError(f"state_dict[{key!r}] has shape {tuple(state_dict[key].shape)}, expected {shape}")
            weight = state_dict[f"{name}.weight"].detach().float()
            flat[w_off : w_off + n_in * n_out] = (weight.t() if input_major else weight).reshape(-1)
            flat[b_off : b_off + n_out] = state_dict[f"{name}.bias"].detach().float()

    def to_torch(self) -> "ActorCriticModule":
        """A plain ``torch.nn.Module`` with this policy's weights (a copy), same outputs as :meth:`forward`."""
        from fastac.torch_module import ActorCriticModule

        module = ActorCriticModule(self.observation_size, self.num_actions, self.hidden_sizes)
        module.load_state_dict(self.state_dict())
        return module.eval()

    def export_torchscript(self, path: str | os.PathLike) -> None:
        """Writes the policy as TorchScript (``torch.jit.load(path)``; ``.act(obs)`` gives greedy
        actions, calling it gives logits and values), for deployment without fastac; atomically."""
        scripted = torch.jit.script(self.to_torch())
        atomic_write(path, scripted.save)

    def export_program(self, path: str | os.PathLike) -> None:
        """Writes the policy as a ``torch.export`` program (``torch.export.load(path).module()``
        maps observations ``[batch, obs_size]`` to logits and values), the successor of
        TorchScript in torch 2.x; atomically."""
        module = self.to_torch()
        example = torch.zeros(2, self.observation_size)
        batch = torch.export.Dim("batch", min=1)
        program = torch.export.export(module, (example,), dynamic_shapes={"obs": {0: batch}})
        atomic_write(path, lambda tmp: torch.export.save(program, tmp))

    def save(self, path: str | os.PathLike) -> None:
        """Writes weights, architecture and metadata to ``path`` (a torch file), atomically."""
        payload = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "architecture": {
                "observation_size": self.observation_size,
                "num_actions": self.num_actions,
                "hidden_sizes": list(self.hidden_sizes),
            },
            "metadata": self.metadata,
            "state_dict": self.state_dict(),
        }
        atomic_write(path, lambda tmp: torch.save(payload, tmp))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "ActorCriticPolicy":
        """Reads a policy written by :meth:`save`."""
        try:
            payload = torch.load(os.fspath(path), map_location="cpu", weights_only=True)
        except (OSError, RuntimeError, EOFError, ValueError, pickle.UnpicklingError) as error:
            raise ValueError(f"cannot read a fastac model from {os.fspath(path)!r}: {error}") from error
        if not isinstance(payload, dict) or payload.get("format") != FORMAT_NAME:
            raise ValueError(f"{os.fspath(path)!r} is not a fastac model file")
        if payload.get("version") != FORMAT_VERSION:
            raise ValueError(f"{os.fspath(path)!r} has format version {payload.get('version')}, expected {FORMAT_VERSION}")
        arch = payload["architecture"]
        policy = cls(arch["observation_size"], arch["num_actions"], arch["hidden_sizes"], metadata=payload["metadata"])
        policy.load_state_dict(payload["state_dict"])
        return policy


def load(path: str | os.PathLike) -> ActorCriticPolicy:
    """Loads a policy saved with ``policy.save(path)``."""
    return ActorCriticPolicy.load(path)
