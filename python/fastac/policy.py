"""The trained actor-critic policy: predict, state_dict, save and load."""

from __future__ import annotations

import dataclasses
import math
import os
import stat
import warnings
import zipfile
from collections import OrderedDict
from typing import IO, TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np
import torch

from gymnasium import spaces

from fastac import _core
from fastac._atomic import atomic_write, check_path, to_bytes
from fastac._validation import check_bool, check_choice, check_float, check_int, seed_words

if TYPE_CHECKING:
    from fastac.torch_module import ActorCriticModule

FORMAT_NAME = "fastac.ActorCriticPolicy"
#: 2: action space and run config recorded; 3: Box action spaces (``log_std``, ``squash_output``) and
#: observation statistics (``normalize_obs``, ``obs_rms.*``); 4: ``activation`` and ``share_trunk``
#: (earlier files: ReLU, one trunk); 5: ``architecture``, ``observation_shape``, ``observation_dtype``,
#: ``channels_last`` (libtorch-module policies: CNNs on images). Files of every earlier version still load.
FORMAT_VERSION = 5
READABLE_VERSIONS = (1, 2, 3, 4, 5)
MAX_OBSERVATION_SIZE = 2**24
MAX_ACTIONS = 2**24
MAX_HIDDEN_SIZE = 65536
_MAX_START = 2**62  # Discrete start: start + n must fit the core's int64


ARCHITECTURES = ("mlp", "torch_mlp", "nature_cnn", "minatar_cnn")
CNN_ARCHITECTURES = ("nature_cnn", "minatar_cnn")
OBSERVATION_DTYPES = ("float32", "uint8", "bool")
#: The smallest image side the Nature CNN takes (8x8 stride 4, 4x4 stride 2, 3x3 stride 1).
NATURE_CNN_MIN_SIDE = 36


@dataclasses.dataclass(frozen=True)
class ObservationSpec:
    """The observations a policy takes, as the env gives them.

    Attributes:
        shape: the observation shape: ``(size,)`` for a vector, ``(C, H, W)`` or ``(H, W, C)``
            for an image.
        dtype: ``"float32"`` (vectors), ``"uint8"`` or ``"bool"`` (images, one byte per value
            from the env to the network, where they become floats: uint8 scaled by 1/255).
        channels_last: an image is ``(H, W, C)``.
    """

    shape: tuple[int, ...]
    dtype: str = "float32"
    channels_last: bool = False

    @property
    def size(self) -> int:
        """Values per observation."""
        return math.prod(self.shape)

    @property
    def is_image(self) -> bool:
        """A uint8 or bool image."""
        return self.dtype != "float32"

    @property
    def image_size(self) -> tuple[int, int]:
        """(height, width) of an image."""
        return (self.shape[0], self.shape[1]) if self.channels_last else (self.shape[1], self.shape[2])


def observation_spec(space: Any) -> ObservationSpec:
    """The :class:`ObservationSpec` of a gymnasium observation space the policies take: a 1-D
    float ``Box``, or an image, a 3-D ``Box`` of uint8 or bool whose channels are its smallest
    dimension, first or last (Stable-Baselines3's rule). Otherwise a ``ValueError``."""
    if isinstance(space, spaces.Box):
        dtype = np.dtype(space.dtype)
        if dtype in (np.uint8, np.bool_):
            if len(space.shape) != 3:
                raise ValueError(f"an image observation space must be 3-D ([C, H, W] or [H, W, C]), got {space}")
            channels = int(np.argmin(space.shape))
            if channels == 1:
                raise ValueError(f"an image's channels must be its first or last dimension (the smallest), "
                                 f"got shape {space.shape}")
            return ObservationSpec(tuple(int(d) for d in space.shape), dtype.name, channels == 2)
        if len(space.shape) == 1 and np.issubdtype(dtype, np.number):
            return ObservationSpec((int(space.shape[0]),))
    raise ValueError(f"the policies take a 1-D Box of numbers or a 3-D uint8 / bool image Box as observations, "
                     f"got {space}")


def resolve_architecture(architecture: str, obs: ObservationSpec) -> str:
    """The policy network for ``obs``: ``"auto"`` picks the kernels' MLP for vectors, the Nature
    CNN for images of at least 36x36 pixels and the MinAtar CNN for smaller ones; a named
    architecture is checked against the observations (``ValueError``)."""
    architecture = check_choice("architecture", architecture, ("auto",) + ARCHITECTURES)
    if architecture == "auto":
        if not obs.is_image:
            return "mlp"
        return "nature_cnn" if min(obs.image_size) >= NATURE_CNN_MIN_SIDE else "minatar_cnn"
    if architecture in CNN_ARCHITECTURES and not obs.is_image:
        raise ValueError(f"architecture {architecture!r} takes uint8 or bool images, the observations are "
                         f"{obs.dtype} of shape {obs.shape}")
    if architecture == "mlp" and obs.is_image:
        raise ValueError(f"architecture 'mlp' (the hand-written kernels) takes float vectors, the observations are "
                         f"{obs.dtype} images of shape {obs.shape}: use 'auto', a CNN or 'torch_mlp'")
    return architecture


