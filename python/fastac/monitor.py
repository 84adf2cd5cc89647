"""Watching a training run: a progress bar or plain lines, CSV logs and TensorBoard curves.

A :class:`TrainingMonitor` is a ``callback`` for ``train_a3c`` / ``train_a2c``; call
:meth:`TrainingMonitor.close` with the result when training returns.
"""

from __future__ import annotations

import csv
import io
import math
import os
import sys
from pathlib import Path
from typing import IO, Any

from fastac._atomic import atomic_write
from fastac._validation import check_bool, check_float, check_int
from fastac.result import TrainResult

# Stable-Baselines3's TensorBoard names for the progress keys: SB3's A2C tag set
# (``train/grad_norm`` is fastac's own). ``train/entropy_loss`` is ``-entropy`` (SB3's
# sign). Keys that already have a TensorBoard name (``"eval/mean_reward"``, recorded by
# callbacks in ``model.logger``) are written under it.
SB3_METRICS = {
    "mean_return": "rollout/ep_rew_mean",
    "mean_length": "rollout/ep_len_mean",
    "explained_variance": "train/explained_variance",
    "std": "train/std",
    "steps_per_s": "time/fps",
    "elapsed_s": "time/time_elapsed",
    "env_steps": "time/total_timesteps",
    "learning_rate": "train/learning_rate",
    "value_loss": "train/value_loss",
    "policy_loss": "train/policy_loss",
    "grad_norm": "train/grad_norm",
}
# The progress dict's ``updates`` under both of SB3's names (in SB3's A2C one iteration
# is one rollout is one update).
SB3_UPDATES = ("time/iterations", "train/n_updates")
_WRITTEN = frozenset(SB3_METRICS.values()) | frozenset(SB3_UPDATES) | {"train/entropy_loss"}
PROGRESS_COLUMNS = ("elapsed_s", "env_steps", "episodes", "updates", "skipped_updates", "mean_return",
                    "steps_per_s", "policy_loss", "value_loss", "entropy", "grad_norm")


