"""One config for both trainers: :class:`TrainConfig`.

Every hyperparameter is declared once, here: its type, default, accepted range, which
algorithms use it and its documentation. From this one declaration follow

- the keyword arguments of :func:`fastac.train_a2c` and :func:`fastac.train_a3c` (their
  signatures and checks),
- the options of ``fastac train`` (one flag per field, plus ``--config run.yaml``),
- the C++ mirror ``fastac._core.TrainConfig`` (``cpp/rl/train_config.h``), filled field by
  field by name (a test checks that the two declare the same fields),
- what a saved model records about the run that made it.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from fastac._atomic import atomic_write, check_path
from fastac._validation import check_bool, check_choice, check_float, check_int

BOTH = ("a2c", "a3c")
OPTIMIZERS = ("rmsprop", "adam", "sgd")
ACTIVATIONS = ("relu", "tanh")
ARCHITECTURES = ("auto", "mlp", "torch_mlp", "nature_cnn", "minatar_cnn")
VECTORIZATION_MODES = ("sync", "async", "vector_entry_point")
DISTRIBUTED_MODES = ("auto", "on", "off")
#: Fields that only the Python layer reads (how the envs are made, how processes
#: exchange); all others have a C++ twin in ``fastac._core.TrainConfig``.
PYTHON_ONLY_FIELDS = ("native", "vectorization_mode", "distributed", "dist_timeout_s", "dist_check_every",
                      "dist_sync_interval_s", "dist_max_staleness")

_FLOAT32_MAX = float(np.finfo(np.float32).max)
_FLOAT32_TINY = float(np.finfo(np.float32).smallest_subnormal)


def _float32(name: str, value: Any, **bounds: Any) -> float:
    """A finite float that stays finite (and non-zero where it must be positive) in float32."""
    number = check_float(name, value, **bounds)
    if abs(number) > _FLOAT32_MAX:
        raise ValueError(f"{name} must be representable as a float32 (|{name}| <= {_FLOAT32_MAX:.4g}), got {number}")
    low = bounds.get("low")
    if low == 0 and not bounds.get("low_inclusive", True) and number < _FLOAT32_TINY:
        raise ValueError(f"{name} must be > 0 in float32 (>= {_FLOAT32_TINY:.4g}), got {number}")
    return number


def _optional(check: Callable[[str, Any], Any]) -> Callable[[str, Any], Any]:
    return lambda name, value: None if value is None else check(name, value)


def _hidden_sizes(name: str, value: Any) -> tuple[int, ...]:
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = value.tolist()
    # A sequence: a set or a dict would give layers in an order nobody wrote down.
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a sequence of ints in [1, 65536], got {value!r} ({type(value).__name__})")
    if len(value) > 64:
        raise ValueError(f"{name} must have at most 64 layers, got {len(value)}")
    return tuple(check_int(f"{name}[{i}]", h, minimum=1, maximum=65536) for i, h in enumerate(value))


def _seed(name: str, value: Any) -> int:
    return check_int(name, value, minimum=0, maximum=2**64 - 1)


def _param(default: Any, doc: str, check: Callable[[str, Any], Any], algorithms: tuple[str, ...] = BOTH,
           cli_type: Callable[[str], Any] | None = None, choices: tuple[str, ...] | None = None) -> Any:
    """A config field: its default, one-line documentation, check and which algorithms read it."""
    return field(default=default, metadata={"doc": doc, "check": check, "algorithms": algorithms,
                                            "cli_type": cli_type, "choices": choices})


@dataclass
class TrainConfig:
    """The hyperparameters of a training run (A2C or A3C).

    Construct it with keywords, ``TrainConfig.from_file("run.yaml")`` or
    ``TrainConfig.from_dict(d)``; :meth:`validated` checks every field and resolves the
    defaults that depend on the machine or on chance (``seed``, ``num_workers``).
    """

    env: str = _param("CartPole-v1", "Gymnasium id of the environment (a native one runs in C++).",
                      lambda n, v: _env_id(n, v))
    total_steps: int = _param(1_000_000, "Environment steps budget, in [1, 2**62].",
                              lambda n, v: check_int(n, v, minimum=1, maximum=2**62), cli_type=lambda s: _int_text(s))
    stop_at_return: float | None = _param(
        None, "Stop once the mean return of the last 100 training episodes reaches it (and the greedy "
              "confirmation below agrees).", _optional(lambda n, v: check_float(n, v)))
    stop_eval_episodes: int = _param(
        100, "When the training episodes reach stop_at_return, the greedy policy plays this many fresh episodes "
             "(not counted as training steps) and training stops only if they reach it too; the returned policy "
             "is that snapshot. 0 stops on the training episodes alone. In [0, 10000].",
        lambda n, v: check_int(n, v, minimum=0, maximum=10_000))
    max_seconds: float | None = _param(None, "Wall-time budget in seconds, > 0.",
                                       _optional(lambda n, v: check_float(n, v, low=0, low_inclusive=False)))
    seed: int | None = _param(
        None, "Seed of the initial weights, the env seeds and action sampling, in [0, 2**64); None draws one.",
        _optional(_seed))
    gamma: float = _param(0.99, "Discount factor, in (0, 1].",
                          lambda n, v: _float32(n, v, low=0, high=1, low_inclusive=False))
    gae_lambda: float = _param(1.0, "GAE(lambda), in [0, 1]; 1 gives plain n-step returns.",
                               lambda n, v: _float32(n, v, low=0, high=1))
    lr: float = _param(3e-3, "Learning rate, > 0.", lambda n, v: _float32(n, v, low=0, low_inclusive=False))
    anneal_lr: bool = _param(False, "Decay the learning rate linearly to 0 over total_steps.", check_bool)
    entropy_coef: float = _param(0.0, "Weight of the entropy bonus, >= 0.", lambda n, v: _float32(n, v, low=0))
    bounds_coef: float = _param(
        1.0, "Weight of the penalty sum_j max(mean_j - high_j, 0)^2 + max(low_j - mean_j, 0)^2 on a bounded Box's "
             "Gaussian means beyond the bounds (rl_games' bounds loss), >= 0: where the best action is on a bound, "
             "the clipped Gaussian's mean drifts past it until every sample clips alike and nothing brings it back. "
             "0 inside the bounds; unused with squash_output and Discrete actions.",
        lambda n, v: _float32(n, v, low=0))
    value_coef: float = _param(0.5, "Weight of the value loss, >= 0.", lambda n, v: _float32(n, v, low=0))
    max_grad_norm: float = _param(0.5, "Clip the gradient's global norm to this, >= 0 (0 disables).",
                                  lambda n, v: _float32(n, v, low=0))
    optimizer: str = _param(
        "rmsprop", "'rmsprop' (statistics shared by all A3C workers, epsilon inside the square root, as in the "
                   "A3C paper), 'adam' or 'sgd'.", lambda n, v: check_choice(n, v, OPTIMIZERS), choices=OPTIMIZERS)
    rmsprop_alpha: float = _param(0.99, "RMSProp decay of the mean square, in [0, 1).",
                                  lambda n, v: _float32(n, v, low=0, high=1, high_inclusive=False))
    optimizer_eps: float = _param(1e-5, "Epsilon of RMSProp and Adam, > 0. RMSProp adds it inside the square root "
                                        "(the A3C paper's); torch's RMSprop, which Stable-Baselines3 uses, adds "
                                        "it outside, so SB3's 1e-5 is about 1e-10 here.",
                                  lambda n, v: _float32(n, v, low=0, low_inclusive=False))
    hidden_sizes: tuple[int, ...] = _param(
        (128,), "Sizes of the hidden layers, e.g. (64, 64): at most 64 layers, each in [1, 65536].",
        _hidden_sizes, cli_type=lambda s: _sizes_text(s))
    activation: str = _param(
        "relu", "Activation after each hidden layer: 'relu' or 'tanh' (Stable-Baselines3's; bounded features keep "
                "a policy on normalized observations from turning deterministic).",
        lambda n, v: check_choice(n, v, ACTIVATIONS), choices=ACTIVATIONS)
    share_trunk: bool = _param(
        True, "One trunk of hidden layers for the actor and the critic (the seed notebook's); --no-share-trunk "
              "gives each its own of the same sizes (Stable-Baselines3's MlpPolicy), so that the value loss does "
              "not shape the policy's features.", check_bool)
    architecture: str = _param(
        "auto", "The policy network: 'auto' (the hand-written MLP kernels for vector observations; for images, a "
                "3-D uint8 or bool Box with channels first or last, 'nature_cnn' from 36x36 pixels and "
                "'minatar_cnn' below), 'mlp' (the kernels), 'torch_mlp' (the same MLP as a libtorch module), "
                "'nature_cnn' (Mnih et al. 2015, Stable-Baselines3's NatureCNN) or 'minatar_cnn' (Young and Tian "
                "2019: one 3x3 convolution with 16 channels, then 128 units). The CNNs are libtorch modules with "
                "their parameters in the same flat buffer; images stay one byte per value until the network.",
        lambda n, v: check_choice(n, v, ARCHITECTURES), choices=ARCHITECTURES)
    features_dim: int | None = _param(
        None, "Width of a CNN's feature layer after its convolutions, in [1, 65536] (None: 512 for nature_cnn, "
              "128 for minatar_cnn). A CNN has no other hidden layers: hidden_sizes is for MLPs.",
        _optional(lambda n, v: check_int(n, v, minimum=1, maximum=65536)))
    log_std_init: float = _param(
        0.0, "Initial log standard deviation of the Gaussian policy of a Box action space (a learned parameter "
             "per action element, independent of the state), in [-20, 20].",
        lambda n, v: _float32(n, v, low=-20, high=20))
    squash_output: bool = _param(
        False, "For a Box action space: squash the Gaussian's samples with tanh into the (finite) bounds instead "
               "of clipping them, with the log-probability correction.", check_bool)
    normalize_obs: bool = _param(
        False, "Normalize observations by their running mean and variance, clipped to [-10, 10] (VecNormalize's "
               "clip_obs, epsilon 1e-8); the statistics are part of the policy: saved with it and applied, frozen, "
               "by predict, evaluate_policy, to_torch() and the exports. A3C workers share them.", check_bool)
    normalize_reward: bool = _param(
        False, "Divide the rewards the loss sees by the running standard deviation of the discounted return, "
               "clipped to [-10, 10] (VecNormalize's norm_reward); episode returns are reported unscaled.",
        check_bool)
    native: bool = _param(True, "Use the native C++ environment for ids that have one.", check_bool)
    num_workers: int | None = _param(
        None, "A3C worker threads, in [1, 1024] (None: the machine's hardware threads; for a Python env that the "
              "workers step themselves with the MLP kernels, 1 if its step holds the GIL, which A3C measures by "
              "stepping two copies at once: a second worker would only wait for the GIL).",
        _optional(lambda n, v: check_int(n, v, minimum=1, maximum=1024)), algorithms=("a3c",))
    envs_per_worker: int = _param(
        8, "Environments each A3C worker steps together, in [1, 65536]; 1 is the classic algorithm.",
        lambda n, v: check_int(n, v, minimum=1, maximum=65536), algorithms=("a3c",))
    t_max: int = _param(5, "A3C steps per environment between updates (n of the n-step return), in [1, 65536].",
                        lambda n, v: check_int(n, v, minimum=1, maximum=65536), algorithms=("a3c",))
    num_envs: int | None = _param(
        None, "A2C parallel environments, in [1, 65536] (None: 8, rl-zoo's CartPole setting; a VectorEnv's own).",
        _optional(lambda n, v: check_int(n, v, minimum=1, maximum=65536)), algorithms=("a2c",))
    n_steps: int = _param(5, "A2C steps per environment between updates, in [1, 65536].",
                          lambda n, v: check_int(n, v, minimum=1, maximum=65536), algorithms=("a2c",))
    vectorization_mode: str = _param(
        "sync", "How Python (non-native) envs are stepped: 'sync' (A2C: one SyncVectorEnv; A3C: by each worker's "
                "thread), 'async' (in subprocesses: an AsyncVectorEnv, per worker for A3C) or 'vector_entry_point' "
                "(the id's registered vector env, e.g. ALE's AtariVectorEnv: one for A2C, ids only; one per worker "
                "for A3C, which also takes a callable make(num_envs) returning a same-step-autoreset VectorEnv).",
        lambda n, v: check_choice(n, v, VECTORIZATION_MODES), choices=VECTORIZATION_MODES)
    distributed: str = _param(
        "auto", "Training across processes on torch.distributed (fastac.distributed): 'auto' joins the process group "
                "of a run started by torchrun (WORLD_SIZE > 1), the default group if the script initialized one, or "
                "the process_group passed; 'on' the same, but an error without a group; 'off' trains this process "
                "alone.", lambda n, v: check_choice(n, v, DISTRIBUTED_MODES), choices=DISTRIBUTED_MODES)
    dist_timeout_s: float = _param(
        120.0, "Distributed runs: the longest a process waits for the others (an exchange, rank 0's evaluation) "
               "before it stops with a DistributedError, in (0, 86400]: a process that died or hangs stops the "
               "others within it.", lambda n, v: check_float(n, v, low=0, high=86400, low_inclusive=False))
    dist_check_every: int = _param(
        100, "Distributed A2C: updates between checks that every process holds the same parameters (a checksum "
             "all-reduce; a difference is an error), in [1, 2**31).",
        lambda n, v: check_int(n, v, minimum=1, maximum=2**31 - 1), algorithms=("a2c",))
    dist_sync_interval_s: float = _param(
        0.05, "Distributed A3C: seconds between a process's exchanges with rank 0 (its parameter change out, the "
              "global parameters back), in [0.001, 3600].",
        lambda n, v: check_float(n, v, low=0.001, high=3600), algorithms=("a3c",))
    dist_max_staleness: int = _param(
        16, "Distributed A3C: a process's parameter change is dropped (and counted) if rank 0 applied more than "
            "this many other changes since that process last took the global parameters, in [0, 2**31).",
        lambda n, v: check_int(n, v, minimum=0, maximum=2**31 - 1), algorithms=("a3c",))

    # ---- construction and checks -------------------------------------------------

    @classmethod
    def fields_for(cls, algorithm: str) -> list[dataclasses.Field[Any]]:
        """The fields an algorithm (``"a2c"`` or ``"a3c"``) reads, in declaration order."""
        check_choice("algorithm", algorithm, BOTH)
        return [f for f in dataclasses.fields(cls) if algorithm in f.metadata["algorithms"]]

    @classmethod
    def from_kwargs(cls, algorithm: str, base: TrainConfig | None = None, **kwargs: Any) -> TrainConfig:
        """``base`` (or the defaults) with ``kwargs`` applied; a keyword that is no field of
        ``algorithm`` is a ``TypeError`` naming it."""
        names = {f.name for f in cls.fields_for(algorithm)}
        for name in kwargs:
            if name not in names:
                others = [a for a in BOTH if a != algorithm]
                hint = f" (an option of {others[0].upper()} only)" if name in {f.name for f in dataclasses.fields(cls)} else ""
                raise TypeError(f"{algorithm.upper()} got an unexpected keyword argument {name!r}: not a "
                                f"fastac.TrainConfig field{hint}")
        return dataclasses.replace(base or cls(), **kwargs)

    def validated(self) -> TrainConfig:
        """A copy with every field checked (a ``TypeError``/``ValueError`` naming the field and its
        accepted range otherwise) and ``seed``/``num_workers`` resolved."""
        values = {f.name: f.metadata["check"](f.name, getattr(self, f.name)) for f in dataclasses.fields(self)}
        if values["seed"] is None:
            values["seed"] = secrets.randbits(63)
        if values["num_workers"] is None:
            values["num_workers"] = os.cpu_count() or 1
        return TrainConfig(**values)

    # ---- serialization -------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain Python values (tuples as lists), for JSON, YAML and model files."""
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrainConfig:
        """The inverse of :meth:`to_dict`; an unknown key is a ``ValueError`` naming it."""
        if not isinstance(values, Mapping):
            raise TypeError(f"a config must be a mapping of field names to values, got {type(values).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names, key=str)  # keys of a YAML file need not be str
        if unknown:
            raise ValueError(f"unknown config field(s) {unknown}; fields: {sorted(names)}")
        kwargs = dict(values)
        if isinstance(kwargs.get("hidden_sizes"), list):
            kwargs["hidden_sizes"] = tuple(kwargs["hidden_sizes"])
        return cls(**kwargs)

    def to_json(self) -> str:
        """The config as JSON text."""
        return json.dumps(self.to_dict(), indent=2)

    def to_yaml(self) -> str:
        """The config as YAML text."""
        import yaml

        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Writes the config to ``path``: YAML for ``.yaml``/``.yml``, else JSON; atomically."""
        target = Path(check_path("path", path))
        text = self.to_yaml() if target.suffix in (".yaml", ".yml") else self.to_json()
        atomic_write(target, text.encode())

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> TrainConfig:
        """Reads a config written by :meth:`save` (or by hand): YAML or JSON.

        A file that does not parse is a ``ValueError`` naming it; one that is not a mapping
        of field names (an empty YAML file is an empty one) a ``TypeError``."""
        name = check_path("path", path)
        source = Path(name)
        try:
            text = source.read_text()
        except UnicodeDecodeError as error:
            raise ValueError(f"{name!r} is not a text file: {error}") from None
        if source.suffix in (".yaml", ".yml"):
            import yaml

            try:
                values = yaml.safe_load(text)
            except yaml.YAMLError as error:
                raise ValueError(f"{name!r} is not valid YAML: {error}") from None
            values = {} if values is None else values  # (not `or {}`: a file holding `0` or `[]` is no config)
        else:
            try:
                values = json.loads(text)
            except json.JSONDecodeError as error:
                raise ValueError(f"{name!r} is not valid JSON: {error}") from None
        return cls.from_dict(values)

    def resolved_seed(self) -> int:
        """The seed of a validated config (``validated`` draws one where it was None)."""
        if self.seed is None:
            raise ValueError("the config has no seed yet: call validated() first")
        return self.seed

    def to_core(self) -> Any:
        """The C++ mirror (``fastac._core.TrainConfig``) of a validated config."""
        from fastac import _core

        core = _core.TrainConfig()
        for name in _core.TrainConfig.FIELDS:
            value = getattr(self, name)
            if name == "stop_at_return":
                value = math.nan if value is None else value
            elif name == "max_seconds":
                value = math.inf if value is None else value
            elif name == "num_envs" and value is None:
                value = 8
            elif name == "features_dim" and value is None:
                value = 0
            elif name == "hidden_sizes":
                value = list(value)
            setattr(core, name, value)
        return core


def _env_id(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"{name} must be a gymnasium id (a non-empty str), got {value!r}")
    return value


def _int_text(text: str) -> int:
    """An integer from the command line, also in float notation ("1e5")."""
    try:
        return int(text)
    except ValueError:
        value = float(text)
        if not value.is_integer():
            raise ValueError(f"expected an integer, got {text!r}") from None
        return int(value)


def _sizes_text(text: str) -> tuple[int, ...]:
    """Layer sizes from the command line: "64,64"; an empty text is no hidden layer, an
    empty item ("64,,64") an error."""
    return tuple(int(x) for x in text.split(",")) if text.strip() else ()


def describe_fields(algorithm: str) -> str:
    """The Args section of a trainer's docstring, generated from the fields."""
    lines = []
    for f in TrainConfig.fields_for(algorithm):
        lines.append(f"        {f.name}: {f.metadata['doc']} Default: {f.default!r}.")
    return "\n".join(lines)
