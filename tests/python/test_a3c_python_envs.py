"""A3C on Python gymnasium environments, stepped by the worker threads themselves
(``vectorization_mode="sync"``) or in per-worker subprocesses (``"async"``): learning,
errors raised by a user's env, cleanup of threads, processes and envs."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import traceback

import gymnasium as gym
import numpy as np
import pytest

import fastac
from fastac.envs.worker import parallel_step_speedup


def _os_threads() -> int:
    return len(os.listdir("/proc/self/task"))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a3c_solves_gymnasiums_python_cartpole(seed):
    # One worker: a seeded run is reproducible, so this test cannot flake (with two, the
    # Hogwild interleaving differs run to run; bench/bench_a3c_python_envs.py measures both).
    result = fastac.train_a3c("CartPole-v1", native=False, seed=seed, num_workers=1, stop_at_return=475,
                              total_steps=1_000_000)
    assert result.stop_reason == "stop_at_return", (result.stop_reason, result.history["episode_return"][-10:])
    assert result.policy.metadata["env"] == "CartPole-v1"
    mean, _ = fastac.evaluate_policy(result.policy, gym.make("CartPole-v1"), n_eval_episodes=5, seed=seed)
    assert mean >= 475


class MatchTheSignEnv(gym.Env):
    """Discrete: observe +1 or -1, answer 1 for +1 and 0 for -1; reward 1 for a right answer. 10 steps."""

    observation_space = gym.spaces.Box(-1.0, 1.0, (2,), np.float32)
    action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return self._draw(), {}

    def _draw(self):
        self.sign = float(self.np_random.choice([-1.0, 1.0]))
        return np.array([self.sign, 0.5], np.float32)

    def step(self, action):
        reward = float(int(action) == (self.sign > 0))
        self.t += 1
        return self._draw(), reward, False, self.t >= 10, {}


class FollowTheTargetEnv(gym.Env):
    """Continuous: observe a target in [-1, 1], reward -(action - target)^2. 10 steps."""

    observation_space = gym.spaces.Box(-1.0, 1.0, (1,), np.float32)
    action_space = gym.spaces.Box(-2.0, 2.0, (1,), np.float32)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return self._draw(), {}

    def _draw(self):
        self.target = self.np_random.uniform(-1.0, 1.0)
        return np.array([self.target], np.float32)

    def step(self, action):
        reward = -float((np.asarray(action).reshape(-1)[0] - self.target) ** 2)
        self.t += 1
        return self._draw(), reward, False, self.t >= 10, {}


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a3c_learns_a_custom_discrete_env(mode):
    result = fastac.train_a3c(MatchTheSignEnv, seed=0, num_workers=2, envs_per_worker=2 if mode == "async" else 4,
                              total_steps=30_000 if mode == "sync" else 8_000, lr=3e-3, hidden_sizes=(16,),
                              vectorization_mode=mode)
    returns = result.history["episode_return"]
    assert result.policy.metadata["env"] == "MatchTheSignEnv"
    assert np.mean(returns[:10]) < 7  # chance is 5 of 10
    assert np.mean(returns[-20:]) >= 9.5
    obs = np.array([[1.0, 0.5], [-1.0, 0.5]], np.float32)
    np.testing.assert_array_equal(result.policy.predict(obs, deterministic=True)[0], [1, 0])


def test_a3c_learns_a_custom_continuous_env():
    result = fastac.train_a3c(FollowTheTargetEnv, seed=0, num_workers=2, total_steps=60_000, lr=3e-3,
                              hidden_sizes=(16,), gamma=0.01, gae_lambda=1.0)
    returns = result.history["episode_return"]
    assert np.mean(returns[:20]) < -5  # a unit-variance Gaussian around 0: about -13 per episode
    assert np.mean(returns[-50:]) > -1.5
    targets = np.linspace(-0.9, 0.9, 7, dtype=np.float32).reshape(-1, 1)
    actions = result.policy.predict(targets, deterministic=True)[0]
    np.testing.assert_allclose(actions, targets, atol=0.3)


class BreaksEnv(gym.Env):
    """CartPole that raises from its ``fail_at``-th ``step`` (or from ``reset``)."""

    observation_space = gym.spaces.Box(-np.inf, np.inf, (4,), np.float32)
    action_space = gym.spaces.Discrete(2)
    steps = 0  # per process: the class attribute counts every instance's steps
    closed = 0

    def __init__(self, fail_at=100, where="step"):
        self.inner = gym.make("CartPole-v1")
        self.fail_at, self.where = fail_at, where

    def reset(self, *, seed=None, options=None):
        if self.where == "reset":
            raise OSError("the simulator could not start")
        return self.inner.reset(seed=seed)

    def step(self, action):
        type(self).steps += 1
        if type(self).steps == self.fail_at:
            raise RuntimeError(f"the simulator broke on step {self.fail_at}")
        return self.inner.step(action)

    def close(self):
        type(self).closed += 1
        self.inner.close()


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("where", ["step", "reset"])
def test_an_env_error_in_a_worker_is_raised_with_its_traceback_and_nothing_is_left_behind(where, mode):
    BreaksEnv.steps = BreaksEnv.closed = 0
    threads = _os_threads()
    error_type, message = (RuntimeError, "broke on step 100") if where == "step" else (OSError, "could not start")
    with pytest.raises(error_type, match=message) as info:
        fastac.train_a3c(lambda: BreaksEnv(100, where), num_workers=2, envs_per_worker=2, total_steps=10**9,
                         vectorization_mode=mode)
    if mode == "sync":  # the env's own frame (a subprocess's traceback is logged by gymnasium's AsyncVectorEnv)
        frames = traceback.extract_tb(info.value.__traceback__)
        assert any(f.filename == __file__ and f.name == where for f in frames), frames
    assert _os_threads() == threads  # worker threads joined
    assert multiprocessing.active_children() == []  # subprocesses ended
    if mode == "sync":
        assert BreaksEnv.closed == 2 * 2 + 1  # every worker's envs, and the one that probed the spaces


class CountedEnv(MatchTheSignEnv):
    made = closed = 0

    def __init__(self):
        type(self).made += 1

    def close(self):
        type(self).closed += 1


def test_envs_are_closed_after_a_normal_run_and_the_stop_evaluation():
    CountedEnv.made = CountedEnv.closed = 0
    result = fastac.train_a3c(CountedEnv, num_workers=2, envs_per_worker=2, total_steps=200_000, stop_at_return=9.5,
                              stop_eval_episodes=3, seed=0, lr=3e-3, hidden_sizes=(16,))
    assert result.stop_reason == "stop_at_return"
    assert CountedEnv.closed == CountedEnv.made > 1 + 2 * 2  # the probe, the workers' and the evaluations' envs


def test_a3c_refuses_env_instances_and_unsupported_spaces():
    with pytest.raises(TypeError, match="env instance"):
        fastac.train_a3c(gym.make("CartPole-v1"), total_steps=100)
    with pytest.raises(TypeError, match="env instance"):
        fastac.train_a3c(gym.make_vec("CartPole-v1", 2), total_steps=100)
    with pytest.raises(ValueError, match="not a registered gymnasium id"):
        fastac.train_a3c("NoSuchEnv-v7", total_steps=100)
    with pytest.raises(ValueError, match="a 1-D Box of numbers"):
        fastac.train_a3c(lambda: gym.make("Blackjack-v1"), total_steps=100)
    with pytest.raises(ValueError, match="vectorization_mode"):
        fastac.train_a3c("CartPole-v1", native=False, vectorization_mode="vector_entry_point", total_steps=100)


class WrongSizeEnv(MatchTheSignEnv):
    def step(self, action):
        obs, *rest = super().step(action)
        return (obs[:1] if self.t == 3 else obs), *rest


class NanEnv(MatchTheSignEnv):
    def step(self, action):
        obs, *rest = super().step(action)
        return (obs * np.nan if self.t == 3 else obs), *rest


@pytest.mark.parametrize("env, message", [(WrongSizeEnv, "observation of 1 values"), (NanEnv, "non-finite")])
def test_bad_observations_from_a_python_env_are_refused(env, message):
    with pytest.raises(ValueError, match=message):
        fastac.train_a3c(env, num_workers=1, envs_per_worker=1, total_steps=1000)


def test_a3c_on_python_envs_reports_progress_through_the_callback():
    seen = []
    result = fastac.train_a3c(MatchTheSignEnv, num_workers=2, total_steps=20_000, seed=0,
                              callback=lambda p: seen.append(p) or len(seen) < 3, callback_interval_s=0.05)
    assert seen and seen[-1]["env_steps"] > 0 and seen[-1]["episodes"] > 0
    assert result.stop_reason in ("callback", "total_steps")


SIGINT_SCRIPT = textwrap.dedent(
    """
    import threading, time
    import gymnasium as gym
    import fastac

    class SlowCartPole(gym.Wrapper):
        def step(self, action):
            time.sleep(0.001)
            return super().step(action)

    said = []
    def callback(progress):
        if not said:
            said.append(1)
            print("training", flush=True)

    result = fastac.train_a3c(lambda: SlowCartPole(gym.make("CartPole-v1")), num_workers=2, total_steps=10**12,
                              callback=callback, callback_interval_s=0.05, vectorization_mode="{mode}")
    import multiprocessing
    print(result.interrupted, result.stop_reason, threading.active_count(), len(multiprocessing.active_children()),
          flush=True)
    """
)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_ctrl_c_stops_workers_stepping_python_envs_within_a_second(mode):
    # As a terminal's Ctrl-C: SIGINT to the whole process group, the env subprocesses included.
    proc = subprocess.Popen([sys.executable, "-c", SIGINT_SCRIPT.format(mode=mode)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert proc.stdout.readline().strip() == "training"
        time.sleep(0.3)
        sent = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        out = proc.stdout.readline()
        elapsed = time.monotonic() - sent
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:  # the whole group: no env subprocess outlives a failed test
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, out + err
    assert out.split() == ["True", "interrupted", "1", "0"]
    assert "KeyboardInterrupt" not in err and "ERROR" not in err  # the subprocesses left it to the parent
    assert elapsed < 1.0


def test_worker_envs_step_as_gymnasiums_same_step_vector_env():
    """WorkerEnvs' sync loop (flags cleared only after an ended episode, numpy actions) gives
    what gymnasium's SyncVectorEnv gives with same-step autoreset, step for step."""
    from gymnasium.vector import AutoresetMode

    from fastac.envs.worker import WorkerEnvs

    n = 4
    ours = WorkerEnvs(lambda: gym.make("CartPole-v1", max_episode_steps=20), n, "CartPole-v1", 4,
                      gym.spaces.Discrete(2))
    theirs = gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1", max_episode_steps=20)] * n,
                                      autoreset_mode=AutoresetMode.SAME_STEP)
    obs, _ = theirs.reset(seed=list(range(n)))
    for i in range(n):
        np.testing.assert_array_equal(ours.reset_one(i, i), obs[i])
    rng = np.random.default_rng(0)
    ended_total = 0
    for _ in range(300):
        actions = rng.integers(0, 2, n).astype(np.int64)
        obs, reward, terminated, truncated, final_obs = ours.step(actions)
        obs2, reward2, terminated2, truncated2, info = theirs.step(actions)
        np.testing.assert_array_equal(obs, obs2)
        np.testing.assert_array_equal(reward, reward2)
        assert terminated.dtype == truncated.dtype == np.uint8  # the core's flag type, no conversion
        np.testing.assert_array_equal(terminated.astype(bool), terminated2)
        np.testing.assert_array_equal(truncated.astype(bool), truncated2)
        for i in np.flatnonzero(terminated2 | truncated2):
            np.testing.assert_array_equal(final_obs[i], info["final_obs"][i])
        ended_total += int((terminated2 | truncated2).sum())
    assert ended_total > 20  # both kinds of ends happened many times
    ours.close()
    theirs.close()


