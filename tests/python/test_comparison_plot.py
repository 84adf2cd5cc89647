"""The compare plot: labelled band, solved line, one shared legend, curves that end with the data."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from fastac.comparison import BAND_LABEL, _comparison_figure, plot_comparison, rolling_mean  # noqa: E402


def _run(episodes: int, returns: np.ndarray) -> SimpleNamespace:
    """A TrainResult-like run: one episode per 10 env steps and per 0.5 s."""
    steps = 10.0 * np.arange(1, episodes + 1)
    return SimpleNamespace(history={"env_steps": steps, "wall_time_s": steps / 20.0,
                                    "episode_return": np.asarray(returns, dtype=np.float64),
                                    "episode_length": np.full(episodes, 10)})


@pytest.fixture
def runs() -> dict[str, list]:
    # A3C: a long seed (200 episodes, return 0) and one that finished early (50 episodes, return 100):
    # past the short seed's end, only the long seed may count.
    return {"a3c": [_run(200, np.zeros(200)), _run(50, np.full(50, 100.0))],
            "a2c": [_run(120, np.linspace(0, 50, 120)), _run(120, np.linspace(0, 30, 120))]}


@pytest.fixture
def figure(runs):
    fig = _comparison_figure(runs, title="test", solve_at=75.0)
    yield fig
    plt.close(fig)


def _line(ax, label: str):
    return next(line for line in ax.get_lines() if line.get_label() == label)


def test_solved_line_on_every_panel(figure):
    for ax in figure.axes[:2]:
        flat = [line for line in ax.get_lines()
                if np.allclose(line.get_ydata(), 75.0) and line.get_linestyle() == "--"]
        assert len(flat) == 1


def test_one_figure_legend_names_band_median_and_solved_line(figure):
    assert len(figure.legends) == 1
    assert all(ax.get_legend() is None for ax in figure.axes)
    texts = [t.get_text() for t in figure.legends[0].get_texts()]
    assert f"A3C {BAND_LABEL}" in texts and f"A2C {BAND_LABEL}" in texts
    assert "min–max over seeds" in BAND_LABEL
    assert "A3C median of 2 seeds" in texts
    assert any(t.startswith("solved") and "75" in t for t in texts)
    assert len(texts) == len(set(texts))  # no entry twice


@pytest.mark.parametrize("panel, x_key", [(0, "wall_time_s"), (1, "env_steps")])
def test_curve_ends_with_the_longest_run_and_ignores_finished_seeds(figure, runs, panel, x_key):
    line = _line(figure.axes[panel], "A3C median of 2 seeds")
    x, y = np.asarray(line.get_xdata(), dtype=float), np.asarray(line.get_ydata(), dtype=float)
    long_run, short_run = runs["a3c"]
    assert x.max() <= long_run.history[x_key][-1]
    assert x.max() == pytest.approx(long_run.history[x_key][-1])

    # Hand computation: where both seeds have data the median of two is their mean; after the short
    # seed's last episode only the long seed (return 0) counts, not the short seed's last value held flat.
    long_mean = np.interp(x, long_run.history[x_key], rolling_mean(long_run.history["episode_return"]))
    short_end = short_run.history[x_key][-1]
    after = x > short_end
    assert after.sum() > 50
    np.testing.assert_allclose(y[after], long_mean[after])
    np.testing.assert_allclose(y[after], 0.0)
    both = (x >= short_run.history[x_key][0]) & ~after
    np.testing.assert_allclose(y[both], 50.0)


def test_curve_starts_at_the_first_episode(figure, runs):
    x = np.asarray(_line(figure.axes[1], "A3C median of 2 seeds").get_xdata(), dtype=float)
    y = np.asarray(_line(figure.axes[1], "A3C median of 2 seeds").get_ydata(), dtype=float)
    assert x.min() >= runs["a3c"][0].history["env_steps"][0]
    assert np.isfinite(y).all()


def test_without_solve_at_no_solved_line(runs):
    fig = _comparison_figure(runs)
    try:
        texts = [t.get_text() for t in fig.legends[0].get_texts()]
        assert not any(t.startswith("solved") for t in texts)
    finally:
        plt.close(fig)


def test_plot_comparison_writes_png(runs, tmp_path):
    path = tmp_path / "compare.png"
    plot_comparison(runs, path, title="t", solve_at=75.0)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_runs_without_episodes_are_skipped(tmp_path):
    empty = SimpleNamespace(history={k: np.array([]) for k in ("env_steps", "wall_time_s", "episode_return",
                                                               "episode_length")})
    plot_comparison({"a3c": [empty], "a2c": [_run(10, np.ones(10))]}, tmp_path / "c.png", solve_at=1.0)
    assert (tmp_path / "c.png").exists()
