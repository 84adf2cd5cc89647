"""The ``fastac`` command line: train, eval, compare, bench, demo, compare-env."""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable, Sequence

from fastac.config import TrainConfig, _int_text
from fastac.distributed import DistributedError
from fastac.envs import reference_id
from fastac.presets import preset_config

EXIT_INTERRUPTED = 130  # the shell's code for a run stopped by Ctrl-C (128 + SIGINT)
EXIT_TERMINATED = 143  # ... and by SIGTERM (128 + SIGTERM)
DEFAULT_EVAL_ENV = "CartPole-v1"


def _positive_int(text: str) -> int:
    try:
        value = _int_text(text)  # also "1e5"
    except (ValueError, OverflowError):
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


def _field_type(f: dataclasses.Field[Any]) -> Callable[[str], Any]:
    """The argparse type of a config field: parse the text, then run the field's own check,
    so that a bad value is reported against the option by argparse (exit 2)."""
    parse = f.metadata["cli_type"]
    if parse is None:
        base = str(f.type).split(" |")[0]
        parse = {"int": int, "float": float, "str": str}[base]

    def convert(text: str) -> Any:
        try:
            if text.lower() == "none" and "None" in str(f.type):
                return None
            return f.metadata["check"](f.name, parse(text))
        except (TypeError, ValueError) as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return convert


def _add_hyperparameters(p: argparse.ArgumentParser) -> None:
    """One option per TrainConfig field (fastac/config.py), plus --algo and --config."""
    p.add_argument("--algo", choices=("a3c", "a2c"), default="a3c", help="algorithm (default a3c)")
    p.add_argument("--config", default=None, metavar="FILE",
                   help="a YAML or JSON file of TrainConfig fields (see fastac.TrainConfig); options override it")
    p.add_argument("--preset", action=argparse.BooleanOptionalAction, default=True,
                   help="without --config, start from the env's tuned hyperparameters (fastac.presets.PRESETS) "
                        "where it has some (default: yes)")
    for f in dataclasses.fields(TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        only = f.metadata["algorithms"]
        doc = f.metadata["doc"] + ("" if len(only) == 2 else f" ({only[0].upper()} only)")
        doc = doc.replace("%", "%%") + f" Default: {f.default}."
        if str(f.type) == "bool":
            p.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=doc)
        else:
            p.add_argument(flag, type=_field_type(f), default=None, help=doc, metavar=f.name.upper(),
                           choices=None)


def _train_config(args: argparse.Namespace) -> TrainConfig:
    """The run's config: --config's file (if any), then the options given."""
    if args.config:
        base = TrainConfig.from_file(args.config)
    else:  # the env's preset (fastac.presets), as train_a2c/train_a3c without a config
        base = preset_config(args.env or TrainConfig.env, args.algo) if args.preset else TrainConfig()
    given = {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig) if getattr(args, f.name) is not None}
    for name in given:
        field = next(f for f in dataclasses.fields(TrainConfig) if f.name == name)
        if args.algo not in field.metadata["algorithms"]:
            raise ValueError(f"--{name.replace('_', '-')} is not an option of --algo {args.algo}")
    config = dataclasses.replace(base, **given)
    # Every field, also those of the other algorithm (which the trainer never sees): a bad
    # value in --config's file is refused, not silently ignored.
    config.validated()
    return config


class _StopSignals:
    """SIGINT and SIGTERM while ``fastac train`` runs.

    While training (``raising``), the first signal raises ``KeyboardInterrupt`` in the main
    thread: the trainers stop their workers and return the partial result. Every later
    signal, and every signal once training has returned (the save, the logs), is only
    recorded, so that nothing interrupts the shutdown or the save: the model is not lost
    to an impatient second Ctrl-C. SIGTERM (``kill``, a job scheduler, a container stop) is
    treated as Ctrl-C, and the command exits with 143 instead of 130. ``restore=False``
    (the command ends the process) leaves the signals ignored on exit instead of restoring
    the previous handlers.
    """

    def __init__(self, restore: bool = True) -> None:
        self.received: list[int] = []
        self.raising = True
        self.restore = restore
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _StopSignals:
        if threading.current_thread() is threading.main_thread():  # signal.signal works there only
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for signum, handler in self._previous.items():
            # After a stop signal the command only exits (130 or 143), as it does when it ends
            # the process: ignore more of them, else one arriving during interpreter shutdown
            # (which resets Python handlers to the default action) would kill the process and
            # replace that exit status, or print a KeyboardInterrupt traceback.
            signal.signal(signum, handler if self.restore and not self.received else signal.SIG_IGN)

    def _handle(self, signum: int, frame: Any) -> None:
        self.received.append(signum)
        if self.raising and len(self.received) == 1:
            raise KeyboardInterrupt

    def exit_code(self) -> int | None:
        """143 if a SIGTERM came, 130 if a SIGINT did, else None."""
        if signal.SIGTERM in self.received:
            return EXIT_TERMINATED
        return EXIT_INTERRUPTED if self.received else None


