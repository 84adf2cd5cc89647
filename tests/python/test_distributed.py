"""Training across processes (fastac.distributed) on localhost: gloo, 2-3 processes started
with torchrun's environment variables (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import fastac
from fastac.cli import latest_checkpoint
from fastac.evaluation import evaluate_policy

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _environment(rank: int, world: int, port: int) -> dict[str, str]:
    env = dict(os.environ, RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world), LOCAL_WORLD_SIZE=str(world),
               MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = str(ROOT / "python") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _spawn(args: list[str], world: int, cwd: Path) -> list[subprocess.Popen[str]]:
    port = _free_port()
    return [subprocess.Popen(args, env=_environment(r, world, port), cwd=cwd, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for r in range(world)]


def _run_script(script: str, world: int, tmp_path: Path, timeout: float = 240) -> list[dict]:
    """Runs ``script`` in ``world`` processes; each prints one JSON line last."""
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(script))
    procs = _spawn([sys.executable, str(path)], world, tmp_path)
    outputs = []
    for p in procs:
        out, err = p.communicate(timeout=timeout)
        assert p.returncode == 0, f"rank exited with {p.returncode}:\n{err[-4000:]}"
        outputs.append(json.loads(out.strip().splitlines()[-1]))
    return outputs


A2C_FIRST_UPDATE = """
    import json, sys, numpy as np, fastac
    # SGD with lr 1 and no clipping: the first update's parameter change is minus the gradient.
    model = fastac.A2C("CartPole-v1", num_envs={num_envs}, n_steps=5, total_steps=1, seed=7, optimizer="sgd",
                       lr=1.0, max_grad_norm=0.0, hidden_sizes=(32,), distributed="{mode}")
    before = model.policy.network.parameters.copy()
    model.learn(total_steps=5 * 8)
    after = model.policy.network.parameters
    print(json.dumps({{"updates": model.result.updates, "steps": model.num_timesteps,
                       "change": (after - before).tolist()}}))
"""


def test_a2c_first_update_of_two_ranks_equals_one_process(tmp_path):
    """2 ranks x 4 envs take the gradient 1 process x 8 envs takes with the same env seeds."""
    alone = _run_script(A2C_FIRST_UPDATE.format(num_envs=8, mode="off"), 1, tmp_path)[0]
    ranks = _run_script(A2C_FIRST_UPDATE.format(num_envs=4, mode="on"), 2, tmp_path)
    assert alone["updates"] == 1 and alone["steps"] == 40
    for r in ranks:
        assert r["updates"] == 1 and r["steps"] == 40  # every rank counts every rank's steps
    change = np.asarray(alone["change"])
    assert np.abs(change).max() > 1e-3  # a real gradient
    np.testing.assert_array_equal(ranks[0]["change"], ranks[1]["change"])
    np.testing.assert_allclose(ranks[0]["change"], change, rtol=1e-4, atol=1e-6)


A2C_SOLVE = """
    import hashlib, json, fastac
    model = fastac.A2C("CartPole-v1", num_envs=4, seed=1, total_steps=600_000, stop_at_return=475,
                       stop_eval_episodes=20, normalize_obs=True, dist_check_every=1, max_seconds=150)
    model.learn()
    r = model.result
    if model._group.is_main:
        model.save("a2c_model.pt")
    p = model.policy.network.parameters
    print(json.dumps({{"stop": r.stop_reason, "steps": r.env_steps, "updates": r.updates,
                       "hash": hashlib.sha1(p.tobytes()).hexdigest(),
                       "obs_mean": model.policy.network.observation_stats.moments()[1].tolist()}}))
"""


def test_a2c_two_ranks_solve_cartpole_with_identical_parameters(tmp_path):
    """Parameters (checked after every update, and at the end) and normalization statistics
    stay identical; rank 0's saved model scores >= 475 on gymnasium's CartPole-v1."""
    ranks = _run_script(A2C_SOLVE.format(), 2, tmp_path)
    assert ranks[0] == ranks[1]
    assert ranks[0]["stop"] == "stop_at_return", ranks[0]
    policy = fastac.load(tmp_path / "a2c_model.pt")
    mean, _ = evaluate_policy(policy, gym.make("CartPole-v1"), n_eval_episodes=20, seed=123)
    assert mean >= 475


A3C_SOLVE = """
    import json, fastac
    model = fastac.A3C("CartPole-v1", num_workers=1, seed=3, total_steps=5_000_000, hidden_sizes=(64,), lr=3e-3,
                       stop_at_return=475, stop_eval_episodes=20, max_seconds=150)
    model.learn()
    r = model.result
    if model._group.is_main:
        model.save("a3c_model.pt")
    print(json.dumps({{"stop": r.stop_reason, "steps": r.env_steps, "episodes": r.episodes}}))