def space_description(space: spaces.Space[Any]) -> dict[str, Any]:
    """A plain description of an action space, for model files."""
    if isinstance(space, spaces.Discrete):
        return {"type": "Discrete", "n": int(space.n), "start": int(space.start)}
    if isinstance(space, spaces.Box):
        return {"type": "Box", "shape": list(space.shape), "low": space.low.reshape(-1).tolist(),
                "high": space.high.reshape(-1).tolist(), "dtype": np.dtype(space.dtype).name}
    raise ValueError(f"action spaces must be Discrete or Box, got {space}")


def space_from_description(d: dict[str, Any]) -> spaces.Space[Any]:
    """The inverse of :func:`space_description`; a malformed description is a ``ValueError``."""
    if not isinstance(d, dict):
        raise ValueError(f"an action space description must be a dict, got {type(d).__name__}")
    try:
        if d.get("type") == "Discrete":
            n = check_int("action_space.n", d["n"], minimum=1, maximum=MAX_ACTIONS)
            start = check_int("action_space.start", d.get("start", 0), minimum=-_MAX_START, maximum=_MAX_START)
            return spaces.Discrete(n, start=start)
        if d.get("type") == "Box":
            if not isinstance(d["shape"], (list, tuple)):
                raise ValueError("action_space.shape must be a list")
            shape = tuple(check_int("action_space.shape[]", x, minimum=1, maximum=MAX_ACTIONS) for x in d["shape"])
            size = math.prod(shape)
            if size > MAX_ACTIONS:
                raise ValueError(f"action_space.shape {shape} has more than {MAX_ACTIONS} elements")
            bounds = []
            for key in ("low", "high"):
                values = d[key]
                if not isinstance(values, (list, tuple)) or len(values) != size:
                    raise ValueError(f"action_space.{key} must be a list of {size} numbers")
                bounds.append(np.asarray(values, np.float64).reshape(shape))
            dtype = d.get("dtype", "float32")
            if dtype not in ("float16", "float32", "float64"):
                raise ValueError(f"action_space.dtype must be float16, float32 or float64, got {dtype!r}")
            return spaces.Box(bounds[0].astype(dtype), bounds[1].astype(dtype), shape, dtype=dtype)
    except KeyError as error:
        raise ValueError(f"the action space description {d!r} has no {error}") from None
    except TypeError as error:
        raise ValueError(str(error)) from None
    raise ValueError(f"unknown action space description {d!r}")


def head_size(space: spaces.Space[Any]) -> int:
    """How many values the actor head outputs for ``space`` (the distribution's inputs):
    ``n`` logits for ``Discrete(n)``, one Gaussian mean per element of a ``Box``."""
    if isinstance(space, spaces.Discrete):
        return int(space.n)
    if isinstance(space, spaces.Box):
        return int(math.prod(space.shape))
    raise ValueError(f"action_space must be Discrete or Box, got {space}")


def check_action_space(space: Any, squash_output: bool = False) -> spaces.Space[Any]:
    """``space`` if the policy can act in it: a ``Discrete`` space, or a float ``Box`` of at
    most 2**24 elements with bounds low <= high (infinite bounds are unclipped; squashing
    needs finite ones). Otherwise a ``ValueError`` naming what is wrong."""
    if isinstance(space, spaces.Discrete):
        check_int("action_space.n", int(space.n), minimum=1, maximum=MAX_ACTIONS)
        check_int("action_space.start", int(space.start), minimum=-_MAX_START, maximum=_MAX_START)
        return space
    if isinstance(space, spaces.Box):
        size = math.prod(space.shape)
        if not 1 <= size <= MAX_ACTIONS:
            raise ValueError(f"action_space: a Box must have between 1 and {MAX_ACTIONS} elements, got shape "
                             f"{space.shape}")
        if not np.issubdtype(space.dtype, np.floating):
            raise ValueError(f"action_space: a Box of actions must have a float dtype (the Gaussian's samples), "
                             f"got {space.dtype}")
        low, high = space.low.astype(np.float32), space.high.astype(np.float32)
        if np.isnan(low).any() or np.isnan(high).any() or (low > high).any():
            raise ValueError(f"action_space: a Box's bounds must satisfy low <= high, got {space}")
        if squash_output and not (np.isfinite(low).all() and np.isfinite(high).all() and (low < high).all()):
            raise ValueError(f"squash_output=True needs a Box with finite bounds low < high, got {space}")
        return space
    raise ValueError(f"action_space must be a gymnasium Discrete or Box space, got {space!r}")