class GilFreeSleepEnv(MatchTheSignEnv):
    """Sleeps 100 µs per step in a native call that releases the GIL (ctypes drops it)."""

    usleep = ctypes.CDLL(None).usleep

    def step(self, action):
        self.usleep(100)
        return super().step(action)


def _mostly(measure, tries: int = 3) -> bool:
    """Whether ``measure()`` holds in most of ``tries`` (the probe times threads: on a
    loaded machine one measurement in tens can land on the wrong side)."""
    return sum(bool(measure()) for _ in range(tries)) > tries // 2


def test_parallel_step_speedup_tells_a_gil_holding_step_from_a_gil_releasing_one():
    threshold = fastac.a3c._PARALLEL_STEPS_FOR_WORKERS
    assert _mostly(lambda: parallel_step_speedup(lambda: gym.make("CartPole-v1")) < threshold)  # pure Python: ~1
    assert _mostly(lambda: parallel_step_speedup(GilFreeSleepEnv) > threshold)  # ~1.9 measured


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two hardware threads")
def test_default_workers_for_a_python_env_follow_whether_its_step_holds_the_gil():
    cores = os.cpu_count()
    # A second worker would only wait for the GIL; one for an env that releases it.
    assert _mostly(lambda: fastac.A3C("CartPole-v1", native=False).config.num_workers == 1)
    assert _mostly(lambda: fastac.A3C(GilFreeSleepEnv).config.num_workers == cores)
    # Chosen by the user, a config, or a preset: kept as it is; native and subprocess envs: one per core.
    assert fastac.A3C("CartPole-v1", native=False, num_workers=2).config.num_workers == 2
    config = fastac.TrainConfig(num_workers=2)
    assert fastac.A3C(lambda: gym.make("CartPole-v1"), config=config).config.num_workers == 2
    assert fastac.A3C("CartPole-v1").config.num_workers == cores
    assert fastac.A3C("CartPole-v1", native=False, vectorization_mode="async").config.num_workers == cores
    assert fastac.A3C("CartPole-v1", native=False, architecture="torch_mlp").config.num_workers == cores


