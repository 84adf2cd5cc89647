"""MinAtar Breakout-v1: fastac A3C (2 workers) and A2C against Stable-Baselines3 A2C with a
MinAtar-sized CNN, on a wall-time budget: steps/s and the greedy return over wall time.

    .venv/bin/python bench/bench_minatar.py --minutes 10 --seeds 0 1 2 [--runs a3c a2c sb3 ...] [--out F.json]

Every run is a fresh interpreter, alone on the machine (runs go one after the other). All
three train the same network (Young and Tian 2019: Conv(C, 16, 3) ReLU, Linear(1024, 128)
ReLU, linear actor and critic heads; SB3 through a custom features extractor with
net_arch=[] on the float 0/1 observations) with A2C's settings: 16 envs (A3C: 2 workers x 8),
n-step 5, RMSProp, lr 3e-3 for fastac, SB3's default 7e-4 for SB3 (rl-zoo has no MinAtar
entry), entropy 0.01, value 0.5, max grad norm 0.5, gamma 0.99. Training goes in slices of
``--slice`` seconds; after each, a greedy evaluation (20 episodes, deterministic, seeds
1000+) that is not counted in the training time. Reported per run: steps/s, and the
training time at which the greedy mean first reached 10 (the issue's target: within 10
minutes for A3C).

The runs (``--runs``): ``a3c``, ``a2c`` and ``sb3`` as above; fastac's on its native
Breakout (``MinAtar/Breakout-v1`` runs natively: cpp/envs/minatar_breakout.h), SB3's on the
minatar package. ``a3c-python`` is fastac's A3C on the minatar package
(``native=False``: each worker steps the Python envs). ``a3c-wide`` gives each A3C worker
32 envs (160 samples an update), ``sb3-wide`` gives SB3 as many envs (64): the same
comparison where per-update costs (A3C's shared optimizer over 134k parameters, SB3's
Python around each step) are spread over more samples.
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
import numpy as np
import gymnasium as gym
algo, seed, budget, slice_s = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
from fastac.envs.namespaces import register_namespace
register_namespace("MinAtar/Breakout-v1")
ENV = "MinAtar/Breakout-v1"
EVAL = 20

if algo.startswith(("a3c", "a2c")):
    import fastac
    if algo.startswith("a3c"):
        model = fastac.A3C(ENV, num_workers=2, envs_per_worker=32 if algo == "a3c-wide" else 8, t_max=5, seed=seed,
                           lr=3e-3, entropy_coef=0.01, stop_eval_episodes=0, native=algo != "a3c-python")
    else:
        model = fastac.A2C(ENV, num_envs=16, n_steps=5, seed=seed, lr=3e-3, entropy_coef=0.01, stop_eval_episodes=0)

    def train(seconds):
        deadline = time.perf_counter() + seconds  # a callback returning False stops training
        model.learn(10**11, reset_num_timesteps=False, callback=lambda progress: time.perf_counter() < deadline,
                    callback_interval_s=0.05)
        return model.num_timesteps

    def evaluate():
        return fastac.evaluate_policy(model.policy, ENV, n_eval_episodes=EVAL, deterministic=True, seed=1000)[0]
else:
    import torch
    from torch import nn
    from stable_baselines3 import A2C
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.evaluation import evaluate_policy
    from stable_baselines3.common.torch_layers import BaseFeaturesExtractor

    class MinAtarCNN(BaseFeaturesExtractor):
        def __init__(self, space, features_dim=128):
            super().__init__(space, features_dim)
            c = space.shape[2]
            self.net = nn.Sequential(nn.Conv2d(c, 16, 3), nn.ReLU(), nn.Flatten(),
                                     nn.Linear(16 * (space.shape[0] - 2) * (space.shape[1] - 2), features_dim),
                                     nn.ReLU())

        def forward(self, obs):
            return self.net(obs.permute(0, 3, 1, 2))

    torch.set_num_threads(2)
    venv = make_vec_env(ENV, n_envs=64 if algo == "sb3-wide" else 16, seed=seed)
    model = A2C("MlpPolicy", venv, n_steps=5, ent_coef=0.01, seed=seed, device="cpu",
                policy_kwargs=dict(features_extractor_class=MinAtarCNN, net_arch=[]))
    steps = [0]

    def train(seconds):
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            model.learn(1600, reset_num_timesteps=False)
        return model.num_timesteps

    def evaluate():
        env = gym.make(ENV)
        env.reset(seed=1000)
        mean, _ = evaluate_policy(model, env, n_eval_episodes=EVAL, deterministic=True)
        return mean

curve, trained, steps = [], 0.0, 0
while trained < budget - 1e-9:
    start = time.perf_counter()
    steps = train(min(slice_s, budget - trained))
    trained += time.perf_counter() - start
    curve.append((round(trained, 1), int(steps), float(evaluate())))
    print(json.dumps(curve[-1]), file=sys.stderr, flush=True)
print(json.dumps({"algo": algo, "seed": seed, "curve": curve, "steps_per_s": steps / trained}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--slice", type=float, default=30.0, help="seconds of training between evaluations")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--runs", nargs="+", default=["a3c", "a2c", "sb3"],
                        choices=["a3c", "a3c-wide", "a3c-python", "a2c", "sb3", "sb3-wide"])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    results = []
    for algo in args.runs:
        for seed in args.seeds:
            out = subprocess.run([sys.executable, "-c", RUN, algo, str(seed), str(args.minutes * 60), str(args.slice)],
                                 cwd=ROOT, capture_output=True, text=True)
            if out.returncode != 0:
                raise SystemExit(f"{algo} seed {seed} failed:\n{out.stderr[-3000:]}")
            result = json.loads(out.stdout.strip().splitlines()[-1])
            reached = next((t for t, _, mean in result["curve"] if mean >= 10.0), None)
            result["time_to_10"] = reached
            results.append(result)
            print(f"{algo} seed {seed}: {result['steps_per_s']:,.0f} steps/s, greedy {result['curve'][-1][2]:.1f} "
                  f"after {result['curve'][-1][0]:.0f} s ({result['curve'][-1][1]:,} steps), "
                  f"greedy >= 10 at {reached if reached is not None else 'never'} s", flush=True)
    print("\n| run | steps/s (median) | final greedy (median) | runs reaching 10 | median time to 10 |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for algo in args.runs:
        rs = [r for r in results if r["algo"] == algo]
        times = [r["time_to_10"] for r in rs if r["time_to_10"] is not None]
        print(f"| {algo} | {statistics.median(r['steps_per_s'] for r in rs):,.0f} | "
              f"{statistics.median(r['curve'][-1][2] for r in rs):.1f} | {len(times)}/{len(rs)} | "
              f"{(str(round(statistics.median(times))) + ' s') if times else '-'} |")
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
