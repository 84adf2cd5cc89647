"""The CNN policies of bench/bench_torch_policy.cpp as plain PyTorch modules in Python:
what Stable-Baselines3's ``CnnPolicy`` runs (NatureCNN features, then a linear actor and a
linear critic head on them), and the MinAtar net (Conv 16 3x3, Linear 128) the same way.

One intra-op thread (``torch.set_num_threads(1)``), samples/s at batch 1, 16 and 256 of

- forward: the network under ``torch.no_grad()`` (logits and value);
- forward+backward: the A2C-like loss (cross-entropy of the actions times the advantage,
  plus half the value MSE) and ``loss.backward()``, gradients set to None first (as
  ``optimizer.zero_grad()``).

The input is float32, channel-first and already scaled to [0, 1] (SB3 converts and
transposes images before the network; the C++ benchmark's policies take the env's uint8
or bool bytes, channel-last for MinAtar, and convert inside the timed call).
Median over 5 repetitions of at least 0.5 s each. Prints a markdown table.

    .venv/bin/python bench/bench_cnn_torch_peer.py
"""

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn


class NatureCnnPolicy(nn.Module):
    """SB3's NatureCNN features (Conv 32 8x8/4, Conv 64 4x4/2, Conv 64 3x3/1, Linear 512,
    ReLU after each) and SB3's ``action_net`` / ``value_net`` heads."""

    def __init__(self, channels: int, height: int, width: int, actions: int, features: int = 512) -> None:
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(channels, 32, 8, stride=4), nn.ReLU(),
            nn.Conv2d(32, 64, 4, stride=2), nn.ReLU(),
            nn.Conv2d(64, 64, 3, stride=1), nn.ReLU(),
            nn.Flatten())
        with torch.no_grad():
            flat = self.cnn(torch.zeros(1, channels, height, width)).shape[1]
        self.linear = nn.Sequential(nn.Linear(flat, features), nn.ReLU())
        self.action_net = nn.Linear(features, actions)
        self.value_net = nn.Linear(features, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.linear(self.cnn(x))
        return self.action_net(h), self.value_net(h).squeeze(1)


class MinAtarCnnPolicy(nn.Module):
    """The MinAtar paper's network: Conv 16 3x3/1, Linear 128, ReLU after each, with the
    same linear heads."""

    def __init__(self, channels: int, height: int, width: int, actions: int, features: int = 128) -> None:
        super().__init__()
        self.cnn = nn.Sequential(nn.Conv2d(channels, 16, 3, stride=1), nn.ReLU(), nn.Flatten())
        self.linear = nn.Sequential(nn.Linear(16 * (height - 2) * (width - 2), features), nn.ReLU())
        self.action_net = nn.Linear(features, actions)
        self.value_net = nn.Linear(features, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.linear(self.cnn(x))
        return self.action_net(h), self.value_net(h).squeeze(1)


def make_inputs(name: str, batch: int, generator: torch.Generator) -> torch.Tensor:
    """Float32 [batch, C, H, W] as the network sees them: Atari frames scaled by 1/255,
    MinAtar's sparse 0/1 channels."""
    if name == "nature_cnn":
        return torch.randint(0, 256, (batch, 4, 84, 84), generator=generator).float().div_(255.0)
    return (torch.rand((batch, 4, 10, 10), generator=generator) < 0.1).float()


def samples_per_second(step, batch: int, min_time: float) -> float:
    """One repetition: step() as often as fits in min_time (at least once), samples/s."""
    iterations, start = 0, time.perf_counter()
    while True:
        step()
        iterations += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return iterations * batch / elapsed


def measure(name: str, net: nn.Module, actions: int, batch: int, mode: str, repetitions: int,
            min_time: float) -> float:
    generator = torch.Generator().manual_seed(1)
    x = make_inputs(name, batch, generator)
    action = torch.randint(0, actions, (batch,), generator=generator)
    advantage = torch.randn(batch, generator=generator)
    returns = torch.randn(batch, generator=generator)

    def forward() -> None:
        with torch.no_grad():
            net(x)

    def forward_backward() -> None:
        for p in net.parameters():
            p.grad = None
        logits, values = net(x)
        policy_loss = (F.cross_entropy(logits, action, reduction="none") * advantage).mean()
        loss = policy_loss + 0.5 * F.mse_loss(values, returns)
        loss.backward()

    step = forward if mode == "forward" else forward_backward
    step()  # warm-up (allocations, oneDNN primitives)
    return statistics.median(samples_per_second(step, batch, min_time) for _ in range(repetitions))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.5, help="seconds per repetition (at least)")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 16, 256])
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    nets = {
        "nature_cnn": (NatureCnnPolicy(4, 84, 84, 6), 6, "Atari 4x84x84, 6 actions"),
        "minatar_cnn": (MinAtarCnnPolicy(4, 10, 10, 3), 3, "MinAtar Breakout 4x10x10, 3 actions"),
    }
    print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op thread; float32 input, already scaled "
          f"and channel-first (SB3 converts before the net); median samples/s of {args.repetitions} "
          f"repetitions of >= {args.min_time} s")
    print()
    print("| network | pass | " + " | ".join(f"batch {b}" for b in args.batches) + " |")
    print("| --- | --- | " + " | ".join("---:" for _ in args.batches) + " |")
    for name, (net, actions, what) in nets.items():
        for mode in ("forward", "forward+backward"):
            cells = [f"{measure(name, net, actions, b, mode, args.repetitions, args.min_time):,.0f}"
                     for b in args.batches]
            print(f"| {name} ({what}) | {mode} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