class BreaksOffTheMainThreadEnv(CountedEnv):
    def step(self, action):
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("the simulator broke in a thread")
        return super().step(action)


def _python_threads() -> int:
    return threading.active_count()  # (a joined thread's OS task can linger in /proc for a moment)


def test_the_workers_probe_raises_an_env_error_and_closes_its_envs():
    BreaksEnv.steps = BreaksEnv.closed = 0
    threads = _python_threads()
    with pytest.raises(RuntimeError, match="broke on step 30"):  # stepping alone
        parallel_step_speedup(lambda: BreaksEnv(30))
    assert BreaksEnv.closed == 2 and _python_threads() == threads
    BreaksOffTheMainThreadEnv.made = BreaksOffTheMainThreadEnv.closed = 0
    with pytest.raises(RuntimeError, match="broke in a thread"):  # in the probe's threads: raised once both end
        parallel_step_speedup(BreaksOffTheMainThreadEnv)
    assert BreaksOffTheMainThreadEnv.made == BreaksOffTheMainThreadEnv.closed == 2
    assert _python_threads() == threads
    BreaksEnv.steps = BreaksEnv.closed = 0
    with pytest.raises(RuntimeError, match="broke on step 30") as info:  # the same from A3C's constructor
        fastac.A3C(lambda: BreaksEnv(30))
    assert "to choose num_workers" in "".join(getattr(info.value, "__notes__", []))
    assert BreaksEnv.closed == 3 and _python_threads() == threads  # the spaces' probe and the workers' probe


