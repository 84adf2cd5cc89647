"""The model objects (fastac.A2C, fastac.A3C): learn, continue, save, load, callbacks."""

from __future__ import annotations

import os

import gymnasium as gym
import numpy as np
import pytest
import torch

import fastac
from fastac import A2C, A3C, CheckpointCallback, EvalCallback, StopTrainingOnRewardThreshold
from fastac.callbacks import BaseCallback


def _params(model):
    return model.policy.network.parameters.copy()


def _optimizer(model):
    return model.training_state()["optimizer"]


# (A decaying learning rate follows each learn() call's own budget, as in SB3: the presets'
# anneal_lr is turned off where a preset has it.)
@pytest.mark.parametrize("hyperparameters", [
    {"anneal_lr": False},
    {"optimizer": "adam", "normalize_obs": True, "normalize_reward": True, "anneal_lr": False},
    {"env": "Pendulum-v1", "anneal_lr": False},  # its preset normalizes observations and rewards
    {"env": "CartPole-v1", "native": False, "num_envs": 4, "anneal_lr": False},  # gymnasium's Python envs
])
def test_a2c_continued_run_equals_an_uninterrupted_one_bit_for_bit(hyperparameters):
    kwargs = dict(hyperparameters)
    env = kwargs.pop("env", "CartPole-v1")
    steps = 3000 if kwargs.get("native") is False else 10_000
    with A2C(env, seed=3, **kwargs) as split:
        split.learn(steps)
        assert split.num_timesteps == split.result.env_steps >= steps
        split.learn(steps, reset_num_timesteps=False)
        assert split.result.num_timesteps == split.num_timesteps >= 2 * steps
        # An uninterrupted run of the same total: the stop falls on the same update.
        with A2C(env, seed=3, **kwargs) as whole:
            whole.learn(split.num_timesteps)
            assert whole.num_timesteps == split.num_timesteps
            np.testing.assert_array_equal(_params(split), _params(whole))
            for key in ("square_avg", "exp_avg", "step"):
                np.testing.assert_array_equal(_optimizer(split)[key], _optimizer(whole)[key])
            assert split.training_state()["counters"]["updates"] == whole.training_state()["counters"]["updates"]
            if whole.config.normalize_obs:
                np.testing.assert_array_equal(split.policy.observation_stats.moments()[1],
                                              whole.policy.observation_stats.moments()[1])
            if whole.config.normalize_reward:
                assert split.training_state()["return_moments"][0] == whole.training_state()["return_moments"][0]


@pytest.mark.parametrize("algorithm", [A2C, A3C])
def test_learn_save_load_learn_carries_steps_optimizer_and_statistics(algorithm, tmp_path):
    extra = {"num_workers": 1} if algorithm is A3C else {}
    path = tmp_path / "model.pt"
    with algorithm("Pendulum-v1", seed=0, total_steps=6000, **extra) as model:  # normalizes obs and rewards
        model.learn()
        before = model.training_state()
        model.save(path)
        counters = dict(before["counters"])
    loaded = algorithm.load(path)
    with loaded:
        state = loaded.training_state()
        assert loaded.num_timesteps == counters["env_steps"] >= 6000
        assert loaded.num_episodes == counters["episodes"]
        for key in ("square_avg", "exp_avg", "step"):
            np.testing.assert_array_equal(state["optimizer"][key], before["optimizer"][key])
        np.testing.assert_array_equal(state["counters"]["recent_returns"], counters["recent_returns"])
        assert state["return_moments"][0] == before["return_moments"][0]
        np.testing.assert_array_equal(_params(loaded), _params(model))
        np.testing.assert_array_equal(loaded.policy.observation_stats.moments()[1],
                                      model.policy.observation_stats.moments()[1])
        loaded.learn(4000, reset_num_timesteps=False)  # (A3C's 16 envs: 250 steps each, one 200-step episode)
        assert loaded.num_timesteps >= counters["env_steps"] + 4000
        assert loaded.result.env_steps < 4000 + 2000
        assert loaded.training_state()["counters"]["updates"] > counters["updates"]
        assert not np.array_equal(_optimizer(loaded)["square_avg"], before["optimizer"]["square_avg"])
        # The history and counts of the result are the call's own; num_timesteps the total.
        assert loaded.result.num_timesteps == loaded.num_timesteps
        assert loaded.result.history["env_steps"][0] > counters["env_steps"]
    # A model file is a policy file too.
    assert fastac.load(path).observation_size == 3