def _check_save_path(path: str) -> None:
    """Refuses a --save path that cannot be written, before any training time is spent."""
    if os.path.isdir(path):
        raise ValueError(f"--save: {path!r} is a directory; give a file name")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise ValueError(f"--save: the directory {directory!r} does not exist")
    try:  # the one reliable test (permissions, ACLs, read-only mounts): create a file there
        fd, probe = tempfile.mkstemp(prefix=".fastac-save-check.", dir=directory)
    except OSError as error:
        raise ValueError(f"--save: cannot write in {directory!r}: {error.strerror}") from None
    os.close(fd)
    os.unlink(probe)


def latest_checkpoint(run_dir: str) -> tuple[str, int]:
    """(path, steps) of the newest ``rl_model_<steps>_steps.pt`` checkpoint in ``run_dir``
    (what ``--checkpoint-every`` writes there); a ``ValueError`` if there is none."""
    if not os.path.isdir(run_dir):
        raise ValueError(f"--resume: {run_dir!r} is not a directory")
    found = []
    for name in os.listdir(run_dir):
        match = re.fullmatch(r"rl_model_(\d+)_steps\.pt", name)
        if match:
            found.append((int(match.group(1)), name))
    if not found:
        raise ValueError(f"--resume: no checkpoint (rl_model_<steps>_steps.pt) in {run_dir!r}")
    steps, name = max(found)
    return os.path.join(run_dir, name), steps


