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


BAND_LABEL = "min–max over seeds"


def _seed_curves(results: Sequence[TrainResult], x_key: str, grid: np.ndarray) -> np.ndarray:
    """Each seed's rolling mean return interpolated onto ``grid`` (one row per seed with episodes),
    NaN before the seed's first episode and after its last: a seed that finished early is not held flat."""
    return np.array([
        np.interp(grid, r.history[x_key], rolling_mean(r.history["episode_return"]), left=np.nan, right=np.nan)
        for r in results if len(r.history[x_key])
    ]).reshape(-1, len(grid))


def _comparison_figure(runs: dict[str, list[TrainResult]], title: str = "", solve_at: float | None = None) -> Any:
    """The figure of :func:`plot_comparison` (a ``matplotlib.figure.Figure``), not saved and not closed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError("the comparison plot needs matplotlib: pip install matplotlib") from error

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6), constrained_layout=True)
    for (name, results), color in zip(runs.items(), ("tab:red", "tab:blue")):
        for ax, x_key, x_label in ((axes[0], "wall_time_s", "wall-clock time (s)"),
                                   (axes[1], "env_steps", "env steps")):
            ends = [float(r.history[x_key][-1]) for r in results if len(r.history[x_key])]
            if not ends:  # no seed completed an episode: nothing to draw
                continue
            grid = np.linspace(0.0, max(ends), 200)
            curves = _seed_curves(results, x_key, grid)
            # Only the seeds with data at each x count: NaN before a seed's first episode and after its
            # last one; where no seed has data the median is NaN and the curve is not drawn.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                median = np.nanmedian(curves, axis=0)
                low, high = np.nanmin(curves, axis=0), np.nanmax(curves, axis=0)
            has_data = np.isfinite(median)
            drawn = slice(np.argmax(has_data), len(grid) - np.argmax(has_data[::-1]))  # first to last x with data
            ax.plot(grid[drawn], median[drawn], color=color, label=f"{name.upper()} median of {len(results)} seeds")
            ax.fill_between(grid, low, high, where=has_data, color=color, alpha=0.2,
                            label=f"{name.upper()} {BAND_LABEL}")
            ax.set_xlabel(x_label)
            ax.set_ylabel("mean return, last 100 episodes")
            ax.grid(alpha=0.3)
    if solve_at is not None:
        for ax in axes:
            ax.axhline(solve_at, color="black", linestyle="--", linewidth=1,
                       label=f"solved (mean return ≥ {solve_at:g})")
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        legend_kw: dict[str, Any] = {"ncol": min(len(handles), 3), "fontsize": "small"}
        try:  # matplotlib >= 3.7: constrained layout makes room for it
            fig.legend(handles, labels, loc="outside lower center", **legend_kw)
        except ValueError:  # older: below the axes, kept in the PNG by bbox_inches="tight"
            fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), **legend_kw)
    if title:
        fig.suptitle(title)
    return fig


def plot_comparison(
    runs: dict[str, list[TrainResult]],
    path: str | os.PathLike[str],
    title: str = "",
    solve_at: float | None = None,
) -> None:
    """Writes a PNG of the return (mean of the last 100 episodes) against wall-clock time and against
    env steps: per algorithm the median over seeds, with the pointwise min–max over seeds shaded.

    Each seed counts only between its first and its last episode: past a seed's end the median and the
    band are over the seeds still running, and a curve stops where no seed has data. ``solve_at``, if
    given, is drawn as a dashed horizontal "solved" line. One legend, below both panels, explains all.
    """
    target = check_path("path", path)
    fig = _comparison_figure(runs, title, solve_at)
    try:
        import matplotlib.pyplot as plt

        atomic_write(target, lambda buffer: fig.savefig(buffer, dpi=110, format="png", bbox_inches="tight"))
    finally:
        plt.close(fig)
