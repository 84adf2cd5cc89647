"""The learning-quality suite: fastac's presets against Stable-Baselines3 A2C with rl-zoo's
hyperparameters, on gymnasium's classic control and LunarLander.

    .venv/bin/python bench/suite.py [--envs CartPole-v1 ...] [--algos a3c a2c sb3] [--seeds 3]
                                    [--out bench/suite.json] [--plots docs]

For each env, algorithm and seed: one run of the algorithm's budget (fastac: its preset's
``total_steps``; SB3: rl-zoo's ``n_timesteps``), with the greedy policy evaluated every
``--eval-every`` env steps on ``--eval-episodes`` episodes of the env (fastac: its native
env where it has one, the same dynamics; evaluation time is not counted as training time).
Reported: the final greedy score on 100 episodes of gymnasium's own env, and the training
wall time at which an evaluation first reached rl-zoo's published A2C score (``TARGETS``).
SB3 is evaluated the same way (its deterministic policy, through its VecNormalize
statistics when it normalizes). Medians over seeds; ratios of SB3's time to fastac's.
LunarLander needs ``box2d`` (``pip install box2d``).
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

import fastac
from fastac.callbacks import BaseCallback

#: rl-zoo's published A2C scores and budgets (rl-baselines3-zoo benchmark.md, hyperparams/a2c.yml).
TARGETS = {
    "CartPole-v1": (500.0, 500_000),
    "Acrobot-v1": (-83.0, 500_000),
    "MountainCar-v0": (-111.0, 1_000_000),
    "MountainCarContinuous-v0": (91.0, 100_000),
    "Pendulum-v1": (-163.0, 1_000_000),
    "LunarLander-v3": (156.0, 200_000),
}

#: rl-zoo's a2c.yml entries, as SB3 A2C keywords (``normalize`` and ``n_envs`` apart).
SB3_HYPERPARAMETERS: dict[str, dict[str, Any]] = {
    "CartPole-v1": dict(n_envs=8, ent_coef=0.0),
    "Acrobot-v1": dict(n_envs=16, normalize=True, ent_coef=0.0),
    "MountainCar-v0": dict(n_envs=16, normalize=True, ent_coef=0.0),
    "MountainCarContinuous-v0": dict(n_envs=4, normalize=True, n_steps=100, use_sde=True, sde_sample_freq=16,
                                     policy_kwargs=dict(log_std_init=0.0, ortho_init=False)),
    "Pendulum-v1": dict(n_envs=8, normalize=True, gamma=0.9, n_steps=8, gae_lambda=0.9, ent_coef=0.0,
                        max_grad_norm=0.5, use_rms_prop=True, normalize_advantage=False, use_sde=True,
                        linear_lr=7e-4, policy_kwargs=dict(log_std_init=-2, ortho_init=False)),
    "LunarLander-v3": dict(n_envs=8, gamma=0.995, n_steps=5, linear_lr=0.00083, ent_coef=1e-5),
}


class _Timer:
    """Training wall time, evaluations excluded, and when the target was first reached."""

    def __init__(self, target: float) -> None:
        self.target = target
        self.start = time.perf_counter()
        self.paused = 0.0
        self.reached_s: float | None = None
        self.reached_steps: int | None = None
        self.curve: list[tuple[float, int, float]] = []  # (training seconds, steps, greedy score)

    def record(self, steps: int, evaluate: Any) -> None:
        t0 = time.perf_counter()
        training_s = t0 - self.start - self.paused
        score = float(evaluate())
        self.curve.append((training_s, steps, score))
        if self.reached_s is None and score >= self.target:
            self.reached_s, self.reached_steps = training_s, steps
        self.paused += time.perf_counter() - t0


def _eval_env_id(env_id: str) -> str:
    native = fastac.envs.NATIVE_ENV_IDS.get(env_id)
    return native if native is not None else env_id


def run_fastac(algo: str, env_id: str, seed: int, eval_every: int, eval_episodes: int) -> dict[str, Any]:
    """One fastac run. The greedy policy is copied at every ``eval_every`` steps and the
    copies are evaluated after training: A3C's workers do not pause for an evaluation, so its
    time could not be excluded otherwise."""
    target, _ = TARGETS[env_id]
    snapshots: list[tuple[float, int, Any]] = []  # (training seconds, steps, policy copy)

    class Snapshot(BaseCallback):
        def _on_training_start(self) -> None:
            self.next = eval_every
            self.start = time.perf_counter()

        def _on_step(self) -> bool:
            if self.num_timesteps >= self.next:
                self.next += eval_every * ((self.num_timesteps - self.next) // eval_every + 1)
                snapshots.append((time.perf_counter() - self.start, self.num_timesteps, copy.deepcopy(self.model.policy)))
            return True

    model_cls = fastac.A3C if algo == "a3c" else fastac.A2C
    with model_cls(env_id, seed=seed, stop_eval_episodes=0) as model:
        budget = model.config.total_steps
        start = time.perf_counter()
        model.learn(callback=Snapshot())
        total_s = time.perf_counter() - start
        final = fastac.evaluate_policy(model.policy, env_id, n_eval_episodes=100, seed=20_000)[0]
    eval_env = gym.make(_eval_env_id(env_id))  # the native env where there is one (the same dynamics, faster)
    curve, reached_s, reached_steps = [], None, None
    for training_s, steps, policy in snapshots:
        score = float(fastac.evaluate_policy(policy, eval_env, n_eval_episodes=eval_episodes, seed=10_000)[0])
        curve.append((training_s, steps, score))
        if reached_s is None and score >= target:
            reached_s, reached_steps = training_s, steps
    eval_env.close()
    return {"algo": algo, "env": env_id, "seed": seed, "budget": budget, "steps": model.num_timesteps,
            "train_s": total_s, "final": float(final), "reached_s": reached_s, "reached_steps": reached_steps,
            "curve": curve}


def run_sb3(env_id: str, seed: int, eval_every: int, eval_episodes: int) -> dict[str, Any]:
    from stable_baselines3 import A2C
    from stable_baselines3.common.callbacks import BaseCallback as SB3Callback
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import VecNormalize

    target, budget = TARGETS[env_id]
    timer = _Timer(target)
    kwargs = dict(SB3_HYPERPARAMETERS[env_id])
    n_envs, normalize = kwargs.pop("n_envs"), kwargs.pop("normalize", False)
    if "linear_lr" in kwargs:
        lr = kwargs.pop("linear_lr")
        kwargs["learning_rate"] = lambda progress: lr * progress
    env = make_vec_env(env_id, n_envs=n_envs, seed=seed)
    if normalize:
        env = VecNormalize(env)

    def greedy_score(model: Any, episodes: int, seed_base: int) -> float:
        single = gym.make(env_id)
        returns = []
        for i in range(episodes):
            obs, _ = single.reset(seed=seed_base + i)
            done, total = False, 0.0
            while not done:
                x = env.normalize_obs(obs) if normalize else obs
                action, _ = model.predict(x, deterministic=True)
                obs, reward, terminated, truncated, _ = single.step(action)
                total += float(reward)
                done = terminated or truncated
            returns.append(total)
        single.close()
        return float(np.mean(returns))

    class Evaluate(SB3Callback):
        def _on_training_start(self) -> None:
            self.next = eval_every

        def _on_step(self) -> bool:
            if self.num_timesteps >= self.next:
                self.next += eval_every
                timer.record(self.num_timesteps, lambda: greedy_score(self.model, eval_episodes, 10_000))
            return True

    model = A2C("MlpPolicy", env, seed=seed, device="cpu", verbose=0, **kwargs)
    timer.start = time.perf_counter()
    model.learn(total_timesteps=budget, callback=Evaluate())
    total_s = time.perf_counter() - timer.start - timer.paused
    final = greedy_score(model, 100, 20_000)
    return {"algo": "sb3", "env": env_id, "seed": seed, "budget": budget, "steps": int(model.num_timesteps),
            "train_s": total_s, "final": final, "reached_s": timer.reached_s, "reached_steps": timer.reached_steps,
            "curve": timer.curve}


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarize(runs: list[dict[str, Any]]) -> str:
    lines = ["| env | algorithm | final greedy score (100 ep.), per seed | reached rl-zoo's score | "
             "median time to it (s) | median steps to it | budget | median train time (s) |",
             "|---|---|---|---|---|---|---|---|"]
    for env_id in TARGETS:
        for algo in ("a3c", "a2c", "sb3"):
            rs = [r for r in runs if r["env"] == env_id and r["algo"] == algo]
            if not rs:
                continue
            reached = [r for r in rs if r["reached_s"] is not None]
            scores = ", ".join(f"{r['final']:.1f}" for r in rs)
            lines.append(f"| {env_id} | {algo} | {scores} | {len(reached)}/{len(rs)} | "
                         f"{_median([r['reached_s'] for r in reached]):.2f} | "
                         f"{_median([float(r['reached_steps']) for r in reached]):,.0f} | {rs[0]['budget']:,} | "
                         f"{_median([r['train_s'] for r in rs]):.1f} |")
    return "\n".join(lines)


def plot(runs: list[dict[str, Any]], folder: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for env_id, (target, _) in TARGETS.items():
        rs = [r for r in runs if r["env"] == env_id and r["curve"]]
        if not rs:
            continue
        fig, ax = plt.subplots(figsize=(7, 4))
        colors = {"a3c": "tab:blue", "a2c": "tab:orange", "sb3": "tab:green"}
        labelled: set[str] = set()
        for r in rs:
            t, _, score = zip(*r["curve"])
            label = {"a3c": "fastac A3C", "a2c": "fastac A2C", "sb3": "SB3 A2C (rl-zoo)"}[r["algo"]]
            ax.plot(t, score, color=colors[r["algo"]], alpha=0.8, label=None if label in labelled else label)
            labelled.add(label)
        ax.axhline(target, color="gray", linestyle="--", label=f"rl-zoo A2C score {target:g}")
        ax.set_xscale("log")
        ax.set_xlabel("training wall time (s, log scale; evaluations excluded)")
        ax.set_ylabel("greedy evaluation score")
        ax.set_title(f"{env_id}: one line per seed")
        ax.legend(loc="lower right")
        fig.tight_layout()
        fig.savefig(folder / f"suite_{env_id}.png", dpi=100)
        plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--envs", nargs="+", default=list(TARGETS), choices=list(TARGETS))
    parser.add_argument("--algos", nargs="+", default=["a3c", "a2c", "sb3"], choices=["a3c", "a2c", "sb3"])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0, help="run seeds first-seed .. first-seed + seeds - 1")
    parser.add_argument("--eval-every", type=int, default=20_000, help="env steps between evaluations")
    parser.add_argument("--eval-episodes", type=int, default=10, help="episodes per evaluation")
    parser.add_argument("--out", default="bench/suite.json", help="all runs, as JSON (appended to if it exists)")
    parser.add_argument("--plots", default=None, metavar="DIR", help="one PNG per env here (needs matplotlib)")
    args = parser.parse_args()

    out = Path(args.out)
    runs: list[dict[str, Any]] = json.loads(out.read_text()) if out.exists() else []
    for env_id in args.envs:
        for algo in args.algos:
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                if algo == "sb3":
                    run = run_sb3(env_id, seed, args.eval_every, args.eval_episodes)
                else:
                    run = run_fastac(algo, env_id, seed, args.eval_every, args.eval_episodes)
                runs = [r for r in runs if (r["env"], r["algo"], r["seed"]) != (env_id, algo, seed)] + [run]
                out.write_text(json.dumps(runs, indent=1))
                reached = "no" if run["reached_s"] is None else f"{run['reached_s']:.2f} s"
                print(f"{env_id} {algo} seed {seed}: final {run['final']:.1f}, reached {reached}, "
                      f"train {run['train_s']:.1f} s", flush=True)
    print(summarize(runs))
    if args.plots:
        plot(runs, Path(args.plots))


if __name__ == "__main__":
    main()
