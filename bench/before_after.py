"""Two builds of fastac side by side in one run: the regression check of a core change.

    .venv/bin/python bench/before_after.py --before /path/to/old/checkout [--repeats 5]

Each measurement runs in a fresh interpreter of each checkout's own ``.venv`` (so both
builds are installed, each in its own tree), alternating before/after so that drifting load
on the machine hits both alike; medians are compared. Measured, with APIs that both
versions have:

- the batched C++ CartPole step, N = 1024 (``build/cpp/bench_cartpole``, Google Benchmark);
- the Python vector env ``gym.make_vec("fastac/CartPole-v1", 1024)``, env steps/s;
- A3C throughput with 1 and 2 workers (a fixed 2M-step run), env steps/s;
- A3C and A2C time to solve CartPole-v1 (``stop_at_return=475``), seconds (inf: not within 60 s).

For throughputs higher is better, for times lower; the median of the paired ratios (run k
of each version, seeds alike) is the figure least moved by a noisy machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SNIPPETS = {
    "vector env N=1024 (steps/s)": """
import gymnasium as gym, numpy as np, time, fastac
env = gym.make_vec("fastac/CartPole-v1", 1024, vectorization_mode="vector_entry_point")
env.reset(seed=0)
actions = np.random.default_rng(0).integers(0, 2, size=(64, 1024))
env.step(actions[0])
steps, start = 0, time.perf_counter()
while time.perf_counter() - start < 1.0:
    for row in actions:
        env.step(row)
    steps += actions.size
print(steps / (time.perf_counter() - start))
""",
    "A3C 1 worker (steps/s)": """
import fastac
r = fastac.train_a3c(total_steps=2_000_000, num_workers=1, seed={seed})
print(r.env_steps / r.wall_time_s)
""",
    "A3C 2 workers (steps/s)": """
import fastac
r = fastac.train_a3c(total_steps=2_000_000, num_workers=2, seed={seed})
print(r.env_steps / r.wall_time_s)
""",
    "A3C time to solve (s)": """
import fastac
r = fastac.train_a3c(stop_at_return=475, seed={seed}, max_seconds=60)
print(r.wall_time_s if r.stop_reason == "stop_at_return" else float("inf"))
""",
    "A2C time to solve (s)": """
import fastac
r = fastac.train_a2c(stop_at_return=475, seed={seed}, max_seconds=60)
print(r.wall_time_s if r.stop_reason == "stop_at_return" else float("inf"))
""",
}


def run_python(checkout: Path, code: str) -> float:
    out = subprocess.run([str(checkout / ".venv/bin/python"), "-c", code], cwd=checkout, capture_output=True,
                         text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def cartpole_step(checkout: Path) -> float:
    """env steps/s of the batched C++ step at N = 1024 (one Google Benchmark run)."""
    binary = checkout / "build/cpp/bench_cartpole"
    out = subprocess.run([str(binary), "--benchmark_filter=/1024$", "--benchmark_format=json"], capture_output=True,
                         text=True, check=True)
    bench = json.loads(out.stdout)["benchmarks"][0]
    return float(bench["items_per_second"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, required=True, help="checkout of the old version (with .venv, build/cpp)")
    parser.add_argument("--after", type=Path, default=ROOT, help="checkout of the new version (default: this one)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    versions = {"before": args.before.resolve(), "after": args.after.resolve()}

    results: dict[str, dict[str, list[float]]] = {}
    measures = ["C++ CartPole step N=1024 (steps/s)", *SNIPPETS]
    for measure in measures:
        results[measure] = {"before": [], "after": []}
        for repeat in range(args.repeats):
            order = list(versions.items()) if repeat % 2 == 0 else list(reversed(versions.items()))
            for name, checkout in order:  # alternating who goes first cancels a drift in load
                if measure.startswith("C++"):
                    value = cartpole_step(checkout)
                else:
                    value = run_python(checkout, SNIPPETS[measure].replace("{seed}", str(repeat)))
                results[measure][name].append(value)
        before, after = (statistics.median(results[measure][k]) for k in ("before", "after"))
        pair_ratio = statistics.median(a / b for a, b in zip(results[measure]["after"], results[measure]["before"]))
        print(f"{measure}: before {before:,.3f}, after {after:,.3f}, after/before {after / before:.3f}, "
              f"median of paired ratios {pair_ratio:.3f} "
              f"(runs before {[round(x, 3) for x in results[measure]['before']]}, "
              f"after {[round(x, 3) for x in results[measure]['after']]})", flush=True)


if __name__ == "__main__":
    main()