def parameter_shapes(observation_size: int, action_space: spaces.Space[Any], hidden_sizes: Sequence[int],
                     normalize_obs: bool = False, share_trunk: bool = True, architecture: str = "mlp",
                     observation_shape: Sequence[int] | None = None, observation_dtype: str = "float32",
                     channels_last: bool = False) -> "OrderedDict[str, tuple[int, ...]]":
    """The names and shapes of :meth:`ActorCriticPolicy.state_dict` for an architecture,
    computed without building it (a libtorch-module architecture's from the torch module on
    the meta device, which allocates nothing; an image too small for it is a ``ValueError``):
    ``trunk.0``, ``trunk.2``, ..., ``actor``, ``critic``
    (weights ``[out, in]``, biases ``[out]``; without ``share_trunk``, ``actor_trunk.*``
    before ``actor`` and ``critic_trunk.*`` before ``critic`` instead of ``trunk.*``), a
    Box's ``log_std`` ``[size]``, and with ``normalize_obs`` the observation statistics
    ``obs_rms.mean``, ``obs_rms.var`` ``[observation_size]`` and ``obs_rms.count`` ``[]``
    (float64, not parameters)."""
    shapes: OrderedDict[str, tuple[int, ...]] = OrderedDict()
    if architecture != "mlp":
        from fastac.torch_module import ActorCriticModule

        with torch.device("meta"):
            module = ActorCriticModule(observation_size, action_space, hidden_sizes, False, normalize_obs,
                                       "relu", share_trunk, architecture, observation_shape, observation_dtype,
                                       channels_last)
        for name, tensor in module.state_dict().items():
            shapes[name] = tuple(tensor.shape)
        return shapes

    def trunk(name: str) -> int:
        size = observation_size
        for i, hidden in enumerate(hidden_sizes):
            shapes[f"{name}.{2 * i}.weight"] = (hidden, size)
            shapes[f"{name}.{2 * i}.bias"] = (hidden,)
            size = hidden
        return size

    top = trunk("trunk") if share_trunk else 0
    for name, out in (("actor", head_size(action_space)), ("critic", 1)):
        size = top if share_trunk else trunk(f"{name}_trunk")
        shapes[f"{name}.weight"] = (out, size)
        shapes[f"{name}.bias"] = (out,)
    if isinstance(action_space, spaces.Box):
        shapes["log_std"] = (head_size(action_space),)
    if normalize_obs:
        shapes["obs_rms.mean"] = (observation_size,)
        shapes["obs_rms.var"] = (observation_size,)
        shapes["obs_rms.count"] = ()
    return shapes


def state_dict_problem(state_dict: Any, shapes: Mapping[str, tuple[int, ...]]) -> str | None:
    """What is wrong with ``state_dict`` for an architecture with parameter ``shapes``, or None.

    Every tensor must be there (and nothing else), a dense floating-point tensor of the
    expected shape that holds its own data (not a view repeating a few numbers over a
    huge shape), and finite.
    """
    if not isinstance(state_dict, Mapping):
        return f"the state_dict is a {type(state_dict).__name__}, not a dict of tensors"
    missing = [key for key in shapes if key not in state_dict]
    unexpected = [repr(key) for key in state_dict if key not in shapes]
    if missing:
        return f"the state_dict is missing {', '.join(map(repr, missing[:5]))}" + (" ..." if len(missing) > 5 else "")
    if unexpected:
        return f"the state_dict has unexpected entries {', '.join(unexpected[:5])}" + (" ..." if len(unexpected) > 5 else "")
    for key, shape in shapes.items():
        tensor = state_dict[key]
        if not isinstance(tensor, torch.Tensor):
            return f"state_dict[{key!r}] is a {type(tensor).__name__}, not a tensor"
        if tensor.layout != torch.strided or not tensor.dtype.is_floating_point:
            return f"state_dict[{key!r}] must be a dense floating-point tensor, got {tensor.layout} {tensor.dtype}"
        if tuple(tensor.shape) != shape:
            return f"state_dict[{key!r}] has shape {tuple(tensor.shape)}, expected {shape}"
        if tensor.device.type == "meta":
            return f"state_dict[{key!r}] holds no data (a meta tensor)"
        stored = tensor.untyped_storage().nbytes() // tensor.element_size()
        last = tensor.storage_offset() + sum((n - 1) * step for n, step in zip(tensor.shape, tensor.stride()))
        if stored < tensor.numel() or last >= stored:
            return (f"state_dict[{key!r}] does not hold its own {tensor.numel()} values "
                    f"(a view over {stored} stored values)")
        if not bool(torch.isfinite(tensor.to(torch.float32)).all()):  # float64 beyond float32's range too
            return f"state_dict[{key!r}] contains NaN or infinite values"
        if key == "obs_rms.var" and bool((tensor < 0).any()):
            return f"state_dict[{key!r}] has a negative variance"
        if key == "obs_rms.count" and not bool(tensor > 0):
            return f"state_dict[{key!r}] must be > 0, got {float(tensor)}"
    return None


