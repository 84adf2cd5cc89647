"""fastac train's logs: TensorBoard run folders and tags (SB3's), the progress lines, the bar."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

from fastac.cli import main
from fastac.monitor import TrainingMonitor, next_run_dir

# SB3's A2C tag set; train/std only for a Box action space.
SB3_TAGS = {"train/learning_rate", "train/n_updates", "time/iterations", "time/time_elapsed",
            "time/total_timesteps", "time/fps", "rollout/ep_rew_mean", "rollout/ep_len_mean", "train/value_loss",
            "train/policy_loss", "train/entropy_loss", "train/explained_variance"}


def _run(argv, capsys=None):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    return exit_info.value.code, (capsys.readouterr() if capsys is not None else None)


def _tags(path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(path))
    events.Reload()
    return set(events.Tags()["scalars"])


@pytest.mark.parametrize("algo", ["a2c", "a3c"])
def test_tensorboard_run_folders_and_sb3_tags(tmp_path, capsys, algo):
    pytest.importorskip("tensorboard")
    argv = ["train", "--algo", algo, "--total-steps", "3000", "--seed", "0", "--quiet", "--tensorboard", str(tmp_path)]
    if algo == "a3c":
        argv += ["--num-workers", "1"]
    for _ in range(2):
        assert _run(argv, capsys)[0] == 0
    assert _run(argv + ["--run-name", "foo"], capsys)[0] == 0
    name = algo.upper()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"{name}_1", f"{name}_2", "foo_1"])
    for run in tmp_path.iterdir():
        tags = _tags(run)
        assert SB3_TAGS <= tags, SB3_TAGS - tags
        assert "train/std" not in tags  # CartPole: Discrete actions


def test_next_run_dir_follows_the_largest_number(tmp_path):
    (tmp_path / "A2C_7").mkdir()
    (tmp_path / "A2C_x").mkdir()
    (tmp_path / "A2C_FOO_9").mkdir()
    (tmp_path / "A3C_12").mkdir()
    assert next_run_dir(tmp_path, "A2C").name == "A2C_8"
    assert next_run_dir(tmp_path, "A2C").name == "A2C_9"
    assert next_run_dir(tmp_path / "new", "run").name == "run_1"
    with pytest.raises(ValueError):
        next_run_dir(tmp_path, "a/b")


def test_train_std_for_a_box_action_space(tmp_path, capsys):
    pytest.importorskip("tensorboard")
    code, _ = _run(["train", "--algo", "a2c", "--env", "Pendulum-v1", "--total-steps", "1000", "--seed", "0",
                    "--quiet", "--tensorboard", str(tmp_path)], capsys)
    assert code == 0
    assert "train/std" in _tags(tmp_path / "A2C_1")


def _progress(episodes, steps=1000, elapsed=1.0, mean_return=20.0):
    return {"env_steps": steps, "episodes": episodes, "updates": 1, "mean_return": mean_return,
            "steps_per_s": steps / elapsed, "elapsed_s": elapsed, "learning_rate": 1e-3}


def test_lines_come_at_every_multiple_of_log_every():
    stream = io.StringIO()  # not a terminal: plain lines
    monitor = TrainingMonitor(10**6, stream=stream)
    for episodes in (40, 99, 100, 137, 450, 460, 599, 601):
        monitor(_progress(episodes))
    monitor.close()
    lines = stream.getvalue().splitlines()
    assert [int(re.match(r"Episode (\d+),", line).group(1)) for line in lines] == [100, 200, 300, 400, 500, 600]
    assert lines[0].endswith("steps/s")  # reported at episode 100 exactly
    assert lines[1].endswith("(values at episode 450)")


def test_cli_lines_are_at_multiples_of_100_episodes(capsys):
    code, out = _run(["train", "--algo", "a2c", "--total-steps", "20000", "--seed", "0"], capsys)
    assert code == 0
    counts = [int(n) for n in re.findall(r"^Episode (\d+), mean total reward", out.err, re.MULTILINE)]
    assert counts and counts == list(range(100, 100 * len(counts) + 1, 100))


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_bar_total_follows_the_nearer_limit():
    pytest.importorskip("tqdm")
    monitor = TrainingMonitor(10**6, stream=_Terminal(), max_seconds=10)
    monitor(_progress(5, steps=1000, elapsed=1.0))  # 1000 steps/s: 10,000 steps by the time limit
    assert monitor._bar.total == 10_000 and monitor._bar.n == 1000
    monitor(_progress(5, steps=500_000, elapsed=2.0))  # the step budget comes first
    assert monitor._bar.total == 10**6
    monitor.close()
    no_limit = TrainingMonitor(10**6, stream=_Terminal())
    no_limit(_progress(5, steps=1000, elapsed=1.0))
    assert no_limit._bar.total == 10**6
    no_limit.close()


def test_cli_bar_under_max_seconds_ends_full(monkeypatch):
    pytest.importorskip("tqdm")
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    code, _ = _run(["train", "--algo", "a2c", "--total-steps", str(10**9), "--max-seconds", "1.5", "--seed", "0"])
    assert code == 0
    text = terminal.getvalue()
    assert "max_seconds" in text
    bars = [part for part in re.split(r"[\r\n]", text) if "step" in part and "%" in part]
    assert bars and bars[-1].lstrip().startswith("100%"), bars[-3:]
    # Before the end the bar already measured the time limit, not the 10**9 budget.
    assert any(re.match(r"\s*[1-9]\d%", part) for part in bars[:-1]), bars


def test_values_recorded_by_callbacks_are_logged_once(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    import fastac

    monitor = TrainingMonitor(30_000, quiet=True, tensorboard_dir=tmp_path)
    evaluations = fastac.EvalCallback("CartPole-v1", eval_freq=10_000, n_eval_episodes=2, verbose=0)
    with fastac.A2C("CartPole-v1", seed=0) as model:
        model.learn(30_000, callback=[evaluations, monitor], callback_interval_s=0.01)
    monitor.close(model.result)
    events = EventAccumulator(str(tmp_path))
    events.Reload()
    logged = events.Scalars("eval/mean_reward")
    assert [e.value for e in logged] == pytest.approx([float(np.mean(r)) for r in evaluations.evaluations_results])
    # The callbacks' own time/total_timesteps (EvalCallback records one) is not written next
    # to the monitor's: every point of the curve is the monitor's count at that step. (Two
    # reports within one rollout may share a step, with the same value.)
    assert all(e.value == e.step for e in events.Scalars("time/total_timesteps"))
