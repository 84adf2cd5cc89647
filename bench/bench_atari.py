"""Atari Pong (ALE): training frames/s of fastac A3C (2 workers) and A2C against
Stable-Baselines3 A2C with its CnnPolicy, in one run.

    .venv/bin/python bench/bench_atari.py --seconds 60 --repeats 3 [--runs a3c a2c sb3]

All three train the Nature CNN (features 512, linear heads) on the same env: fastac's
``make_atari_env("ALE/Pong-v5")`` (gymnasium's AtariPreprocessing: 30 no-ops, 4-frame skip,
84x84 grayscale; 4 stacked frames, (4, 84, 84) uint8; sign-clipped rewards), 16 envs
(A3C: 2 workers x 8), n-step 5, rl-zoo's Atari A2C settings (entropy 0.01, value 0.25,
RMSProp). SB3 steps its envs in a DummyVecEnv (its default) with torch's 2 threads. Each
run is a fresh interpreter; frames/s = 4 x env steps / training seconds (model
construction excluded), the median of the repeats.
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
from fastac.envs import atari
if algo in ("a3c", "a2c"):
    import fastac
    common = dict(seed=seed, lr=7e-4, entropy_coef=0.01, value_coef=0.25, stop_eval_episodes=0)
    if algo == "a3c":
        model = fastac.A3C(atari("ALE/Pong-v5"), num_workers=2, envs_per_worker=8, t_max=5, **common)
    else:
        model = fastac.A2C(atari("ALE/Pong-v5"), num_envs=16, n_steps=5, **common)
    assert model.policy.architecture == "nature_cnn"
    start = time.perf_counter()
    deadline = start + seconds
    model.learn(10**11, callback=lambda progress: time.perf_counter() < deadline, callback_interval_s=0.05)
    elapsed, steps = time.perf_counter() - start, model.num_timesteps
else:
    import torch
    from stable_baselines3 import A2C
    from stable_baselines3.common.vec_env import DummyVecEnv
    venv = DummyVecEnv([atari("ALE/Pong-v5")] * 16)
    venv.seed(seed)
    model = A2C("CnnPolicy", venv, n_steps=5, ent_coef=0.01, vf_coef=0.25, seed=seed, device="cpu")
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        model.learn(800, reset_num_timesteps=False)
    elapsed, steps = time.perf_counter() - start, model.num_timesteps
print(json.dumps({"algo": algo, "seed": seed, "steps": steps, "seconds": elapsed, "frames_per_s": 4 * steps / elapsed}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--runs", nargs="+", default=["a3c", "a2c", "sb3"], choices=["a3c", "a2c", "sb3"])
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
    peer = statistics.median(results["sb3"]) if "sb3" in results else None
    print("\n| run | frames/s (median) | vs SB3 |")
    print("| --- | ---: | ---: |")
    for algo, values in results.items():
        median = statistics.median(values)
        print(f"| {algo} | {median:,.0f} | {median / peer:.2f}x |" if peer else f"| {algo} | {median:,.0f} | - |")


if __name__ == "__main__":
    main()