def _train(args: argparse.Namespace) -> int:
    """Train, report progress, log, evaluate and checkpoint on the way, save.

    Distributed (started by torchrun, fastac.distributed), every process trains; rank 0
    alone prints, logs, evaluates, checkpoints and saves."""
    if args.save is not None:
        _check_save_path(args.save)
    if args.save is not None and args.no_save:
        raise ValueError("--save and --no-save: give one of them")
    if args.save_best and args.eval_every is None:
        raise ValueError("--save-best: the best model is the best of the evaluations: give --eval-every too")
    import fastac
    from fastac.callbacks import CheckpointCallback, EvalCallback
    from fastac.distributed import connect
    from fastac.monitor import TrainingMonitor, next_run_dir

    cfg = _train_config(args)
    group = connect(cfg.distributed, None, cfg.dist_timeout_s)
    main_process = group is None or group.is_main
    if not main_process:  # the other ranks train only
        args.quiet, args.save, args.no_save, args.save_best = True, None, True, False
        args.eval_every = args.checkpoint_every = args.log_dir = args.tensorboard = None
    algorithm = fastac.A3C if args.algo == "a3c" else fastac.A2C
    # Only the fields this algorithm reads; the others keep their defaults.
    names = {f.name for f in TrainConfig.fields_for(args.algo)} - {"env"}
    kwargs = {name: value for name, value in cfg.to_dict().items() if name in names}
    kwargs["hidden_sizes"] = tuple(kwargs["hidden_sizes"])
    resume = latest_checkpoint(args.resume) if args.resume is not None else None
    # The run folder (rl-zoo's logs/ALGO/ENV_N; the resumed one with --resume): the model,
    # unless --save names a file or --no-save; the best model, the checkpoints and
    # evaluations.npz.
    run_dir = None
    if resume is not None and main_process:
        run_dir = args.resume
    elif (args.save is None and not args.no_save) or args.save_best or args.checkpoint_every is not None \
            or args.eval_every is not None:
        env_name = cfg.env.replace("/", "-")
        run_dir = next_run_dir(os.path.join(args.run_dir, args.algo), env_name)
    save_path = args.save if args.save is not None else \
        (None if args.no_save or run_dir is None else os.path.join(run_dir, f"{cfg.env.replace('/', '-')}.pt"))
    monitor = TrainingMonitor(cfg.total_steps, quiet=args.quiet, log_every=args.log_every, log_dir=args.log_dir,
                              tensorboard_dir=args.tensorboard, run_name=args.run_name or args.algo.upper(),
                              max_seconds=cfg.max_seconds)
    callbacks: list[Any] = []
    if args.eval_every is not None:
        assert run_dir is not None
        # The training env itself (native where it has a native implementation), one copy.
        eval_env = fastac.envs.NATIVE_ENV_IDS.get(cfg.env, cfg.env) if cfg.native else cfg.env
        callbacks.append(EvalCallback(eval_env, n_eval_episodes=args.eval_episodes, eval_freq=args.eval_every,
                                      log_path=str(run_dir),
                                      best_model_save_path=str(run_dir) if args.save_best else None,
                                      verbose=0 if args.quiet else 1))
    if args.checkpoint_every is not None:
        assert run_dir is not None
        callbacks.append(CheckpointCallback(args.checkpoint_every, run_dir, verbose=0 if args.quiet else 1))
    callbacks.append(monitor)  # last: it logs what the evaluations recorded
    result = None
    model = None
    with _StopSignals(restore=not getattr(args, "ends_process", False)) as signals:
        try:
            try:
                if resume is None:
                    model = algorithm(cfg.env, **kwargs)
                    model.learn(callback=callbacks, callback_interval_s=0.2)
                else:  # on from the checkpoint: its config (the options given override it), its counts
                    overrides = {f.name: getattr(args, f.name) for f in TrainConfig.fields_for(args.algo)
                                 if getattr(args, f.name) is not None and f.name not in ("env", "total_steps")}
                    model = algorithm.load(resume[0], **overrides)
                    total = args.total_steps if args.total_steps is not None else model.config.total_steps
                    if total <= model.num_timesteps:
                        raise ValueError(f"--resume: {resume[0]!r} has trained {model.num_timesteps:,} steps, "
                                         f"total_steps {total:,} already")
                    if not args.quiet:
                        print(f"resuming from {resume[0]} at {model.num_timesteps:,} steps", file=sys.stderr)
                    model.learn(total - model.num_timesteps, callback=callbacks, callback_interval_s=0.2,
                                reset_num_timesteps=False)
                result = model.result
            except KeyboardInterrupt:  # before the trainer was running: there is nothing to save
                pass
            finally:
                signals.raising = False  # from here on, signals are recorded, not raised
                if model is not None:
                    model.close()
            if result is not None and model is not None and save_path is not None:
                model.save(save_path)  # first: the one thing that must not be lost
        except BaseException:
            try:
                monitor.close(result)
            except OSError:  # (a full disk fails the logs too): the first error is the one reported
                pass
            raise
        monitor.close(result)
        if result is None:
            print("fastac train: interrupted before training returned a result; nothing to save", file=sys.stderr)
        elif not args.quiet:
            if result.distributed is not None:
                print("distributed: " + ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                                                  for k, v in result.distributed.items()), file=sys.stderr)
            if save_path is not None:
                print(f"saved the model to {save_path}", file=sys.stderr)
            if run_dir is not None and (args.save_best or args.checkpoint_every is not None
                                        or args.eval_every is not None):
                print(f"evaluations, best model and checkpoints in {run_dir}", file=sys.stderr)
    code = signals.exit_code()
    if code is not None:
        return code
    return EXIT_INTERRUPTED if result is not None and result.interrupted else 0


def _model_env(policy: Any) -> str:
    """The gymnasium id a model was trained on (its metadata), for ``fastac eval`` without
    --env: ``fastac/Acrobot-v1`` (the native env) is evaluated on gymnasium's ``Acrobot-v1``."""
    env = policy.metadata.get("env")
    if not isinstance(env, str) or not env:
        return DEFAULT_EVAL_ENV
    return reference_id(env)


