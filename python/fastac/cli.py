"""The ``fastac`` command line: train, eval, compare, bench, demo, compare-env."""

from __future__ import annotations

import argparse
import inspect
import sys
from pathlib import Path
from typing import Any, Sequence

EXIT_INTERRUPTED = 130  # the shell's code for a run stopped by Ctrl-C


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


def _hidden_sizes(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"hidden sizes must be comma-separated integers, got {text!r}") from None


def _add_hyperparameters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--algo", choices=("a3c", "a2c"), default="a3c", help="algorithm (default a3c)")
    p.add_argument("--env", default="CartPole-v1", help="gymnasium id (default CartPole-v1; A3C needs a native env)")
    p.add_argument("--total-steps", type=int, default=None, help="env steps budget")
    p.add_argument("--stop-at-return", type=float, default=None, help="stop once the last-100 mean return reaches it")
    p.add_argument("--max-seconds", type=float, default=None, help="wall-time budget")
    p.add_argument("--seed", type=int, default=None, help="seed (weights, envs, sampling)")
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--gamma", type=float, default=None)
    p.add_argument("--entropy-coef", type=float, default=None)
    p.add_argument("--value-coef", type=float, default=None)
    p.add_argument("--max-grad-norm", type=float, default=None)
    p.add_argument("--gae-lambda", type=float, default=None)
    p.add_argument("--optimizer", choices=("rmsprop", "adam", "sgd"), default=None)
    p.add_argument("--hidden-sizes", type=_hidden_sizes, default=None, help="trunk sizes, e.g. 128 or 64,64")
    p.add_argument("--num-workers", type=int, default=None, help="A3C worker threads")
    p.add_argument("--envs-per-worker", type=int, default=None, help="A3C envs per worker")
    p.add_argument("--t-max", type=int, default=None, help="A3C steps per env between updates")
    p.add_argument("--num-envs", type=int, default=None, help="A2C parallel envs")
    p.add_argument("--n-steps", type=int, default=None, help="A2C steps per env between updates")


_A3C_ONLY = ("num_workers", "envs_per_worker", "t_max")
_A2C_ONLY = ("num_envs", "n_steps")
_COMMON = ("total_steps", "stop_at_return", "max_seconds", "seed", "lr", "gamma", "entropy_coef", "value_coef",
           "max_grad_norm", "gae_lambda", "optimizer", "hidden_sizes")


def _train_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """The options given on the command line, as keyword arguments of the chosen trainer."""
    own, other = (_A3C_ONLY, _A2C_ONLY) if args.algo == "a3c" else (_A2C_ONLY, _A3C_ONLY)
    for name in other:
        if getattr(args, name) is not None:
            raise ValueError(f"--{name.replace('_', '-')} is not an option of --algo {args.algo}")
    return {name: getattr(args, name) for name in _COMMON + own if getattr(args, name) is not None}


def _train(args: argparse.Namespace) -> int:
    """Train, report progress, log, save."""
    import fastac
    from fastac.monitor import TrainingMonitor

    kwargs = _train_kwargs(args)
    train = fastac.train_a3c if args.algo == "a3c" else fastac.train_a2c
    total = kwargs.get("total_steps", inspect.signature(train).parameters["total_steps"].default)
    monitor = TrainingMonitor(total, quiet=args.quiet, log_every=args.log_every, log_dir=args.log_dir,
                              tensorboard_dir=args.tensorboard)
    result = None
    try:
        result = train(args.env, callback=monitor, callback_interval_s=0.2, **kwargs)
    finally:
        monitor.close(result)
    if args.save:
        result.policy.save(args.save)
        if not args.quiet:
            print(f"saved the policy to {args.save}", file=sys.stderr)
    return EXIT_INTERRUPTED if result.interrupted else 0