class SlowStepEnv(CountedEnv):
    def step(self, action):
        time.sleep(0.002)
        return super().step(action)


def test_the_workers_probe_skips_a_slow_env_and_is_skipped_when_num_workers_is_given():
    SlowStepEnv.made = SlowStepEnv.closed = 0
    assert parallel_step_speedup(SlowStepEnv) is None  # > 1 ms a step: handoffs cost little next to it
    assert SlowStepEnv.made == SlowStepEnv.closed == 2
    assert fastac.A3C(SlowStepEnv).config.num_workers == os.cpu_count()
    CountedEnv.made = CountedEnv.closed = 0
    fastac.A3C(CountedEnv, num_workers=2)
    assert CountedEnv.made == 1  # only the spaces' probe: no env stepped to choose the workers


def _same_step_cartpoles(num_envs: int) -> gym.vector.VectorEnv:
    """gymnasium's SyncVectorEnv of Python CartPoles cut at 20 steps (truncations), same-step autoreset."""
    return gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1", max_episode_steps=20)] * num_envs,
                                    autoreset_mode=gym.vector.AutoresetMode.SAME_STEP)


def test_a3c_on_a_worker_vector_env_trains_as_on_the_same_envs_stepped_one_by_one():
    """vectorization_mode="vector_entry_point": each worker steps one vector env of its envs
    (make(num_envs)); seeded the same way (env e of worker w: seed + w * envs_per_worker + e)
    and autoresetting on the same step, one worker's run equals the "sync" run bit for bit,
    truncated episodes' bootstraps (info["final_obs"]) included."""
    common = dict(seed=3, num_workers=1, envs_per_worker=4, total_steps=4000, stop_eval_episodes=0)
    by_one = fastac.A3C(lambda: gym.make("CartPole-v1", max_episode_steps=20), **common)
    by_one.learn()
    vector = fastac.A3C(_same_step_cartpoles, vectorization_mode="vector_entry_point", **common)
    vector.learn()
    assert vector.num_timesteps == by_one.num_timesteps == 4000
    np.testing.assert_array_equal(np.asarray(vector.policy.network.parameters),
                                  np.asarray(by_one.policy.network.parameters))
    assert np.asarray(vector.policy.network.parameters).std() > 0


