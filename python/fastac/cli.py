"""The ``fastac`` command line."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence


def _demo(args: argparse.Namespace) -> int:
    from fastac.envs.compare import compare_with_gymnasium, format_comparison

    rows, identical = compare_with_gymnasium(episodes=args.episodes, seed=args.seed)
    print(format_comparison(rows, identical, args.episodes))
    return 0 if identical else 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``fastac`` command."""
    parser = argparse.ArgumentParser(prog="fastac", description="Fast actor-critic RL on the CPU.")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="native CartPole against gymnasium's: identical results, speed")
    demo.add_argument("--episodes", type=int, default=200, help="episodes compared (default 200)")
    demo.add_argument("--seed", type=int, default=0, help="seed of the comparison (default 0)")
    demo.set_defaults(run=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``fastac`` console script and ``python -m fastac``."""
    args = build_parser().parse_args(argv)
    sys.exit(args.run(args))
