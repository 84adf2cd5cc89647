"""Soak: A3C with 2 workers for 5 minutes, resident memory sampled throughout.

    .venv/bin/python bench/soak_a3c.py [--minutes 5]

Prints the resident set size (VmRSS) and the peak (VmHWM) after the first 10 seconds
and at the end, from /proc/self/status (Linux). A leak shows as growth between them.
"""

from __future__ import annotations

import argparse

import fastac


def memory_kib() -> tuple[int, int]:
    """(VmRSS, VmHWM) of this process in KiB."""
    fields = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5.0)
    args = parser.parse_args()
    samples = []

    def callback(progress):
        rss, peak = memory_kib()
        samples.append((progress["elapsed_s"], progress["env_steps"], progress["episodes"], rss, peak))

    result = fastac.train_a3c(total_steps=10**13, max_seconds=args.minutes * 60, num_workers=2, seed=0,
                              callback=callback, callback_interval_s=5.0)
    early = next(s for s in samples if s[0] >= 10)
    end = samples[-1]
    print(f"{result.env_steps:,} env steps, {result.episodes:,} episodes in {result.wall_time_s:.0f} s "
          f"({result.env_steps / result.wall_time_s:,.0f} steps/s), skipped updates {result.skipped_updates}")
    for label, (t, steps, episodes, rss, peak) in (("at 10 s", early), ("at the end", end)):
        print(f"{label:>10}: t={t:6.1f} s, {steps:,} steps, {episodes:,} episodes, "
              f"RSS {rss / 1024:.1f} MiB, peak RSS {peak / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
