"""Ctrl-C (SIGINT) during train_a3c and train_a2c: stops within a second, threads joined,
the partial result returned with interrupted=True."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import pytest

SCRIPT = textwrap.dedent(
    """
    import sys, threading
    import fastac

    said = []
    def callback(progress):
        if not said:
            said.append(1)
            print("training", flush=True)

    train = fastac.train_{algo}
    result = train("CartPole-v1", total_steps=10**12, seed=0, callback=callback, callback_interval_s=0.05)
    print(result.interrupted, result.stop_reason, result.env_steps > 0, threading.active_count(), flush=True)
    """
)


@pytest.mark.parametrize("algo", ["a3c", "a2c"])
def test_sigint_returns_partial_result_within_a_second(algo):
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT.format(algo=algo)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "training"
        time.sleep(0.3)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out = proc.stdout.readline()  # the result: training has stopped and returned
        elapsed = time.monotonic() - sent
        proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 0, out
    interrupted, reason, stepped, threads = out.split()
    assert (interrupted, reason, stepped) == ("True", "interrupted", "True")
    assert int(threads) == 1  # every worker thread joined
    assert elapsed < 1.0


HEAVY_SCRIPT = textwrap.dedent(
    """
    import sys, threading
    import fastac

    sizes = {sizes}
    print("training", flush=True)
    result = fastac.train_{algo}("CartPole-v1", total_steps=10**12, seed=0, hidden_sizes=(1024, 1024), **sizes)
    print(result.interrupted, result.stop_reason, threading.active_count(), flush=True)
    """
)
HEAVY_SIZES = {"a3c": {"num_workers": 2, "envs_per_worker": 256, "t_max": 32}, "a2c": {"num_envs": 256, "n_steps": 32}}


@pytest.mark.parametrize("delay_s", [4.0, 9.0])
@pytest.mark.parametrize("algo", ["a3c", "a2c"])
def test_sigint_stops_a_heavy_run_within_a_second(algo, delay_s):
    """A million-parameter network over 8192-sample rollouts: one update takes many seconds, so
    the signal lands inside a rollout or an update (the gradient is computed in chunks, asking
    between them)."""
    script = HEAVY_SCRIPT.format(algo=algo, sizes=HEAVY_SIZES[algo])
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "training"
        time.sleep(delay_s)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out = proc.stdout.readline()
        elapsed = time.monotonic() - sent
        proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, out
    interrupted, reason, threads = out.split()
    assert (interrupted, reason, int(threads)) == ("True", "interrupted", 1)
    assert elapsed < 1.0
