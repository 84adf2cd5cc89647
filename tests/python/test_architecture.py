"""The MLP's two layouts (one shared trunk; separate actor and critic trunks, SB3's) and two
activations (ReLU, tanh): native forward = torch module, state_dict names, files, training."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from gymnasium import spaces

import fastac
from fastac import ActorCriticPolicy

ARCHITECTURES = [dict(activation=a, share_trunk=s) for a in ("relu", "tanh") for s in (True, False)]


@pytest.mark.parametrize("arch", ARCHITECTURES, ids=lambda a: f"{a['activation']}-{'shared' if a['share_trunk'] else 'separate'}")
@pytest.mark.parametrize("action_space", [spaces.Discrete(3), spaces.Box(-2.0, 2.0, (2,), np.float32)], ids=["discrete", "box"])
@pytest.mark.parametrize("hidden", [(), (16,), (32, 16)])
def test_native_forward_equals_the_torch_module(arch, action_space, hidden, tmp_path):
    policy = ActorCriticPolicy(5, action_space, hidden, seed=3, normalize_obs=True, **arch)
    flat = policy.network.parameters
    flat += np.random.default_rng(0).normal(scale=0.3, size=flat.shape).astype(np.float32)  # beyond the init
    obs = np.random.default_rng(1).normal(size=(7, 5)).astype(np.float32)
    head, values = policy.forward(obs)
    module = policy.to_torch()
    t_head, t_values = module(torch.from_numpy(obs))
    np.testing.assert_allclose(head, t_head.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(values, t_values.detach().numpy(), rtol=1e-5, atol=1e-5)
    names = list(policy.state_dict())
    if arch["share_trunk"]:
        assert not any("_trunk" in n for n in names)
    else:
        assert not any(n.startswith("trunk.") for n in names)
        assert sum(n.startswith("actor_trunk.") for n in names) == sum(n.startswith("critic_trunk.") for n in names) \
            == 2 * len(hidden)
    assert set(names) == set(module.state_dict())
    # A file round trip keeps the layout and the activation.
    policy.save(tmp_path / "p.pt")
    loaded = fastac.load(tmp_path / "p.pt")
    assert (loaded.activation, loaded.share_trunk) == (arch["activation"], arch["share_trunk"])
    np.testing.assert_array_equal(loaded.forward(obs)[0], head)


def test_a_version_3_file_is_relu_with_one_trunk(tmp_path):
    policy = ActorCriticPolicy(4, 2, (8,), seed=1)
    policy.save(tmp_path / "v4.pt")
    payload = torch.load(tmp_path / "v4.pt", weights_only=True)
    payload["version"] = 3
    del payload["architecture"]["activation"], payload["architecture"]["share_trunk"]
    torch.save(payload, tmp_path / "v3.pt")
    loaded = fastac.load(tmp_path / "v3.pt")
    assert (loaded.activation, loaded.share_trunk) == ("relu", True)


def test_the_layouts_differ_in_what_the_value_loss_reaches():
    """With separate trunks the critic's parameters are disjoint from the actor's."""
    shared = ActorCriticPolicy(4, 2, (8,), seed=0)
    separate = ActorCriticPolicy(4, 2, (8,), seed=0, share_trunk=False)
    assert separate.network.num_parameters == shared.network.num_parameters + 4 * 8 + 8


def test_bad_architecture_values_are_refused():
    with pytest.raises(ValueError, match="activation"):
        ActorCriticPolicy(4, 2, (8,), activation="gelu")
    with pytest.raises(TypeError, match="share_trunk"):
        ActorCriticPolicy(4, 2, (8,), share_trunk="no")
    with pytest.raises(ValueError, match="activation"):
        fastac.train_a2c("CartPole-v1", activation="sigmoid", total_steps=100)


@pytest.mark.parametrize("train", [fastac.train_a2c, fastac.train_a3c])
def test_sb3s_architecture_trains(train, tmp_path):
    extra = {"num_workers": 1} if train is fastac.train_a3c else {}
    result = train("CartPole-v1", seed=0, activation="tanh", share_trunk=False, hidden_sizes=(64, 64),
                   lr=7e-4, total_steps=100_000, stop_eval_episodes=0, **extra)
    assert result.mean_return() > 50  # random play: about 22
    assert result.policy.activation == "tanh" and not result.policy.share_trunk
    assert result.config["activation"] == "tanh" and result.config["share_trunk"] is False
    with (fastac.A2C if train is fastac.train_a2c else fastac.A3C)("CartPole-v1", activation="tanh",
                                                                   share_trunk=False, **extra) as model:
        model.save(tmp_path / "m.pt")
    with pytest.raises(ValueError, match="activation"):
        fastac.A2C.load(tmp_path / "m.pt", activation="relu")
