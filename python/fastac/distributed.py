"""Training across processes and machines on ``torch.distributed`` (gloo on CPU).

Start the same training in every process with ``torchrun``::

    torchrun --nnodes 2 --nproc-per-node 2 --rdzv-backend c10d --rdzv-endpoint HOST:29400 \\
        -m fastac train --algo a2c --env CartPole-v1

or call :func:`fastac.train_a2c` / :func:`fastac.train_a3c` (or the model objects) in a script
that torchrun starts: with ``distributed="auto"`` (the default) a run joins the process group
torchrun describes in the environment (``WORLD_SIZE`` > 1), or the default group if the
script made one; ``process_group=`` passes another. One process alone trains as always.

- **Data-parallel A2C** (:class:`GradientExchange`): every process steps its own envs
  (sub-env ``i`` of rank ``r`` is seeded ``seed + r * num_envs + i`` and samples its actions
  from stream ``r * num_envs + i``: the same as one process with all the envs), computes
  the gradient of its samples and takes part in one ``all_reduce`` per update of the
  gradient weighted by its sample count, with the counts, the loss statistics, its
  finished episodes and its stop requests in the same buffer. Every process then applies
  the same averaged gradient with the same optimizer state, so parameters stay identical
  (a checksum every ``dist_check_every`` updates; a difference is an error); the episode
  window, the step count and the stop decisions are the same everywhere.
- **A3C across processes** (:class:`ParameterServer`, :class:`ParameterClient`): each process
  runs its Hogwild workers on its own copy of the parameters; rank 0 holds the global
  parameters. Every ``dist_sync_interval_s`` seconds a process sends rank 0 the change its
  workers made since its last exchange and gets the global parameters back (point-to-point
  ``isend``/``irecv``; rank 0's own exchange is in memory); each change is mixed in with
  weight 1 / world_size. No process waits for another's rollouts. A change computed from
  global parameters more than ``dist_max_staleness`` exchanges old is dropped (and
  counted): staleness is bounded.

Every wait is bounded by ``dist_timeout_s`` (a process that died or hangs stops the others
with :class:`DistributedError`) and can be interrupted: Ctrl-C or SIGTERM in any process
becomes a stop request that every process agrees on. docs/distributed.md has the design,
the bytes exchanged and a cost model.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Iterator

import numpy as np
import torch

from fastac import _core
from fastac.config import DISTRIBUTED_MODES


class DistributedError(RuntimeError):
    """Another process of a distributed run failed, died or did not answer within
    ``dist_timeout_s``, or the processes disagree (configs, parameters)."""


@dataclass
class Group:
    """The processes a run trains across, as fastac uses them."""

    process_group: Any  #: the torch.distributed process group
    rank: int  #: this process's rank in it
    world_size: int  #: how many processes
    timeout_s: float  #: the longest wait for the others
    #: the signals (SIGINT, SIGTERM) received while they were deferred (:meth:`deferred_signals`)
    signals: list[int] = field(default_factory=list)

    @property
    def is_main(self) -> bool:
        """Rank 0: it logs, evaluates and saves."""
        return self.rank == 0

    def wait(self, work: Any, what: str) -> None:
        """Waits for a torch.distributed request, at most ``timeout_s`` seconds; an error of
        the request (gloo: a peer closed its connection) or the timeout is a
        :class:`DistributedError` naming ``what``. Ctrl-C does not break the wait (the other
        processes are in the same exchange): it is recorded as a stop request."""
        start = time.monotonic()
        # A little after the group's own timeout (dist_timeout_s for a group fastac made):
        # gloo then ends the request itself, and no request is left pending inside gloo
        # when the process exits (which would abort it).
        deadline = start + self.timeout_s * 1.05 + 2.0
        while True:
            try:
                if work.is_completed():
                    break
                now = time.monotonic()
                if now > deadline:
                    raise DistributedError(
                        f"rank {self.rank}: {what}: no answer from the other processes within dist_timeout_s="
                        f"{self.timeout_s:g} s (a process died or hangs)")
                # Short sleeps, not a spin: the cores are busy training, gloo's thread needs one.
                time.sleep(5e-5 if now - start < 0.01 else min(5e-3, (now - start) / 10))
            except KeyboardInterrupt:
                self.signals.append(signal.SIGINT)
        try:
            work.wait()
        except RuntimeError as error:
            raise self._failed(what, error) from None

    def _failed(self, what: str, error: BaseException) -> DistributedError:
        return DistributedError(f"rank {self.rank}: {what} failed: {error} (another process has probably died, "
                                f"stopped with an error, or hangs; dist_timeout_s={self.timeout_s:g})")

    def all_reduce(self, tensor: torch.Tensor, what: str, op: Any = None) -> None:
        """``tensor`` summed (or ``op``) over every process, in place."""
        import torch.distributed as dist

        try:
            work = dist.all_reduce(tensor, op=op or dist.ReduceOp.SUM, group=self.process_group, async_op=True)
        except RuntimeError as error:  # (gloo raises here too once a peer has gone)
            raise self._failed(what, error) from None
        self.wait(work, what)

    def broadcast(self, tensor: torch.Tensor, what: str) -> None:
        """Rank 0's ``tensor`` into every process's."""
        import torch.distributed as dist

        try:
            work = dist.broadcast(tensor, src=self.global_rank(0), group=self.process_group, async_op=True)
        except RuntimeError as error:
            raise self._failed(what, error) from None
        self.wait(work, what)

    def send(self, tensor: torch.Tensor, to: int, tag: int, what: str) -> None:
        """Sends ``tensor`` to rank ``to`` of the group and waits until it has gone."""
        import torch.distributed as dist

        try:
            work = dist.isend(tensor, self.global_rank(to), group=self.process_group, tag=tag)
        except RuntimeError as error:
            raise self._failed(what, error) from None
        self.wait_blocking(work, what)

    def receive(self, tensor: torch.Tensor, source: int | None, tag: int, what: str) -> int:
        """Receives ``tensor`` from rank ``source`` of the group (any rank if None); returns
        the rank it came from."""
        import torch.distributed as dist

        src = None if source is None else self.global_rank(source)
        try:
            work = dist.irecv(tensor, src, group=self.process_group, tag=tag)
        except RuntimeError as error:
            raise self._failed(what, error) from None
        assert work is not None  # (None only for a process outside the group)
        self.wait_blocking(work, what)
        return source if source is not None else self.group_rank(int(work._source_rank()))

    def wait_blocking(self, work: Any, what: str) -> None:
        """Waits for a point-to-point request at most ``timeout_s`` (gloo completes them only
        in ``wait``; a timeout there fails the group's pending requests: the run is over)."""
        try:
            work.wait(timedelta(seconds=self.timeout_s))
        except RuntimeError as error:
            raise self._failed(what, error) from None

    def group_rank(self, global_rank: int) -> int:
        """This group's rank of a default group's rank."""
        import torch.distributed as dist

        if self.process_group is None or self.process_group == dist.group.WORLD:
            return global_rank
        return int(dist.get_group_rank(self.process_group, global_rank))

    def global_rank(self, rank: int) -> int:
        """The default group's rank of this group's ``rank`` (what point-to-point calls take)."""
        import torch.distributed as dist

        if self.process_group is None or self.process_group == dist.group.WORLD:
            return rank
        return int(dist.get_global_rank(self.process_group, rank))

    def broadcast_object(self, value: Any, what: str) -> Any:
        """Rank 0's ``value`` (any picklable object) in every process."""
        import torch.distributed as dist

        objects = [value if self.is_main else None]
        try:
            dist.broadcast_object_list(objects, src=self.global_rank(0), group=self.process_group)
        except RuntimeError as error:
            raise DistributedError(f"rank {self.rank}: {what} failed: {error}") from None
        return objects[0]

    def check_same(self, value: bytes, what: str) -> None:
        """A :class:`DistributedError` unless ``value`` is the same in every process."""
        import torch.distributed as dist

        h = int.from_bytes(hashlib.blake2b(value, digest_size=6).digest(), "little")  # 48 bits: exact in float64
        t = torch.tensor([h, -h], dtype=torch.float64)
        self.all_reduce(t, f"the check of {what}", op=dist.ReduceOp.MAX)
        if t[0].item() != -t[1].item():
            raise DistributedError(f"rank {self.rank}: {what} differ across the processes")

    @contextlib.contextmanager
    def deferred_signals(self) -> Iterator[None]:
        """While training: SIGINT and SIGTERM are recorded in :attr:`signals` (a stop request
        the next exchange tells every process) instead of raising ``KeyboardInterrupt`` in
        the middle of an exchange the others wait for. On exit, the first one received is
        handed to the handler that was in place (``KeyboardInterrupt`` by default), so the
        caller sees it as usual. Outside the main thread (no signals there) it does nothing."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        self.signals.clear()

        def record(signum: int, frame: Any) -> None:
            self.signals.append(signum)

        for s in previous:
            signal.signal(s, record)
        try:
            yield
        except BaseException:  # an error is on its way: it, not a signal, is what the caller sees
            for s, handler in previous.items():
                signal.signal(s, handler)
            raise
        for s, handler in previous.items():
            signal.signal(s, handler)
        for signum in dict.fromkeys(self.signals):  # each kind once, in the order received
            handler = previous[signal.Signals(signum)]
            if callable(handler):
                handler(signum, None)
            elif handler == signal.SIG_DFL:  # what the signal would have done: SIGTERM ends the process
                if signum == signal.SIGINT:
                    raise KeyboardInterrupt
                os.kill(os.getpid(), signum)



def connect(mode: str, process_group: Any, timeout_s: float) -> Group | None:
    """The processes a run trains across, or None for one process alone.

    ``mode``: ``"off"`` (one process), ``"auto"`` (``process_group`` if given, else the
    default group if one is initialized, else torchrun's environment if ``WORLD_SIZE`` > 1,
    where this call initializes the default group with gloo), ``"on"`` (the same, but a
    ``ValueError`` if there is no group). A group of one process is no group.
    """
    if mode not in DISTRIBUTED_MODES:
        raise ValueError(f"distributed must be one of {DISTRIBUTED_MODES}, got {mode!r}")
    if mode == "off":
        if process_group is not None:
            raise ValueError("process_group: given with distributed='off'")
        return None
    import torch.distributed as dist

    if process_group is not None:
        if not dist.is_available() or not dist.is_initialized():
            raise ValueError("process_group: torch.distributed is not initialized (call init_process_group first)")
        group = process_group
    elif dist.is_available() and dist.is_initialized():
        group = dist.group.WORLD
    elif _world_size_from_environment() > 1:
        missing = [v for v in ("RANK", "MASTER_ADDR", "MASTER_PORT") if v not in os.environ]
        if missing:
            raise ValueError(f"distributed: WORLD_SIZE={os.environ['WORLD_SIZE']} but {', '.join(missing)} not set: "
                             f"start the processes with torchrun, or set distributed='off'")
        try:
            dist.init_process_group("gloo", timeout=timedelta(seconds=timeout_s))
        except RuntimeError as error:
            raise DistributedError(f"distributed: could not join the process group of rank "
                                   f"{os.environ.get('RANK')} of {os.environ['WORLD_SIZE']}: {error}") from None
        group = dist.group.WORLD
    else:
        if mode == "on":
            raise ValueError("distributed='on' but there is no process group: start the processes with torchrun "
                             "(WORLD_SIZE > 1), initialize torch.distributed, or pass process_group")
        return None
    backend = str(dist.get_backend(group))
    if backend not in ("gloo", "mpi"):
        raise ValueError(f"process_group: fastac exchanges CPU tensors; it needs a gloo (or mpi) group, got {backend}")
    world_size = dist.get_world_size(group)
    if world_size == 1:
        return None
    return Group(group, dist.get_rank(group), world_size, timeout_s)


def _world_size_from_environment() -> int:
    try:
        return int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError:
        raise ValueError(f"WORLD_SIZE must be an integer, got {os.environ['WORLD_SIZE']!r}") from None


def rank_zero_state(group: Group, state: dict[str, Any] | None, what: str) -> dict[str, Any]:
    """Rank 0's training state (parameters, statistics, optimizer, counters, config) in
    every process, checked against the process's own: a run starts from the same point
    everywhere (a model loaded on rank 0 only, a checkpoint resumed). Processes whose
    parameter count or config (``state["config"]``) differ from rank 0's make every process
    raise :class:`DistributedError`, naming the fields on the processes that differ."""
    chosen = group.broadcast_object(state, f"the broadcast of {what}")
    assert state is not None and chosen is not None
    differing = [key for key in sorted(set(state["config"]) | set(chosen["config"]))
                 if state["config"].get(key) != chosen["config"].get(key)]
    if chosen["num_parameters"] != state["num_parameters"]:
        differing.append("num_parameters")
    flags = torch.zeros(group.world_size, dtype=torch.float64)
    flags[group.rank] = float(bool(differing))
    group.all_reduce(flags, f"the check of {what}")
    if differing:
        raise DistributedError(f"rank {group.rank}: started with another config than rank 0's: " + ", ".join(
            f"{k}={state['config'].get(k, state.get(k))!r} (rank 0: {chosen['config'].get(k, chosen.get(k))!r})"
            for k in differing))
    if flags.any():
        raise DistributedError(f"rank {group.rank}: rank(s) {flags.nonzero().flatten().tolist()} were started with "
                               f"another config than rank 0's (their errors name the fields)")
    agreed: dict[str, Any] = chosen
    return agreed


# ---- data-parallel A2C ---------------------------------------------------------------

#: The header of an A2C exchange: summed over the processes.
_A2C_HEADER = ("samples", "steps", "stop_requested", "stop_max_seconds", "policy_loss", "value_loss", "entropy",
               "explained_variance")


@dataclass
class Exchanged:
    """What one A2C exchange tells every process."""

    samples: int  #: every process's samples of this update
    steps: int  #: every process's env steps
    stop: str | None  #: "requested" or "max_seconds" if a process asked to stop, else None
    loss: Any  #: the sample-weighted mean loss statistics (a ``_core.LossStats``)
    episodes: list[tuple[np.ndarray, np.ndarray]]  #: (returns, lengths) of each process's finished episodes


class GradientExchange:
    """Data-parallel A2C's exchange: one float32 ``all_reduce`` per update of

    ``[gradient x samples | header | episodes of rank 0 | ... | of rank W-1]``:

    the gradient of each process's batch mean, weighted by its sample count (the sum,
    divided by the total, is the mean over every sample: one process's gradient of the
    whole batch); the header (:data:`_A2C_HEADER`); each process's finished episodes in
    its own slot (zeros elsewhere, so the sum is a gather): their count, returns and
    lengths, at most ``num_envs * n_steps`` of them (one per env and step). The
    normalization statistics take a second, float64 ``all_reduce`` of their batch moments.
    """

    def __init__(self, group: Group, num_parameters: int, max_episodes: int) -> None:
        self.group, self.P, self.E = group, num_parameters, max_episodes
        self.slot = 1 + 2 * max_episodes
        self.header = num_parameters
        self.slots = num_parameters + len(_A2C_HEADER)
        self.buffer = torch.zeros(self.slots + group.world_size * self.slot, dtype=torch.float32)
        self.values = self.buffer.numpy()
        self.updates = 0

    @property
    def bytes_per_update(self) -> int:
        """The all-reduce's buffer size (in a ring all-reduce each process sends and
        receives 2 (W - 1) / W times this)."""
        return int(self.buffer.numel()) * 4

    def exchange(self, gradient: np.ndarray, samples: int, steps: int, stop: str | None, loss: Any,
                 returns: np.ndarray, lengths: np.ndarray) -> Exchanged:
        """Sums every process's contribution; ``gradient`` becomes the mean gradient over
        every sample (zero if there is none)."""
        v, P, h = self.values, self.P, self.header
        n = len(returns)
        if n > self.E:
            raise ValueError(f"{n} episodes ended in one rollout, more than num_envs x n_steps = {self.E}")
        v[:] = 0.0
        if samples:
            np.multiply(gradient, samples, out=v[:P])
            v[h + 4:h + 8] = [loss.policy_loss * samples, loss.value_loss * samples, loss.entropy * samples,
                              (0.0 if not np.isfinite(loss.explained_variance) else loss.explained_variance) * samples]
        v[h:h + 4] = [samples, steps, stop == "requested", stop == "max_seconds"]
        slot = v[self.slots + self.group.rank * self.slot:][:self.slot]
        slot[0] = n
        slot[1:1 + n] = returns
        slot[1 + self.E:1 + self.E + n] = lengths
        self.group.all_reduce(self.buffer, f"the all-reduce of update {self.updates + 1}")
        self.updates += 1
        total = int(round(float(v[h])))
        if total:
            np.divide(v[:P], total, out=gradient)
        else:
            gradient[:] = 0.0
        mean = v[h + 4:h + 8] / max(total, 1)
        stop_all = "requested" if v[h + 2] > 0 else "max_seconds" if v[h + 3] > 0 else None
        episodes = []
        for r in range(self.group.world_size):
            s = v[self.slots + r * self.slot:][:self.slot]
            k = int(round(float(s[0])))
            episodes.append((s[1:1 + k].copy(), s[1 + self.E:1 + self.E + k].astype(np.int32)))
        loss_mean = _core.LossStats(policy_loss=float(mean[0]), value_loss=float(mean[1]), entropy=float(mean[2]),
                                    explained_variance=float(mean[3]))
        return Exchanged(total, int(round(float(v[h + 1]))), stop_all, loss_mean, episodes)

    def merge_moments(self, parts: list[tuple[float, np.ndarray, np.ndarray]]) -> list[tuple[float, np.ndarray, np.ndarray]]:
        """Each of ``parts`` (count, mean, var) of this process's batch, combined with the
        other processes' same part: one float64 all-reduce in which each process fills its
        own slot (a gather), then Chan et al.'s merge in rank order, the one
        ``RunningStats`` uses. Every process gets the same moments."""
        sizes = [len(mean) for _, mean, _ in parts]
        width = sum(1 + 2 * s for s in sizes)
        t = torch.zeros(self.group.world_size * width, dtype=torch.float64)
        v = t.numpy()
        at = self.group.rank * width
        for (count, mean, var), s in zip(parts, sizes):
            v[at], v[at + 1:at + 1 + s], v[at + 1 + s:at + 1 + 2 * s] = count, mean, var
            at += 1 + 2 * s
        self.group.all_reduce(t, f"the normalization statistics' all-reduce of update {self.updates}")
        merged = []
        offset = 0
        for s in sizes:
            count, mean, var = 0.0, np.zeros(s), np.zeros(s)
            for r in range(self.group.world_size):
                at = r * width + offset
                n = float(v[at])
                if n <= 0:
                    continue
                m, q = v[at + 1:at + 1 + s], v[at + 1 + s:at + 1 + 2 * s]
                total = count + n
                delta = m - mean
                var = (var * count + q * n + delta * delta * count * n / total) / total
                mean = mean + delta * n / total
                count = total
            merged.append((count, mean, var))
            offset += 1 + 2 * s
        return merged

    def check_parameters(self, parameters: np.ndarray) -> None:
        """A :class:`DistributedError` unless the parameters are bit-identical everywhere."""
        self.group.check_same(parameters.tobytes(), f"the parameters after update {self.updates}")

    def agree_evaluation(self, result: tuple[float, int] | None) -> tuple[float, int]:
        """Rank 0's greedy evaluation (mean return, env steps) in every process."""
        t = torch.tensor(result if result is not None else (0.0, 0.0), dtype=torch.float64)
        self.group.broadcast(t, "the broadcast of the greedy evaluation")
        return float(t[0].item()), int(t[1].item())


