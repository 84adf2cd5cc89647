"""A3C on native CartPole-v1: training throughput and time to solve.

    .venv/bin/python bench/bench_a3c.py [--seeds 5]

Throughput: env steps/s of a fixed 2M-step run with 1 and 2 workers (median of 3).
Time to solve: the train call with stop_at_return=475 (mean of the last 100
episodes), median over seeds, with the env steps used and the policy's mean
return over 100 episodes of gymnasium's own CartPole-v1.
"""

from __future__ import annotations

import argparse
import statistics

import gymnasium as gym

import fastac


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()

    rates = {}
    for workers in (1, 2):
        runs = [fastac.train_a3c(total_steps=2_000_000, num_workers=workers, seed=s) for s in range(3)]
        rates[workers] = statistics.median(r.env_steps / r.wall_time_s for r in runs)
        print(f"throughput, {workers} worker(s): {rates[workers]:,.0f} env steps/s (median of 3)")
    print(f"scaling 1 -> 2 workers: {rates[2] / rates[1]:.2f}x")

    rows = []
    for seed in range(args.seeds):
        r = fastac.train_a3c(stop_at_return=475, seed=seed, max_seconds=60)
        mean, _ = fastac.evaluate_policy(r.policy, gym.make("CartPole-v1"), 100, seed=10_000)
        rows.append((r.wall_time_s, r.env_steps, mean, r.stop_reason))
        print(f"seed {seed}: {r.stop_reason} in {r.wall_time_s:.2f} s, {r.env_steps:,} steps, gymnasium eval {mean:.1f}")
    print(
        f"time to solve (2 workers, median of {args.seeds}): {statistics.median(x[0] for x in rows):.2f} s, "
        f"{statistics.median(x[1] for x in rows):,.0f} env steps"
    )


if __name__ == "__main__":
    main()