"""


def test_a3c_three_processes_solve_cartpole(tmp_path):
    """Rank 0 serves the exchanges; the run stops for every process when rank 0's monitor
    says so; the saved model scores >= 475 on gymnasium's CartPole-v1."""
    ranks = _run_script(A3C_SOLVE.format(), 3, tmp_path)
    assert [r["stop"] for r in ranks] == ["stop_at_return"] * 3, ranks
    # Rank 0 counts every process's steps; each other process its own.
    assert ranks[0]["steps"] > max(ranks[1]["steps"], ranks[2]["steps"])
    policy = fastac.load(tmp_path / "a3c_model.pt")
    mean, _ = evaluate_policy(policy, gym.make("CartPole-v1"), n_eval_episodes=20, seed=123)
    assert mean >= 475


A3C_ANNEAL = """
    import json, fastac
    rates = []
    model = fastac.A3C("CartPole-v1", num_workers=1, seed=5, total_steps=400_000, lr=1e-3, anneal_lr=True,
                       hidden_sizes=(32,), max_seconds=120)
    # What the process's own workers use (on rank 0 too, not only its run monitor).
    model.learn(callback=lambda _locals, _globals: rates.append(model._live.trainer.progress()["learning_rate"]))
    first = {{"stop": model.result.stop_reason, "steps": model.result.env_steps, "rates": rates}}
    more = []  # 2M steps more: the schedule runs over both calls' total, from where it was
    model.learn(2_000_000, reset_num_timesteps=False,
                callback=lambda _locals, _globals: more.append(model._live.trainer.progress()["learning_rate"]))
    print(json.dumps({{**first, "more": more}}))
"""


def test_a3c_anneals_over_the_runs_steps_in_every_process(tmp_path):
    """anneal_lr: every process follows rank 0's schedule over the run's steps (all
    processes'), not its own: rank 1, which takes about half the steps, ends near 0 too;
    a continued learn() goes on with the schedule over both calls."""
    ranks = _run_script(A3C_ANNEAL.format(), 2, tmp_path)
    assert [r["stop"] for r in ranks] == ["total_steps"] * 2, ranks
    # Rank 0 counts every process's steps, rank 1 its own. (Not "rank 1 < 400,000": the run
    # overshoots total_steps by its throughput x up to 2 sync intervals, docs/distributed.md,
    # and rank 1 alone once counted 419,440.)
    assert ranks[0]["steps"] >= 400_000 and ranks[0]["steps"] > ranks[1]["steps"]
    for r in ranks:
        rates = np.asarray(r["rates"], np.float64)
        assert len(rates) >= 3 and rates[0] <= 1e-3 + 1e-9
        assert (np.diff(rates) <= 1e-9).all(), rates  # decays, never rises
    # Rank 1 by its own count would still be at about half the rate at the end.
    assert min(ranks[1]["rates"]) < 0.25e-3, ranks[1]["rates"]
    # Continued (reset_num_timesteps=False): every process starts the second call at the
    # run's rate over both calls (S done of S + 2M), not back at 1e-3; the first call back
    # comes a poll (tens of ms, up to ~0.1M steps) later.
    done = ranks[0]["steps"]
    start = 1e-3 * (1 - done / (done + 2_000_000))
    for r in ranks:
        assert r["more"] and 0.5 * start < max(r["more"]) <= start + 1e-6, (start, r["more"])


def _train_command(*extra: str) -> list[str]:
    return [sys.executable, "-m", "fastac", "train", "--algo", "a2c", "--env", "CartPole-v1", "--num-envs", "4",
            "--seed", "0", "--run-dir", "runs", "--dist-timeout-s", "20", "--quiet", *extra]


def _wait_for(predicate, timeout: float, procs) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        for p in procs:
            assert p.poll() is None, f"a rank exited early: {p.communicate()[1][-3000:]}"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_killed_rank_stops_the_other_and_resume_continues(tmp_path):
    """Rank 1 killed mid-run: rank 0 exits with a clear error within the timeout; a relaunch
    with --resume continues from rank 0's last checkpoint."""
    procs = _spawn(_train_command("--total-steps", "1e9", "--checkpoint-every", "20000"), 2, tmp_path)
    run_dir = tmp_path / "runs" / "a2c" / "CartPole-v1_1"
    try:
        _wait_for(lambda: run_dir.is_dir() and any(run_dir.glob("rl_model_*_steps.pt")), 120, procs)
        time.sleep(0.5)
        procs[1].kill()
        began = time.monotonic()
        _, err = procs[0].communicate(timeout=60)
        assert time.monotonic() - began < 25  # the timeout (20 s), not forever
        assert procs[0].returncode == 1, err[-3000:]
        assert "distributed run failed" in err and "rank 0" in err, err[-3000:]
    finally:
        for p in procs:
            p.kill()
            p.communicate()
    assert sorted(p.name for p in (tmp_path / "runs" / "a2c").iterdir()) == ["CartPole-v1_1"]  # rank 0's only
    path, steps = latest_checkpoint(str(run_dir))
    assert steps >= 20000
    total = steps + 10_000
    procs = _spawn(_train_command("--resume", str(run_dir), "--total-steps", str(total)), 2, tmp_path)
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err[-3000:]
    model = fastac.A2C.load(run_dir / "CartPole-v1.pt")
    assert total <= model.num_timesteps < total + 1000  # on from the checkpoint's count, to the total


