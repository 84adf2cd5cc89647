"""fork(): a child of a process that already built networks can build and train its own."""

from __future__ import annotations

import multiprocessing
import os
import sys

import numpy as np
import pytest

import fastac


def _child_work(queue) -> None:
    policy = fastac.ActorCriticPolicy(8, 3, (256, 256), seed=1)  # orthogonal init of 256 x 256 layers
    result = fastac.train_a2c("CartPole-v1", total_steps=2_000, seed=0, hidden_sizes=(64,))
    queue.put((policy.forward(np.zeros((1, 8), np.float32))[0].shape, result.env_steps))


@pytest.mark.skipif(sys.platform != "linux", reason="fork start method")
def test_network_in_a_forked_child_does_not_hang():
    fastac.ActorCriticPolicy(4, 2, (256, 256), seed=0)  # the parent has networks (and whatever pools they used)
    fastac.train_a3c(total_steps=20_000, seed=0, num_workers=2)
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child_work, args=(queue,))
    child.start()
    child.join(timeout=60)
    if child.is_alive():
        os.kill(child.pid, 9)
        pytest.fail("the forked child hung building or training a network")
    assert child.exitcode == 0
    shape, steps = queue.get(timeout=5)
    assert shape == (1, 3) and steps >= 2_000


def test_orthogonal_initialization():
    policy = fastac.ActorCriticPolicy(6, 4, (32, 16), seed=5)
    sd = policy.state_dict()
    for name, gain in (("trunk.0", 2**0.5), ("trunk.2", 2**0.5), ("actor", 0.01), ("critic", 1.0)):
        w = sd[f"{name}.weight"].double().numpy() / gain
        gram = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
        np.testing.assert_allclose(gram, np.eye(len(gram)), atol=1e-5)
        assert not sd[f"{name}.bias"].any()
    again = fastac.ActorCriticPolicy(6, 4, (32, 16), seed=5).state_dict()
    assert all((again[k] == sd[k]).all() for k in sd)  # seeded: identical
