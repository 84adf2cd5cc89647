"""The fastac command line."""

from __future__ import annotations

import re

import pytest

from fastac.cli import main


def test_compare_env_reports_identical(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["compare-env", "--episodes", "5"])
    assert exit_info.value.code == 0
    assert "identical observations, rewards, terminations, truncations: yes" in capsys.readouterr().out


def test_unknown_command_exits_with_usage():
    with pytest.raises(SystemExit) as exit_info:
        main(["nonsense"])
    assert exit_info.value.code == 2


def _run(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    return exit_info.value.code, capsys.readouterr()


def test_train_saves_logs_and_eval_loads(tmp_path, capsys):
    model, logs = tmp_path / "m.pt", tmp_path / "logs"
    code, out = _run(["train", "--algo", "a3c", "--stop-at-return", "475", "--seed", "0", "--num-workers", "1",
                      "--save", str(model), "--log-dir", str(logs), "--log-every", "50"], capsys)
    assert code == 0 and model.exists()
    # Plain lines (pytest's stream is not a terminal), at most one per report interval.
    assert re.search(r"^Episode \d+, mean total reward \(last 100\): ", out.err, re.MULTILINE)
    assert "stop_at_return" in out.err
    header = (logs / "episodes.csv").read_text().splitlines()[0]
    assert header == "wall_time_s,env_steps,episode_return,episode_length"
    assert (logs / "progress.csv").read_text().startswith("elapsed_s,env_steps,episodes")
    code, out = _run(["eval", str(model), "--episodes", "20", "--seed", "1"], capsys)
    assert code == 0 and "mean return" in out.out
    assert float(out.out.split("mean return ")[1].split()[0]) >= 475


def test_train_a2c_on_gymnasium_env_quiet(tmp_path, capsys):
    code, out = _run(["train", "--algo", "a2c", "--env", "Acrobot-v1", "--total-steps", "2000", "--quiet",
                      "--num-envs", "4"], capsys)
    assert code == 0 and out.err == "" and out.out == ""


def test_train_without_save_saves_to_a_run_folder_and_says_where(tmp_path, capsys):
    argv = ["train", "--algo", "a2c", "--env", "Acrobot-v1", "--total-steps", "2000", "--run-dir", str(tmp_path)]
    for n in (1, 2):
        code, out = _run(argv, capsys)
        path = tmp_path / "a2c" / f"Acrobot-v1_{n}" / "Acrobot-v1.pt"
        assert code == 0 and f"saved the model to {path}" in out.err
        assert path.exists()
    import fastac

    with fastac.A2C.load(path) as model:  # a model: it continues training
        assert model.num_timesteps >= 2000
    code, out = _run(argv + ["--no-save", "--quiet"], capsys)
    assert code == 0 and not (tmp_path / "a2c" / "Acrobot-v1_3").exists()


@pytest.mark.parametrize("algo", ["a2c", "a3c"])
def test_train_evaluates_keeps_the_best_and_checkpoints(tmp_path, capsys, algo):
    import numpy as np

    import fastac

    # A3C evaluates at its progress calls (every 0.2 s in the CLI): on the native env 1e5 steps
    # can take 0.1 s, one call, one evaluation; gymnasium's Python env takes about a second.
    code, out = _run(["train", "--algo", algo, "--total-steps", "1e5", "--seed", "0", "--num-workers", "1",
                      "--no-native", "--eval-every", "2e4", "--eval-episodes", "3", "--save-best",
                      "--checkpoint-every", "3e4", "--run-dir", str(tmp_path)] if algo == "a3c" else
                     ["train", "--algo", algo, "--total-steps", "6e4", "--seed", "0", "--eval-every", "2e4",
                      "--eval-episodes", "3", "--save-best", "--checkpoint-every", "3e4", "--run-dir", str(tmp_path)],
                     capsys)
    assert code == 0, out.err
    run = tmp_path / algo / "CartPole-v1_1"
    files = sorted(p.name for p in run.iterdir())
    assert "best_model.pt" in files and "evaluations.npz" in files and "CartPole-v1.pt" in files
    assert any(name.startswith("rl_model_") for name in files), files
    assert re.search(r"^Eval num_timesteps=\d+, episode_reward=", out.out + out.err, re.MULTILINE)
    evaluations = np.load(run / "evaluations.npz")
    assert len(evaluations["timesteps"]) >= 2
    assert fastac.load(run / "best_model.pt").observation_size == 4
    assert f"in {run}" in out.err


def test_save_best_needs_eval_every(tmp_path, capsys):
    code, out = _run(["train", "--save-best", "--run-dir", str(tmp_path)], capsys)
    assert code == 2 and "--save-best" in out.err and "--eval-every" in out.err


def test_train_tensorboard_uses_sb3_metric_names(tmp_path, capsys):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    code, _ = _run(["train", "--total-steps", "200000", "--seed", "0", "--tensorboard", str(tmp_path), "--quiet"],
                   capsys)
    assert code == 0
    events = EventAccumulator(str(tmp_path / "A3C_1"))  # SB3-style run subfolder
    events.Reload()
    assert {"rollout/ep_rew_mean", "time/fps", "train/value_loss", "train/policy_loss",
            "train/entropy_loss"} <= set(events.Tags()["scalars"])


def test_compare_writes_table_and_plot(tmp_path, capsys):
    code, out = _run(["compare", "--seeds", "2", "--total-steps", "60000", "--solve-at", "100",
                      "--out", str(tmp_path), "--quiet"], capsys)
    assert code == 0
    table = (tmp_path / "compare.md").read_text()
    assert "| A3C |" in table and "| A2C |" in table
    assert (tmp_path / "compare.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_runs_both_algorithms_on_a_python_env(tmp_path, capsys):
    code, out = _run(["compare", "--env", "CartPole-v1", "--no-native", "--seeds", "1", "--total-steps", "4000",
                      "--solve-at", "50", "--out", str(tmp_path), "--quiet", "--no-plot"], capsys)
    assert code == 0
    table = (tmp_path / "compare.md").read_text()
    assert "| A3C |" in table and "| A2C |" in table


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "--lr", "-1"], "lr"),
        (["train", "--algo", "a3c", "--num-envs", "4"], "--num-envs"),
        (["train", "--algo", "a2c", "--env", "Blackjack-v1", "--total-steps", "100"], "a 1-D Box of numbers or a 3-D uint8"),
        (["eval", "/no/such/model.pt"], "model"),
    ],
)
def test_bad_options_exit_2_naming_them(argv, message, capsys):
    code, out = _run(argv, capsys)
    assert code == 2
    assert message in out.err


