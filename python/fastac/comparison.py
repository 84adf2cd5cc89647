"""A3C against A2C with the same budget: the seed notebook's closing comparison, measured.

:func:`compare_algorithms` trains both over several seeds; :func:`markdown_table` and
:func:`plot_comparison` (matplotlib, an optional extra) present the runs.
"""

from __future__ import annotations

import os
import warnings
from typing import Any, Sequence

import numpy as np

from fastac._atomic import atomic_write, check_path
from fastac.result import TrainResult

ALGORITHMS = ("a3c", "a2c")


def compare_algorithms(
    env: str = "CartPole-v1",
    seeds: Sequence[int] = range(5),
    total_steps: int = 300_000,
    callback_factory: Any = None,
    **hyperparameters: Any,
) -> dict[str, list[TrainResult]]:
    """Trains A3C and A2C (each one's preset for ``env`` or its defaults, plus ``hyperparameters``) for
    ``total_steps`` per seed."""
    import fastac

    runs: dict[str, list[TrainResult]] = {name: [] for name in ALGORITHMS}
    for seed in seeds:
        for name, train in (("a3c", fastac.train_a3c), ("a2c", fastac.train_a2c)):
            callback = callback_factory(name, seed) if callback_factory else None
            runs[name].append(train(env, total_steps=total_steps, seed=seed, callback=callback, **hyperparameters))
    return runs


def rolling_mean(returns: np.ndarray, window: int = 100) -> np.ndarray:
    """Mean of the last ``window`` episode returns at each episode (fewer at the start)."""
    cumulative = np.concatenate([[0.0], np.cumsum(returns, dtype=np.float64)])
    ends = np.arange(1, len(returns) + 1)
    starts = np.maximum(0, ends - window)
    mean: np.ndarray = (cumulative[ends] - cumulative[starts]) / (ends - starts)
    return mean


def time_to_solve(result: TrainResult, solve_at: float, window: int = 100) -> tuple[float, float]:
    """(seconds, env steps) when the mean of the last ``window`` returns first reached ``solve_at``; NaN if never."""
    h = result.history
    if len(h["episode_return"]) < window:
        return float("nan"), float("nan")
    mean = rolling_mean(h["episode_return"], window)
    hit = np.flatnonzero((mean >= solve_at) & (np.arange(len(mean)) >= window - 1))
    if not len(hit):
        return float("nan"), float("nan")
    return float(h["wall_time_s"][hit[0]]), float(h["env_steps"][hit[0]])


def markdown_table(runs: dict[str, list[TrainResult]], solve_at: float | None) -> str:
    """Median time and steps to solve, final return and throughput of each algorithm, as Markdown."""
    lines = ["| algorithm | seeds solved | time to solve (median) | env steps to solve (median) | "
             "final mean return (last 100, mean over seeds) | throughput (env steps/s, median) |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, results in runs.items():
        solved = [time_to_solve(r, solve_at) for r in results] if solve_at is not None else []
        ok = [s for s in solved if np.isfinite(s[0])]
        t = f"{np.median([s[0] for s in ok]):.2f} s" if ok else "—"
        steps = f"{np.median([s[1] for s in ok]):,.0f}" if ok else "—"
        final = np.mean([r.mean_return() for r in results])
        rate = np.median([r.env_steps / r.wall_time_s for r in results])
        lines.append(f"| {name.upper()} | {len(ok)} of {len(results)} | {t} | {steps} | {final:.1f} | {rate:,.0f} |")
    return "\n".join(lines)


def plot_comparison(runs: dict[str, list[TrainResult]], path: str | os.PathLike[str], title: str = "") -> None:
    """Return (mean of the last 100 episodes) against wall-clock time and against env steps,
    the median over seeds with the spread between the fastest and slowest seed shaded."""
    target = check_path("path", path)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError("the comparison plot needs matplotlib: pip install matplotlib") from error

    fig, axes = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
    for (name, results), color in zip(runs.items(), ("tab:red", "tab:blue")):
        for ax, x_key, x_label in ((axes[0], "wall_time_s", "wall-clock time (s)"),
                                   (axes[1], "env_steps", "env steps")):
            end = max(float(r.history[x_key][-1]) for r in results if len(r.history[x_key]))
            grid = np.linspace(0.0, end, 200)
            curves = np.array([
                np.interp(grid, r.history[x_key], rolling_mean(r.history["episode_return"]), left=np.nan)
                for r in results if len(r.history[x_key])
            ])
            with warnings.catch_warnings():  # grid points before any seed's first episode are all-NaN
                warnings.simplefilter("ignore", RuntimeWarning)
                median = np.nanmedian(curves, axis=0)
                low, high = np.nanmin(curves, axis=0), np.nanmax(curves, axis=0)
            ax.plot(grid, median, color=color, label=f"{name.upper()} (median of {len(results)} seeds)")
            ax.fill_between(grid, low, high, color=color, alpha=0.2)
            ax.set_xlabel(x_label)
            ax.set_ylabel("mean return, last 100 episodes")
            ax.grid(alpha=0.3)
    axes[0].legend(loc="lower right")
    if title:
        fig.suptitle(title)
    try:
        atomic_write(target, lambda buffer: fig.savefig(buffer, dpi=110, format="png"))
    finally:
        plt.close(fig)