class _StopAt(BaseCallback):
    def __init__(self, steps):
        super().__init__()
        self.steps = steps

    def _on_step(self):
        return self.num_timesteps < self.steps


def test_reset_num_timesteps_counts_again_and_starts_new_episodes():
    with A2C("Pendulum-v1", seed=0, num_envs=4) as model:  # every episode is 200 steps
        model.learn(5000, callback=_StopAt(1100))  # stopped mid-episode and mid-rollout
        assert model.result.stop_reason == "callback"
        first = model.training_state()
        assert model.num_timesteps == first["counters"]["env_steps"] < 1100  # the partial rollout is not counted
        model.learn(1000)  # SB3's default reset_num_timesteps=True
        assert 1000 <= model.num_timesteps < 1100
        assert (model.result.history["episode_length"] == 200).all()  # no episode carried over from the last call
        assert model.training_state()["counters"]["updates"] < first["counters"]["updates"]


def test_an_interrupted_learn_continues():
    with A2C("CartPole-v1", seed=0, num_envs=4) as model:
        model.learn(5000, callback=_StopAt(1100))
        steps = model.num_timesteps
        model.learn(1000, reset_num_timesteps=False)
        assert steps + 1000 <= model.num_timesteps < steps + 1000 + 20
        assert model.result.env_steps == model.num_timesteps - steps


def test_a3c_learn_calls_draw_new_env_seeds():
    for reset in (True, False):
        with A3C("CartPole-v1", seed=0, num_workers=1, envs_per_worker=1, lr=1e-12) as model:
            model.learn(3000)
            first = model.result.history["episode_length"][:8].tolist()
            model.learn(3000, reset_num_timesteps=reset)
            # (a negligible lr: the same policy; other episodes show other seeds)
            assert model.result.history["episode_length"][:8].tolist() != first
            assert model.result.config["seed"] == model.config.seed == 0


@pytest.mark.parametrize("train", [fastac.train_a2c, fastac.train_a3c])
def test_the_one_call_trainers_continue_an_initial_model(train, tmp_path):
    extra = {"num_workers": 1} if train is fastac.train_a3c else {}
    first = train("Acrobot-v1", seed=0, total_steps=3000, **extra)
    with (A2C if train is fastac.train_a2c else A3C)("Acrobot-v1", seed=0, total_steps=3000, **extra) as model:
        model.learn()
        model.save(tmp_path / "m.pt")
        params = _params(model)
        # From a file; the env is the model's (Acrobot) when none is given.
        result = train(init_model=tmp_path / "m.pt", total_steps=2000)
        assert result.num_timesteps >= model.num_timesteps + 2000
        assert result.config["env"].endswith("Acrobot-v1")
        # From a model object: copied, not changed.
        result = train(init_model=model, total_steps=2000)
        assert result.num_timesteps >= model.num_timesteps + 2000
        np.testing.assert_array_equal(_params(model), params)
    assert first.num_timesteps == first.env_steps


