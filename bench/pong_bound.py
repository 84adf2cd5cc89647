"""What bounds fastac A3C's Pong frames/s against Stable-Baselines3's, measured with `perf`.

    .venv/bin/python bench/pong_bound.py --seconds 60

In one run: Stable-Baselines3 A2C (CnnPolicy, 16 envs in its default DummyVecEnv, as
``bench/bench_atari.py``'s ``sb3``), then fastac A3C (2 workers x 8 envs on ALE's
``AtariVectorEnv``, as its ``a3c_vec``) with ``perf record`` attached to the training only
(the model is built first). The CPU time of fastac's run is split by where ``perf`` found it:

- **ALE**: the emulator and its preprocessing (``_ale_py``): the env itself;
- **convolution kernels**: oneDNN's JIT-generated code (``[JIT]``), the Nature CNN's
  convolutions forward and backward;
- **GEMM kernels**: MKL's sgemm inner kernels (the 3136 x 512 layer and the heads);
- everything else: packing and copies around the kernels, the optimizer, the threads,
  Python.

The first three are work any trainer of this network on this env does per step, at the
speed the libraries run it (the script also measures one thread's sgemm peak, so the
kernels' rate can be read against it). Their sum, in CPU milliseconds per env step, bounds
the frames/s on the machine's cores: 4 frames a step x cores / sum. The script prints that
bound as a ratio to SB3's frames/s in the same run, next to the measured ratio and the
budget per step that a ratio of 3 would leave.

Needs ``perf`` (Debian: ``linux-perf``), Stable-Baselines3 and ale-py (``fastac[bench]``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from bench_atari import RUN as PEER_RUN  # noqa: E402  (SB3's run, the same as bench_atari.py's)

from fastac.torch_module import CONVOLUTIONS, FEATURES_DIM  # noqa: E402

FASTAC_RUN = r"""
import json, os, signal, subprocess, sys, time
import fastac
seconds, perf_data, perf_hz = float(sys.argv[1]), sys.argv[2], sys.argv[3]
model = fastac.A3C("ALE/Pong-v5", vectorization_mode="vector_entry_point", num_workers=2, envs_per_worker=8,
                   t_max=5, seed=0, lr=7e-4, entropy_coef=0.01, value_coef=0.25, stop_eval_episodes=0)
perf = subprocess.Popen(["perf", "record", "-q", "-F", perf_hz, "-p", str(os.getpid()), "-o", perf_data],
                        stdout=subprocess.DEVNULL)
time.sleep(1.0)  # perf attached
start = time.perf_counter()
deadline = start + seconds
model.learn(10**11, callback=lambda progress: time.perf_counter() < deadline, callback_interval_s=0.05)
elapsed, steps = time.perf_counter() - start, model.num_timesteps
perf.send_signal(signal.SIGINT)
perf.wait()
print(json.dumps({"steps": steps, "seconds": elapsed, "frames_per_s": 4 * steps / elapsed}))
"""

SGEMM_PEAK = r"""
import time, torch
torch.set_num_threads(1)
a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
for _ in range(3): a @ b
start = time.perf_counter()
for _ in range(10): a @ b
print(2 * 2048**3 * 10 / (time.perf_counter() - start) / 1e9)
"""

PERF_RATE_HZ = 499


def nature_cnn_flops_per_step(actions: int = 6) -> tuple[float, float]:
    """Floating-point operations of one env step's forward and backward of the Nature CNN on
    (4, 84, 84) frames: (convolutions, fully connected layers). The backward computes every
    weight gradient and every input gradient but the first layer's (the frames need none)."""
    channels, side, conv_forward_macs = 4, 84, []
    for out, kernel, stride in CONVOLUTIONS["nature_cnn"]:
        side = (side - kernel) // stride + 1
        conv_forward_macs.append(side * side * out * channels * kernel * kernel)
        channels = out
    features = FEATURES_DIM["nature_cnn"]
    fc_macs = [channels * side * side * features, features * (actions + 1)]
    conv_input_grad_macs = conv_forward_macs[1:]
    conv = 2 * (2 * sum(conv_forward_macs) + sum(conv_input_grad_macs))  # forward, weight grads, input grads
    fc = 2 * 3 * sum(fc_macs)
    return float(conv), float(fc)