class TrainingMonitor:
    """Reports progress while training and writes the logs.

    Args:
        total_steps: the run's step budget (the progress bar's length).
        quiet: print nothing.
        log_every: without a terminal, print a plain line at every multiple of this many
            episodes (100, 200, ...; as the seed notebook's "Episode 10, Total Reward: ...").
            The trainers report about every 0.2 s, not at episode counts: a report that
            has passed several multiples prints one line for each, all with the latest
            values known (the mean return, steps, steps/s at that report; the line then
            says at which episode they were taken).
        log_dir: if given, write ``progress.csv`` (one row per report) and, at the end,
            ``episodes.csv`` (one row per episode, atomically) there. A failed write of
            ``progress.csv`` (a full disk) stops that log, not the training: :meth:`close`
            raises it, naming the file, once everything else is written.
        tensorboard_dir: if given, write TensorBoard event files there with SB3's metric
            names (needs the ``tensorboard`` package); with ``run_name``, in a new
            subfolder ``{run_name}_{N}`` of it (:func:`next_run_dir`).
        run_name: see ``tensorboard_dir``; the CLI's default is the algorithm, ``A2C`` or ``A3C``.
        max_seconds: the run's wall-time budget, if any: when it will end the run before
            ``total_steps`` (at the current rate), the bar's total is the steps projected at
            the time limit, so that its percentage and ETA are those of the nearer limit.
        stream: where to print (default: standard error).
    """

    def __init__(
        self,
        total_steps: int,
        quiet: bool = False,
        log_every: int = 100,
        log_dir: str | os.PathLike[str] | None = None,
        tensorboard_dir: str | os.PathLike[str] | None = None,
        stream: IO[str] | None = None,
        run_name: str | None = None,
        max_seconds: float | None = None,
    ) -> None:
        total_steps = check_int("total_steps", total_steps, minimum=1)
        if max_seconds is not None:
            max_seconds = check_float("max_seconds", max_seconds, low=0, low_inclusive=False)
        self.max_seconds = max_seconds
        log_every = check_int("log_every", log_every, minimum=1)
        quiet = check_bool("quiet", quiet)
        self.stream = stream or sys.stderr
        self.quiet, self.log_every, self.total_steps = quiet, log_every, total_steps
        self._last_line_at = 0  # the last multiple of log_every printed
        self._bar = None
        if not quiet and self.stream.isatty():
            try:
                from tqdm import tqdm

                self._bar = tqdm(total=total_steps, unit="step", unit_scale=True, file=self.stream, dynamic_ncols=True)
            except ImportError:
                self._bar = None
        self._log_dir = Path(log_dir) if log_dir is not None else None
        self._progress_file: IO[str] | None = None
        self._progress_csv: Any = None
        self._log_error: OSError | None = None
        if self._log_dir is not None:
            self._log_dir.mkdir(parents=True, exist_ok=True)
            self._progress_file = open(self._log_dir / "progress.csv", "w", newline="")
            self._progress_csv = csv.DictWriter(self._progress_file, PROGRESS_COLUMNS, extrasaction="ignore")
            try:
                self._progress_csv.writeheader()
                self._progress_file.flush()  # a full disk is found before training, not after it
            except OSError as error:
                raise self._progress_failed(error) from None
        self._tensorboard = None
        self.tensorboard_dir: Path | None = None
        if tensorboard_dir is not None:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError as error:
                raise ImportError("tensorboard logging needs the tensorboard package: pip install tensorboard") from error
            self.tensorboard_dir = next_run_dir(tensorboard_dir, run_name) if run_name is not None \
                else Path(tensorboard_dir)
            self._tensorboard = SummaryWriter(os.fspath(self.tensorboard_dir))

    def __call__(self, progress: dict[str, Any]) -> bool:
        """The training callback: report, log, and keep going."""
        if self._progress_csv is not None and self._progress_file is not None:
            try:
                self._progress_csv.writerow(progress)
                self._progress_file.flush()
            except OSError as error:
                self._progress_failed(error)
        if self._tensorboard is not None:
            step = int(progress["env_steps"])
            for key, name in SB3_METRICS.items():
                if _finite(progress.get(key)):
                    self._tensorboard.add_scalar(name, progress[key], step)
            if _finite(progress.get("updates")):
                for name in SB3_UPDATES:
                    self._tensorboard.add_scalar(name, progress["updates"], step)
            if _finite(progress.get("entropy")):
                self._tensorboard.add_scalar("train/entropy_loss", -progress["entropy"], step)  # SB3's sign
            for key, value in progress.items():  # what callbacks recorded (eval/mean_reward, ...)
                if "/" in key and key not in _WRITTEN and _finite(value):
                    self._tensorboard.add_scalar(key, value, step)
        if self._bar is not None:
            steps = int(progress["env_steps"])
            self._bar.total = self._bar_total(steps, progress.get("elapsed_s"))
            self._bar.n = min(steps, self._bar.total)
            self._bar.set_postfix(episodes=progress["episodes"], mean_return=f"{progress['mean_return']:.1f}",
                                  refresh=False)
            self._bar.refresh()
        elif not self.quiet:
            episodes = int(progress["episodes"])
            for at in range(self._last_line_at + self.log_every, episodes + 1, self.log_every):
                late = "" if at == episodes else f" (values at episode {episodes:,})"
                print(f"Episode {at}, mean total reward (last 100): {progress['mean_return']:.1f}, "
                      f"env steps {progress['env_steps']:,}, {progress['steps_per_s']:,.0f} steps/s{late}",
                      file=self.stream, flush=True)
                self._last_line_at = at
        return True

    def _bar_total(self, steps: int, elapsed_s: Any) -> int:
        """The bar's length: ``total_steps``, or the steps projected at ``max_seconds`` (at
        the mean rate so far) when the time limit comes first."""
        if self.max_seconds is None or not _finite(elapsed_s) or elapsed_s <= 0 or steps <= 0:
            return self.total_steps
        projected = steps / float(elapsed_s) * self.max_seconds
        return max(steps, min(self.total_steps, math.ceil(projected)))

    def close(self, result: TrainResult | None = None) -> None:
        """Closes the bar and the logs; with the result, writes ``episodes.csv`` and a summary line."""
        if self._bar is not None:
            if result is not None and result.env_steps > 0:
                # End at the real count: a run that stopped early (a return reached, a time
                # limit, Ctrl-C) ends its bar full at its own step count instead of freezing
                # part-way to the budget, and one that overshot the budget by its last batch
                # shows the steps it took.
                self._bar.total = result.env_steps
                self._bar.n = result.env_steps
                self._bar.refresh()
            self._bar.close()
        if self._progress_file is not None:
            try:
                self._progress_file.close()
            except OSError as error:
                self._progress_failed(error)
        if self._tensorboard is not None:
            self._tensorboard.close()
        if result is not None and self._log_dir is not None:
            text = io.StringIO(newline="")
            writer = csv.writer(text)
            writer.writerow(["wall_time_s", "env_steps", "episode_return", "episode_length"])
            h = result.history
            writer.writerows(zip(h["wall_time_s"].tolist(), h["env_steps"].tolist(),
                                 h["episode_return"].tolist(), h["episode_length"].tolist()))
            atomic_write(self._log_dir / "episodes.csv", text.getvalue().encode())
        if self._log_error is not None:
            raise self._log_error
        if result is None:
            return
        if not self.quiet:
            print(f"{result.stop_reason}: {result.env_steps:,} env steps, {result.episodes:,} episodes in "
                  f"{result.wall_time_s:.2f} s ({result.env_steps / max(result.wall_time_s, 1e-9):,.0f} steps/s), "
                  f"mean return of the last 100 episodes {result.mean_return():.1f}", file=self.stream, flush=True)

    def _progress_failed(self, error: OSError) -> OSError:
        """Stops writing progress.csv after a failed write; :meth:`close` raises the error
        (returned, naming the file)."""
        assert self._log_dir is not None and self._progress_file is not None
        if self._log_error is None:
            self._log_error = OSError(error.errno, error.strerror, str(self._log_dir / "progress.csv"))
        file, self._progress_file, self._progress_csv = self._progress_file, None, None
        try:
            file.close()
        except OSError:
            pass
        return self._log_error


def next_run_dir(parent: str | os.PathLike[str], run_name: str) -> Path:
    """Creates and returns ``parent/{run_name}_{N}``, N one more than the largest N of an
    existing ``{run_name}_{N}`` in ``parent`` (1 if none): Stable-Baselines3's ``A2C_1``,
    ``A2C_2``, ... Two runs starting at once get different folders (the folder is made
    with ``mkdir``, which fails for the second; it then takes the next N)."""
    if not run_name or os.sep in run_name or (os.altsep and os.altsep in run_name) or run_name in (".", ".."):
        raise ValueError(f"run name must be a non-empty folder name, got {run_name!r}")
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    latest = 0
    prefix = run_name + "_"
    for entry in parent.iterdir():
        suffix = entry.name[len(prefix):] if entry.name.startswith(prefix) else ""
        if suffix.isdigit() and suffix.isascii():
            latest = max(latest, int(suffix))
    while True:
        latest += 1
        path = parent / f"{prefix}{latest}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)