def test_bad_arguments_are_refused(tmp_path):
    with A2C("CartPole-v1", seed=0) as model:
        with pytest.raises(ValueError, match="total_steps"):
            model.learn(0)
        with pytest.raises(TypeError, match="reset_num_timesteps"):
            model.learn(100, reset_num_timesteps="no")
        with pytest.raises(TypeError, match="callback"):
            model.learn(100, callback=42)
        with pytest.raises(ValueError, match="callback_interval_s"):
            model.learn(100, callback_interval_s=0)
        model.save(tmp_path / "m.pt")
    with pytest.raises(TypeError, match="init_model"):
        fastac.train_a2c(init_model=3)
    with pytest.raises(ValueError, match="config"):
        fastac.train_a2c(init_model=tmp_path / "m.pt", config=fastac.TrainConfig())
    with pytest.raises(ValueError, match="env"):
        A2C.load(tmp_path / "m.pt", env="Acrobot-v1")  # 6 observations, not CartPole's 4
    with pytest.raises(ValueError, match="hidden_sizes"):
        A2C.load(tmp_path / "m.pt", hidden_sizes=(7,))
    with pytest.raises(ValueError, match="cannot read"):
        A2C.load(tmp_path / "missing.pt")
    with pytest.raises(TypeError, match="env"):
        A3C(gym.make("CartPole-v1"))


def test_a_changed_optimizer_starts_afresh_with_a_warning(tmp_path):
    with A2C("CartPole-v1", seed=0, total_steps=2000) as model:
        model.learn()
        model.save(tmp_path / "m.pt")
    with pytest.warns(RuntimeWarning, match="optimizer"):
        with A2C.load(tmp_path / "m.pt", optimizer="adam") as loaded:
            assert loaded.training_state()["optimizer"] is None
            loaded.learn(1000)


def test_a_policy_file_loads_as_a_model_with_fresh_statistics(tmp_path):
    result = fastac.train_a2c("CartPole-v1", seed=0, total_steps=2000)
    result.policy.save(tmp_path / "policy.pt")
    with A2C.load(tmp_path / "policy.pt") as model:
        assert model.num_timesteps == 0
        np.testing.assert_array_equal(_params(model), result.policy.network.parameters)
        model.learn(1000)


class _AlwaysTheSameStart(gym.Wrapper):
    """Every episode starts from the same state: a greedy policy's return is one number."""

    def reset(self, *, seed=None, options=None):
        return self.env.reset(seed=0, options=options)


class _Record(BaseCallback):
    def __init__(self):
        super().__init__()
        self.calls = {"training_start": 0, "rollout_start": 0, "step": 0, "rollout_end": 0, "training_end": 0}
        self.timesteps = []

    def _on_training_start(self):
        self.calls["training_start"] += 1

    def _on_rollout_start(self):
        self.calls["rollout_start"] += 1

    def _on_step(self):
        self.calls["step"] += 1
        self.timesteps.append(self.num_timesteps)
        assert self.model.policy.network.parameters.shape == (self.model.policy.network.num_parameters,)
        return True

    def _on_rollout_end(self):
        self.calls["rollout_end"] += 1

    def _on_training_end(self):
        self.calls["training_end"] += 1


def test_a2c_calls_callbacks_at_sb3s_points():
    record = _Record()
    with A2C("CartPole-v1", seed=0, num_envs=4, n_steps=5) as model:
        model.learn(2000, callback=record)
        calls = record.calls
        assert calls["training_start"] == calls["training_end"] == 1
        assert calls["step"] == 5 * calls["rollout_start"]  # once per vector step
        assert calls["rollout_end"] == calls["rollout_start"]
        assert record.timesteps == sorted(record.timesteps)
        assert record.timesteps[-1] == model.num_timesteps
        assert record.model is model


def test_a3c_calls_callbacks_from_the_supervising_thread():
    import threading

    class Where(_Record):
        def _on_training_start(self):
            super()._on_training_start()
            self.start_steps = self.model.num_timesteps

        def _on_step(self):
            self.thread = threading.current_thread()
            return super()._on_step()

    record = Where()
    with A3C("CartPole-v1", seed=0, num_workers=2) as model:
        model.learn(3_000_000, callback=record)  # about a second: many 50 ms polls on a fast machine too
        assert record.calls["training_start"] == record.calls["training_end"] == 1
        assert record.start_steps == 0  # before the workers start
        assert record.calls["step"] >= 3  # every 50 ms, and once at the end
        assert record.calls["rollout_start"] == record.calls["rollout_end"] == 0  # A3C has no global rollouts
        assert record.thread is threading.main_thread()
        assert record.timesteps == sorted(record.timesteps)
        assert record.timesteps[-1] == model.num_timesteps