def test_a_hung_rank_times_out(tmp_path):
    """A rank that stops answering (SIGSTOP) makes the other exit within dist_timeout_s."""
    procs = _spawn(_train_command("--total-steps", "1e9", "--no-save", "--dist-timeout-s", "5"), 2, tmp_path)
    try:
        time.sleep(8)  # both have started training (torch imports, rendezvous)
        for p in procs:
            assert p.poll() is None, p.communicate()[1][-3000:]
        procs[1].send_signal(signal.SIGSTOP)
        began = time.monotonic()
        _, err = procs[0].communicate(timeout=60)
        assert time.monotonic() - began < 15
        assert procs[0].returncode == 1 and "dist_timeout_s=5" in err, err[-3000:]
    finally:
        for p in procs:
            p.kill()
            p.communicate()


def _signal_rank_one_once_running(procs: list[subprocess.Popen[str]], sig: int) -> list[tuple[str, str]]:
    """Sends ``sig`` to rank 1 once the run is under way (8 s in); every rank's (stdout,
    stderr). Every process is killed on the way out, whatever happened."""
    try:
        time.sleep(8)
        procs[1].send_signal(sig)
        return [p.communicate(timeout=60) for p in procs]
    finally:
        for p in procs:
            p.kill()


def test_ctrl_c_in_one_rank_stops_every_rank(tmp_path):
    """SIGINT to rank 1 alone: both stop at the same update and rank 0 saves the model."""
    procs = _spawn(_train_command("--total-steps", "1e9", "--save", "model.pt"), 2, tmp_path)
    outs = _signal_rank_one_once_running(procs, signal.SIGINT)
    assert procs[1].returncode == 130, outs[1][1][-3000:]
    assert procs[0].returncode == 0, outs[0][1][-3000:]
    assert fastac.A2C.load(tmp_path / "model.pt").num_timesteps > 0


def test_bad_distributed_settings():
    with pytest.raises(ValueError, match="distributed='on'"):
        fastac.A2C("CartPole-v1", distributed="on")
    with pytest.raises(ValueError, match="distributed"):
        fastac.A2C("CartPole-v1", distributed="maybe")
    with pytest.raises(ValueError, match="process_group"):
        fastac.A2C("CartPole-v1", distributed="off", process_group=object())
    with pytest.raises(ValueError, match="dist_timeout_s"):
        fastac.A2C("CartPole-v1", dist_timeout_s=0)


A3C_RANK_DIES = """
    import os, sys, threading, fastac
    if os.environ["RANK"] == "2":  # dies 4 s in, mid-run
        threading.Timer(4.0, lambda: os._exit(9)).start()
    try:
        fastac.train_a3c("CartPole-v1", num_workers=1, total_steps=10**10, hidden_sizes=(64,), dist_timeout_s=6)
    except fastac.distributed.DistributedError as error:
        print("DistributedError", error, flush=True)
        sys.exit(1)
"""


def test_a3c_a_process_that_dies_stops_the_others(tmp_path):
    """Rank 2 of 3 dies: rank 0 (serving) and rank 1 raise DistributedError and exit cleanly
    (no abort from a thread left inside gloo), within the timeout."""
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(A3C_RANK_DIES))
    procs = _spawn([sys.executable, str(path)], 3, tmp_path)
    outs = [p.communicate(timeout=120) for p in procs]
    assert procs[2].returncode == 9
    for p, (out, err) in zip(procs[:2], outs[:2]):
        assert p.returncode == 1, err[-3000:]
        assert "DistributedError" in out, out + err[-3000:]


A2C_UNTIL_STOPPED = """
    import json, fastac
    result = fastac.train_a2c("CartPole-v1", num_envs=4, total_steps=10**10, seed=0)
    print(json.dumps({"stop": result.stop_reason, "steps": result.num_timesteps,
                      "interrupted": result.interrupted}), flush=True)
"""


def test_sigterm_in_one_rank_of_a_script(tmp_path):
    """SIGTERM to rank 1 of a script: both stop after the same update; rank 0 returns its
    result (stopped on request), rank 1 then dies of the SIGTERM it was sent, as a process
    with the default handler does, instead of swallowing it."""
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(A2C_UNTIL_STOPPED))
    procs = _spawn([sys.executable, str(path)], 2, tmp_path)
    outs = _signal_rank_one_once_running(procs, signal.SIGTERM)
    assert procs[1].returncode == -signal.SIGTERM, outs[1][1][-3000:]
    assert procs[0].returncode == 0, outs[0][1][-3000:]
    result = json.loads(outs[0][0].strip().splitlines()[-1])
    assert result["stop"] == "callback" and not result["interrupted"] and result["steps"] > 0
