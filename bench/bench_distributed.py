"""fastac.distributed on one machine: training throughput alone vs 2 processes, and the
cost of the exchanges themselves, in one run.

    .venv/bin/python bench/bench_distributed.py [--repeats 3] [--out bench/distributed.json]

Every process is started here with ``subprocess`` and torch.distributed's environment
(``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR=127.0.0.1``, a free ``MASTER_PORT`` per launch;
not torchrun, whose start-up is not what is measured) and prints one JSON line; the
parent runs the configurations alternately, ``--repeats`` rounds, and reports medians.

1. A2C on the native CartPole-v1, the same total envs: 1 process x ``num_envs=8``
   (``distributed="off"``) vs 2 processes x ``num_envs=4`` (data-parallel), a fixed
   ``total_steps``; with the default MLP (128,) and with ``hidden_sizes=(256, 256)``.
   steps/s = rank 0's ``result.env_steps / result.wall_time_s`` (every process's steps;
   the training loop only, not the start-up). The 2-process rows also give the time
   rank 0 spent in the gradient exchange (``GradientExchange.exchange``, timed by a
   wrapper in this script).
2. A3C on the native CartPole-v1: 1 process x 1 worker (``distributed="off"``) vs
   2 processes x 1 worker (parameter server on rank 0), ``anneal_lr=False``, a fixed
   ``total_steps``, no stop_at_return; with the exchanges rank 0 served and the
   overshoot of ``total_steps``.
3. The exchanges alone between 2 processes: a float32 ``all_reduce`` of A2C's buffer for
   the CartPole MLP, the (256, 256) MLP and a Nature-CNN-sized net (P read from
   fastac), blocking (``dist.all_reduce``) and through fastac's ``Group.all_reduce`` (its
   polling wait, what training uses); the 16-byte checksum all-reduce; and A3C's push-pull
   round trip (P + 11 floats to rank 0, P + 3 back). Microseconds, median of many.

The machine is shared: compare rows of one run, not runs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

MARK = "BENCH_JSON "
ENV = "CartPole-v1"
N_STEPS = 5  # A2C's default n_steps (the exchange's episode slots depend on it)


# ---- the workers (one process each) ------------------------------------------------------

def worker_a2c(args: dict[str, Any]) -> dict[str, Any]:
    import fastac
    from fastac import distributed

    spent = {"seconds": 0.0, "calls": 0}
    original = distributed.GradientExchange.exchange

    def timed(self: Any, *a: Any, **k: Any) -> Any:
        began = time.perf_counter()
        try:
            return original(self, *a, **k)
        finally:
            spent["seconds"] += time.perf_counter() - began
            spent["calls"] += 1

    distributed.GradientExchange.exchange = timed  # type: ignore[method-assign]
    r = fastac.train_a2c(ENV, num_envs=args["num_envs"], n_steps=N_STEPS, total_steps=args["total_steps"],
                         seed=args["seed"], hidden_sizes=tuple(args["hidden_sizes"]), stop_at_return=None,
                         distributed="off" if args["world"] == 1 else "on")
    return {"env_steps": r.env_steps, "wall_time_s": r.wall_time_s, "updates": r.updates,
            "distributed": r.distributed, "exchange_s": spent["seconds"], "exchange_calls": spent["calls"]}


def worker_a3c(args: dict[str, Any]) -> dict[str, Any]:
    import fastac

    r = fastac.train_a3c(ENV, num_workers=1, anneal_lr=False, total_steps=args["total_steps"], seed=args["seed"],
                         stop_at_return=None, distributed="off" if args["world"] == 1 else "on")
    return {"env_steps": r.env_steps, "wall_time_s": r.wall_time_s, "updates": r.updates,
            "distributed": r.distributed}


def worker_micro(args: dict[str, Any]) -> dict[str, Any]:
    import torch
    import torch.distributed as dist

    from fastac.distributed import connect

    group = connect("on", None, 120.0)
    assert group is not None and group.world_size == 2
    out: dict[str, Any] = {"all_reduce": [], "push_pull": []}

    def timed(n_iter: int, fn: Any) -> list[float]:
        for _ in range(max(5, n_iter // 10)):  # warm-up
            fn()
        dist.barrier()
        times = []
        for _ in range(n_iter):
            began = time.perf_counter()
            fn()
            times.append(time.perf_counter() - began)
        return times

    def iterations(n_floats: int) -> int:
        return int(min(args["max_iters"], max(args["min_iters"], 4e8 // max(4 * n_floats, 1))))

    for name, floats, dtype in args["all_reduce"]:
        t = torch.zeros(floats, dtype=getattr(torch, dtype))
        n = iterations(floats * t.element_size() // 4)
        blocking = timed(n, lambda: dist.all_reduce(t))
        polling = timed(n, lambda: group.all_reduce(t, "bench"))
        out["all_reduce"].append({"name": name, "floats": floats, "bytes": floats * t.element_size(), "iters": n,
                                  "blocking_us": 1e6 * statistics.median(blocking),
                                  "fastac_us": 1e6 * statistics.median(polling)})
    for name, P in args["push_pull"]:
        push, pull = torch.zeros(P + 11), torch.zeros(P + 3)
        n = iterations(P)

        if group.rank == 0:  # the server's side: any-source receive, answer
            def once() -> None:
                r = group.receive(push, None, 1, "bench push")
                group.send(pull, r, 3, "bench answer")
        else:
            def once() -> None:
                group.send(push, 0, 1, "bench push")
                group.receive(pull, 0, 3, "bench answer")
        times = timed(n, once)
        out["push_pull"].append({"name": name, "P": P, "bytes": 4 * (2 * P + 14), "iters": n,
                                 "round_trip_us": 1e6 * statistics.median(times)})
    dist.barrier()
    dist.destroy_process_group()
    return out


WORKERS = {"a2c": worker_a2c, "a3c": worker_a3c, "micro": worker_micro}


# ---- the parent ---------------------------------------------------------------------------

class LaunchError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def launch(kind: str, world: int, args: dict[str, Any], timeout_s: float) -> list[dict[str, Any]]:
    """Runs ``world`` processes of worker ``kind``; their JSON results by rank. A process that
    fails or does not finish within ``timeout_s`` (then every one is killed) is a LaunchError."""
    port = free_port()
    procs = []
    for rank in range(world):
        env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
        for v in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
            env.pop(v, None)
        if world > 1:
            env.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world), MASTER_ADDR="127.0.0.1",
                       MASTER_PORT=str(port))
        procs.append(subprocess.Popen([sys.executable, __file__, "--worker", kind, json.dumps({**args, "world": world})],
                                      env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    deadline = time.monotonic() + timeout_s
    outputs: list[tuple[str, str]] = []
    failed = None
    for rank, p in enumerate(procs):
        try:
            outputs.append(p.communicate(timeout=max(0.1, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            failed = f"{kind} x{world}: rank {rank} did not finish within {timeout_s:g} s"
            break
    if failed is not None:
        for p in procs:  # only the processes this call started, by their handles
            if p.poll() is None:
                p.kill()
        for p in procs:
            p.communicate()
        raise LaunchError(failed)
    results = []
    for rank, (p, (out, err)) in enumerate(zip(procs, outputs)):
        lines = [line[len(MARK):] for line in out.splitlines() if line.startswith(MARK)]
        if p.returncode != 0 or not lines:
            tail = "\n".join(err.strip().splitlines()[-15:])
            raise LaunchError(f"{kind} x{world}: rank {rank} exited with {p.returncode}:\n{tail}")
        results.append(json.loads(lines[-1]))
    return results


def run_configs(opts: argparse.Namespace) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    configs: list[tuple[str, str, int, dict[str, Any]]] = []
    for hidden in [(128,)] + ([(256, 256)] if not opts.no_big else []):
        steps = opts.a2c_steps if hidden == (128,) else opts.a2c_big_steps
        h = "x".join(map(str, hidden))
        configs.append((f"a2c {h} 1x8", "a2c", 1, {"num_envs": 8, "hidden_sizes": hidden, "total_steps": steps}))
        configs.append((f"a2c {h} 2x4", "a2c", 2, {"num_envs": 4, "hidden_sizes": hidden, "total_steps": steps}))
    configs.append(("a3c 1x1", "a3c", 1, {"total_steps": opts.a3c_steps}))
    configs.append(("a3c 2x1", "a3c", 2, {"total_steps": opts.a3c_steps}))
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, *_ in configs}
    errors = []
    for round_ in range(opts.repeats):
        for name, kind, world, args in configs:  # alternating: every config once per round
            try:
                ranks = launch(kind, world, {**args, "seed": round_}, opts.timeout)
            except LaunchError as error:
                errors.append(str(error))
                print(f"FAILED {error}", file=sys.stderr)
                continue
            r0 = ranks[0]
            row = {"round": round_, "steps_per_s": r0["env_steps"] / r0["wall_time_s"], "ranks": ranks,
                   "total_steps": args["total_steps"]}
            runs[name].append(row)
            print(f"  round {round_ + 1}/{opts.repeats} {name}: {row['steps_per_s']:,.0f} steps/s", file=sys.stderr,
                  flush=True)
    return runs, errors


def micro_sizes() -> dict[str, Any]:
    import gymnasium as gym

    import fastac
    from fastac.policy import parameter_shapes

    def mlp_p(hidden: tuple[int, ...]) -> int:
        model = fastac.A2C(ENV, distributed="off", hidden_sizes=hidden, num_envs=1)
        try:
            return int(model.policy.network.num_parameters)
        finally:
            model.close()

    p_small, p_big = mlp_p((128,)), mlp_p((256, 256))
    shapes = parameter_shapes(4 * 84 * 84, gym.spaces.Discrete(6), (512,), architecture="nature_cnn",
                              observation_shape=(4, 84, 84), observation_dtype="uint8")
    p_cnn = sum(math.prod(s) for s in shapes.values())
    world, num_envs = 2, 4
    extra = 8 + world * (1 + 2 * num_envs * N_STEPS)  # header + episode slots (2 ranks x 4 envs x n_steps 5)
    return {
        "P": {"mlp128": p_small, "mlp256x256": p_big, "nature_cnn": p_cnn},
        "all_reduce": [["checksum (2 float64)", 2, "float64"],
                       [f"A2C mlp (128,): P={p_small} + {extra}", p_small + extra, "float32"],
                       [f"A2C mlp (256,256): P={p_big} + {extra}", p_big + extra, "float32"],
                       [f"A2C nature_cnn (6 actions): P={p_cnn} + {extra}", p_cnn + extra, "float32"]],
        "push_pull": [[f"A3C mlp (128,) P={p_small}", p_small], [f"A3C mlp (256,256) P={p_big}", p_big],
                      [f"A3C nature_cnn P={p_cnn}", p_cnn]],
    }


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def report(runs: dict[str, list[dict[str, Any]]], micro: list[dict[str, Any]] | None) -> str:
    lines = ["### Training throughput (native CartPole-v1), median of the rounds", "",
             "| run | processes x envs/workers | total_steps | steps/s (median) | runs | rank 0 in exchange | "
             "per update: exchange / other |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, rows in runs.items():
        if not rows:
            lines.append(f"| {name} | | | failed | 0 | | |")
            continue
        algo, *rest = name.split()
        layout = rest[-1]
        rate = median([r["steps_per_s"] for r in rows])
        share = per_update = ""
        r0s = [r["ranks"][0] for r in rows]
        if algo == "a2c":
            if layout.startswith("2x"):
                share = f"{100 * median([x['exchange_s'] / x['wall_time_s'] for x in r0s]):.0f}%"
                ex = median([1e6 * x["exchange_s"] / max(x["exchange_calls"], 1) for x in r0s])
                other = median([1e6 * (x["wall_time_s"] - x["exchange_s"]) / max(x["exchange_calls"], 1)
                                for x in r0s])
                per_update = f"{ex:,.0f} µs / {other:,.0f} µs"
            else:
                per_update = f"— / {median([1e6 * x['wall_time_s'] / max(x['updates'], 1) for x in r0s]):,.0f} µs"
            label = f"A2C mlp ({rest[0].replace('x', ',')}{',' if 'x' not in rest[0] else ''})"
        else:
            label = "A3C mlp (128,)"
            if layout.startswith("2x"):
                d = [x["distributed"] for x in r0s]
                share = (f"{median([x['exchanges'] for x in d]):.0f} exchanges served, "
                         f"{median([x['dropped'] for x in d]):.0f} dropped, staleness mean "
                         f"{median([x['staleness_mean'] for x in d]):.2f} max {max(x['staleness_max'] for x in d)}")
                over = median([x["env_steps"] - rows[0]["total_steps"] for x in r0s])
                per_update = f"overshoot {over:,.0f} steps"
        lines.append(f"| {label} | {layout} | {rows[0]['total_steps']:,} | {rate:,.0f} | {len(rows)} | {share} | "
                     f"{per_update} |")
    names = list(runs)
    lines.append("")
    for a, b in zip(names[::2], names[1::2]):
        ra, rb = median([r["steps_per_s"] for r in runs[a]]), median([r["steps_per_s"] for r in runs[b]])
        if ra == ra and rb == rb:
            lines.append(f"- {b} / {a}: {rb / ra:.2f}x")
    if micro is not None:
        lines += ["", "### Exchanges between 2 local processes (gloo, 127.0.0.1), median", "",
                  "| exchange | floats | bytes | iterations | blocking all_reduce µs | fastac Group.all_reduce µs |",
                  "| --- | ---: | ---: | ---: | ---: | ---: |"]
        r0 = micro[0]
        for x in r0["all_reduce"]:
            lines.append(f"| {x['name']} | {x['floats']:,} | {x['bytes']:,} | {x['iters']} | {x['blocking_us']:,.0f} | "
                         f"{x['fastac_us']:,.0f} |")
        lines += ["", "| A3C push-pull round trip (rank 1's view) | P | bytes both ways | iterations | µs |",
                  "| --- | ---: | ---: | ---: | ---: |"]
        for x in micro[1]["push_pull"]:
            lines.append(f"| {x['name']} | {x['P']:,} | {x['bytes']:,} | {x['iters']} | {x['round_trip_us']:,.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="rounds of every training config (default 3)")
    parser.add_argument("--a2c-steps", type=int, default=200_000, help="A2C total_steps, MLP (128,)")
    parser.add_argument("--a2c-big-steps", type=int, default=50_000, help="A2C total_steps, MLP (256,256)")
    parser.add_argument("--a3c-steps", type=int, default=2_000_000, help="A3C total_steps")
    parser.add_argument("--no-big", action="store_true", help="skip the (256,256) A2C rows")
    parser.add_argument("--no-train", action="store_true", help="only the exchange microbenchmark")
    parser.add_argument("--no-micro", action="store_true", help="skip the exchange microbenchmark")
    parser.add_argument("--min-iters", type=int, default=30, help="fewest timed exchanges per size")
    parser.add_argument("--max-iters", type=int, default=1000, help="most timed exchanges per size")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds before a launch's processes are killed")
    parser.add_argument("--out", type=Path, help="also write every measurement as JSON here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("worker_args", nargs="?", help=argparse.SUPPRESS)
    opts = parser.parse_args()

    if opts.worker:
        print(MARK + json.dumps(WORKERS[opts.worker](json.loads(opts.worker_args))), flush=True)
        return

    began, load_before = time.monotonic(), os.getloadavg()
    errors: list[str] = []
    runs: dict[str, list[dict[str, Any]]] = {}
    micro = None
    sizes = None
    if not opts.no_micro:
        sizes = micro_sizes()
        print(f"exchange microbenchmark, P = {sizes['P']}", file=sys.stderr, flush=True)
        try:
            micro = launch("micro", 2, {**sizes, "min_iters": opts.min_iters, "max_iters": opts.max_iters},
                           opts.timeout)
        except LaunchError as error:
            errors.append(str(error))
            print(f"FAILED {error}", file=sys.stderr)
    if not opts.no_train:
        runs, train_errors = run_configs(opts)
        errors += train_errors
    import torch

    import fastac
    load_after = os.getloadavg()
    print(f"fastac {fastac.__version__}, torch {torch.__version__}, {os.cpu_count()} cpus, 1-min load average "
          f"{load_before[0]:.2f} before / {load_after[0]:.2f} after, {time.monotonic() - began:.0f} s\n")
    print(report(runs, micro))
    if opts.out is not None:
        opts.out.write_text(json.dumps({"argv": sys.argv, "sizes": sizes, "runs": runs, "micro": micro,
                                        "errors": errors, "seconds": time.monotonic() - began,
                                        "loadavg_before": load_before, "loadavg_after": load_after}, indent=1))
    if errors:
        print("\nFAILED:\n" + "\n".join(errors), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