@pytest.mark.parametrize("algorithm", [A2C, A3C])
def test_eval_callback_keeps_the_best_model_and_stops_at_a_threshold(algorithm, tmp_path):
    extra = {"num_workers": 2} if algorithm is A3C else {}
    eval_env = _AlwaysTheSameStart(gym.make("CartPole-v1"))
    stop = StopTrainingOnRewardThreshold(reward_threshold=200)
    evaluations = EvalCallback(eval_env, callback_on_new_best=stop, n_eval_episodes=2, eval_freq=10_000,
                               best_model_save_path=tmp_path, log_path=tmp_path, verbose=0)
    # A3C evaluates at its 50 ms polls: at 3M steps/s 400k steps can be 3 polls, too few to see
    # 200 before the budget ends; with 4M the threshold is reached long before the budget.
    budget = 4_000_000 if algorithm is A3C else 400_000
    with algorithm("CartPole-v1", seed=0, **extra) as model:
        model.learn(budget, callback=[evaluations])
        assert model.result.stop_reason == "callback"
        assert model.num_timesteps < budget
    results = np.load(tmp_path / "evaluations.npz")
    best = results["results"].mean(axis=1).max()
    assert best == evaluations.best_mean_reward >= 200
    policy = fastac.load(tmp_path / "best_model.pt")
    rewards, _ = fastac.evaluate_policy(policy, _AlwaysTheSameStart(gym.make("CartPole-v1")), n_eval_episodes=2,
                                        return_episode_rewards=True)
    assert float(np.mean(rewards)) == best
    # The best model is a model: it continues training.
    with algorithm.load(tmp_path / "best_model.pt", **extra) as continued:
        assert continued.num_timesteps > 0
        continued.learn(2000, reset_num_timesteps=False)


@pytest.mark.parametrize("algorithm", [A2C, A3C])
def test_checkpoint_files_load(algorithm, tmp_path):
    # A3C's callbacks run every 50 ms (and once at the end), about every 30,000 steps.
    extra, total, every = ({"num_workers": 1}, 600_000, 200_000) if algorithm is A3C else ({}, 12_000, 5000)
    with algorithm("CartPole-v1", seed=0, **extra) as model:
        model.learn(total, callback=CheckpointCallback(save_freq=every, save_path=tmp_path, name_prefix="ck"))
    files = sorted(os.listdir(tmp_path))
    assert 2 <= len(files) <= total // every, files
    for name in files:
        steps = int(name.split("_")[1])
        assert every <= steps <= total + 1000
        assert fastac.load(tmp_path / name).observation_size == 4
        with algorithm.load(tmp_path / name, **extra) as loaded:
            state = loaded.training_state()
            assert state["optimizer"] is not None and state["optimizer"]["square_avg"].any()
            if algorithm is A2C:  # the file counts the steps its weights learned from: not the running rollout's
                assert steps - 5 * 8 <= loaded.num_timesteps <= steps
            else:  # the workers go on while the callback saves
                assert steps <= loaded.num_timesteps < steps + 100_000


def test_progress_has_sb3s_rollout_and_train_values():
    seen = []
    with A2C("Pendulum-v1", seed=0) as model:
        model.learn(5000, callback=lambda progress: seen.append(progress))
    last = seen[-1]
    assert last["mean_length"] == 200  # Pendulum's episodes are 200 steps
    assert -1.0 <= last["explained_variance"] <= 1.0
    assert 0 < last["std"] < 1  # the preset's log_std_init -1
    assert last["run_env_steps"] == last["env_steps"]


def test_a2c_model_on_a_vector_env_it_does_not_own():
    envs = gym.make_vec("CartPole-v1", num_envs=2)
    with A2C(envs, seed=0, stop_eval_episodes=0) as model:
        assert model.get_env() is envs
        model.learn(500)
    assert not envs.closed  # the caller's env stays open
    envs.close()