def batch_moments(x: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """(count, mean, var) of rows ``x`` [batch, size], float64 (count 0: zeros)."""
    if len(x) == 0:
        return 0.0, np.zeros(x.shape[1]), np.zeros(x.shape[1])
    x64 = x.astype(np.float64)
    return float(len(x)), x64.mean(axis=0), x64.var(axis=0)


# ---- A3C across processes ---------------------------------------------------------------

#: The header after the parameter change a process sends rank 0 (counts as two float32
#: words each, high and low 24 bits: exact up to 2**48).
_PUSH_HEADER = ("base_version_high", "base_version_low", "steps_high", "steps_low", "updates_high", "updates_low",
                "skipped_high", "skipped_low", "episodes_high", "episodes_low", "state", "policy_loss", "value_loss",
                "entropy", "grad_norm", "explained_variance")
#: ... and after the global parameters rank 0 sends back.
_PULL_HEADER = ("version_high", "version_low", "stop", "dropped", "learning_rate")
_WORD = 2**24  # float32 holds every integer below it exactly


def _words(*counts: int) -> list[float]:
    """Counts as float32-exact (high, low) word pairs."""
    return [float(w) for c in counts for w in divmod(int(c), _WORD)]


def _counts(words: np.ndarray) -> list[int]:
    """The inverse of :func:`_words`."""
    return [int(words[k]) * _WORD + int(words[k + 1]) for k in range(0, len(words), 2)]
#: A process's state in its push: training, stopped by a request (Ctrl-C, a callback),
#: failed (its own error, raised there), finished (its last push).
TRAINING, REQUESTED, FAILED, LEAVING = 0, 1, 2, 3
#: Stop reasons rank 0 sends back, by code.
STOP_REASONS = ("", "total_steps", "stop_at_return", "max_seconds", "requested", "error")


class _Counts:
    """What a process's A3C workers did since it last reported: steps, updates, episodes."""

    def __init__(self, trainer: Any) -> None:
        self.trainer = trainer
        progress = trainer.progress()
        self.steps, self.updates, self.skipped = (int(progress["env_steps"]), int(progress["updates"]),
                                                  int(progress["skipped_updates"]))
        self.episodes = len(trainer.history()["episode_return"])  # (0: made before the workers start)

    def take(self) -> tuple[int, int, int, np.ndarray, np.ndarray, Any]:
        """(steps, updates, skipped, returns, lengths, last loss) since the last call."""
        progress = self.trainer.progress()
        history = self.trainer.history(self.episodes)  # only the new ones
        steps, updates, skipped = (int(progress["env_steps"]), int(progress["updates"]),
                                   int(progress["skipped_updates"]))
        returns, lengths = history["episode_return"], history["episode_length"]
        out = (steps - self.steps, updates - self.updates, skipped - self.skipped, returns, lengths, loss_of(progress))
        self.steps, self.updates, self.skipped, self.episodes = steps, updates, skipped, self.episodes + len(returns)
        return out


def loss_of(progress: dict[str, Any]) -> Any:
    """The last loss statistics of a progress dict, as a ``_core.LossStats``."""
    def value(key: str) -> float:
        x = progress.get(key)
        return float(x) if x is not None else 0.0

    return _core.LossStats(policy_loss=value("policy_loss"), value_loss=value("value_loss"), entropy=value("entropy"),
                           grad_norm=value("grad_norm"), explained_variance=value("explained_variance"))


#: Tags of the A3C messages: a push (parameter change and header), its episodes, the answer.
_PUSH, _EPISODES, _ANSWER = 1, 2, 3


class ParameterClient:
    """A3C on ranks 1..W-1: every ``interval_s`` it sends rank 0 the change its workers made
    to its parameters since the last exchange (with its steps, updates and episodes), and
    takes the global parameters back, keeping the changes its workers made meanwhile, and
    the run's learning rate (rank 0's schedule over every process's steps)."""

    def __init__(self, group: Group, trainer: Any, num_parameters: int, interval_s: float) -> None:
        self.group, self.trainer, self.P, self.interval_s = group, trainer, num_parameters, interval_s
        self.push = torch.zeros(num_parameters + len(_PUSH_HEADER), dtype=torch.float32)
        self.pull = torch.zeros(num_parameters + len(_PULL_HEADER), dtype=torch.float32)
        self.base = np.empty(num_parameters, np.float32)
        trainer.read_parameters(self.base)
        self.snapshot = np.empty(num_parameters, np.float32)
        self.version = 0
        self.counts: _Counts | None = None
        self.next_sync = 0.0
        self.stop_reason = ""  # rank 0's, once it has said stop
        self.exchanges = 0
        self.dropped = 0  # of this process's changes, too stale to apply
        self.seconds = 0.0  # spent exchanging

    def start(self) -> None:
        """The workers have started: count from here."""
        self.counts = _Counts(self.trainer)
        self.next_sync = time.monotonic() + self.interval_s

    def due(self) -> bool:
        """Whether the next exchange is due."""
        return time.monotonic() >= self.next_sync

    def exchange(self, state: int = TRAINING) -> str:
        """One push and pull; returns rank 0's stop reason ("" to go on)."""
        assert self.counts is not None
        began = time.monotonic()
        self.trainer.read_parameters(self.snapshot)
        v = self.push.numpy()
        np.subtract(self.snapshot, self.base, out=v[:self.P])
        steps, updates, skipped, returns, lengths, loss = self.counts.take()
        v[self.P:] = _words(self.version, steps, updates, skipped, len(returns)) + [
            state, loss.policy_loss, loss.value_loss, loss.entropy, loss.grad_norm, loss.explained_variance]
        what = f"exchange {self.exchanges + 1} with rank 0"
        self.group.send(self.push, 0, _PUSH, what)
        if len(returns):
            episodes = torch.from_numpy(np.concatenate([returns.astype(np.float32), lengths.astype(np.float32)]))
            self.group.send(episodes, 0, _EPISODES, what)
        self.group.receive(self.pull, 0, _ANSWER, what)
        w = self.pull.numpy()
        # Keep what the workers did since the snapshot: params += global - snapshot.
        if not self.trainer.add_to_parameters(w[:self.P] - self.snapshot):
            raise DistributedError(f"rank {self.group.rank}: rank 0's parameters would make this process's "
                                   f"non-finite")
        self.base[:] = w[:self.P]
        self.version = _counts(w[self.P:self.P + 2])[0]
        self.stop_reason = STOP_REASONS[int(w[self.P + 2])]
        self.dropped += int(w[self.P + 3])
        self.trainer.set_learning_rate(float(w[self.P + 4]))  # the run's schedule, not this process's steps
        self.exchanges += 1
        self.seconds += time.monotonic() - began
        self.next_sync = time.monotonic() + self.interval_s
        return self.stop_reason


class ParameterServer:
    """A3C on rank 0: the global parameters, and the run's bookkeeping for every process.

    The global parameters are an array of their own. Every process, rank 0's included, is
    a client of them: its workers train its own copy (Hogwild), and every
    ``dist_sync_interval_s`` it hands in the change they made since its last exchange and
    takes the global parameters back (keeping what its workers did meanwhile). A thread
    answers the other processes' exchanges (a receive from any rank: whoever comes
    first); rank 0's supervising thread makes its own. Each change is added with weight
    1 / world_size: the global parameters move by the average of the processes' progress,
    as asynchronous model averaging. Their sum would not do: each change is many updates
    (a CartPole process makes hundreds in 50 ms) made on parameters up to an interval
    old, the processes' changes disagree, and their sum took 3 processes on CartPole to a
    collapsed policy where the average solved it. A change made from global parameters
    more than ``max_staleness`` exchanges old (counting every process's) is dropped,
    and counted.

    The global ``RunMonitor`` gets every process's steps, updates and episodes; its stop
    criteria and the greedy confirmation of stop_at_return (on the global parameters)
    decide when every process stops, and its learning-rate schedule (``anneal_lr``) sets
    every process's learning rate: rank 0's at each round, the others' at each exchange.
    """

    def __init__(self, group: Group, trainer: Any, monitor: Any, num_parameters: int, max_staleness: int,
                 interval_s: float) -> None:
        self.group, self.trainer, self.monitor, self.P = group, trainer, monitor, num_parameters
        self.max_staleness, self.interval_s = max_staleness, interval_s
        self.weight = np.float32(1.0 / group.world_size)
        self.version = 0
        self.global_parameters = np.empty(num_parameters, np.float32)
        trainer.read_parameters(self.global_parameters)
        self.push = torch.zeros(num_parameters + len(_PUSH_HEADER), dtype=torch.float32)
        self.pull = torch.zeros(num_parameters + len(_PULL_HEADER), dtype=torch.float32)
        # Rank 0's own exchanges: its workers' copy against the global parameters.
        self.base, self.snapshot = self.global_parameters.copy(), np.empty(num_parameters, np.float32)
        self.own_version = 0
        self.next_sync = 0.0
        self.active = set(range(1, group.world_size))  # processes that have not made their last exchange
        self.last_heard = {r: time.monotonic() for r in self.active}
        self.counts: _Counts | None = None
        self.failed: list[int] = []
        self.error: BaseException | None = None  # the serving thread's
        self.exchanges = self.dropped = 0
        self.staleness: list[int] = []
        self.seconds = 0.0
        self._lock = threading.Lock()  # the global parameters and the counts, shared by the two threads
        self._thread = threading.Thread(target=self._serve, name="fastac-parameter-server", daemon=True)

    def _mix(self, change: np.ndarray, base_version: int) -> bool:
        """Adds ``change`` (made from the global parameters of ``base_version``) with the
        process weight, unless it is too stale or would make a parameter non-finite
        (holding the lock); returns whether it was dropped."""
        staleness = self.version - base_version
        mixed = self.global_parameters + change * self.weight
        dropped = staleness > self.max_staleness or not bool(np.isfinite(mixed).all())
        if not dropped:
            self.global_parameters[:] = mixed
            self.version += 1
        self.staleness.append(staleness)
        self.dropped += dropped
        self.exchanges += 1
        return dropped

    def global_snapshot(self) -> np.ndarray:
        """A copy of the global parameters."""
        with self._lock:
            return self.global_parameters.copy()

    def read_global(self, out: np.ndarray) -> None:
        """The global parameters into ``out`` (what rank 0's callbacks see as ``model.policy``)."""
        with self._lock:
            out[:] = self.global_parameters

    def abandon(self) -> None:
        """After an error: no more answers. Waits (at most the timeout, which bounds its
        receive) for the serving thread to end, so that none is left inside gloo when the
        process exits."""
        self.active.clear()
        self._thread.join(self.group.timeout_s + 5.0)

    def due(self) -> bool:
        """Whether rank 0's own exchange is due."""
        return time.monotonic() >= self.next_sync

    def exchange_own(self) -> None:
        """Rank 0's own exchange: its workers' change in, the global parameters back."""
        self.trainer.read_parameters(self.snapshot)
        with self._lock:
            self._mix(self.snapshot - self.base, self.own_version)
            self.base[:] = self.global_parameters
            self.own_version = self.version
        if not self.trainer.add_to_parameters(self.base - self.snapshot):
            raise DistributedError("rank 0: the global parameters would make its workers' copy non-finite")
        self.next_sync = time.monotonic() + self.interval_s

    def start(self) -> None:
        """The workers have started: count from here, and answer."""
        self.counts = _Counts(self.trainer)
        self.next_sync = time.monotonic() + self.interval_s
        self._thread.start()

    def record_own(self) -> None:
        """This process's workers' steps, updates and episodes since the last round, into the
        monitor; the run's learning rate back to them."""
        assert self.counts is not None
        steps, updates, skipped, returns, lengths, loss = self.counts.take()
        self._record(steps, updates, skipped, returns, lengths, loss)
        self.trainer.set_learning_rate(self.monitor.learning_rate())

    def _record(self, steps: int, updates: int, skipped: int, returns: np.ndarray, lengths: np.ndarray,
                loss: Any) -> None:
        for ret, length in zip(returns, lengths):
            self.monitor.record_episode(float(ret), int(length))
        if steps or updates or skipped:
            self.monitor.after_updates(steps, updates, skipped, loss)

    def check(self) -> None:
        """A :class:`DistributedError` if the serving thread failed or a process has been
        silent for longer than the timeout (it died or hangs)."""
        if self.error is not None:
            raise self.error
        now = time.monotonic()
        with self._lock:
            for r in self.active:
                if now - self.last_heard[r] > self.group.timeout_s:
                    raise DistributedError(f"rank 0: no exchange from rank {r} within dist_timeout_s="
                                           f"{self.group.timeout_s:g} s (it died or hangs)")

    def _serve(self) -> None:
        try:
            while self.active and self.error is None:
                r = self.group.receive(self.push, None, _PUSH, "waiting for the other processes' exchanges")
                self._answer(r)
        except BaseException as error:  # noqa: BLE001 (handed to the main thread by check())
            self.error = error if isinstance(error, DistributedError) else DistributedError(f"rank 0: {error!r}")

    def _answer(self, r: int) -> None:
        began = time.monotonic()
        v = self.push.numpy()
        P = self.P
        base_version, steps, updates, skipped, n = _counts(v[P:P + 10])
        state = int(v[P + 10])
        loss = _core.LossStats(policy_loss=float(v[P + 11]), value_loss=float(v[P + 12]), entropy=float(v[P + 13]),
                               grad_norm=float(v[P + 14]), explained_variance=float(v[P + 15]))
        returns = lengths = np.zeros(0)
        if n:
            episodes = torch.zeros(2 * n, dtype=torch.float32)
            self.group.receive(episodes, r, _EPISODES, f"the episodes of rank {r}")
            returns, lengths = episodes.numpy()[:n], episodes.numpy()[n:].astype(np.int32)
        with self._lock:
            dropped = self._mix(v[:P], base_version)
            w = self.pull.numpy()
            w[:P] = self.global_parameters
            version = self.version
        self._record(steps, updates, skipped, returns, lengths, loss)
        if state == REQUESTED:
            self.monitor.stop("requested")
        elif state == FAILED:
            self.monitor.stop("error")
        self.monitor.check_stop()
        reason = self.monitor.stop_reason if self.monitor.stopping else ""
        w[P:] = _words(version) + [STOP_REASONS.index(reason), float(dropped), self.monitor.learning_rate()]
        self.group.send(self.pull, r, _ANSWER, f"the answer to rank {r}")
        with self._lock:
            self.last_heard[r] = time.monotonic()
            if state == FAILED:
                self.failed.append(r)
            if state in (LEAVING, FAILED):  # its last exchange
                self.active.discard(r)
            self.seconds += time.monotonic() - began

    def finish(self) -> None:
        """After a stop: waits until every other process has made its last exchange."""
        while self._thread.is_alive():
            self.check()
            self._thread.join(0.01)
        self.check()

    def report(self) -> dict[str, Any]:
        """Exchanges (rank 0's own included), changes dropped (too stale, or non-finite),
        staleness (mean, max; in exchanges applied since the sender's last pull), seconds
        the serving thread spent answering."""
        with self._lock:
            s = np.asarray(self.staleness) if self.staleness else np.zeros(1)
            return {"exchanges": self.exchanges, "dropped": self.dropped, "staleness_mean": float(s.mean()),
                    "staleness_max": int(s.max()), "server_seconds": self.seconds}
