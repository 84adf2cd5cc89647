"""A3C on native CartPole-v1 against Stable-Baselines3 A2C, in one run.

    .venv/bin/python bench/bench_a3c.py [--seeds 5] [--no-sb3]

- Throughput: env steps/s of a fixed 2M-step run with 1 and 2 workers (median of 5).
- Time to solve: ``train_a3c(stop_at_return=475)`` with the defaults (2 workers),
  median over seeds, with the env steps used; every returned policy is evaluated
  on 100 episodes of gymnasium's own CartPole-v1. Once with the default stop
  evaluation (the greedy policy must also reach 475 on 100 fresh episodes), once
  with ``stop_eval_episodes=0``: SB3's criterion alone, for an equal steps comparison.
- Peer: SB3 A2C with rl-zoo's CartPole-v1 hyperparameters (8 envs, ent_coef 0) on
  gymnasium's CartPole-v1, solved by the same criterion (mean of the last 100
  training episodes >= 475), budget 500K steps; its policy evaluated the same way.
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


def gymnasium_eval(policy) -> float:
    mean, _ = fastac.evaluate_policy(policy, gym.make("CartPole-v1"), 100, seed=10_000)
    return mean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--no-sb3", action="store_true", help="skip the Stable-Baselines3 peer")
    args = parser.parse_args()

    # 1 and 2 workers alternate, so that drifting load on the machine hits both alike.
    rates: dict[int, list[float]] = {1: [], 2: []}
    for seed in range(5):
        for workers in (1, 2):
            r = fastac.train_a3c(total_steps=2_000_000, num_workers=workers, seed=seed)
            rates[workers].append(r.env_steps / r.wall_time_s)
    for workers in (1, 2):
        print(f"fastac A3C throughput, {workers} worker(s): {statistics.median(rates[workers]):,.0f} env steps/s "
              f"(median of 5; runs {', '.join(f'{x / 1e6:.2f}M' for x in rates[workers])})")
    print(f"scaling 1 -> 2 workers: {statistics.median(rates[2]) / statistics.median(rates[1]):.2f}x")

    solved = {}
    for label, eval_episodes in (("default", 100), ("training episodes only", 0)):
        runs = []
        for seed in range(args.seeds):
            r = fastac.train_a3c(stop_at_return=475, stop_eval_episodes=eval_episodes, seed=seed, max_seconds=60)
            runs.append((r.wall_time_s, r.env_steps, gymnasium_eval(r.policy), r.stop_reason))
            print(f"fastac A3C ({label}) seed {seed}: {r.stop_reason} in {r.wall_time_s:.3f} s, {r.env_steps:,} steps, "
                  f"gymnasium eval {runs[-1][2]:.1f}")
        solved[label] = (statistics.median(x[0] for x in runs), statistics.median(x[1] for x in runs))
        print(f"fastac A3C ({label}) time to solve (median of {args.seeds}): {solved[label][0]:.3f} s, "
              f"{solved[label][1]:,.0f} env steps; gymnasium eval >= 475 in "
              f"{sum(x[2] >= 475 for x in runs)} of {len(runs)}")
    t_ours, steps_ours = solved["default"]
    steps_same_criterion = solved["training episodes only"][1]

    if args.no_sb3 or not sb3_peer.available():
        print("Stable-Baselines3 not run (pip install stable-baselines3)")
        return
    peer = []
    for seed in range(args.seeds):
        p = sb3_peer.sb3_a2c("CartPole-v1", n_envs=8, seed=seed, total_steps=500_000, stop_at_return=475)
        evaluation = gymnasium_eval(_Sb3Policy(p.model))
        peer.append((p.wall_time_s, p.env_steps, evaluation, p.solved))
        print(f"SB3 A2C seed {seed}: {'solved' if p.solved else 'NOT solved'} in {p.wall_time_s:.1f} s, "
              f"{p.env_steps:,} steps ({p.env_steps / p.wall_time_s:,.0f} steps/s), gymnasium eval {evaluation:.1f}")
    t_peer = statistics.median(x[0] for x in peer)
    steps_peer = statistics.median(x[1] for x in peer)
    print(f"SB3 A2C time to solve (median of {args.seeds}): {t_peer:.1f} s, {steps_peer:,.0f} env steps")
    print(f"SB3 A2C gymnasium eval >= 475 in {sum(x[2] >= 475 for x in peer)} of {len(peer)}")
    print(f"fastac A3C vs SB3 A2C: {t_peer / t_ours:,.0f}x faster to solve; env steps {steps_ours / steps_peer:.2f}x "
          f"SB3's (default stop), {steps_same_criterion / steps_peer:.2f}x (same criterion as SB3)")


class _Sb3Policy:
    """SB3's model.predict behind the predict(obs, deterministic) that evaluate_policy calls."""

    def __init__(self, model) -> None:
        self.model = model
        self.observation_size = model.observation_space.shape[0]
        self.num_actions = int(model.action_space.n)

    def predict(self, obs, deterministic: bool = True):
        return self.model.predict(obs, deterministic=deterministic)


if __name__ == "__main__":
    main()