def test_sb3_function_callbacks_see_locals_and_can_stop():
    seen = []

    def callback(locals_, globals_):
        seen.append(locals_["live"].steps)
        return len(seen) < 10

    with A2C("CartPole-v1", seed=0) as model:
        model.learn(10_000, callback=callback)
        assert model.result.stop_reason == "callback" and len(seen) == 10


def test_a_model_trained_on_a_callable_needs_its_env_to_continue(tmp_path):
    with A2C(lambda: gym.make("CartPole-v1"), seed=0, stop_eval_episodes=0) as model:
        model.learn(500)
        model.save(tmp_path / "m.pt")
    with pytest.raises(ValueError, match="pass env="):
        A2C.load(tmp_path / "m.pt")
    with A2C.load(tmp_path / "m.pt", env=lambda: gym.make("CartPole-v1"), stop_eval_episodes=0) as loaded:
        loaded.learn(500, reset_num_timesteps=False)
        assert loaded.num_timesteps >= 1000


def _corrupt(training, key, value):
    if "." in key:
        outer, inner = key.split(".")
        training[outer][inner] = value
    else:
        training[key] = value


@pytest.mark.parametrize("key, value", [
    ("algorithm", 123),
    ("counters.env_steps", -1),
    ("counters.env_steps", float("inf")),
    ("counters.episodes", 2.5),
    ("counters.updates", True),
    ("counters.episodes", 3),  # fewer than the window's episodes
    ("recent_returns", torch.tensor([float("nan")] * 4)),
    ("recent_lengths", torch.tensor([-1, 2, 3, 4], dtype=torch.int32)),
    ("recent_lengths", torch.tensor([1.0, 2.0, 3.0, 4.0])),
    ("optimizer.kind", "lion"),
    ("optimizer.square_avg", torch.tensor([1.0, 2.0])),  # not the network's size
    ("optimizer.square_avg", "abc"),
    ("optimizer.step", -3),
    ("return_moments", [0.0, torch.zeros(1, dtype=torch.float64), torch.ones(1, dtype=torch.float64)]),
    ("return_moments", [1.0, torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64)]),
    ("return_moments", [1.0, torch.zeros(1, dtype=torch.float64), -torch.ones(1, dtype=torch.float64)]),
    ("counters", None),
])
def test_a_malformed_training_state_is_refused_naming_the_file(key, value, tmp_path):
    with A2C("CartPole-v1", seed=0, normalize_reward=True) as model:
        model.learn(2000)
        model.save(tmp_path / "m.pt")
    payload = torch.load(tmp_path / "m.pt", weights_only=True)
    assert len(payload["training"]["recent_returns"]) >= 4
    payload["training"]["recent_returns"] = payload["training"]["recent_returns"][:4]
    payload["training"]["recent_lengths"] = payload["training"]["recent_lengths"][:4]
    _corrupt(payload["training"], key, value)
    torch.save(payload, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match="bad.pt"):
        A2C.load(tmp_path / "bad.pt")
    assert fastac.load(tmp_path / "bad.pt").observation_size == 4  # the policy itself is fine


def test_a_model_file_continues_with_the_other_algorithm(tmp_path):
    with A2C("CartPole-v1", seed=0) as a2c:
        a2c.learn(2000)
        a2c.save(tmp_path / "a2c.pt")
        steps = a2c.num_timesteps
    with A3C.load(tmp_path / "a2c.pt", num_workers=1) as a3c:
        assert a3c.num_timesteps == steps and a3c.training_state()["optimizer"] is not None
        np.testing.assert_array_equal(_params(a3c), _params(a2c))
        a3c.learn(2000, reset_num_timesteps=False)
        assert a3c.num_timesteps >= steps + 2000
        a3c.save(tmp_path / "a3c.pt")
        steps = a3c.num_timesteps
    with A2C.load(tmp_path / "a3c.pt") as back:
        assert back.num_timesteps == steps
        back.learn(1000, reset_num_timesteps=False)
        assert back.num_timesteps >= steps + 1000