def check_metadata(name: str, value: Any, _depth: int = 0) -> None:
    """Metadata must be plain data that a model file can hold and load back (``weights_only``):
    None, bool, int, float, str, and lists, tuples and str-keyed dicts of them."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return
    if _depth > 32:
        raise ValueError(f"{name} is nested too deeply")
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            check_metadata(f"{name}[{i}]", item, _depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{name} keys must be str, got {key!r} ({type(key).__name__})")
            check_metadata(f"{name}[{key!r}]", item, _depth + 1)
        return
    raise TypeError(f"{name} must hold plain data (None, bool, int, float, str, list, tuple, dict), "
                    f"got {value!r} ({type(value).__name__})")


def core_space(space: spaces.Space[Any]) -> Any:
    """The ``_core.Space`` of a gymnasium Discrete or Box space."""
    if isinstance(space, spaces.Discrete):
        return _core.Space.discrete(int(space.n), int(space.start))
    if isinstance(space, spaces.Box):
        return _core.Space.box(list(space.shape), space.low.astype(np.float32).reshape(-1).tolist(),
                               space.high.astype(np.float32).reshape(-1).tolist())
    raise ValueError(f"action spaces must be Discrete or Box, got {space}")


class ActorCriticPolicy:
    """An actor-critic policy: an MLP trunk (shared, or one each for the actor and the
    critic), a value head, and an action distribution whose inputs come from the actor
    head: categorical for a ``Discrete`` action space, a
    diagonal Gaussian for a ``Box`` (the head gives the means; the log standard deviations
    are parameters of their own, independent of the state, as Stable-Baselines3's).

    The parameters live in C++ (one flat float32 buffer that libtorch owns); this object
    predicts with the native forward pass, and converts to and from a torch ``state_dict``
    with the names and shapes of ``torch.nn.Linear`` layers (``trunk.0``, ``trunk.2``, ...,
    ``actor``, ``critic``; and ``log_std`` for a Box).

    Args:
        observation_size: length of the (flat) observations.
        action_space: a gymnasium ``Discrete`` or ``Box`` space, or an int ``n`` for
            ``Discrete(n)``. A Box is flattened; its actions are clipped to its bounds (an
            infinite bound clips nothing).
        hidden_sizes: sizes of the trunk layers.
        seed: seed of the initial weights and of :meth:`predict`'s sampling.
        activation: ``"relu"`` or ``"tanh"``, after each hidden layer.
        share_trunk: one trunk for the actor and the critic; ``False``: one each, of the
            same sizes (Stable-Baselines3's ``MlpPolicy``).
        metadata: recorded in saved files (the env id, the run's config).
        log_std_init: a Box's initial log standard deviation, in [-20, 20].
        squash_output: a Box's actions are the Gaussian squashed by ``tanh`` into its
            (finite) bounds instead of clipped to them.
        normalize_obs: the network sees observations normalized by running statistics
            (``observation_stats``; updated by training, frozen otherwise), as VecNormalize.
            Float observations only.
        architecture: ``"mlp"`` (the hand-written kernels), or a libtorch module:
            ``"torch_mlp"`` (the same MLP), ``"nature_cnn"`` or ``"minatar_cnn"`` (then
            ``hidden_sizes`` is the width of the CNN's feature layer, one size, and the
            state_dict names are ``trunk.<i>`` of the torch module's Sequential).
        observation_shape: the observations' shape as the env gives them (default
            ``(observation_size,)``); an image is ``(C, H, W)`` or, with ``channels_last``,
            ``(H, W, C)``.
        observation_dtype: ``"float32"``, ``"uint8"`` (scaled by 1/255 in the network) or
            ``"bool"``.
        channels_last: an image is ``(H, W, C)``.
    """

    def __init__(
        self,
        observation_size: int,
        action_space: spaces.Space[Any] | int,
        hidden_sizes: Sequence[int] = (128,),
        seed: int = 0,
        metadata: dict[str, Any] | None = None,
        log_std_init: float = 0.0,
        squash_output: bool = False,
        normalize_obs: bool = False,
        activation: str = "relu",
        share_trunk: bool = True,
        architecture: str = "mlp",
        observation_shape: Sequence[int] | None = None,
        observation_dtype: str = "float32",
        channels_last: bool = False,
        _initialize: bool = True,
    ) -> None:
        self.observation_size = check_int("observation_size", observation_size, minimum=1,
                                          maximum=MAX_OBSERVATION_SIZE)
        self.architecture: str = check_choice("architecture", architecture, ARCHITECTURES)
        self.observation_dtype: str = check_choice("observation_dtype", observation_dtype, OBSERVATION_DTYPES)
        self.channels_last = check_bool("channels_last", channels_last)
        if observation_shape is None:
            observation_shape = (self.observation_size,)
        if isinstance(observation_shape, (str, bytes)) or not isinstance(observation_shape, Sequence):
            raise TypeError(f"observation_shape must be a sequence of ints, got {observation_shape!r}")
        self.observation_shape = tuple(check_int(f"observation_shape[{i}]", d, minimum=1,
                                                 maximum=MAX_OBSERVATION_SIZE)
                                       for i, d in enumerate(observation_shape))
        if math.prod(self.observation_shape) != self.observation_size:
            raise ValueError(f"observation_shape {self.observation_shape} does not hold observation_size="
                             f"{self.observation_size} values")
        resolve_architecture(self.architecture, self.observation_spec)  # the architecture takes these observations
        if self.architecture == "mlp" and len(self.observation_shape) != 1:
            raise ValueError(f"architecture 'mlp' takes flat observations, got observation_shape "
                             f"{self.observation_shape}")
        self.squash_output = check_bool("squash_output", squash_output)
        self.normalize_obs = check_bool("normalize_obs", normalize_obs)
        self.activation: str = check_choice("activation", activation, ("relu", "tanh"))
        self.share_trunk = check_bool("share_trunk", share_trunk)
        log_std_init = check_float("log_std_init", log_std_init, low=-20, high=20)
        if not isinstance(action_space, spaces.Space):
            action_space = spaces.Discrete(check_int("action_space", action_space, minimum=1, maximum=MAX_ACTIONS))
        self.action_space = check_action_space(action_space, self.squash_output)
        if isinstance(self.action_space, spaces.Discrete) and (self.squash_output or log_std_init != 0.0):
            raise ValueError(f"squash_output and log_std_init are for a Box action space's Gaussian; the action space "
                             f"is {self.action_space} (squash_output={self.squash_output}, "
                             f"log_std_init={log_std_init})")
        if isinstance(hidden_sizes, (str, bytes)) or not isinstance(hidden_sizes, Sequence):
            raise TypeError(f"hidden_sizes must be a sequence of ints, got {hidden_sizes!r} "
                            f"({type(hidden_sizes).__name__})")
        self.hidden_sizes = tuple(check_int(f"hidden_sizes[{i}]", h, minimum=1, maximum=MAX_HIDDEN_SIZE)
                                  for i, h in enumerate(hidden_sizes))
        seed = check_int("seed", seed, minimum=0, maximum=2**64 - 1)
        if metadata is not None and not isinstance(metadata, dict):
            raise TypeError(f"metadata must be a dict or None, got {type(metadata).__name__}")
        check_metadata("metadata", metadata)
        self.metadata: dict[str, Any] = dict(metadata or {})
        shapes = self._shapes()
        try:
            self._network = _core.ActorCritic(self.observation_size, core_space(action_space),
                                              list(self.hidden_sizes), seed, _initialize, log_std_init,
                                              self.squash_output, self.normalize_obs, self.share_trunk,
                                              self.activation, self.architecture, list(self.observation_shape),
                                              self.observation_dtype, self.channels_last)
        except RuntimeError as error:
            if "alloc" not in str(error):
                raise
            count = sum(math.prod(shape) for shape in shapes.values())
            raise MemoryError(f"cannot allocate the {count:,} parameters ({4 * count:,} bytes) of a network with "
                              f"observation_size={self.observation_size}, hidden_sizes={list(self.hidden_sizes)}") \
                from None
        self._rng = _core.Rng(seed_words(seed) + [0x9E3D])

    def _shapes(self) -> "OrderedDict[str, tuple[int, ...]]":
        return parameter_shapes(self.observation_size, self.action_space, self.hidden_sizes, self.normalize_obs,
                                self.share_trunk, **self._observation_kwargs())

    def _observation_kwargs(self) -> dict[str, Any]:
        return {"architecture": self.architecture, "observation_shape": self.observation_shape,
                "observation_dtype": self.observation_dtype, "channels_last": self.channels_last}

    def architecture_kwargs(self) -> dict[str, Any]:
        """The constructor's architecture arguments: a policy of the same shape is
        ``ActorCriticPolicy(**policy.architecture_kwargs())``."""
        return {"observation_size": self.observation_size, "action_space": self.action_space,
                "hidden_sizes": self.hidden_sizes, "squash_output": self.squash_output,
                "normalize_obs": self.normalize_obs, "activation": self.activation, "share_trunk": self.share_trunk,
                **self._observation_kwargs()}

    @property
    def observation_spec(self) -> ObservationSpec:
        """The observations this policy takes."""
        return ObservationSpec(self.observation_shape, self.observation_dtype, self.channels_last)

    @property
    def num_actions(self) -> int:
        """The number of actions of a Discrete action space."""
        if not isinstance(self.action_space, spaces.Discrete):
            raise AttributeError("num_actions is defined for Discrete action spaces only")
        return int(self.action_space.n)

    @property
    def network(self) -> Any:
        """The native model (``fastac._core.ActorCritic``)."""
        return self._network

    @property
    def observation_stats(self) -> Any:
        """The running observation statistics (``fastac._core.RunningStats``: ``moments()``,
        ``normalize(obs)``) with ``normalize_obs``, else None."""
        return self._network.observation_stats

    @property
    def continuous(self) -> bool:
        """Whether the action space is a Box (a Gaussian policy)."""
        return isinstance(self.action_space, spaces.Box)

    def forward(self, observations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distribution inputs (logits ``[batch, num_actions]``, or a Box's Gaussian means
        ``[batch, size]``) and values ``[batch]`` of a batch."""
        return self._network.forward(self._as_batch(observations)[0])

    def predict(
        self,
        observation: np.ndarray,
        state: Any = None,
        episode_start: Any = None,
        deterministic: bool = False,
    ) -> tuple[np.ndarray, None]:
        """Actions for one observation or a batch, as Stable-Baselines3's ``predict``.

        Returns ``(actions, None)``: for a Discrete space an int64 array of shape ``(batch,)``
        for a batch, a 0-d array for a single observation; for a Box, float32 actions of shape
        ``(batch, *shape)`` or ``shape``, within the bounds (clipped, or squashed with
        ``squash_output``). ``deterministic=True`` takes the most probable action (a Box's
        mean); the default ``False`` samples from the policy, as Stable-Baselines3's default.
        """
        deterministic = check_bool("deterministic", deterministic)
        obs, single = self._as_batch(observation)
        actions, _ = self._network.act(obs, None if deterministic else self._rng)
        if isinstance(self.action_space, spaces.Box):
            actions = self._network.env_actions(actions).reshape((len(obs),) + self.action_space.shape)
        return (actions[0] if single else actions), None

    def _as_batch(self, observation: Any) -> tuple[np.ndarray, bool]:
        """A ``[batch, observation_size]`` array the network takes (float32 of finite numbers, or an
        image's uint8 / bool values), and whether it was one observation."""
        try:
            raw = np.asarray(observation)
        except ValueError as error:  # ragged nested lists
            raise ValueError(f"observation must be an array of numbers: {error}") from None
        if raw.dtype.kind not in "biuf":
            raise TypeError(f"observation must be an array of real numbers, got dtype {raw.dtype}")
        if self.observation_dtype != "float32":
            return self._as_image_batch(raw)
        with np.errstate(over="ignore"):  # a float64 beyond float32's range becomes inf: refused below
            obs = raw.astype(np.float32, copy=False)
        if obs.shape == (self.observation_size,):
            batch, single = obs[None, :], True
        elif obs.ndim == 2 and obs.shape[1] == self.observation_size:
            batch, single = np.ascontiguousarray(obs), False
        else:
            raise ValueError(
                f"observation must have shape ({self.observation_size},) or (batch, {self.observation_size}), "
                f"got {obs.shape}"
            )
        if not np.isfinite(batch).all():  # NaN in, an arbitrary action out: refuse instead
            bad = np.argwhere(~np.isfinite(batch))[0]
            raise ValueError(f"observation contains a non-finite value (NaN or inf) at "
                             f"{tuple(int(i) for i in bad[int(single):])}")
        return batch, single

    def _as_image_batch(self, raw: np.ndarray) -> tuple[np.ndarray, bool]:
        """Images ``observation_shape`` or ``[batch, *observation_shape]`` as the network's
        ``[batch, observation_size]`` bytes: values of another dtype are taken where they are
        exactly the image dtype's (0..255 for uint8, 0 and 1 for bool)."""
        shape = self.observation_shape
        if raw.shape == shape:
            raw, single = raw[None], True
        elif raw.ndim == len(shape) + 1 and raw.shape[1:] == shape:
            single = False
        else:
            raise ValueError(f"observation must have shape {shape} or (batch, {', '.join(map(str, shape))}), "
                             f"got {raw.shape}")
        dtype = np.dtype(self.observation_dtype)
        if raw.dtype != dtype:
            low, high = (0, 1) if dtype == np.bool_ else (0, 255)
            with np.errstate(invalid="ignore"):
                exact = raw.size == 0 or (np.isfinite(raw).all() and (raw == np.round(raw)).all()
                                          and raw.min() >= low and raw.max() <= high)
            if not exact:
                raise ValueError(f"observation must hold {self.observation_dtype} values (integers in "
                                 f"[{low}, {high}]), got dtype {raw.dtype} with other values")
            raw = raw.astype(dtype)
        return np.ascontiguousarray(raw.reshape(len(raw), -1)), single

    def state_dict(self) -> "OrderedDict[str, torch.Tensor]":
        """The parameters as torch tensors named and shaped as ``torch.nn.Linear`` layers (copies)."""
        flat = torch.from_numpy(self._network.parameters)
        out: OrderedDict[str, torch.Tensor] = OrderedDict()
        if self.architecture != "mlp":  # the module's own layout: a split of the flat buffer
            for name, shape, offset in self._network.torch_parameters():
                out[name] = flat[offset : offset + math.prod(shape)].view(shape).clone()
        for name, n_in, n_out, input_major, w_off, b_off in self._layers():
            weight = flat[w_off : w_off + n_in * n_out]
            weight = weight.view(n_in, n_out).t() if input_major else weight.view(n_out, n_in)
            out[f"{name}.weight"] = weight.clone(memory_format=torch.contiguous_format)
            out[f"{name}.bias"] = flat[b_off : b_off + n_out].clone()
        if isinstance(self.action_space, spaces.Box):
            start = self._network.distribution_offset
            out["log_std"] = flat[start : start + head_size(self.action_space)].clone()
        stats = self._network.observation_stats
        if stats is not None:
            count, mean, var = stats.moments()
            out["obs_rms.mean"] = torch.from_numpy(mean)
            out["obs_rms.var"] = torch.from_numpy(var)
            out["obs_rms.count"] = torch.tensor(count, dtype=torch.float64)
        return out

    def load_state_dict(self, state_dict: "dict[str, torch.Tensor]") -> None:
        """Copies parameters from a ``state_dict`` of the same architecture.

        Every parameter must be present (and nothing else), with its shape, and finite;
        otherwise a ``ValueError`` names what is wrong and nothing is copied."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"state_dict must be a dict of tensors, got {type(state_dict).__name__}")
        problem = state_dict_problem(state_dict, self._shapes())
        if problem is not None:
            raise ValueError(problem)
        self._copy_in(state_dict)

    def _copy_in(self, state_dict: "Mapping[str, torch.Tensor]") -> None:
        flat = torch.from_numpy(self._network.parameters)
        if self.architecture != "mlp":
            for name, shape, offset in self._network.torch_parameters():
                flat[offset : offset + math.prod(shape)] = state_dict[name].detach().float().reshape(-1)
        for name, n_in, n_out, input_major, w_off, b_off in self._layers():
            weight = state_dict[f"{name}.weight"].detach().float()
            flat[w_off : w_off + n_in * n_out] = (weight.t() if input_major else weight).reshape(-1)
            flat[b_off : b_off + n_out] = state_dict[f"{name}.bias"].detach().float()
        if isinstance(self.action_space, spaces.Box):
            start = self._network.distribution_offset
            flat[start : start + head_size(self.action_space)] = state_dict["log_std"].detach().float()
        stats = self._network.observation_stats
        if stats is not None:
            stats.set(float(state_dict["obs_rms.count"]), state_dict["obs_rms.mean"].detach().double().numpy(),
                      state_dict["obs_rms.var"].detach().double().numpy())

    def _layers(self) -> list[tuple[Any, ...]]:
        """The kernels' linear layers (none for a libtorch-module policy)."""
        return self._network.layout() if self.architecture == "mlp" else []

    def to_torch(self) -> "ActorCriticModule":
        """A plain ``torch.nn.Module`` with this policy's weights (a copy), same outputs as :meth:`forward`."""
        from fastac.torch_module import ActorCriticModule

        module = ActorCriticModule(self.observation_size, self.action_space, self.hidden_sizes, self.squash_output,
                                   self.normalize_obs, self.activation, self.share_trunk,
                                   **self._observation_kwargs())
        module.load_state_dict(self.state_dict())
        return module.eval()

    def export_torchscript(self, path: str | os.PathLike[str]) -> None:
        """Writes the policy as TorchScript (``torch.jit.load(path)``; ``.act(obs)`` gives greedy
        actions, calling it gives the distribution inputs (logits or means) and values), for
        deployment without fastac; atomically."""
        target = check_path("path", path)
        with warnings.catch_warnings():
            # torch 2.13 deprecates TorchScript ("`torch.jit.script` is deprecated", the same for
            # `torch.jit.save`) on every call. This method exists for deployments that still load
            # TorchScript (export_program is the successor), so those two warnings, and only
            # they, would be noise here.
            warnings.filterwarnings("ignore", message=r"`torch\.jit\.(script|save)` is deprecated",
                                    category=DeprecationWarning)
            scripted = torch.jit.script(self.to_torch())
            # In memory first: torch's archive writer aborts the process (an exception from a
            # destructor) when a write to a file fails, e.g. on a full disk.
            data = to_bytes(lambda buffer: torch.jit.save(scripted, buffer))
        atomic_write(target, data)

    def export_program(self, path: str | os.PathLike[str]) -> None:
        """Writes the policy as a ``torch.export`` program (``torch.export.load(path).module()``
        maps observations ``[batch, *observation_shape]``, of the env's dtype, to logits (or a Box's
        means) and values), the successor of TorchScript in torch 2.x; atomically."""
        target = check_path("path", path)
        module = self.to_torch()
        example = torch.zeros((2,) + self.observation_shape, dtype=getattr(torch, self.observation_dtype))
        batch = torch.export.Dim("batch", min=1)
        program = torch.export.export(module, (example,), dynamic_shapes={"obs": {0: batch}})
        # In memory first (see export_torchscript); a buffer also spares the warning torch
        # logs for a file name that does not end in .pt2.
        atomic_write(target, to_bytes(lambda buffer: torch.export.save(program, buffer)))

    def save(self, path: str | os.PathLike[str]) -> None:
        """Writes weights, architecture and metadata to ``path`` (a torch file), atomically."""
        target = check_path("path", path)
        payload = self._payload()
        atomic_write(target, to_bytes(lambda buffer: torch.save(payload, buffer)))

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickling and ``copy.deepcopy``: what :meth:`save` writes, plus the position of
        :meth:`predict`'s random stream, so that the copy predicts exactly as the original."""
        return (_unpickle_policy, (self._payload(), self._rng.state()))

    def _payload(self) -> dict[str, Any]:
        """The model file's contents: format, architecture, metadata and state_dict."""
        check_metadata("metadata", self.metadata)
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "architecture": {
                "observation_size": self.observation_size,
                "action_space": space_description(self.action_space),
                "hidden_sizes": list(self.hidden_sizes),
                "squash_output": self.squash_output,
                "normalize_obs": self.normalize_obs,
                "activation": self.activation,
                "share_trunk": self.share_trunk,
                "architecture": self.architecture,
                "observation_shape": list(self.observation_shape),
                "observation_dtype": self.observation_dtype,
                "channels_last": self.channels_last,
            },
            "metadata": self.metadata,
            "state_dict": self.state_dict(),
        }

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "ActorCriticPolicy":
        """Reads a policy written by :meth:`save` (format versions 1 to 4).

        A file that is not a complete, consistent fastac model is a ``ValueError`` naming the
        file and what is wrong. The architecture is checked against the tensors before
        anything is built, so a file cannot make this allocate more than it holds.
        """
        name = check_path("path", path)
        return cls._from_payload(_read_model_file(name), repr(name))

    @classmethod
    def _from_payload(cls, payload: Any, name: str) -> "ActorCriticPolicy":
        """A policy from a model file's contents (``name`` says where they came from)."""

        def refuse(problem: str) -> ValueError:
            return ValueError(f"{name} is not a valid fastac model file: {problem}")

        if not isinstance(payload, dict) or payload.get("format") != FORMAT_NAME:
            raise ValueError(f"{name} is not a fastac model file")
        version = payload.get("version")
        if isinstance(version, bool) or version not in READABLE_VERSIONS:
            raise ValueError(f"{name} has format version {version!r}, expected one of {READABLE_VERSIONS}")
        missing = [key for key in ("architecture", "metadata", "state_dict") if key not in payload]
        if missing:
            raise refuse(f"it has no {', '.join(map(repr, missing))}")
        arch, metadata = payload["architecture"], payload["metadata"]
        if not isinstance(arch, dict):
            raise refuse(f"'architecture' is a {type(arch).__name__}, not a dict")
        if not isinstance(metadata, dict):
            raise refuse(f"'metadata' is a {type(metadata).__name__}, not a dict")
        space_key = "num_actions" if version == 1 else "action_space"
        missing = [key for key in ("observation_size", space_key, "hidden_sizes") if key not in arch]
        if missing:
            raise refuse(f"the architecture has no {', '.join(map(repr, missing))}")
        try:
            observation_size = check_int("observation_size", arch["observation_size"], minimum=1,
                                         maximum=MAX_OBSERVATION_SIZE)
            action_space = (spaces.Discrete(check_int("num_actions", arch["num_actions"], minimum=1, maximum=MAX_ACTIONS))
                            if version == 1 else space_from_description(arch["action_space"]))
            hidden = arch["hidden_sizes"]
            if not isinstance(hidden, (list, tuple)):
                raise ValueError(f"hidden_sizes must be a list, got {type(hidden).__name__}")
            hidden_sizes = [check_int(f"hidden_sizes[{i}]", h, minimum=1, maximum=MAX_HIDDEN_SIZE)
                            for i, h in enumerate(hidden)]
            squash_output = check_bool("squash_output", arch.get("squash_output", False))
            normalize_obs = check_bool("normalize_obs", arch.get("normalize_obs", False))
            activation = check_choice("activation", arch.get("activation", "relu"), ("relu", "tanh"))
            share_trunk = check_bool("share_trunk", arch.get("share_trunk", True))
            architecture = check_choice("architecture", arch.get("architecture", "mlp"), ARCHITECTURES)
            shape = arch.get("observation_shape", [observation_size])
            if not isinstance(shape, (list, tuple)) or not 1 <= len(shape) <= 3:
                raise ValueError(f"observation_shape must be a list of 1 to 3 sizes, got {shape!r}")
            observation_shape = tuple(check_int(f"observation_shape[{i}]", d, minimum=1, maximum=MAX_OBSERVATION_SIZE)
                                      for i, d in enumerate(shape))
            observation_dtype = check_choice("observation_dtype", arch.get("observation_dtype", "float32"),
                                             OBSERVATION_DTYPES)
            channels_last = check_bool("channels_last", arch.get("channels_last", False))
            if math.prod(observation_shape) != observation_size:
                raise ValueError(f"observation_shape {observation_shape} does not hold observation_size="
                                 f"{observation_size} values")
            check_action_space(action_space, squash_output)
            shapes = parameter_shapes(observation_size, action_space, hidden_sizes, normalize_obs, share_trunk,
                                      architecture, observation_shape, observation_dtype, channels_last)
            check_metadata("metadata", metadata)
        except (TypeError, ValueError) as error:
            raise refuse(str(error)) from None
        problem = state_dict_problem(payload["state_dict"], shapes)
        if problem is not None:
            raise refuse(f"{problem} (architecture: observation_size={observation_size}, "
                         f"action_space={action_space}, hidden_sizes={hidden_sizes})")
        try:
            policy = cls(observation_size, action_space, hidden_sizes, metadata=metadata, squash_output=squash_output,
                         normalize_obs=normalize_obs, activation=activation, share_trunk=share_trunk,
                         architecture=architecture, observation_shape=observation_shape,
                         observation_dtype=observation_dtype, channels_last=channels_last, _initialize=False)
        except ValueError as error:  # an architecture that does not take these observations
            raise refuse(str(error)) from None
        try:
            policy._copy_in(payload["state_dict"])
        except ValueError as error:  # statistics out of range (a count <= 0, a negative variance)
            raise refuse(f"obs_rms: {error}") from None
        return policy


def _unpickle_policy(payload: Any, rng_state: Any) -> ActorCriticPolicy:
    """The inverse of :meth:`ActorCriticPolicy.__reduce__`."""
    policy = ActorCriticPolicy._from_payload(payload, "a pickled policy")
    policy._rng.set_state(rng_state)
    return policy


def _read_model_file(name: str) -> Any:
    """The payload of a model file: a torch zip archive, unpickled with ``weights_only``."""

    def refuse(problem: object) -> ValueError:
        return ValueError(f"cannot read a fastac model from {name!r}: {problem}")

    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise refuse(error.strerror or error) from error
    try:
        info = os.fstat(fd)
    except OSError as error:
        os.close(fd)
        raise refuse(error.strerror or error) from error
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise refuse("not a regular file")
    size = info.st_size
    with os.fdopen(fd, "rb") as f:
        try:
            if f.read(4) != b"PK\x03\x04":
                raise refuse("not a torch zip archive (a file written by policy.save starts with 'PK')")
            f.seek(0)
            _check_archive(f, size)
            f.seek(0)
            return torch.load(f, map_location="cpu", weights_only=True)
        except ValueError as error:
            if str(error).startswith("cannot read a fastac model"):
                raise
            raise refuse(error) from error
        except MemoryError:
            raise
        except Exception as error:  # torch.load's errors on malformed input have many types
            raise refuse(f"{type(error).__name__}: {error}") from error


def _check_archive(f: IO[bytes], size: int) -> None:
    """torch writes its archives uncompressed: an entry that is compressed, or claims more
    bytes than the file has, would make the reader allocate what the file does not hold."""
    with zipfile.ZipFile(f) as archive:
        total = 0
        for info in archive.infolist():
            if info.compress_type != zipfile.ZIP_STORED:
                raise ValueError(f"archive entry {info.filename!r} is compressed; torch archives are not")
            total += info.file_size
            if info.file_size > size or total > size:
                raise ValueError(f"archive entries claim {total:,} bytes, more than the file's {size:,}")


def load(path: str | os.PathLike[str]) -> ActorCriticPolicy:
    """Loads a policy saved with ``policy.save(path)``."""
    return ActorCriticPolicy.load(path)
