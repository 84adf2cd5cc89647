"""Atari Pong (ALE): training frames/s of fastac A3C (2 workers) and A2C against
Stable-Baselines3 A2C with its CnnPolicy, in one run, on two env implementations.

    .venv/bin/python bench/bench_atari.py --seconds 60 --repeats 2 [--runs a3c a3c_vec a2c a2c_vec sb3 sb3_vec]

All train the Nature CNN (features 512, linear heads), 16 envs (A3C: 2 workers x 8),
n-step 5, rl-zoo's Atari A2C settings (entropy 0.01, value 0.25, RMSProp), on
``ALE/Pong-v5`` (sticky actions 0.25, 4-frame skip with a max over the last two frames,
up to 30 no-op starts, 84x84 grayscale, 4 stacked frames (4, 84, 84) uint8, sign-clipped
rewards), made in one of two ways:

- ``a3c``, ``a2c``, ``sb3``: gymnasium's ``AtariEnv`` and Python wrappers, one env at a
  time (fastac's ``make_atari_env``: ``AtariPreprocessing``, ``FrameStackObservation``);
  A3C's workers step theirs in their own threads (``vectorization_mode="sync"``), A2C
  in a ``SyncVectorEnv``, SB3 in a ``DummyVecEnv`` (its default). ale-py 0.12's step
  holds the GIL: two threads step no faster than one.
- ``a3c_vec``, ``a2c_vec``, ``sb3_vec``: ALE's own batched ``AtariVectorEnv``, the id's
  gymnasium vector entry point (``vectorization_mode="vector_entry_point"``; C++ threads
  that step and preprocess a batch without the GIL, and also press FIRE on reset): one per
  A3C worker (8 envs), one of 16 for A2C, and for SB3 the same through a small VecEnv
  adapter (``bench/sb3_peer.py``).

SB3 runs torch's 2 threads. Each run is a fresh interpreter; frames/s = 4 x env steps /
training seconds (model construction excluded), the median of the repeats.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RUN = r"""
import json, sys, time
algo, seed, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
import gymnasium as gym
from fastac.envs import atari
vector = algo.endswith("_vec")
if algo.startswith(("a3c", "a2c")):
    import fastac
    common = dict(seed=seed, lr=7e-4, entropy_coef=0.01, value_coef=0.25, stop_eval_episodes=0)
    if vector:
        env, common["vectorization_mode"] = "ALE/Pong-v5", "vector_entry_point"
    else:
        env = atari("ALE/Pong-v5")
    if algo.startswith("a3c"):
        model = fastac.A3C(env, num_workers=2, envs_per_worker=8, t_max=5, **common)
    else:
        model = fastac.A2C(env, num_envs=16, n_steps=5, **common)
    assert model.policy.architecture == "nature_cnn"
    start = time.perf_counter()
    deadline = start + seconds
    model.learn(10**11, callback=lambda progress: time.perf_counter() < deadline, callback_interval_s=0.05)
    elapsed, steps = time.perf_counter() - start, model.num_timesteps
else:
    import torch
    from stable_baselines3 import A2C
    from stable_baselines3.common.vec_env import DummyVecEnv
    if vector:
        sys.path.insert(0, "bench")
        from sb3_peer import vector_env_for_sb3
        from fastac.envs.namespaces import register_namespace
        register_namespace("ALE/Pong-v5")
        venv = vector_env_for_sb3(gym.make_vec("ALE/Pong-v5", 16, vectorization_mode="vector_entry_point",
                                               autoreset_mode=gym.vector.AutoresetMode.SAME_STEP))
    else:
        venv = DummyVecEnv([atari("ALE/Pong-v5")] * 16)
    venv.seed(seed)
    model = A2C("CnnPolicy", venv, n_steps=5, ent_coef=0.01, vf_coef=0.25, seed=seed, device="cpu")
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        model.learn(800, reset_num_timesteps=False)
    elapsed, steps = time.perf_counter() - start, model.num_timesteps
print(json.dumps({"algo": algo, "seed": seed, "steps": steps, "seconds": elapsed, "frames_per_s": 4 * steps / elapsed}))
"""

RUNS = ["a3c", "a3c_vec", "a2c", "a2c_vec", "sb3", "sb3_vec"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--runs", nargs="+", default=RUNS, choices=RUNS)
    args = parser.parse_args()
    results: dict[str, list[float]] = {algo: [] for algo in args.runs}
    for repeat in range(args.repeats):  # alternating, so that drifting load hits every run alike
        for algo in args.runs:
            out = subprocess.run([sys.executable, "-c", RUN, algo, str(repeat), str(args.seconds)], cwd=ROOT,
                                 capture_output=True, text=True)
            if out.returncode != 0:
                raise SystemExit(f"{algo} failed:\n{out.stderr[-3000:]}")
            r = json.loads(out.stdout.strip().splitlines()[-1])
            results[algo].append(r["frames_per_s"])
            print(f"{algo} repeat {repeat}: {r['frames_per_s']:,.0f} frames/s ({r['steps']:,} steps in "
                  f"{r['seconds']:.1f} s)", flush=True)
    medians = {algo: statistics.median(values) for algo, values in results.items()}
    peers = [p for p in ("sb3", "sb3_vec") if p in medians]
    print("\n| run | frames/s (median) | " + " | ".join(f"vs {p}" for p in peers) + " |")
    print("| --- | ---: |" + " ---: |" * len(peers))
    for algo, median in medians.items():
        print(f"| {algo} | {median:,.0f} | " + " | ".join(f"{median / medians[p]:.2f}x" for p in peers) + " |")


if __name__ == "__main__":
    main()
