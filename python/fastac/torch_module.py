"""The policy as a plain ``torch.nn.Module``: for use in torch code and for TorchScript export."""


from typing import Any, Sequence

import numpy as np
import torch
from torch import nn

from gymnasium import spaces

from fastac._validation import check_bool, check_choice, check_int


ARCHITECTURES = ("mlp", "torch_mlp", "nature_cnn", "minatar_cnn")
#: (out channels, kernel, stride) of each convolution, ReLU after each (nn/torch_policy.h).
CONVOLUTIONS = {"nature_cnn": ((32, 8, 4), (64, 4, 2), (64, 3, 1)), "minatar_cnn": ((16, 3, 1),)}
#: The feature layer's default width.
FEATURES_DIM = {"nature_cnn": 512, "minatar_cnn": 128}


def cnn_trunk(architecture: str, channels: int, height: int, width: int, features_dim: int) -> nn.Sequential:
    """A CNN trunk: the architecture's convolutions, Flatten, Linear(features_dim), ReLU
    after each layer (the native policy's ``trunk``, nn/torch_policy.h)."""
    layers: list[nn.Module] = []
    for out, kernel, stride in CONVOLUTIONS[architecture]:
        if height < kernel or width < kernel:
            raise ValueError(f"architecture {architecture!r}: the image ({height}x{width}) is too small for its "
                             f"{kernel}x{kernel} convolutions")
        layers += [nn.Conv2d(channels, out, kernel, stride=stride), nn.ReLU()]
        channels, height, width = out, (height - kernel) // stride + 1, (width - kernel) // stride + 1
    layers += [nn.Flatten(), nn.Linear(channels * height * width, features_dim), nn.ReLU()]
    return nn.Sequential(*layers)


