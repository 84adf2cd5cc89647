"""The ``fastac`` command line."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence


def _demo(args: argparse.Namespace) -> int:
    """Train A3C on the native CartPole, then evaluate the policy on gymnasium's own CartPole-v1."""
    import gymnasium as gym

    import fastac

    print(f"Training A3C on native CartPole-v1 (seed {args.seed}) until the mean return of 100 episodes >= 475 ...")
    result = fastac.train_a3c("CartPole-v1", stop_at_return=475, seed=args.seed, max_seconds=120)
    print(
        f"  {result.stop_reason}: {result.env_steps:,} env steps, {result.episodes:,} episodes "
        f"in {result.wall_time_s:.2f} s ({result.env_steps / result.wall_time_s:,.0f} steps/s), "
        f"last-100 mean return {result.mean_return():.1f}"
    )
    mean, std = fastac.evaluate_policy(result.policy, gym.make("CartPole-v1"), args.episodes, seed=args.seed)
    print(f"Evaluation on gymnasium's CartPole-v1, {args.episodes} episodes: {mean:.1f} +/- {std:.1f}")
    return 0


def _compare_env(args: argparse.Namespace) -> int:
    from fastac.envs.compare import compare_with_gymnasium, format_comparison

    rows, identical = compare_with_gymnasium(episodes=args.episodes, seed=args.seed)
    print(format_comparison(rows, identical, args.episodes))
    return 0 if identical else 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``fastac`` command."""
    parser = argparse.ArgumentParser(prog="fastac", description="Fast actor-critic RL on the CPU.")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="train A3C on native CartPole, evaluate on gymnasium's CartPole-v1")
    demo.add_argument("--episodes", type=int, default=100, help="evaluation episodes (default 100)")
    demo.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    demo.set_defaults(run=_demo)
    env = commands.add_parser("compare-env", help="native CartPole against gymnasium's: identical results, speed")
    env.add_argument("--episodes", type=int, default=200, help="episodes compared (default 200)")
    env.add_argument("--seed", type=int, default=0, help="seed of the comparison (default 0)")
    env.set_defaults(run=_compare_env)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``fastac`` console script and ``python -m fastac``."""
    args = build_parser().parse_args(argv)
    sys.exit(args.run(args))
