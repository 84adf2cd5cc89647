"""A3C on native CartPole-v1 against Stable-Baselines3 A2C, in one run.

    .venv/bin/python bench/bench_a3c.py [--seeds 5] [--no-sb3]

- Throughput: env steps/s of a fixed 2M-step run with 1 and 2 workers (median of 3).
- Time to solve: ``train_a3c(stop_at_return=475)`` with the defaults (2 workers),
  median over seeds, with the env steps used; every returned policy is evaluated
  on 100 episodes of gymnasium's own CartPole-v1.
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

    rates = {}
    for workers in (1, 2):
        runs = [fastac.train_a3c(total_steps=2_000_000, num_workers=workers, seed=s) for s in range(3)]
        rates[workers] = statistics.median(r.env_steps / r.wall_time_s for r in runs)
        print(f"fastac A3C throughput, {workers} worker(s): {rates[workers]:,.0f} env steps/s (median of 3)")
    print(f"scaling 1 -> 2 workers: {rates[2] / rates[1]:.2f}x")

    ours = []
    for seed in range(args.seeds):
        r = fastac.train_a3c(stop_at_return=475, seed=seed, max_seconds=60)
        ours.append((r.wall_time_s, r.env_steps, gymnasium_eval(r.policy), r.stop_reason))
        print(f"fastac A3C seed {seed}: {r.stop_reason} in {r.wall_time_s:.3f} s, {r.env_steps:,} steps, "
              f"gymnasium eval {ours[-1][2]:.1f}")
    t_ours = statistics.median(x[0] for x in ours)
    steps_ours = statistics.median(x[1] for x in ours)
    print(f"fastac A3C time to solve (median of {args.seeds}): {t_ours:.3f} s, {steps_ours:,.0f} env steps")

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
    print(f"fastac A3C vs SB3 A2C: {t_peer / t_ours:,.0f}x faster to solve, "
          f"{steps_ours / steps_peer:.2f}x the env steps")


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
