"""A3C on Python (gymnasium) environments, against fastac's A2C and Stable-Baselines3's A2C (issue 15).

    .venv/bin/python bench/bench_a3c_python_envs.py [--seeds 5] [--envs CartPole-v1 Acrobot-v1] [--no-sb3]
    .venv/bin/python bench/bench_a3c_python_envs.py --scaling-only

1. Time to solve gymnasium's own Python ``CartPole-v1`` (mean of the last 100 training
   episodes >= 475) and ``Acrobot-v1`` (>= -100), median over seeds, every trainer in the
   same run:

   - fastac A3C, workers stepping the envs in their threads (``vectorization_mode="sync"``),
     with the default workers (for a Python env A3C measures whether its step releases the
     GIL: one worker if not, else one per hardware thread), with two and with one;
   - fastac A3C, each worker's envs in ``AsyncVectorEnv`` subprocesses (``"async"``);
   - fastac A2C on ``gymnasium.make_vec`` (``native=False``);
   - SB3 A2C with rl-zoo's settings (CartPole-v1: 8 envs, ent_coef 0; Acrobot-v1: 16 envs,
     ent_coef 0, VecNormalize), on the same criterion (``bench/sb3_peer.py``).

   fastac runs use each trainer's preset for the id (``fastac.presets``) or its defaults,
   with ``stop_at_return`` at the threshold and ``stop_eval_episodes=0`` (stop on the
   training episodes, the criterion the SB3 run uses too). fastac's time is the whole
   ``train_*`` call (making the envs and the model included), SB3's its ``learn()`` call
   (``bench/sb3_peer.py``). A run that does not solve
   within its budget counts as its budget (``inf`` in the median if most do not).

2. Throughput of A3C with 1 and 2 workers on an env whose step releases the GIL: a test
   env that sleeps 100 µs in ``time.sleep`` (a GIL-free native call) per step.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sb3_peer  # noqa: E402

import fastac  # noqa: E402

THRESHOLDS = {"CartPole-v1": 475.0, "Acrobot-v1": -100.0}
RL_ZOO = {"CartPole-v1": {"n_envs": 8}, "Acrobot-v1": {"n_envs": 16, "normalize": True}}
BUDGET_STEPS = 1_000_000
BUDGET_S = 300.0


def fastac_run(algo: str, env_id: str, seed: int, **kwargs: object) -> tuple[float, bool, int]:
    train = fastac.train_a3c if algo == "a3c" else fastac.train_a2c
    start = time.perf_counter()  # the whole call: A3C's choice of workers for a Python env included
    r = train(env_id, native=False, seed=seed, stop_at_return=THRESHOLDS[env_id], stop_eval_episodes=0,
              total_steps=BUDGET_STEPS, max_seconds=BUDGET_S, **kwargs)
    return time.perf_counter() - start, r.stop_reason == "stop_at_return", r.env_steps


def sb3_run(env_id: str, seed: int) -> tuple[float, bool, int]:
    settings = dict(RL_ZOO[env_id])
    r = sb3_peer.sb3_a2c(env_id, seed=seed, total_steps=BUDGET_STEPS, stop_at_return=THRESHOLDS[env_id], **settings)
    return r.wall_time_s, r.solved, r.env_steps


def time_to_solve(args: argparse.Namespace) -> None:
    trainers = {
        "fastac A3C, threads (default)": lambda env_id, seed: fastac_run("a3c", env_id, seed),
        "fastac A3C, threads, 2 workers": lambda env_id, seed: fastac_run("a3c", env_id, seed, num_workers=2),
        "fastac A3C, threads, 1 worker": lambda env_id, seed: fastac_run("a3c", env_id, seed, num_workers=1),
        "fastac A3C, subprocesses": lambda env_id, seed: fastac_run("a3c", env_id, seed, vectorization_mode="async"),
        "fastac A2C": lambda env_id, seed: fastac_run("a2c", env_id, seed),
    }
    if not args.no_sb3 and sb3_peer.available():
        trainers["SB3 A2C (rl-zoo)"] = sb3_run
    for env_id in args.envs:
        print(f"\n{env_id} (gymnasium's Python env), solved = last-100 mean >= {THRESHOLDS[env_id]}, "
              f"seeds 0..{args.seeds - 1}", flush=True)
        results: dict[str, list[tuple[float, bool, int]]] = {name: [] for name in trainers}
        for seed in range(args.seeds):  # seeds outermost: every trainer sees the same machine drift
            for name, run in trainers.items():
                wall, solved, steps = run(env_id, seed)
                results[name].append((wall, solved, steps))
                print(f"  seed {seed} {name}: {'solved' if solved else 'NOT solved'} in {wall:.2f} s, "
                      f"{steps:,} steps", flush=True)
        print(f"\n| trainer | solved | time to solve, median (s) | env steps, median | vs SB3 A2C |")
        print("| --- | ---: | ---: | ---: | ---: |")
        medians = {name: statistics.median(w if ok else math.inf for w, ok, _ in runs)
                   for name, runs in results.items()}
        sb3 = medians.get("SB3 A2C (rl-zoo)")
        for name, runs in results.items():
            solved = sum(ok for _, ok, _ in runs)
            steps = statistics.median(s for _, _, s in runs)
            ratio = f"{sb3 / medians[name]:.1f}x faster" if sb3 is not None and math.isfinite(medians[name]) else "-"
            print(f"| {name} | {solved} of {len(runs)} | {medians[name]:.2f} | {steps:,.0f} | {ratio} |", flush=True)


class SleepyEnv(gym.Env):
    """Discrete(2), 4 observations, 200-step episodes; each step sleeps 100 µs with the GIL released."""

    observation_space = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
    action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):  # type: ignore[no-untyped-def]
        super().reset(seed=seed)
        self.t = 0
        return np.zeros(4, np.float32), {}

    def step(self, action):  # type: ignore[no-untyped-def]
        time.sleep(100e-6)
        self.t += 1
        return np.full(4, 0.1 * (self.t % 10), np.float32), 1.0, False, self.t >= 200, {}


def scaling(args: argparse.Namespace) -> None:
    print(f"\nA3C throughput on an env sleeping 100 µs per step without the GIL "
          f"(envs_per_worker 8, {args.scaling_seconds} s per run, median of {args.repeats})", flush=True)
    rates: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(args.repeats):  # alternating, so both see the same machine drift
        for workers in (1, 2):
            r = fastac.train_a3c(SleepyEnv, num_workers=workers, envs_per_worker=8, total_steps=10**12,
                                 max_seconds=args.scaling_seconds, seed=0)
            rates[workers].append(r.env_steps / r.wall_time_s)
            print(f"  {workers} worker(s): {rates[workers][-1]:,.0f} env steps/s", flush=True)
    one, two = statistics.median(rates[1]), statistics.median(rates[2])
    paired = statistics.median(b / a for a, b in zip(rates[1], rates[2]))
    print(f"\n| workers | env steps/s (median) |\n| ---: | ---: |\n| 1 | {one:,.0f} |\n| 2 | {two:,.0f} |")
    print(f"scaling 1 -> 2 workers: {two / one:.2f}x (median of paired ratios {paired:.2f}x)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--envs", nargs="+", default=list(THRESHOLDS), choices=list(THRESHOLDS))
    parser.add_argument("--no-sb3", action="store_true", help="skip Stable-Baselines3")
    parser.add_argument("--scaling-only", action="store_true")
    parser.add_argument("--repeats", type=int, default=5, help="scaling runs per worker count")
    parser.add_argument("--scaling-seconds", type=float, default=3.0)
    args = parser.parse_args()
    if not args.scaling_only:
        time_to_solve(args)
    scaling(args)


if __name__ == "__main__":
    main()
