"""evaluate_policy on gymnasium vector envs, and ``fastac eval --render/--video``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import fastac


@pytest.fixture(scope="module")
def trained_policy() -> fastac.ActorCriticPolicy:
    # A3C on the native CartPole: a solved policy in well under a second.
    result = fastac.train_a3c("CartPole-v1", stop_at_return=475, seed=0, max_seconds=60)
    return result.policy


def _vector(n: int = 4, mode: AutoresetMode = AutoresetMode.NEXT_STEP) -> gym.vector.SyncVectorEnv:
    return gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1") for _ in range(n)], autoreset_mode=mode)


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
@pytest.mark.parametrize("n_eval_episodes", [10, 3, 1])
def test_vector_env_episode_counts_and_lengths(trained_policy, mode, n_eval_episodes):
    env = _vector(4, mode)
    returns, lengths = fastac.evaluate_policy(trained_policy, env, n_eval_episodes=n_eval_episodes, seed=0,
                                              return_episode_rewards=True)
    assert len(returns) == len(lengths) == n_eval_episodes
    assert all(isinstance(r, float) for r in returns) and all(isinstance(n, int) for n in lengths)
    assert all(1 <= n <= 500 for n in lengths)
    # CartPole pays 1 per step: each return is its episode's length (no reset row counted).
    assert returns == [float(n) for n in lengths]
    env.close()


def test_vector_env_matches_the_single_env_path(trained_policy):
    vec_mean, vec_std = fastac.evaluate_policy(trained_policy, _vector(4), n_eval_episodes=8, seed=0)
    one_mean, _ = fastac.evaluate_policy(trained_policy, gym.make("CartPole-v1"), n_eval_episodes=8, seed=0)
    assert 0.0 <= vec_std and 1.0 <= vec_mean <= 500.0
    assert one_mean >= 400 and vec_mean >= 400  # a solved policy, whichever path


def test_vector_env_episode_targets_as_stable_baselines3():
    # A fixed policy on a vector env whose sub-env i always lasts i + 1 steps: SB3's static
    # split gives sub-env i (n + i) // num_envs episodes, so the lengths are predictable.
    class Fixed(gym.Env):
        observation_space = gym.spaces.Box(-1.0, 1.0, (2,), np.float32)
        action_space = gym.spaces.Discrete(2)

        def __init__(self, length: int) -> None:
            self.length, self.t = length, 0

        def reset(self, *, seed=None, options=None):
            super().reset(seed=seed)
            self.t = 0
            return np.zeros(2, np.float32), {}

        def step(self, action):
            self.t += 1
            return np.zeros(2, np.float32), 2.0, self.t >= self.length, False, {}

    policy = fastac.ActorCriticPolicy(2, 2, seed=0)
    for mode in (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP):
        env = gym.vector.SyncVectorEnv([lambda i=i: Fixed(i + 1) for i in range(3)], autoreset_mode=mode)
        returns, lengths = fastac.evaluate_policy(policy, env, n_eval_episodes=7, return_episode_rewards=True)
        # targets: [(7 + 0) // 3, (7 + 1) // 3, (7 + 2) // 3] = [2, 2, 3]
        assert sorted(lengths) == [1, 1, 2, 2, 3, 3, 3], mode
        assert returns == [2.0 * n for n in lengths]


def test_disabled_autoreset_vector_env_is_refused():
    policy = fastac.ActorCriticPolicy(4, 2, seed=0)
    env = _vector(2, AutoresetMode.DISABLED)
    with pytest.raises(ValueError, match="DISABLED"):
        fastac.evaluate_policy(policy, env, n_eval_episodes=2)
    env.close()


def test_vector_env_spaces_are_checked():
    policy = fastac.ActorCriticPolicy(6, 3, seed=0)  # an Acrobot policy
    env = _vector(2)
    with pytest.raises(ValueError, match="observation space"):
        fastac.evaluate_policy(policy, env, n_eval_episodes=2)
    env.close()


# --------------------------------------------------------------------------------------
# fastac eval --render / --video
# --------------------------------------------------------------------------------------


def _fastac(*argv: str, pythonpath: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYGAME_HIDE_SUPPORT_PROMPT="1")
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "fastac", *argv], capture_output=True, text=True,
                          timeout=180, env=env)


@pytest.fixture(scope="module")
def native_model(trained_policy, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("model") / "model.pt"
    trained_policy.save(path)
    assert fastac.load(path).metadata.get("env") == "fastac/CartPole-v1"  # evaluated on gymnasium's id
    return path


def test_eval_video_writes_mp4(native_model, tmp_path):
    pytest.importorskip("moviepy", reason="fastac eval --video needs moviepy (pip install 'fastac[video]')")
    pytest.importorskip("pygame", reason="CartPole's rgb_array rendering needs pygame")
    videos = tmp_path / "videos"
    proc = _fastac("eval", str(native_model), "--video", str(videos), "--episodes", "2", "--seed", "0")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("CartPole-v1, 2 episodes")
    assert len(list(videos.glob("*.mp4"))) >= 1, list(videos.iterdir())


def test_eval_render_rgb_array_runs(native_model):
    pytest.importorskip("pygame", reason="CartPole's rgb_array rendering needs pygame")
    proc = _fastac("eval", str(native_model), "--render", "rgb_array", "--episodes", "1", "--seed", "0")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("CartPole-v1, 1 episodes")


def test_eval_video_without_moviepy_exits_2_naming_the_extra(native_model, tmp_path):
    fake = tmp_path / "fake"
    (fake / "moviepy").mkdir(parents=True)
    (fake / "moviepy" / "__init__.py").write_text("raise ImportError('No module named moviepy')\n")
    proc = _fastac("eval", str(native_model), "--video", str(tmp_path / "v"), "--episodes", "1",
                   pythonpath=str(fake))
    assert proc.returncode == 2
    assert "fastac[video]" in proc.stderr and "Traceback" not in proc.stderr


def test_eval_video_with_render_human_is_refused(native_model, tmp_path):
    proc = _fastac("eval", str(native_model), "--video", str(tmp_path / "v"), "--render", "human")
    assert proc.returncode == 2 and "--render human" in proc.stderr and "Traceback" not in proc.stderr
