"""A3C on the native Acrobot-v1: time to solve and the policy on gymnasium's own env.

    .venv/bin/python bench/bench_a3c_acrobot.py [--seeds 5] [--entropy-coef 0.01]

Each seed trains ``train_a3c("Acrobot-v1", stop_at_return=-100, entropy_coef=...)`` (2
workers, the other defaults), then evaluates the returned policy greedily on 100
episodes of ``gymnasium.make("Acrobot-v1")``. Prints the median wall time and the mean
greedy return per seed. Target (issue 12): mean greedy return >= -100, median <= 3 s.
"""

from __future__ import annotations

import argparse
import statistics

import gymnasium as gym

import fastac


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--entropy-coef", type=float, default=0.01)
    args = parser.parse_args()
    times, scores = [], []
    for seed in range(args.seeds):
        r = fastac.train_a3c("Acrobot-v1", stop_at_return=-100, entropy_coef=args.entropy_coef, seed=seed,
                             total_steps=5_000_000, max_seconds=60)
        mean, std = fastac.evaluate_policy(r.policy, gym.make("Acrobot-v1"), n_eval_episodes=100, seed=10_000 + seed,
                                           deterministic=True)
        times.append(r.wall_time_s)
        scores.append(mean)
        print(f"seed {seed}: {r.stop_reason} in {r.wall_time_s:.2f} s, {r.env_steps:,} env steps; "
              f"gymnasium Acrobot-v1, 100 greedy episodes: {mean:.1f} +/- {std:.1f}", flush=True)
    print(f"median time {statistics.median(times):.2f} s; greedy mean >= -100 in "
          f"{sum(s >= -100 for s in scores)} of {len(scores)} seeds (mean of means {statistics.mean(scores):.1f})")


if __name__ == "__main__":
    main()