def _eval(args: argparse.Namespace) -> int:
    """Evaluate a saved policy on a gymnasium env (by default the one it was trained on)."""
    import fastac

    import gymnasium as gym

    from fastac.envs.namespaces import register_namespace

    render_mode = getattr(args, "render", None)
    video = getattr(args, "video", None)
    if video is not None:
        if render_mode == "human":
            raise ValueError("--video records rgb_array frames; it cannot be combined with --render human")
        try:
            import importlib

            importlib.import_module("moviepy")  # gymnasium's RecordVideo writes the mp4 files with it
        except ImportError:
            raise ImportError("--video needs moviepy: pip install 'fastac[video]'") from None
        render_mode = "rgb_array"
    policy = fastac.load(args.model)
    env_id = args.env if args.env is not None else _model_env(policy)
    hint = "" if args.env is not None else f" (the env recorded in {args.model!r}; choose one with --env)"
    env: Any = env_id
    if render_mode is not None:
        try:
            register_namespace(env_id)
            env = gym.make(env_id, render_mode=render_mode)
        except gym.error.Error as error:  # an unknown id, a render mode the env lacks, ...
            raise ValueError(f"--env: cannot make {env_id!r} with render_mode={render_mode!r}: {error}{hint}") from None
    try:
        if video is not None:
            env = gym.wrappers.RecordVideo(env, video, episode_trigger=lambda episode: True)
        mean, std = fastac.evaluate_policy(policy, env, n_eval_episodes=args.episodes,
                                           deterministic=not args.stochastic, seed=args.seed,
                                           render=render_mode == "rgb_array" and video is None)
    except ValueError as error:
        raise ValueError(f"{error}{hint}") from None
    except gym.error.DependencyNotInstalled as error:  # pygame, to render the classic-control envs
        raise ImportError(f"--render/--video: {error} (pip install 'fastac[video]')") from None
    finally:
        if not isinstance(env, str):
            env.close()  # RecordVideo writes the last episode's file here
    print(f"{env_id}, {args.episodes} episodes ({'stochastic' if args.stochastic else 'greedy'}): "
          f"mean return {mean:.2f} +/- {std:.2f}")
    if video is not None:
        print(f"wrote the episodes' videos to {video}", file=sys.stderr)
    return 0


