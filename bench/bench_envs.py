"""Environment throughput from Python, every peer measured in the same run.

    .venv/bin/python bench/bench_envs.py [--repeats 5] [--seconds 1.0]

Prints steps/s (median of the repeats) for gymnasium's CartPole-v1 single env,
gymnasium's numpy CartPoleVectorEnv (N=1024), envpool's CartPole-v1 when installed,
and fastac's single and vector envs, with the ratios the targets are stated in.
"""

from __future__ import annotations

import argparse
import statistics
import warnings
from typing import Callable

import gymnasium as gym
import numpy as np

from fastac.envs.compare import VECTOR_N, make_vector, time_single, time_vector

warnings.filterwarnings("ignore")
def envpool_maker() -> Callable[[], float] | None:
    try:
        import envpool
    except ImportError:
        return None

    def run(seconds: float) -> float:
        env = envpool.make_gymnasium("CartPole-v1", num_envs=VECTOR_N, batch_size=VECTOR_N, num_threads=1)
        return time_vector(env, seconds, VECTOR_N, action_dtype=np.int32)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0, help="duration of one measurement")
    args = parser.parse_args()

    cases: dict[str, Callable[[float], float]] = {
        "gymnasium CartPole-v1 (make, single)": lambda s: time_single(gym.make("CartPole-v1"), s),
        "fastac CartPole-v1 (make, single)": lambda s: time_single(gym.make("fastac/CartPole-v1"), s),
        f"gymnasium CartPoleVectorEnv (N={VECTOR_N})": lambda s: time_vector(make_vector("CartPole-v1"), s, VECTOR_N),
        f"fastac CartPoleVectorEnv (N={VECTOR_N})": lambda s: time_vector(make_vector("fastac/CartPole-v1"), s, VECTOR_N),
    }
    run_envpool = envpool_maker()
    if run_envpool is not None:
        cases[f"envpool CartPole-v1 (N={VECTOR_N}, 1 thread)"] = run_envpool

    results: dict[str, float] = {}
    for name, run in cases.items():
        results[name] = statistics.median(run(args.seconds) for _ in range(args.repeats))
    width = max(map(len, results))
    print(f"{'environment':<{width}}  {'steps/s (median of ' + str(args.repeats) + ')':>24}")
    for name, rate in results.items():
        print(f"{name:<{width}}  {rate:>24,.0f}")
    single = results["fastac CartPole-v1 (make, single)"] / results["gymnasium CartPole-v1 (make, single)"]
    vector = results[f"fastac CartPoleVectorEnv (N={VECTOR_N})"] / results[f"gymnasium CartPoleVectorEnv (N={VECTOR_N})"]
    print(f"\nfastac single / gymnasium single: {single:.1f}x (target >= 3x)")
    print(f"fastac vector / gymnasium CartPoleVectorEnv (N={VECTOR_N}): {vector:.1f}x (target >= 3x)")
    if run_envpool is not None:
        ep = results[f"fastac CartPoleVectorEnv (N={VECTOR_N})"] / results[f"envpool CartPole-v1 (N={VECTOR_N}, 1 thread)"]
        print(f"fastac vector / envpool (N={VECTOR_N}, 1 thread): {ep:.1f}x")
    else:
        print("envpool not installed: its row is skipped (pip install envpool to include it)")


if __name__ == "__main__":
    main()
