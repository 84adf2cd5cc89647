"""Faults: a full disk under every file fastac writes, signals at random points of a command
line run, environments that raise, an allocation failure in an A3C worker.

Not repeated here (see test_reliability.py, test_model_files.py): a failed os.write or
torch.save during policy.save/export_torchscript/export_program (injected), file size limits
(RLIMIT_FSIZE), symlinks, repeated signals during the final save, the up-front MemoryError of
a rollout too large for the machine (test_a3c.py).
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import random
import resource
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any, Callable

import gymnasium as gym
import numpy as np
import pytest

import fastac
from fastac.cli import main
from fastac.config import TrainConfig
from fastac.monitor import TrainingMonitor

ENOSPC = os.strerror(errno.ENOSPC)

# --------------------------------------------------------------------------------------
# 1. A full disk under every file fastac writes
# --------------------------------------------------------------------------------------


def _fd_path(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return ""


class _FullDisk:
    """Writes under ``directory`` fail as on a full disk (``OSError(ENOSPC)``), at the lowest
    level each writer reaches from Python: ``os.write`` (fastac's atomic writes go through it)
    and the ``write`` of a file object opened there for writing (a streamed log, or a
    ``Path.write_text``). ``only``: just that file name (and its temporaries ``.name.*``);
    ``after``: that many writes succeed first."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, directory: Path, only: str | None = None, after: int = 0):
        self.directory, self.only, self.left, self.failures = str(directory), only, after, 0
        real_write, real_open = os.write, builtins.open

        def write(fd: int, data: Any) -> int:
            if self._covers(_fd_path(fd)):
                self._maybe_fail()
            return real_write(fd, data)

        def open_(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            f = real_open(file, mode, *args, **kwargs)
            if isinstance(file, (str, os.PathLike)) and set(mode) & set("wax+") and \
                    self._covers(os.path.abspath(os.fspath(file))):
                return _FailingFile(f, self)
            return f

        monkeypatch.setattr(os, "write", write)
        monkeypatch.setattr(builtins, "open", open_)
        monkeypatch.setattr(io, "open", open_)  # pathlib's

    def _covers(self, path: str) -> bool:
        if not path.startswith(self.directory + os.sep):
            return False
        name = os.path.basename(path)
        return self.only is None or name == self.only or name.startswith(f".{self.only}.")

    def _maybe_fail(self) -> None:
        if self.left > 0:
            self.left -= 1
            return
        self.failures += 1
        raise OSError(errno.ENOSPC, ENOSPC)


class _FailingFile:
    def __init__(self, file: Any, disk: _FullDisk) -> None:
        self._file, self._disk = file, disk

    def write(self, data: Any) -> Any:
        self._disk._maybe_fail()
        return self._file.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)

    def __enter__(self) -> _FailingFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._file.close()


def _names(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))


def _assert_clean_failure(info: pytest.ExceptionInfo[OSError], path: Path, before: bytes | None) -> None:
    """An ENOSPC OSError naming the file; the old file intact; no temporary left."""
    assert info.value.errno == errno.ENOSPC and path.name in str(info.value), info.value
    if before is not None:
        assert path.read_bytes() == before
    assert not [n for n in _names(path.parent) if n.startswith(".")], _names(path.parent)


@pytest.mark.parametrize("name", ["config.json", "config.yaml"])
def test_config_save_on_a_full_disk(tmp_path, monkeypatch, name):
    path = tmp_path / name
    TrainConfig(lr=1e-3).save(path)
    before = path.read_bytes()
    disk = _FullDisk(monkeypatch, tmp_path)
    with pytest.raises(OSError) as info:
        TrainConfig(lr=2e-3, hidden_sizes=(64, 64)).save(path)
    monkeypatch.undo()
    assert disk.failures
    _assert_clean_failure(info, path, before)
    assert TrainConfig.from_file(path).lr == 1e-3


def _result(episodes: int = 50) -> fastac.TrainResult:
    rng = np.random.default_rng(0)
    history = {"wall_time_s": np.linspace(0.01, 1.0, episodes), "env_steps": np.arange(1, episodes + 1) * 20.0,
               "episode_return": rng.uniform(10, 200, episodes), "episode_length": np.full(episodes, 20.0)}
    return fastac.TrainResult(policy=fastac.ActorCriticPolicy(4, 2, hidden_sizes=(8,)), wall_time_s=1.0,
                              env_steps=20 * episodes, episodes=episodes, history=history, stop_reason="total_steps")