def _compare(args: argparse.Namespace) -> int:
    """A3C against A2C with the same budget: Markdown table and PNG."""
    from fastac._atomic import atomic_write
    from fastac.comparison import compare_algorithms, markdown_table, plot_comparison

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    seeds = range(args.seed, args.seed + args.seeds)
    if not args.quiet:
        print(f"A3C and A2C on {args.env}, {args.total_steps:,} env steps each, seeds {list(seeds)} ...",
              file=sys.stderr)
    runs = compare_algorithms(args.env, seeds, args.total_steps, native=not args.no_native)
    table = markdown_table(runs, args.solve_at)
    atomic_write(out / "compare.md", (
        f"A3C vs A2C on {args.env}: {args.total_steps:,} env steps per run, seeds {list(seeds)}, "
        f"each trainer's preset for the env (fastac.presets) or its defaults; "
        f"solved = the mean of the last 100 episodes >= {args.solve_at}.\n\n{table}\n"
    ).encode())
    print(table)
    if not args.no_plot:
        plot_comparison(runs, out / "compare.png", title=f"A3C vs A2C on {args.env}", solve_at=args.solve_at)
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
    train.add_argument("--save", default=None, metavar="FILE",
                       help="write the model here (also after Ctrl-C or SIGTERM); checked before training. "
                            "Default: RUN_DIR/ALGO/ENV_N/ENV.pt (the command says where)")
    train.add_argument("--no-save", action="store_true", help="do not save the model")
    train.add_argument("--run-dir", default="logs", metavar="DIR",
                       help="the default save folder's parent, as rl-zoo's: DIR/ALGO/ENV_N, N = 1 + the largest "
                            "existing one (default ./logs)")
    train.add_argument("--eval-every", type=_positive_int, default=None, metavar="STEPS",
                       help="evaluate the greedy policy every STEPS env steps on a separate copy of the env "
                            "(EvalCallback); the results go to the run folder's evaluations.npz and TensorBoard")
    train.add_argument("--eval-episodes", type=_positive_int, default=5, metavar="N",
                       help="episodes per --eval-every evaluation (default 5)")
    train.add_argument("--save-best", action="store_true",
                       help="keep the best evaluated model as the run folder's best_model.pt (needs --eval-every)")
    train.add_argument("--checkpoint-every", type=_positive_int, default=None, metavar="STEPS",
                       help="save the model every STEPS env steps as the run folder's rl_model_<steps>_steps.pt")
    train.add_argument("--resume", default=None, metavar="RUN_DIR",
                       help="continue the run whose checkpoints (--checkpoint-every) are in RUN_DIR from the newest "
                            "one: its model, optimizer, statistics, config (options given override it) and step "
                            "count (total_steps counts them); the run's files go on in RUN_DIR. Distributed, "
                            "every process reads it (a shared or copied folder)")
    train.add_argument("--log-dir", default=None, help="write progress.csv and episodes.csv here")
    train.add_argument("--tensorboard", default=None, metavar="DIR",
                       help="write TensorBoard events in a new subfolder DIR/RUN_NAME_N, N = 1 + the largest "
                            "existing one, as Stable-Baselines3 (pip install tensorboard)")
    train.add_argument("--run-name", default=None, metavar="NAME",
                       help="the --tensorboard subfolder's name before _N (default: the algorithm, A3C or A2C)")
    train.add_argument("--log-every", type=_positive_int, default=100,
                       help="episodes between plain progress lines (no tty)")
    train.add_argument("--quiet", action="store_true", help="print nothing while training")
    train.set_defaults(run=_train)

    ev = commands.add_parser("eval", help="evaluate a saved policy on a gymnasium env")
    ev.add_argument("model", help="a file written by --save or policy.save")
    ev.add_argument("--env", default=None,
                    help="gymnasium id (default: the env the model was trained on, as gymnasium's own "
                         "implementation, e.g. Acrobot-v1 for fastac/Acrobot-v1; CartPole-v1 if the file names none)")
    ev.add_argument("--episodes", type=_positive_int, default=100, help="episodes (default 100)")
    ev.add_argument("--seed", type=int, default=None, help="episode i is reset with seed + i")
    ev.add_argument("--stochastic", action="store_true", help="sample actions instead of the greedy ones")
    ev.add_argument("--render", choices=("human", "rgb_array"), default=None,
                    help="make the env with this render_mode (human: a window; rgb_array: render() "
                         "every step); needs pygame for the classic-control envs")
    ev.add_argument("--video", default=None, metavar="DIR",
                    help="record every evaluated episode as an mp4 in DIR (gymnasium's RecordVideo; "
                         "pip install 'fastac[video]')")
    ev.set_defaults(run=_eval)

    cmp = commands.add_parser("compare", help="A3C vs A2C with the same budget: Markdown table and PNG")
    cmp.add_argument("--env", default="CartPole-v1", help="any gymnasium id (default CartPole-v1)")
    cmp.add_argument("--no-native", action="store_true",
                     help="train on gymnasium's Python env even where fastac has a native one")
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
    args.ends_process = argv is None  # the console script, python -m fastac
    try:
        try:
            code = args.run(args)
        except (ValueError, TypeError, ImportError, OSError) as error:
            parser.exit(2, f"fastac {args.command}: error: {error}\n")
        except DistributedError as error:  # another process died, hangs or failed
            message = f"fastac {args.command}: distributed run failed: {error}\n"
            if args.ends_process:  # the process ends here: not through an interpreter shutdown that a
                sys.stderr.write(message)  # request left inside gloo could abort
                sys.stderr.flush()
                sys.stdout.flush()
                os._exit(1)
            parser.exit(1, message)
        except KeyboardInterrupt:
            parser.exit(EXIT_INTERRUPTED, f"fastac {args.command}: interrupted\n")
        sys.exit(code)
    finally:
        if args.ends_process and threading.current_thread() is threading.main_thread():
            # A Ctrl-C or SIGTERM during interpreter shutdown must neither print a traceback
            # nor replace the exit status of a command that has done its work.
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, signal.SIG_IGN)