class ActorCriticModule(nn.Module):
    """The actor-critic network in torch: ``trunk`` (Linear, activation, ...; or a CNN's
    convolutions and feature layer), ``actor`` and ``critic`` heads (without ``share_trunk``:
    ``actor_trunk`` and ``critic_trunk`` in front of them), and for a ``Box`` action space
    the Gaussian's state-independent ``log_std``.

    It takes observations as the env gives them, ``[batch, *observation_shape]``: uint8
    images are scaled by 1/255 inside, bool images become 0/1, channel-last images are
    permuted to channel-first, as the native policy does.

    Parameter names and shapes are those of :meth:`fastac.ActorCriticPolicy.state_dict`,
    so ``module.load_state_dict(policy.state_dict())`` works both ways.

    Args:
        observation_size: length of the (flat) observations.
        action_space: an int ``n`` for ``Discrete(n)`` actions, or a gymnasium ``Discrete``
            or ``Box`` space.
        hidden_sizes: sizes of the trunk layers.
        squash_output: a ``Box``'s actions are ``tanh`` of the Gaussian mapped into its bounds
            (else the mean clipped to them).
        normalize_obs: observations are normalized first with the buffers ``obs_rms.mean``,
            ``obs_rms.var`` (and ``obs_rms.count``, kept for the round trip), as the native
            policy: ``clip((obs - mean) / sqrt(var + 1e-8), -10, 10)`` in float32.
        activation: ``"relu"`` or ``"tanh"``.
        share_trunk: one trunk for both heads, else one each of the same sizes.
        architecture: ``"mlp"`` or ``"torch_mlp"`` (the same network), ``"nature_cnn"`` or
            ``"minatar_cnn"`` (then ``hidden_sizes`` is the feature layer's width, one size).
        observation_shape: the env's observation shape (default ``(observation_size,)``).
        observation_dtype: ``"float32"``, ``"uint8"`` or ``"bool"``.
        channels_last: an image is ``[H, W, C]`` (else ``[C, H, W]``).
    """

    continuous: bool
    squash_output: bool
    normalize_obs: bool
    action_shape: list[int]
    action_low: torch.Tensor
    action_high: torch.Tensor
    observation_shape: list[int]
    scale_bytes: bool
    to_float: bool
    channels_last: bool
    flatten: bool

    def __init__(self, observation_size: int, action_space: spaces.Space[Any] | int,
                 hidden_sizes: Sequence[int] = (128,), squash_output: bool = False,
                 normalize_obs: bool = False, activation: str = "relu", share_trunk: bool = True,
                 architecture: str = "mlp", observation_shape: Sequence[int] | None = None,
                 observation_dtype: str = "float32", channels_last: bool = False) -> None:
        super().__init__()
        observation_size = check_int("observation_size", observation_size, minimum=1)
        architecture = check_choice("architecture", architecture, ARCHITECTURES)
        observation_dtype = check_choice("observation_dtype", observation_dtype, ("float32", "uint8", "bool"))
        obs_shape = [observation_size] if observation_shape is None else [int(d) for d in observation_shape]
        if int(np.prod(obs_shape)) != observation_size:
            raise ValueError(f"observation_shape {obs_shape} does not have observation_size={observation_size} values")
        self.observation_shape = obs_shape
        self.to_float = observation_dtype != "float32"
        self.scale_bytes = observation_dtype == "uint8"
        self.channels_last = bool(channels_last) and architecture in CONVOLUTIONS
        self.flatten = architecture not in CONVOLUTIONS and len(obs_shape) != 1
        squash_output = check_bool("squash_output", squash_output)
        if isinstance(hidden_sizes, (str, bytes)) or not isinstance(hidden_sizes, Sequence):
            raise TypeError(f"hidden_sizes must be a sequence of ints, got {type(hidden_sizes).__name__}")
        hidden_sizes = [check_int(f"hidden_sizes[{i}]", h, minimum=1) for i, h in enumerate(hidden_sizes)]
        if isinstance(action_space, spaces.Box):
            if squash_output and not (np.isfinite(action_space.low).all() and np.isfinite(action_space.high).all()):
                raise ValueError(f"squash_output=True needs a Box with finite bounds, got {action_space}")
            head, shape = int(np.prod(action_space.shape)), [int(x) for x in action_space.shape]
            low = torch.as_tensor(action_space.low.astype(np.float32).reshape(-1))
            high = torch.as_tensor(action_space.high.astype(np.float32).reshape(-1))
        else:
            n = int(action_space.n) if isinstance(action_space, spaces.Discrete) else action_space
            head, shape = check_int("num_actions", n, minimum=1), []
            low = high = torch.zeros(0)
        self.continuous = isinstance(action_space, spaces.Box)
        self.squash_output = squash_output and self.continuous
        self.action_shape = shape
        self.normalize_obs = check_bool("normalize_obs", normalize_obs)
        self.obs_rms = _ObservationStats(observation_size, persistent=self.normalize_obs)
        self.register_buffer("action_low", low, persistent=False)
        self.register_buffer("action_high", high, persistent=False)
        activation = check_choice("activation", activation, ("relu", "tanh"))
        share_trunk = check_bool("share_trunk", share_trunk)

        def trunk() -> nn.Sequential:
            layers: list[nn.Module] = []
            size = observation_size
            for hidden in hidden_sizes:
                layers += [nn.Linear(size, hidden), nn.ReLU() if activation == "relu" else nn.Tanh()]
                size = hidden
            return nn.Sequential(*layers)

        top = hidden_sizes[-1] if hidden_sizes else observation_size
        # (An empty Sequential is the identity: the layout without a trunk, or without branch trunks.)
        if architecture in CONVOLUTIONS:
            if len(obs_shape) != 3 or len(hidden_sizes) != 1 or not share_trunk:
                raise ValueError(f"architecture {architecture!r} takes a 3-D image, one feature width and a shared "
                                 f"trunk; got shape {obs_shape}, hidden_sizes {hidden_sizes}, "
                                 f"share_trunk={share_trunk}")
            c, h, w = (obs_shape[2], obs_shape[0], obs_shape[1]) if channels_last else obs_shape
            self.trunk = cnn_trunk(architecture, c, h, w, hidden_sizes[0])
        else:
            self.trunk = trunk() if share_trunk else nn.Sequential()
        self.actor_trunk = nn.Sequential() if share_trunk else trunk()
        self.critic_trunk = nn.Sequential() if share_trunk else trunk()
        self.actor = nn.Linear(top, head)
        self.critic = nn.Linear(top, 1)
        if self.continuous:
            self.log_std = nn.Parameter(torch.zeros(head))

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Distribution inputs ``[batch, head]`` (logits, or a Box's Gaussian means) and values
        ``[batch]`` of observations ``[batch, *observation_shape]`` as the env gives them."""
        if self.to_float:
            obs = obs.to(torch.float32)
            if self.scale_bytes:
                obs = obs / 255.0
        if self.channels_last:
            obs = obs.permute(0, 3, 1, 2)
        if self.flatten:
            obs = obs.reshape(obs.shape[0], -1)
        if self.normalize_obs:
            inv_std = (1.0 / torch.sqrt(self.obs_rms.var + 1e-8)).float()
            obs = torch.clamp((obs - self.obs_rms.mean.float()) * inv_std, -10.0, 10.0)
        h = self.trunk(obs)
        return self.actor(self.actor_trunk(h)), self.critic(self.critic_trunk(h)).squeeze(-1)

    @torch.jit.export
    def act(self, obs: torch.Tensor) -> torch.Tensor:
        """Greedy actions, what a deployed policy runs: ``[batch]`` int64 for Discrete actions,
        ``[batch, *shape]`` float32 for a Box (the mean clipped to the bounds, or squashed)."""
        head, _ = self.forward(obs)
        if not self.continuous:
            return head.argmax(dim=-1)
        if self.squash_output:
            actions = self.action_low + 0.5 * (torch.tanh(head) + 1.0) * (self.action_high - self.action_low)
        else:
            actions = head
        actions = torch.minimum(torch.maximum(actions, self.action_low), self.action_high)
        return actions.reshape([head.shape[0]] + self.action_shape)


class _ObservationStats(nn.Module):
    """The running observation statistics as float64 buffers (``mean``, ``var``, ``count``);
    in the state_dict only when the module normalizes."""

    mean: torch.Tensor
    var: torch.Tensor
    count: torch.Tensor

    def __init__(self, size: int, persistent: bool) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(size, dtype=torch.float64), persistent=persistent)
        self.register_buffer("var", torch.ones(size, dtype=torch.float64), persistent=persistent)
        self.register_buffer("count", torch.tensor(1e-4, dtype=torch.float64), persistent=persistent)