def test_a3c_on_a_worker_vector_env_confirms_its_stop_with_evaluation_envs_of_the_same_kind():
    result = fastac.train_a3c(_same_step_cartpoles, vectorization_mode="vector_entry_point", num_workers=1,
                              envs_per_worker=4, seed=2**50, stop_at_return=15, stop_eval_episodes=5,
                              total_steps=200_000)
    assert result.stop_reason == "stop_at_return"


def test_a3c_vector_entry_point_refuses_what_a_worker_cannot_step():
    make = _same_step_cartpoles
    mode = dict(vectorization_mode="vector_entry_point", num_workers=1)
    with pytest.raises(ValueError, match="autoreset.*same step"):  # NEXT_STEP
        fastac.A3C(lambda n: gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1")] * n), **mode)
    with pytest.raises(TypeError, match="must make a gymnasium.vector.VectorEnv, got TimeLimit"):
        fastac.A3C(lambda n: gym.make("CartPole-v1"), **mode)
    with pytest.raises(ValueError, match="asked for 1 envs, made 2"):
        fastac.A3C(lambda n: make(2), **mode)
    with pytest.raises(ValueError, match="'Acrobot-v1' has no vector entry point"):
        fastac.A3C("Acrobot-v1", native=False, **mode)
    with pytest.raises(ValueError, match="takes no autoreset_mode"):  # gymnasium's CartPoleVectorEnv
        fastac.A3C("CartPole-v1", native=False, **mode)
    with pytest.raises(TypeError, match="a gymnasium id or a callable make\\(num_envs\\)"):
        fastac.A3C(42, **mode)
    with pytest.raises(TypeError, match="a callable must take num_envs"):
        fastac.A3C(lambda: gym.make("CartPole-v1"), **mode)
