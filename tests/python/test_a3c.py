"""fastac.train_a3c: solving CartPole, reproducibility, the policy API and argument checks."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

import fastac


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_solves_cartpole_and_evaluates_on_gymnasium(seed):
    # One worker: reproducible, so this test is not at the mercy of Hogwild timing.
    result = fastac.train_a3c(stop_at_return=475, seed=seed, num_workers=1, total_steps=3_000_000, max_seconds=60)
    assert result.stop_reason == "stop_at_return", result
    assert result.mean_return() >= 475
    mean, _ = fastac.evaluate_policy(result.policy, gym.make("CartPole-v1"), n_eval_episodes=100, seed=10_000)
    assert mean >= 475


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_workers_solve_and_the_policy_holds_on_gymnasium(seed):
    # Hogwild is nondeterministic; the stop evaluation makes the returned policy
    # the one that met the target on fresh episodes, whatever the interleaving.
    result = fastac.train_a3c(stop_at_return=475, seed=seed, num_workers=2, total_steps=3_000_000, max_seconds=60)
    assert result.stop_reason == "stop_at_return"
    assert result.env_steps < 3_000_000
    mean, _ = fastac.evaluate_policy(result.policy, gym.make("CartPole-v1"), n_eval_episodes=100, seed=20_000)
    # The run stopped at the first confirmation that reached 475 on its 100 episodes, so
    # other episodes score a little lower on average (1 run in about 40 measured 468 here,
    # where the interleaving differs from run to run); still clearly solved.
    assert mean >= 450
    h = result.history
    assert len(h["episode_return"]) == result.episodes
    assert np.all(np.diff(h["wall_time_s"]) >= 0)
    assert np.all(h["episode_length"] == h["episode_return"])  # CartPole: reward 1 per step


def test_stop_evaluation_can_be_turned_off():
    kwargs = dict(stop_at_return=475, seed=0, num_workers=1, total_steps=3_000_000, max_seconds=60)
    checked = fastac.train_a3c(**kwargs)
    unchecked = fastac.train_a3c(stop_eval_episodes=0, **kwargs)
    assert checked.stop_reason == unchecked.stop_reason == "stop_at_return"
    assert unchecked.mean_return() >= 475
    # Same seed, one worker: both runs share their trajectory up to the first time
    # the training episodes meet the target; the checked run cannot stop earlier.
    assert checked.env_steps >= unchecked.env_steps
    assert np.array_equal(checked.history["episode_return"][: unchecked.episodes], unchecked.history["episode_return"])


def test_one_worker_is_reproducible():
    a = fastac.train_a3c(total_steps=30_000, seed=7, num_workers=1)
    b = fastac.train_a3c(total_steps=30_000, seed=7, num_workers=1)
    np.testing.assert_array_equal(a.history["episode_return"], b.history["episode_return"])
    for key, value in a.policy.state_dict().items():
        assert torch.equal(value, b.policy.state_dict()[key])


def test_stress_many_workers_finite():
    for workers in (16, 64):
        result = fastac.train_a3c(total_steps=50_000, num_workers=workers, envs_per_worker=1, seed=1)
        assert result.env_steps >= 50_000
        assert all(torch.isfinite(v).all() for v in result.policy.state_dict().values())


def test_callback_sees_progress_and_can_stop():
    seen = []

    def callback(progress):
        seen.append(progress)
        return False

    result = fastac.train_a3c(total_steps=10**9, seed=0, callback=callback, callback_interval_s=0.05)
    assert result.stop_reason == "callback"
    assert seen and {"env_steps", "episodes", "mean_return", "steps_per_s"} <= set(seen[0])


def test_callback_exception_propagates():
    def callback(progress):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fastac.train_a3c(total_steps=10**9, seed=0, callback=callback, callback_interval_s=0.05)


def test_max_seconds():
    result = fastac.train_a3c(total_steps=10**10, max_seconds=0.3, seed=0)
    assert result.stop_reason == "max_seconds"
    assert 0.25 <= result.wall_time_s < 2.0


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_other_optimizers_run(optimizer):
    lr = 1e-3 if optimizer == "adam" else 0.05
    result = fastac.train_a3c(total_steps=100_000, optimizer=optimizer, lr=lr, seed=0, num_workers=1, gae_lambda=0.95)
    assert result.mean_return() > 30  # above a random policy's ~22


def test_policy_predict_save_load_and_torch_equivalence(tmp_path):
    result = fastac.train_a3c(total_steps=20_000, seed=3, num_workers=1, hidden_sizes=(32, 16))
    policy = result.policy
    obs = np.random.default_rng(0).normal(size=(10, 4)).astype(np.float32)
    actions, state = policy.predict(obs, deterministic=True)
    assert state is None and actions.shape == (10,) and actions.dtype == np.int64
    np.testing.assert_array_equal(actions, policy.forward(obs)[0].argmax(axis=1))
    sampled, _ = policy.predict(obs)  # Stable-Baselines3's default: sample
    assert sampled.shape == (10,) and set(sampled.tolist()) <= {0, 1}
    single, _ = policy.predict(obs[0], deterministic=True)
    assert single.shape == () and int(single) == actions[0]
    with pytest.raises(ValueError, match="shape"):
        policy.predict(np.zeros(5))

    # the state_dict drives a plain torch module to the same outputs
    sd = policy.state_dict()
    module = torch.nn.ModuleDict(
        {
            "trunk": torch.nn.Sequential(
                torch.nn.Linear(4, 32), torch.nn.ReLU(), torch.nn.Linear(32, 16), torch.nn.ReLU()
            ),
            "actor": torch.nn.Linear(16, 2),
            "critic": torch.nn.Linear(16, 1),
        }
    )
    module.load_state_dict(sd)
    with torch.no_grad():
        h = module["trunk"](torch.from_numpy(obs))
        logits, values = module["actor"](h), module["critic"](h).squeeze(1)
    ours_logits, ours_values = policy.forward(obs)
    np.testing.assert_allclose(ours_logits, logits.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours_values, values.numpy(), rtol=1e-5, atol=1e-6)

    path = tmp_path / "model.pt"
    policy.save(path)
    loaded = fastac.load(path)
    np.testing.assert_array_equal(loaded.predict(obs, deterministic=True)[0], actions)
    assert loaded.hidden_sizes == (32, 16)
    assert loaded.metadata["algorithm"] == "a3c" and loaded.metadata["config"]["hidden_sizes"] == [32, 16]


def test_load_rejects_bad_files(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a model")
    with pytest.raises(ValueError, match="fastac model"):
        fastac.load(bad)
    torch.save({"format": "something else"}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a fastac model"):
        fastac.load(tmp_path / "other.pt")


def test_evaluate_policy_checks_spaces():
    policy = fastac.ActorCriticPolicy(4, 2)
    with pytest.raises(ValueError, match="observation space"):
        fastac.evaluate_policy(policy, gym.make("MountainCar-v0"), n_eval_episodes=1)
    with pytest.raises(ValueError, match="n_eval_episodes"):
        fastac.evaluate_policy(policy, "CartPole-v1", n_eval_episodes=0)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"num_workers": 0}, "num_workers"),
        ({"envs_per_worker": 0}, "envs_per_worker"),
        ({"total_steps": 0}, "total_steps"),
        ({"gamma": 0.0}, "gamma"),
        ({"gamma": 1.5}, "gamma"),
        ({"lr": 0}, "lr"),
        ({"lr": float("nan")}, "lr"),
        ({"t_max": 0}, "t_max"),
        ({"entropy_coef": -1}, "entropy_coef"),
        ({"value_coef": -0.1}, "value_coef"),
        ({"max_grad_norm": -1}, "max_grad_norm"),
        ({"gae_lambda": 1.5}, "gae_lambda"),
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"rmsprop_alpha": 1.0}, "rmsprop_alpha"),
        ({"max_seconds": 0}, "max_seconds"),
        ({"stop_eval_episodes": -1}, "stop_eval_episodes"),
        ({"seed": -3}, "seed"),
        ({"hidden_sizes": (0,)}, "hidden_sizes"),
        ({"env": "Taxi-v3"}, "env"),
        ({"env": "Pendulum-v1", "log_std_init": -21.0}, "log_std_init"),
        ({"env": "Pendulum-v1", "bounds_coef": -1.0}, "bounds_coef"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(kwargs, name):
    with pytest.raises(ValueError, match=name):
        fastac.train_a3c(total_steps=kwargs.pop("total_steps", 1000), **kwargs)


def test_wrong_types_raise_type_error():
    with pytest.raises(TypeError, match="num_workers"):
        fastac.train_a3c(num_workers=1.5)
    with pytest.raises(TypeError, match="callback"):
        fastac.train_a3c(callback=3)


def test_to_torch_and_torchscript_match_the_native_forward(tmp_path):
    policy = fastac.ActorCriticPolicy(4, 2, (32, 16), seed=3)
    obs = np.random.default_rng(0).normal(size=(7, 4)).astype(np.float32)
    logits, values = policy.forward(obs)
    module = policy.to_torch()
    assert isinstance(module, torch.nn.Module)
    with torch.no_grad():
        t_logits, t_values = module(torch.from_numpy(obs))
    np.testing.assert_allclose(t_logits.numpy(), logits, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(t_values.numpy(), values, rtol=1e-5, atol=1e-6)

    path = tmp_path / "policy.ts"
    policy.export_torchscript(path)
    scripted = torch.jit.load(str(path))
    with torch.no_grad():
        np.testing.assert_array_equal(scripted.act(torch.from_numpy(obs)).numpy(),
                                      policy.predict(obs, deterministic=True)[0])
        np.testing.assert_allclose(scripted(torch.from_numpy(obs))[0].numpy(), logits, rtol=1e-5, atol=1e-6)


def test_torch_export_program_matches(tmp_path):
    policy = fastac.ActorCriticPolicy(6, 3, (16,), seed=1)
    obs = np.random.default_rng(1).normal(size=(4, 6)).astype(np.float32)
    path = tmp_path / "policy.pt2"
    policy.export_program(path)
    module = torch.export.load(str(path)).module()
    with torch.no_grad():
        for batch in (obs, obs[:1]):
            logits, values = module(torch.from_numpy(batch))
            np.testing.assert_allclose(logits.numpy(), policy.forward(batch)[0], rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(values.numpy(), policy.forward(batch)[1], rtol=1e-5, atol=1e-6)


def test_a_rollout_too_large_for_memory_is_refused_up_front():
    # 65536 x 65536 rollout rows cannot be allocated: refused before any thread starts,
    # naming the sizes (a worker's own std::bad_alloc is tested in tests/cpp/).
    with pytest.raises(MemoryError, match="num_workers x envs_per_worker x t_max"):
        fastac.train_a3c(num_workers=1, envs_per_worker=65536, t_max=65536, total_steps=1000, seed=0)
    with pytest.raises(MemoryError, match="num_envs x n_steps"):
        fastac.train_a2c(num_envs=65536, n_steps=65536, total_steps=1000, seed=0)


def test_progress_has_the_same_keys_as_a2c():
    seen = {}
    fastac.train_a3c(total_steps=20_000, seed=0, num_workers=1, callback=lambda p: seen.setdefault("a3c", p) and None,
                     callback_interval_s=0.01)
    fastac.train_a2c(total_steps=2_000, seed=0, callback=lambda p: seen.setdefault("a2c", p) and None,
                     callback_interval_s=0.01)
    assert set(seen["a3c"]) == set(seen["a2c"])


def test_callback_must_return_a_bool_or_none():
    with pytest.raises(TypeError, match="callback must return"):
        fastac.train_a3c(total_steps=10**9, seed=0, callback=lambda p: "stop", callback_interval_s=0.01)
    with pytest.raises(TypeError, match="callback must return"):
        fastac.train_a2c(total_steps=10**9, seed=0, callback=lambda p: 0, callback_interval_s=0.01)