def perf_samples(perf_data: str) -> dict[str, int]:
    """perf's samples of a recording, split into ALE, conv kernels, GEMM kernels and the rest."""
    out = subprocess.run(["perf", "report", "-i", perf_data, "--stdio", "--sort", "dso,sym", "-F", "sample,dso,sym",
                          "-t", "\t"], capture_output=True, text=True, check=True).stdout
    split = {"ALE": 0, "convolution kernels": 0, "GEMM kernels": 0, "everything else": 0}
    for line in out.splitlines():
        fields = [f.strip() for f in line.split("\t")]
        if line.startswith("#") or len(fields) < 3 or not fields[0].isdigit():
            continue
        samples, dso, sym = int(fields[0]), fields[1], fields[2]
        if dso.startswith("_ale_py"):
            split["ALE"] += samples
        elif dso.startswith("[JIT]"):
            split["convolution kernels"] += samples
        elif "sgemm_kernel" in sym:
            split["GEMM kernels"] += samples
        else:
            split["everything else"] += samples
    return split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--target", type=float, default=3.0, help="the ratio to SB3 whose budget is printed")
    args = parser.parse_args()
    if shutil.which("perf") is None:
        raise SystemExit("pong_bound.py needs `perf` (Debian: apt-get install linux-perf)")
    cores = os.cpu_count() or 1

    peer = subprocess.run([sys.executable, "-c", PEER_RUN, "sb3", "0", str(args.seconds)], cwd=ROOT,
                          capture_output=True, text=True)
    if peer.returncode != 0:
        raise SystemExit(f"sb3 failed:\n{peer.stderr[-3000:]}")
    sb3 = json.loads(peer.stdout.strip().splitlines()[-1])
    with tempfile.TemporaryDirectory() as tmp:
        perf_data = os.path.join(tmp, "perf.data")
        run = subprocess.run([sys.executable, "-c", FASTAC_RUN, str(args.seconds), perf_data, str(PERF_RATE_HZ)],
                             cwd=ROOT, capture_output=True, text=True)
        if run.returncode != 0:
            raise SystemExit(f"fastac failed:\n{run.stderr[-3000:]}")
        fastac = json.loads(run.stdout.strip().splitlines()[-1])
        split = perf_samples(perf_data)
    peak = float(subprocess.run([sys.executable, "-c", SGEMM_PEAK], capture_output=True, text=True,
                                check=True).stdout)

    steps = fastac["steps"]
    ms_per_step = {k: 1e3 * n / PERF_RATE_HZ / steps for k, n in split.items()}
    total = sum(ms_per_step.values())
    bound = ms_per_step["ALE"] + ms_per_step["convolution kernels"] + ms_per_step["GEMM kernels"]
    sb3_steps_per_s = sb3["frames_per_s"] / 4
    conv_flops, fc_flops = nature_cnn_flops_per_step()
    print(f"SB3 A2C CnnPolicy (DummyVecEnv): {sb3['frames_per_s']:,.0f} frames/s")
    print(f"fastac A3C (2 x 8, AtariVectorEnv): {fastac['frames_per_s']:,.0f} frames/s "
          f"({fastac['frames_per_s'] / sb3['frames_per_s']:.2f}x SB3)")
    print(f"\nfastac's CPU time per env step (perf, {cores} cores, {steps:,} steps):")
    print("| where | ms per step | share |")
    print("| --- | ---: | ---: |")
    for k, v in ms_per_step.items():
        print(f"| {k} | {v:.3f} | {100 * v / total:.1f} % |")
    print(f"| all | {total:.3f} | 100 % |")
    print(f"\nconvolution kernels: {conv_flops / 1e6:.1f} MFLOP a step, "
          f"{conv_flops / ms_per_step['convolution kernels'] / 1e6:.1f} GFLOP/s; GEMM kernels: "
          f"{fc_flops / 1e6:.1f} MFLOP, {fc_flops / ms_per_step['GEMM kernels'] / 1e6:.1f} GFLOP/s; "
          f"one thread's sgemm (2048^3): {peak:.1f} GFLOP/s")
    budget = 1e3 * cores / (args.target * sb3_steps_per_s)
    print(f"{args.target:g}x SB3 leaves {budget:.3f} CPU ms a step; ALE + kernels alone take {bound:.3f}: "
          f"at most {1e3 * cores / bound / sb3_steps_per_s:.2f}x SB3 if everything else took no time")


if __name__ == "__main__":
    main()