@pytest.mark.parametrize(
    "argv, option",
    [
        (["train", "--total-steps", "many"], "--total-steps"),
        (["train", "--log-every", "0"], "--log-every"),
        (["train", "--hidden-sizes", "a,b"], "--hidden-sizes"),
        (["train", "--optimizer", "lbfgs"], "--optimizer"),
        (["eval", "m.pt", "--episodes", "0"], "--episodes"),
        (["compare", "--seeds", "0"], "--seeds"),
        (["bench", "--seconds", "-1"], "--seconds"),
    ],
)
def test_bad_option_values_are_argparse_errors(argv, option, capsys):
    code, out = _run(argv, capsys)
    assert code == 2 and option in out.err


@pytest.mark.parametrize("algo", ["a3c", "a2c"])
def test_sigint_stops_train_saves_and_exits_130(tmp_path, algo):
    import signal
    import subprocess
    import sys
    import time

    model, logs = tmp_path / "m.pt", tmp_path / "logs"
    proc = subprocess.Popen(
        [sys.executable, "-m", "fastac", "train", "--algo", algo, "--total-steps", str(10**12), "--quiet",
         "--save", str(model), "--log-dir", str(logs)],
    )
    try:
        deadline = time.monotonic() + 60
        progress = logs / "progress.csv"
        while not (progress.exists() and len(progress.read_text().splitlines()) >= 3):  # training is running
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 130
        assert time.monotonic() - sent < 2.0
    finally:
        proc.kill()
    import fastac

    assert fastac.load(model).num_actions == 2