def _eval(args: argparse.Namespace) -> int:
    """Evaluate a saved policy on a gymnasium env."""
    import fastac

    policy = fastac.load(args.model)
    mean, std = fastac.evaluate_policy(policy, args.env, n_eval_episodes=args.episodes,
                                       deterministic=not args.stochastic, seed=args.seed)
    print(f"{args.env}, {args.episodes} episodes ({'stochastic' if args.stochastic else 'greedy'}): "
          f"mean return {mean:.2f} +/- {std:.2f}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    """A3C against A2C with the same budget: Markdown table and PNG."""
    from fastac.comparison import compare_algorithms, markdown_table, plot_comparison

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    seeds = range(args.seed, args.seed + args.seeds)
    if not args.quiet:
        print(f"A3C and A2C on {args.env}, {args.total_steps:,} env steps each, seeds {list(seeds)} ...",
              file=sys.stderr)
    runs = compare_algorithms(args.env, seeds, args.total_steps)
    table = markdown_table(runs, args.solve_at)
    (out / "compare.md").write_text(
        f"A3C vs A2C on {args.env}: {args.total_steps:,} env steps per run, seeds {list(seeds)}, "
        f"defaults of each trainer; solved = the mean of the last 100 episodes >= {args.solve_at}.\n\n{table}\n"
    )
    print(table)
    if not args.no_plot:
        plot_comparison(runs, out / "compare.png", title=f"A3C vs A2C on {args.env}")
        print(f"wrote {out / 'compare.md'} and {out / 'compare.png'}", file=sys.stderr)
    return 0


def _bench(args: argparse.Namespace) -> int:
    """Env and training throughput on this machine, short runs."""
    import fastac
    from fastac.envs.compare import make_vector, time_vector

    n = 1024
    rows = [(f"gymnasium CartPoleVectorEnv, N={n}, steps/s", time_vector(make_vector("CartPole-v1", n), args.seconds, n)),
            (f"fastac CartPoleVectorEnv, N={n}, steps/s",
             time_vector(make_vector("fastac/CartPole-v1", n), args.seconds, n))]
    for workers in (1, 2):
        r = fastac.train_a3c(total_steps=10**12, max_seconds=args.seconds, num_workers=workers, seed=0)
        rows.append((f"A3C training, {workers} worker(s), env steps/s", r.env_steps / r.wall_time_s))
    r = fastac.train_a2c("CartPole-v1", total_steps=10**12, max_seconds=args.seconds, seed=0)
    rows.append(("A2C training, 8 native envs, env steps/s", r.env_steps / r.wall_time_s))
    print("| measure | value |\n| --- | ---: |")
    for label, value in rows:
        print(f"| {label} | {value:,.0f} |")
    return 0


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

    train = commands.add_parser("train", help="train A3C or A2C; progress, logs, --save")
    _add_hyperparameters(train)
    train.add_argument("--save", default=None, help="write the policy here (also after Ctrl-C)")
    train.add_argument("--log-dir", default=None, help="write progress.csv and episodes.csv here")
    train.add_argument("--tensorboard", default=None, help="write TensorBoard events here (pip install tensorboard)")
    train.add_argument("--log-every", type=_positive_int, default=100,
                       help="episodes between plain progress lines (no tty)")
    train.add_argument("--quiet", action="store_true", help="print nothing while training")
    train.set_defaults(run=_train)

    ev = commands.add_parser("eval", help="evaluate a saved policy on a gymnasium env")
    ev.add_argument("model", help="a file written by --save or policy.save")
    ev.add_argument("--env", default="CartPole-v1", help="gymnasium id (default CartPole-v1, gymnasium's own)")
    ev.add_argument("--episodes", type=_positive_int, default=100, help="episodes (default 100)")
    ev.add_argument("--seed", type=int, default=None, help="episode i is reset with seed + i")
    ev.add_argument("--stochastic", action="store_true", help="sample actions instead of the greedy ones")
    ev.set_defaults(run=_eval)

    cmp = commands.add_parser("compare", help="A3C vs A2C with the same budget: Markdown table and PNG")
    cmp.add_argument("--env", default="CartPole-v1")
    cmp.add_argument("--seeds", type=_positive_int, default=5, help="number of seeds (default 5)")
    cmp.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    cmp.add_argument("--total-steps", type=int, default=300_000, help="env steps per run (default 300,000)")
    cmp.add_argument("--solve-at", type=float, default=475.0, help="return that counts as solved (default 475)")
    cmp.add_argument("--out", default="compare", help="output folder (default ./compare)")
    cmp.add_argument("--no-plot", action="store_true", help="skip the PNG (no matplotlib needed)")
    cmp.add_argument("--quiet", action="store_true")
    cmp.set_defaults(run=_compare)

    bench = commands.add_parser("bench", help="env and training throughput on this machine")
    bench.add_argument("--seconds", type=_positive_float, default=1.0, help="length of each measurement (default 1)")
    bench.set_defaults(run=_bench)

    demo = commands.add_parser("demo", help="train A3C on native CartPole, evaluate on gymnasium's CartPole-v1")
    demo.add_argument("--episodes", type=_positive_int, default=100, help="evaluation episodes (default 100)")
    demo.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    demo.set_defaults(run=_demo)
    env = commands.add_parser("compare-env", help="native CartPole against gymnasium's: identical results, speed")
    env.add_argument("--episodes", type=_positive_int, default=200, help="episodes compared (default 200)")
    env.add_argument("--seed", type=int, default=0, help="seed of the comparison (default 0)")
    env.set_defaults(run=_compare_env)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``fastac`` console script and ``python -m fastac``.

    Bad options exit with status 2 and a message naming the option, as argparse does.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.run(args)
    except (ValueError, TypeError, ImportError, OSError) as error:
        parser.exit(2, f"fastac {args.command}: error: {error}\n")
    sys.exit(code)
