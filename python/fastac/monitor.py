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
from fastac._validation import check_bool, check_int
from fastac.result import TrainResult

# Stable-Baselines3's TensorBoard names for the progress keys.
SB3_METRICS = {
    "mean_return": "rollout/ep_rew_mean",
    "steps_per_s": "time/fps",
    "value_loss": "train/value_loss",
    "policy_loss": "train/policy_loss",
    "grad_norm": "train/grad_norm",
}
PROGRESS_COLUMNS = ("elapsed_s", "env_steps", "episodes", "updates", "skipped_updates", "mean_return",
                    "steps_per_s", "policy_loss", "value_loss", "entropy", "grad_norm")


class TrainingMonitor:
    """Reports progress while training and writes the logs.

    Args:
        total_steps: the run's step budget (the progress bar's length).
        quiet: print nothing.
        log_every: without a terminal, print a plain line each time this many more
            episodes have finished (as the seed notebook's "Episode 10, Total Reward: ...").
        log_dir: if given, write ``progress.csv`` (one row per report) and, at the end,
            ``episodes.csv`` (one row per episode, atomically) there. A failed write of
            ``progress.csv`` (a full disk) stops that log, not the training: :meth:`close`
            raises it, naming the file, once everything else is written.
        tensorboard_dir: if given, write TensorBoard event files there with SB3's metric
            names (needs the ``tensorboard`` package).
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
    ) -> None:
        total_steps = check_int("total_steps", total_steps, minimum=1)
        log_every = check_int("log_every", log_every, minimum=1)
        quiet = check_bool("quiet", quiet)
        self.stream = stream or sys.stderr
        self.quiet, self.log_every, self.total_steps = quiet, log_every, total_steps
        self._next_line_at = log_every
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
        if tensorboard_dir is not None:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError as error:
                raise ImportError("tensorboard logging needs the tensorboard package: pip install tensorboard") from error
            self._tensorboard = SummaryWriter(os.fspath(tensorboard_dir))

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
            if _finite(progress.get("entropy")):
                self._tensorboard.add_scalar("train/entropy_loss", -progress["entropy"], step)  # SB3's sign
        if self._bar is not None:
            self._bar.n = min(int(progress["env_steps"]), self.total_steps)
            self._bar.set_postfix(episodes=progress["episodes"], mean_return=f"{progress['mean_return']:.1f}",
                                  refresh=False)
            self._bar.refresh()
        elif not self.quiet and progress["episodes"] >= self._next_line_at:
            self._next_line_at = (progress["episodes"] // self.log_every + 1) * self.log_every
            print(f"Episode {progress['episodes']}, mean total reward (last 100): {progress['mean_return']:.1f}, "
                  f"env steps {progress['env_steps']:,}, {progress['steps_per_s']:,.0f} steps/s",
                  file=self.stream, flush=True)
        return True

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


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)