PROGRESS = {"elapsed_s": 0.2, "env_steps": 100, "episodes": 3, "updates": 2, "skipped_updates": 0, "mean_return": 20.0,
            "steps_per_s": 500.0, "policy_loss": 0.1, "value_loss": 0.2, "entropy": 0.69, "grad_norm": 1.0}


def test_monitor_refuses_a_full_log_disk_before_training(tmp_path, monkeypatch):
    _FullDisk(monkeypatch, tmp_path)
    with pytest.raises(OSError) as info:
        TrainingMonitor(1000, quiet=True, log_dir=tmp_path)
    assert info.value.errno == errno.ENOSPC and "progress.csv" in str(info.value)


def test_a_full_disk_mid_run_stops_the_progress_log_not_the_training(tmp_path, monkeypatch):
    disk = _FullDisk(monkeypatch, tmp_path, only="progress.csv", after=2)  # the header and one row
    monitor = TrainingMonitor(1000, quiet=True, log_dir=tmp_path)
    for _ in range(5):
        assert monitor(PROGRESS) is True  # the run goes on
    assert disk.failures == 1  # and the log is not retried
    with pytest.raises(OSError) as info:
        monitor.close(_result())
    monkeypatch.undo()
    assert info.value.errno == errno.ENOSPC and "progress.csv" in str(info.value)
    assert len((tmp_path / "episodes.csv").read_text().splitlines()) == 51  # the rest is written


def test_episodes_csv_on_a_full_disk(tmp_path, monkeypatch):
    path = tmp_path / "episodes.csv"
    monitor = TrainingMonitor(1000, quiet=True, log_dir=tmp_path)
    monitor.close(_result(5))
    before = path.read_bytes()
    monitor = TrainingMonitor(1000, quiet=True, log_dir=tmp_path)
    disk = _FullDisk(monkeypatch, tmp_path, only="episodes.csv")
    with pytest.raises(OSError) as info:
        monitor.close(_result(50))
    monkeypatch.undo()
    assert disk.failures
    _assert_clean_failure(info, path, before)


