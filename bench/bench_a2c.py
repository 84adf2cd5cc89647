"""A2C: fastac.train_a2c against Stable-Baselines3 A2C, in one run.

    .venv/bin/python bench/bench_a2c.py [--seeds 5] [--no-sb3]

- Throughput (env steps/s, median of 3 fixed-budget runs, no stopping) with 8 envs:
  fastac on the native CartPole; fastac and SB3 on gymnasium's own Python CartPole-v1
  and Acrobot-v1 (fastac through ``gymnasium.make_vec(..., vectorization_mode="sync")``,
  SB3 through its ``make_vec_env``, both one process).
- Time to solve CartPole-v1 (stop_at_return=475), median over seeds, with env steps:
  fastac native, fastac on gymnasium's Python env, and SB3 (rl-zoo settings) on it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import gymnasium as gym

import fastac

sys.path.insert(0, str(Path(__file__).parent))
import sb3_peer  # noqa: E402

N_ENVS = 8


def fastac_rate(env: str, native: bool, steps: int) -> float:
    runs = [fastac.train_a2c(env, num_envs=N_ENVS, native=native, total_steps=steps, seed=s) for s in range(3)]
    return statistics.median(r.env_steps / r.wall_time_s for r in runs)


def sb3_rate(env: str, steps: int) -> float:
    return statistics.median(
        (lambda p: p.env_steps / p.wall_time_s)(sb3_peer.sb3_a2c(env, n_envs=N_ENVS, seed=s, total_steps=steps))
        for s in range(3)
    )


def gymnasium_eval(policy) -> float:
    return fastac.evaluate_policy(policy, gym.make("CartPole-v1"), 100, seed=10_000)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--no-sb3", action="store_true", help="skip the Stable-Baselines3 peer")
    args = parser.parse_args()
    sb3 = not args.no_sb3 and sb3_peer.available()

    print(f"throughput, {N_ENVS} envs, env steps/s (median of 3)")
    print(f"  fastac A2C, native CartPole-v1: {fastac_rate('CartPole-v1', True, 1_000_000):,.0f}")
    for env, steps in (("CartPole-v1", 100_000), ("Acrobot-v1", 50_000)):
        ours = fastac_rate(env, False, steps)
        line = f"  {env} (gymnasium's Python env): fastac A2C {ours:,.0f}"
        if sb3:
            theirs = sb3_rate(env, steps // 5)
            line += f", SB3 A2C {theirs:,.0f}, ratio {ours / theirs:.1f}x"
        print(line, flush=True)

    print(f"time to solve CartPole-v1 (stop_at_return=475), {N_ENVS} envs")
    rows: dict[str, list[tuple[float, int, float]]] = {}
    for label, native in (("fastac A2C, native env", True), ("fastac A2C, gymnasium env", False)):
        rows[label] = []
        for seed in range(args.seeds):
            r = fastac.train_a2c("CartPole-v1", num_envs=N_ENVS, native=native, stop_at_return=475, seed=seed,
                                 total_steps=3_000_000, max_seconds=600)
            rows[label].append((r.wall_time_s, r.env_steps, gymnasium_eval(r.policy)))
            print(f"  {label} seed {seed}: {r.stop_reason} in {r.wall_time_s:.2f} s, {r.env_steps:,} steps, "
                  f"gymnasium eval {rows[label][-1][2]:.1f}", flush=True)
    if sb3:
        label = "SB3 A2C, gymnasium env"
        rows[label] = []
        for seed in range(args.seeds):
            p = sb3_peer.sb3_a2c("CartPole-v1", n_envs=N_ENVS, seed=seed, total_steps=500_000, stop_at_return=475)
            rows[label].append((p.wall_time_s, p.env_steps, float("nan")))
            print(f"  {label} seed {seed}: {'solved' if p.solved else 'NOT solved'} in {p.wall_time_s:.1f} s, "
                  f"{p.env_steps:,} steps", flush=True)
    for label, runs in rows.items():
        print(f"  {label}: median {statistics.median(x[0] for x in runs):.2f} s, "
              f"{statistics.median(x[1] for x in runs):,.0f} env steps (over {len(runs)} seeds)")


if __name__ == "__main__":
    main()
