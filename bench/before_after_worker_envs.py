"""A3C on gymnasium's Python CartPole-v1, one worker, fixed policy (lr 1e-9): env steps/s
with ``WorkerEnvs`` as it is and with an earlier version of its file, alternating in one
process on the same build (only the Python module differs). First, what the change rests on:
8 of gymnasium's CartPole envs stepped in a plain loop with the actions as Python ints and
as numpy int64 scalars, alternating.

    git show <commit>:python/fastac/envs/worker.py > /tmp/worker_before.py
    .venv/bin/python bench/before_after_worker_envs.py /tmp/worker_before.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics

import fastac
import fastac.a3c
import fastac.envs.worker


def plain_loop_us_per_step(as_python_int: bool, batches: int = 4000) -> float:
    import time
    import warnings

    import gymnasium as gym
    import numpy as np

    warnings.filterwarnings("ignore")
    envs = [gym.make("CartPole-v1") for _ in range(8)]
    for i, env in enumerate(envs):
        env.reset(seed=i)
    actions = np.random.default_rng(0).integers(0, 2, size=(1000, 8)).astype(np.int64)
    began = time.perf_counter()
    for k in range(batches):
        row = actions[k % 1000]
        for env, action in zip(envs, row.tolist() if as_python_int else row):
            _, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                env.reset()
    return (time.perf_counter() - began) / batches / 8 * 1e6


def steps_per_s(workers: int) -> float:
    r = fastac.train_a3c("CartPole-v1", native=False, seed=0, total_steps=100_000, num_workers=workers, lr=1e-9)
    return r.env_steps / r.wall_time_s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("before", help="the earlier worker.py")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location("worker_before", args.before)
    assert spec is not None and spec.loader is not None
    before = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(before)
    times: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(25):
        for as_python_int in (True, False):
            times[as_python_int].append(plain_loop_us_per_step(as_python_int))
    paired = statistics.median([a - b for a, b in zip(times[True], times[False])])
    print(f"plain loop: Python int actions {statistics.median(times[True]):.2f} µs/step, numpy int64 "
          f"{statistics.median(times[False]):.2f} (medians of 25); int - numpy, median of paired "
          f"differences {paired:.2f} µs", flush=True)
    classes = {"before": before.WorkerEnvs, "after": fastac.envs.worker.WorkerEnvs}
    for workers in (1, 2):
        rates: dict[str, list[float]] = {"before": [], "after": []}
        for _ in range(args.repeats):
            for name, cls in classes.items():
                fastac.a3c.WorkerEnvs = cls  # what the A3C trainer makes its workers' envs from
                rates[name].append(steps_per_s(workers))
        ratios = [a / b for a, b in zip(rates["after"], rates["before"])]
        print(f"{workers} worker(s): before {statistics.median(rates['before']):,.0f}, after "
              f"{statistics.median(rates['after']):,.0f} env steps/s (medians of {args.repeats}); "
              f"after/before, median of paired ratios {statistics.median(ratios):.2f}x", flush=True)
    fastac.a3c.WorkerEnvs = classes["after"]


if __name__ == "__main__":
    main()
