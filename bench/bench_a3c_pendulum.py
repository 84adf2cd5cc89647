"""A3C on the native Pendulum-v1 against Stable-Baselines3 A2C with rl-zoo's settings.

    .venv/bin/python bench/bench_a3c_pendulum.py [--seeds 5] [--sb3-seeds 1] [--sb3-steps 1000000]

fastac: per seed, ``train_a3c("Pendulum-v1", stop_at_return=-200)`` with the Pendulum
preset (fastac/presets.py; 2 workers): training stops once the last 100 training
episodes average >= -200 *and* 100 fresh greedy episodes confirm it; the returned policy
then plays 100 greedy episodes of gymnasium's own ``Pendulum-v1``. Reported: the median
wall time and env steps to that stop, and the gymnasium score.

Stable-Baselines3 (``pip install -e .[bench]``): A2C with rl-zoo's a2c.yml Pendulum-v1
hyperparameters (8 envs, n_steps 8, gamma 0.9, gae_lambda 0.9, vf_coef 0.4, lr 7e-4
decayed linearly, RMSProp, gSDE with log_std_init -2, no ortho init, VecNormalize of
observations and rewards) on gymnasium's env for ``--sb3-steps`` steps. Every
``--sb3-eval-every`` steps its deterministic policy plays 20 episodes of a separate
gymnasium env (the training normalization, frozen; raw rewards), as rl-zoo evaluates;
the evaluation's time is not counted. Reported: its best evaluation, and the training
time and steps when the evaluation first reached -200 (or its best, if it never did),
and the mean of its last 100 training episodes at the end.

Targets (issue 13): fastac's median <= 15 s, and >= 20x faster than SB3 to the same score.
"""

from __future__ import annotations

import argparse
import statistics
import time

import gymnasium as gym
import numpy as np

import fastac

TARGET = -200.0


def fastac_runs(seeds: int) -> list[tuple[float, int, float, str]]:
    runs = []
    for seed in range(seeds):
        r = fastac.train_a3c("Pendulum-v1", stop_at_return=TARGET, seed=seed, max_seconds=120)
        mean, std = fastac.evaluate_policy(r.policy, gym.make("Pendulum-v1"), n_eval_episodes=100,
                                           seed=10_000 + seed)
        runs.append((r.wall_time_s, r.env_steps, mean, r.stop_reason))
        print(f"fastac A3C seed {seed}: {r.stop_reason} in {r.wall_time_s:.2f} s, {r.env_steps:,} env steps; "
              f"gymnasium Pendulum-v1, 100 greedy episodes: {mean:.1f} +/- {std:.1f}", flush=True)
    return runs


def sb3_run(seed: int, total_steps: int, eval_every: int) -> tuple[float, int, float, float, int, float]:
    """(training time to TARGET or to the best evaluation, steps then, best evaluation, training
    time of the whole run, steps, mean of the last 100 training episodes)."""
    from stable_baselines3 import A2C
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import VecNormalize

    from stable_baselines3.common.evaluation import evaluate_policy

    class Track(BaseCallback):
        """Evaluates every eval_every steps; the evaluations' time is subtracted."""

        def __init__(self) -> None:
            super().__init__()
            self.start = time.perf_counter()
            self.paused = 0.0
            self.next_eval = eval_every
            self.best, self.best_at, self.target_at = -np.inf, (0.0, 0), None

        def _on_step(self) -> bool:
            if self.model.num_timesteps < self.next_eval:
                return True
            self.next_eval += eval_every
            now = (time.perf_counter() - self.start - self.paused, int(self.model.num_timesteps))
            begin = time.perf_counter()
            eval_env.obs_rms = env.obs_rms
            score, _ = evaluate_policy(self.model, eval_env, n_eval_episodes=20, deterministic=True)
            self.paused += time.perf_counter() - begin
            if score > self.best:
                self.best, self.best_at = score, now
            if self.target_at is None and score >= TARGET:
                self.target_at = now
                return False  # reached: the time to the score is known
            return True

    env = VecNormalize(make_vec_env("Pendulum-v1", n_envs=8, seed=seed), gamma=0.9)
    eval_env = VecNormalize(make_vec_env("Pendulum-v1", n_envs=1, seed=10_000 + seed), training=False,
                            norm_reward=False)
    model = A2C("MlpPolicy", env, n_steps=8, gamma=0.9, gae_lambda=0.9, ent_coef=0.0, vf_coef=0.4,
                max_grad_norm=0.5, use_rms_prop=True, normalize_advantage=False, use_sde=True,
                learning_rate=lambda progress: 7e-4 * progress,
                policy_kwargs=dict(log_std_init=-2, ortho_init=False), seed=seed, device="cpu", verbose=0)
    track = Track()
    start = time.perf_counter()
    model.learn(total_timesteps=total_steps, callback=track)
    wall = time.perf_counter() - start - track.paused
    at = track.target_at or track.best_at
    training = float(np.mean([info["r"] for info in model.ep_info_buffer]))
    return at[0], at[1], track.best, wall, int(model.num_timesteps), training


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5, help="fastac seeds (default 5)")
    parser.add_argument("--sb3-seeds", type=int, default=1, help="SB3 seeds, 0 to skip (default 1)")
    parser.add_argument("--sb3-steps", type=int, default=1_000_000, help="SB3 env steps per run (default 1M)")
    parser.add_argument("--sb3-eval-every", type=int, default=50_000, help="SB3 steps between evaluations")
    args = parser.parse_args()

    runs = fastac_runs(args.seeds)
    times = [t for t, _, _, _ in runs]
    median = statistics.median(times)
    reached = sum(reason == "stop_at_return" for *_, reason in runs)
    print(f"fastac A3C: median {median:.2f} s, {statistics.median(s for _, s, _, _ in runs):,.0f} env steps to "
          f"{TARGET:g} (reached in {reached} of {len(runs)} seeds); gymnasium greedy scores "
          f"{[round(m, 1) for _, _, m, _ in runs]}", flush=True)

    sb3_times = []
    for seed in range(args.sb3_seeds):
        at_s, at_steps, best, wall, steps, training = sb3_run(seed, args.sb3_steps, args.sb3_eval_every)
        what = f"evaluation reached {TARGET:g}" if best >= TARGET else f"best evaluation {best:.1f} (never {TARGET:g})"
        print(f"SB3 A2C rl-zoo seed {seed}: {steps:,} steps in {wall:.1f} s of training; {what} at {at_s:.1f} s, "
              f"{at_steps:,} steps; last 100 training episodes {training:.1f}", flush=True)
        sb3_times.append(at_s)
    if sb3_times:
        sb3_median = statistics.median(sb3_times)
        print(f"SB3 median time to the score {sb3_median:.1f} s; fastac {median:.2f} s: {sb3_median / median:.1f}x")


if __name__ == "__main__":
    main()
