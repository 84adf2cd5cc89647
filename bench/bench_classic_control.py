"""Native classic control against gymnasium (and envpool if installed), from Python, one run per env.

    .venv/bin/python bench/bench_classic_control.py [--repeats 3] [--seconds 0.5] [--envs Acrobot-v1 ...]

For each env, env steps/s (median of the repeats) of: gymnasium's single env
(``gym.make``), gymnasium's ``SyncVectorEnv`` (N=64), gymnasium's own vector
implementation where one exists, envpool (N=1024, one thread) when installed, fastac's
single env and fastac's vector env (N=1024). Actions are pre-drawn from the action
space (float32 for Box spaces); vector envs autoreset.
"""

from __future__ import annotations

import argparse
import statistics
import warnings
from typing import Callable

import gymnasium as gym
import numpy as np

import fastac  # noqa: F401  (registers the native envs)
from fastac.envs.compare import time_single, time_vector

warnings.filterwarnings("ignore")
ENV_IDS = ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1"]
SYNC_N, VECTOR_N = 64, 1024


def cases(env_id: str) -> dict[str, Callable[[float], float]]:
    out: dict[str, Callable[[float], float]] = {
        "gymnasium single": lambda s: time_single(gym.make(env_id), s),
        f"gymnasium SyncVectorEnv N={SYNC_N}": lambda s: time_vector(
            gym.make_vec(env_id, SYNC_N, vectorization_mode="sync"), s, SYNC_N),
    }
    if gym.spec(env_id).vector_entry_point is not None:
        out[f"gymnasium own vector env N={VECTOR_N}"] = lambda s: time_vector(
            gym.make_vec(env_id, VECTOR_N, vectorization_mode="vector_entry_point"), s, VECTOR_N)
    try:
        import envpool

        def run_envpool(s: float) -> float:
            env = envpool.make_gymnasium(env_id, num_envs=VECTOR_N, batch_size=VECTOR_N, num_threads=1)
            single = gym.make(env_id).action_space
            discrete = isinstance(single, gym.spaces.Discrete)
            return time_vector(env, s, VECTOR_N, action_dtype=np.int32 if discrete else np.float32,
                               single_space=single)

        out[f"envpool N={VECTOR_N}, 1 thread"] = run_envpool
    except ImportError:
        pass
    out["fastac single"] = lambda s: time_single(gym.make(f"fastac/{env_id}"), s)
    out[f"fastac vector env N={VECTOR_N}"] = lambda s: time_vector(
        gym.make_vec(f"fastac/{env_id}", VECTOR_N, vectorization_mode="vector_entry_point"), s, VECTOR_N)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=0.5)
    parser.add_argument("--envs", nargs="*", default=ENV_IDS)
    args = parser.parse_args()
    print("| env | " + " | ".join(["case", "steps/s (median)"]) + " |\n| --- | --- | ---: |")
    ratios = []
    for env_id in args.envs:
        results = {name: statistics.median(run(args.seconds) for _ in range(args.repeats))
                   for name, run in cases(env_id).items()}
        for name, rate in results.items():
            print(f"| {env_id} | {name} | {rate:,.0f} |", flush=True)
        ratio = results[f"fastac vector env N={VECTOR_N}"] / results[f"gymnasium SyncVectorEnv N={SYNC_N}"]
        envpool_key = f"envpool N={VECTOR_N}, 1 thread"
        extra = (f", fastac vector / envpool {results[f'fastac vector env N={VECTOR_N}'] / results[envpool_key]:.1f}x"
                 if envpool_key in results else ", envpool not installed")
        ratios.append(f"{env_id}: fastac vector / SyncVectorEnv {ratio:.1f}x (target >= 20x){extra}")
    print()
    print("\n".join(ratios))


if __name__ == "__main__":
    main()