def test_comparison_plot_on_a_full_disk(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    from fastac.comparison import plot_comparison

    runs = {"a3c": [_result(30), _result(40)], "a2c": [_result(20), _result(30)]}
    path = tmp_path / "compare.png"
    plot_comparison(runs, path)
    before = path.read_bytes()
    disk = _FullDisk(monkeypatch, tmp_path)
    with pytest.raises(OSError) as info:
        plot_comparison(runs, path, title="again")
    monkeypatch.undo()
    assert disk.failures
    _assert_clean_failure(info, path, before)


def _main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[Any, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    return info.value.code, capsys.readouterr().err


def test_cli_compare_on_a_full_disk(tmp_path, monkeypatch, capsys):
    (tmp_path / "compare.md").write_text("the previous table\n")
    disk = _FullDisk(monkeypatch, tmp_path)
    code, err = _main(["compare", "--seeds", "1", "--total-steps", "2000", "--out", str(tmp_path), "--quiet",
                       "--no-plot"], capsys)
    monkeypatch.undo()
    assert disk.failures
    assert code == 2 and ENOSPC in err and "compare.md" in err and "Traceback" not in err
    assert (tmp_path / "compare.md").read_text() == "the previous table\n"
    assert _names(tmp_path) == ["compare.md"]


TRAIN = ["train", "--quiet", "--seed", "0", "--num-workers", "1", "--total-steps", "10000000", "--max-seconds", "0.6"]


@pytest.fixture
def old_files(tmp_path) -> dict[str, bytes]:
    """A model and logs of an earlier run in tmp_path (model) and tmp_path/logs."""
    (tmp_path / "logs").mkdir()
    fastac.ActorCriticPolicy(4, 2, hidden_sizes=(8,), seed=0).save(tmp_path / "m.pt")
    (tmp_path / "logs" / "episodes.csv").write_text("the previous episodes\n")
    return {"m.pt": (tmp_path / "m.pt").read_bytes(), "episodes.csv": (tmp_path / "logs" / "episodes.csv").read_bytes()}


@pytest.mark.parametrize("full, after, failed, model_saved", [
    ("m.pt", 0, "m.pt", False),                 # the model's disk is full
    ("progress.csv", 2, "progress.csv", True),  # the log's disk fills up mid-run: the model is still saved
    ("episodes.csv", 0, "episodes.csv", True),
    (None, 3, "m.pt", False),                   # both, mid-run: the lost model is what is reported
])
def test_cli_train_on_a_full_disk(tmp_path, monkeypatch, capsys, old_files, full, after, failed, model_saved):
    disk = _FullDisk(monkeypatch, tmp_path, only=full, after=after)
    code, err = _main([*TRAIN, "--save", str(tmp_path / "m.pt"), "--log-dir", str(tmp_path / "logs")], capsys)
    monkeypatch.undo()
    assert disk.failures
    assert code == 2 and ENOSPC in err and failed in err and "Traceback" not in err, err
    model = fastac.load(tmp_path / "m.pt")
    assert (model.hidden_sizes == (128,)) == model_saved  # the new one, or the old one intact
    if failed == "episodes.csv":
        assert (tmp_path / "logs" / "episodes.csv").read_bytes() == old_files["episodes.csv"]
    assert _names(tmp_path) == ["logs", "m.pt"]
    assert _names(tmp_path / "logs") == ["episodes.csv", "progress.csv"]


def test_cli_train_on_a_disk_full_from_the_start(tmp_path, monkeypatch, capsys, old_files):
    _FullDisk(monkeypatch, tmp_path)
    code, err = _main([*TRAIN, "--save", str(tmp_path / "m.pt"), "--log-dir", str(tmp_path / "logs")], capsys)
    monkeypatch.undo()
    assert code == 2 and ENOSPC in err and "progress.csv" in err and "Traceback" not in err, err
    assert (tmp_path / "m.pt").read_bytes() == old_files["m.pt"]  # refused before training: nothing written
    assert _names(tmp_path) == ["logs", "m.pt"]


# A real full disk: a small tmpfs (needs root, or a system that lets us mount one).


@pytest.fixture
def tiny_disk(tmp_path) -> Any:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    try:
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as error:
        pytest.skip(f"cannot mount a tmpfs: {error}")
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {proc.stderr.strip()}")
    try:
        yield mount_point
    finally:
        if subprocess.run(["umount", str(mount_point)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def _fill(directory: Path) -> None:
    with open(directory / "filler", "wb", buffering=0) as f:
        while True:
            try:
                f.write(b"\0" * 4096)
            except OSError as error:
                assert error.errno == errno.ENOSPC
                return


def test_a_real_full_disk(tiny_disk, capsys):
    logs = tiny_disk / "logs"
    small = fastac.ActorCriticPolicy(4, 2, hidden_sizes=(8,), seed=0)
    big = fastac.ActorCriticPolicy(4, 2, hidden_sizes=(64,), seed=1)
    writers: dict[str, Callable[[Any, Path], None]] = {
        "m.pt": lambda p, path: p.save(path),
        "m.ts": lambda p, path: p.export_torchscript(path),
        "m.pt2": lambda p, path: p.export_program(path),
        "c.json": lambda p, path: TrainConfig(hidden_sizes=p.hidden_sizes).save(path),
        "c.yaml": lambda p, path: TrainConfig(hidden_sizes=p.hidden_sizes).save(path),
    }
    for name, write in writers.items():
        write(small, tiny_disk / name)
    monitor = TrainingMonitor(100, quiet=True, log_dir=logs)
    monitor.close(_result(3))
    before = {name: (tiny_disk / name).read_bytes() for name in writers}
    before["episodes.csv"] = (logs / "episodes.csv").read_bytes()
    _fill(tiny_disk)

    for name, write in writers.items():
        with pytest.raises(OSError) as info:
            write(big, tiny_disk / name)
        _assert_clean_failure(info, tiny_disk / name, before[name])
    with pytest.raises(OSError) as info:  # the progress log cannot even start
        TrainingMonitor(100, quiet=True, log_dir=tiny_disk / "logs2")
    assert info.value.errno == errno.ENOSPC
    code, err = _main([*TRAIN, "--save", str(tiny_disk / "m.pt")], capsys)
    assert code == 2 and ENOSPC in err and "m.pt" in err and "Traceback" not in err, err
    code, err = _main(["compare", "--seeds", "1", "--total-steps", "2000", "--out", str(tiny_disk), "--quiet",
                       "--no-plot"], capsys)
    assert code == 2 and ENOSPC in err and "compare.md" in err and "Traceback" not in err, err

    for name in writers:
        assert (tiny_disk / name).read_bytes() == before[name], name
    assert fastac.load(tiny_disk / "m.pt").hidden_sizes == (8,)
    assert (logs / "episodes.csv").read_bytes() == before["episodes.csv"]
    assert not [n for n in _names(tiny_disk) if n.startswith(".")], _names(tiny_disk)


# --------------------------------------------------------------------------------------
# 2. SIGINT and SIGTERM at random points of `python -m fastac train`
# --------------------------------------------------------------------------------------

CODES: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}


def _spawn(tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "fastac", "train", "--quiet", "--seed", "0",
                             "--save", str(tmp_path / "m.pt"), "--log-dir", str(tmp_path / "logs"), *extra],
                            stderr=subprocess.PIPE, text=True)


def _wait_for_training(proc: subprocess.Popen[str], logs: Path) -> None:
    """Until progress.csv has a row: the trainer runs (the imports are done)."""
    deadline = time.monotonic() + 60
    progress = logs / "progress.csv"
    while not (progress.exists() and len(progress.read_text().splitlines()) >= 2):
        if proc.poll() is not None:
            return  # finished already: checked by the caller
        assert time.monotonic() < deadline, "training did not start"
        time.sleep(0.01)


def _check_outcome(proc: subprocess.Popen[str], tmp_path: Path, signum: int, hidden: tuple[int, ...]) -> int:
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode in (0, CODES[signum]), (proc.returncode, err)
    assert "Traceback" not in err and "Exception ignored" not in err, err
    model = tmp_path / "m.pt"
    if proc.returncode == 0:
        assert model.exists()
    if model.exists():  # either no file or a whole one: never a truncated model
        assert fastac.load(model).hidden_sizes == hidden
    assert _names(tmp_path) in (["logs"], ["logs", "m.pt"])  # no temporary left
    return proc.returncode


# (algorithm, signal, the window of the delay after the first progress row, in s). The run
# stops by itself 1 s into training, about 0.8 s after that row: the windows reach into
# training, its end, the save and logs, and the time after the command is done.
RANDOM_RUNS = [("a2c", signal.SIGINT, 0.0, 0.6), ("a3c", signal.SIGTERM, 0.6, 0.85),
               ("a3c", signal.SIGINT, 0.8, 1.0), ("a2c", signal.SIGTERM, 1.0, 1.6)]


@pytest.mark.parametrize("run", range(len(RANDOM_RUNS)))
def test_a_signal_at_a_random_point_of_a_run(tmp_path, run):
    algo, signum, low, high = RANDOM_RUNS[run]
    delay = random.Random(20261126 + run).uniform(low, high)
    proc = _spawn(tmp_path, "--algo", algo, "--total-steps", "1000000000", "--max-seconds", "1")
    _wait_for_training(proc, tmp_path / "logs")
    time.sleep(delay)
    if proc.poll() is None:
        proc.send_signal(signum)
    _check_outcome(proc, tmp_path, signum, (128,))


@pytest.mark.parametrize("algo, signum", [("a2c", signal.SIGTERM), ("a3c", signal.SIGINT)])
def test_a_signal_during_the_final_save(tmp_path, algo, signum):
    """A 4 MB model: the signal is sent as soon as the save's temporary appears (the write
    and fsync take milliseconds; polled every 0.5 ms, it is seen in practice)."""
    extra = ["--num-workers", "1"] if algo == "a3c" else []
    proc = _spawn(tmp_path, "--algo", algo, "--hidden-sizes", "1024,1024", "--total-steps", "1000000000",
                  "--max-seconds", "0.5", *extra)
    sent = False
    deadline = time.monotonic() + 90
    while proc.poll() is None and time.monotonic() < deadline:
        if any(name.startswith(".m.pt.") for name in os.listdir(tmp_path)):
            proc.send_signal(signum)
            sent = True
            break
        time.sleep(0.0005)
    code = _check_outcome(proc, tmp_path, signum, (1024, 1024))
    if sent:  # it came during the save: recorded, the save completes, the exit status says so
        assert code == CODES[signum] and (tmp_path / "m.pt").exists()


@pytest.mark.xfail(strict=True, reason="fastac/__init__.py imports torch before fastac.cli can install its "
                                       "handlers: Ctrl-C during those seconds prints a KeyboardInterrupt traceback")
def test_ctrl_c_while_the_command_starts(tmp_path):
    proc = _spawn(tmp_path, "--total-steps", "1000000000")
    time.sleep(0.3)  # importing torch takes seconds
    proc.send_signal(signal.SIGINT)
    _check_outcome(proc, tmp_path, signal.SIGINT, (128,))


# --------------------------------------------------------------------------------------
# 3. An environment that raises
# --------------------------------------------------------------------------------------


class _Boom(gym.Wrapper):
    """CartPole that raises RuntimeError in step after ``step_at`` steps or in its
    ``reset_at``-th reset (counted over all instances)."""

    instances: list[_Boom] = []
    calls = {"step": 0, "reset": 0}

    def __init__(self, step_at: int | None = None, reset_at: int | None = None) -> None:
        super().__init__(gym.make("CartPole-v1"))
        self.step_at, self.reset_at, self.closed = step_at, reset_at, False
        _Boom.instances.append(self)

    def step(self, action):
        _Boom.calls["step"] += 1
        if _Boom.calls["step"] == self.step_at:
            raise RuntimeError("boom in step")
        return self.env.step(action)

    def reset(self, **kwargs):
        _Boom.calls["reset"] += 1
        if _Boom.calls["reset"] == self.reset_at:
            raise RuntimeError("boom in reset")
        return self.env.reset(**kwargs)

    def close(self):
        self.closed = True
        super().close()


@pytest.fixture
def boom() -> type[_Boom]:
    _Boom.instances.clear()
    _Boom.calls.update(step=0, reset=0)
    return _Boom


def _in_thread(fn: Callable[[], Any], timeout: float = 60) -> BaseException | None:
    """Runs ``fn`` with a time limit (a hang fails the test instead of stalling it)."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            fn()
            outcome.append(None)
        except BaseException as error:  # noqa: BLE001
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "training hung"
    return outcome[0]


@pytest.mark.parametrize("where, kwargs, message", [
    ("step", {"step_at": 300}, "boom in step"),
    ("first reset", {"reset_at": 2}, "boom in reset"),
    ("an autoreset", {"reset_at": 8}, "boom in reset"),  # the 4 first resets, then episodes ending
])
def test_an_env_that_raises_stops_a2c_with_its_error(boom, where, kwargs, message):
    error = _in_thread(lambda: fastac.train_a2c(lambda: boom(**kwargs), num_envs=4, total_steps=10**7, seed=0))
    assert isinstance(error, RuntimeError) and str(error) == message, error
    assert boom.instances and all(env.closed for env in boom.instances)  # the envs it made are closed
    assert threading.active_count() == 1


@pytest.mark.filterwarnings("ignore:.*ERROR:UserWarning")  # gymnasium logs the worker's traceback
def test_an_env_that_raises_in_a_subprocess_stops_a2c_with_its_error(boom):
    # Each of the two worker processes counts its own steps: both raise at their 100th.
    error = _in_thread(lambda: fastac.train_a2c(lambda: boom(step_at=100), num_envs=2, total_steps=10**7, seed=0,
                                                vectorization_mode="async"))
    assert isinstance(error, RuntimeError) and "boom in step" in str(error), error
    assert threading.active_count() == 1


# --------------------------------------------------------------------------------------
# 4. An allocation failure in an A3C worker
# --------------------------------------------------------------------------------------

OOM_SCRIPT = textwrap.dedent(
    """
    import resource, threading
    import fastac

    def vm_size():
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))

    # The up-front check passes (16.7M rollout rows, about 0.9 GB, fit the machine), but the
    # process may not grow by more than 256 MB: each worker's rollout buffer fails to allocate.
    resource.setrlimit(resource.RLIMIT_AS, (vm_size() + 256 * 2**20, resource.RLIM_INFINITY))
    try:
        fastac.train_a3c(num_workers=2, envs_per_worker=4096, t_max=4096, total_steps=10**6, seed=0)
        print("no error")
    except MemoryError as error:
        print("MemoryError", repr(str(error)), threading.active_count())
    """
)


def test_an_allocation_failure_in_an_a3c_worker_is_a_memory_error():
    if resource.getrlimit(resource.RLIMIT_AS)[0] != resource.RLIM_INFINITY or os.sysconf("SC_PHYS_PAGES") * \
            os.sysconf("SC_PAGE_SIZE") < 2 * 2**30:
        pytest.skip("needs an unlimited address space and 2 GiB of memory")
    proc = subprocess.run([sys.executable, "-c", OOM_SCRIPT], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]  # not an abort (std::terminate: 134)
    outcome = proc.stdout.split()
    assert outcome[0] == "MemoryError", proc.stdout
    assert "rollout rows" not in proc.stdout  # the worker's own failure, not the up-front refusal
    assert "lower envs_per_worker, t_max or hidden_sizes" in proc.stdout  # it says what to change
    assert outcome[-1] == "1"  # every worker thread joined
