"""How sparse minatar_cnn's activations are along an A3C run on MinAtar Breakout-v1: the
fraction of non-zero values after each ReLU (the convolution's 1024 outputs, the 128
features) on 2,000 frames of a random policy, at initialization and after 0.2 M, 2.2 M and
7.2 M training steps (A3C 2 x 8, bench_minatar.py's settings). The sparse passes of
cpp/nn/minatar_cnn.cpp skip the zeros.

    .venv/bin/python bench/minatar_sparsity.py
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import torch

import fastac
from fastac.envs.namespaces import register_namespace

ENV = "MinAtar/Breakout-v1"


def nonzero_fractions(model: fastac.A3C, frames: torch.Tensor) -> dict[str, float]:
    """The non-zero fraction of each ReLU's output of the model's torch module on frames."""
    module = model.policy.to_torch()
    outputs: dict[str, torch.Tensor] = {}
    for name, layer in module.named_modules():
        if isinstance(layer, torch.nn.ReLU):
            layer.register_forward_hook(lambda _m, _i, out, name=name: outputs.__setitem__(name, out))
    with torch.no_grad():
        module(frames)
    return {name: (out != 0).float().mean().item() for name, out in outputs.items()}


def main() -> None:
    register_namespace(ENV)
    env = gym.make(ENV)
    env.action_space.seed(1)
    obs, _ = env.reset(seed=1)
    frames = []
    for _ in range(2000):
        frames.append(obs)
        obs, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            obs, _ = env.reset()
    batch = torch.as_tensor(np.array(frames))
    print(f"input non-zero: {(batch != 0).float().mean().item():.3f}")
    model = fastac.A3C(ENV, num_workers=2, envs_per_worker=8, t_max=5, seed=0, lr=3e-3, entropy_coef=0.01,
                       stop_eval_episodes=0)
    trained = 0
    for steps in (0, 200_000, 2_000_000, 5_000_000):
        if steps:
            model.learn(steps, reset_num_timesteps=False)
            trained = model.num_timesteps
        fractions = ", ".join(f"{name} {value:.3f}" for name, value in nonzero_fractions(model, batch).items())
        print(f"after {trained:,} steps: non-zero after each ReLU: {fractions}")


if __name__ == "__main__":
    main()
