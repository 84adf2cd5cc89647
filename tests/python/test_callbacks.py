"""fastac.callbacks: Stable-Baselines3's callback API, with frequencies in env steps.

The callbacks are driven here as a trainer drives them (``init_callback``,
``on_training_start``, then ``num_timesteps`` grows and ``on_step`` is called, ...,
``on_training_end``) with a small fake model that has what ``fastac.A2C``/``A3C`` give them.

Evaluations are made deterministic with an env whose every reset uses the same seed and
with hand-set linear policies of known CartPole returns (each episode of an evaluation is
then the same): see :func:`linear_policy`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.vector import AutoresetMode

import fastac
from fastac import ActorCriticPolicy, evaluate_policy
from fastac.callbacks import (BaseCallback, CallbackList, CheckpointCallback, ConvertCallback, EvalCallback,
                              EventCallback, EveryNTimesteps, StopTrainingOnMaxEpisodes,
                              StopTrainingOnNoModelImprovement, StopTrainingOnRewardThreshold, convert_callback)

# ---------------------------------------------------------------------------------------------
# Fixtures: policies of known returns, a fixed-seed env, a fake model, a driver.


def linear_policy(w: list[float]) -> ActorCriticPolicy:
    """A CartPole policy that pushes right iff ``w . obs > 0`` (two ReLU units carry ``w . obs``
    and ``-w . obs`` into the right action's logit; everything else is 0)."""
    policy = ActorCriticPolicy(4, gym.spaces.Discrete(2), [8], seed=0)
    sd = {k: torch.zeros_like(v) for k, v in policy.state_dict().items()}
    weights = torch.tensor(w, dtype=torch.float32)
    sd["trunk.0.weight"][0] = weights
    sd["trunk.0.weight"][1] = -weights
    sd["actor.weight"][1, 0] = 1.0
    sd["actor.weight"][1, 1] = -1.0
    policy.load_state_dict(sd)
    return policy


# Returns on FixedSeed(CartPole-v1), checked by test_policies_have_the_known_returns.
WORST, MID, GOOD, BEST = [0, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 1, 1]
RETURNS = {"WORST": 9.0, "MID": 34.0, "GOOD": 176.0, "BEST": 500.0}


class FixedSeed(gym.Wrapper):
    """Every reset uses the same seed, so a deterministic policy's episodes are all alike."""

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        return self.env.reset(seed=7, options=options)


class AlternatingSuccess(gym.Wrapper):
    """The final info of episode k has ``is_success = (k % 2 == 0)``."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.episodes = 0

    def step(self, action: Any) -> Any:
        obs, reward, terminated, truncated, info = self.env.step(action)
        if terminated or truncated:
            info = dict(info, is_success=self.episodes % 2 == 0)
            self.episodes += 1
        return obs, reward, terminated, truncated, info


def fixed_env() -> gym.Env:
    return FixedSeed(gym.make("CartPole-v1"))


class FakeLogger:
    def __init__(self) -> None:
        self.values: dict[str, float] = {}
        self.history: list[tuple[str, float]] = []

    def record(self, key: str, value: float) -> None:
        self.values[key] = value
        self.history.append((key, value))


class FakeModel:
    """What fastac.A2C / A3C give the callbacks."""

    def __init__(self, policy: ActorCriticPolicy | None = None, algorithm: str = "a2c") -> None:
        self.num_timesteps = 0
        self.num_episodes = 0
        self.policy = policy if policy is not None else ActorCriticPolicy(4, gym.spaces.Discrete(2), [8], seed=0)
        self.logger = FakeLogger()
        self.algorithm = algorithm
        self.saved: list[str] = []

    def save(self, path: str) -> None:
        self.saved.append(path)
        self.policy.save(path)

    def get_env(self) -> Any:
        return None


def start(callback: BaseCallback, model: FakeModel) -> None:
    callback.init_callback(model)
    callback.on_training_start({}, {})


def advance(callback: BaseCallback, model: FakeModel, steps: int) -> bool:
    model.num_timesteps += steps
    return callback.on_step()


class Recorder(BaseCallback):
    """Logs its events into a shared list; ``_on_step`` returns ``result``."""

    def __init__(self, name: str, log: list[tuple[str, str]], result: Any = True) -> None:
        super().__init__()
        self.name, self.log, self.result = name, log, result

    def _on_training_start(self) -> None:
        self.log.append((self.name, "training_start"))

    def _on_rollout_start(self) -> None:
        self.log.append((self.name, "rollout_start"))

    def _on_step(self) -> Any:
        self.log.append((self.name, "step"))
        return self.result

    def _on_rollout_end(self) -> None:
        self.log.append((self.name, "rollout_end"))

    def _on_training_end(self) -> None:
        self.log.append((self.name, "training_end"))


def test_policies_have_the_known_returns():
    env = fixed_env()
    for name, w in (("WORST", WORST), ("MID", MID), ("GOOD", GOOD), ("BEST", BEST)):
        returns, _ = evaluate_policy(linear_policy(w), env, n_eval_episodes=2, return_episode_rewards=True)
        assert returns == [RETURNS[name]] * 2


# ---------------------------------------------------------------------------------------------
# BaseCallback


def test_base_callback_attributes_and_on_step_results():
    log: list[tuple[str, str]] = []
    model = FakeModel()
    model.num_timesteps = 40
    cb = Recorder("a", log)
    assert (cb.n_calls, cb.num_timesteps, cb.locals, cb.globals, cb.parent, cb.verbose) == (0, 0, {}, {}, None, 0)
    locals_ = {"x": 1}
    cb.init_callback(model)
    cb.on_training_start(locals_, {"g": 2})
    assert cb.model is model and cb.logger is model.logger
    assert cb.num_timesteps == 40 and cb.locals is locals_ and cb.globals == {"g": 2}
    assert advance(cb, model, 8) is True
    assert (cb.n_calls, cb.num_timesteps) == (1, 48)
    cb.update_locals({"y": 3})
    assert locals_ == {"x": 1, "y": 3}
    for result, expected in ((None, True), (False, False), (np.bool_(False), False), (np.bool_(True), True)):
        cb.result = result
        assert advance(cb, model, 1) is expected
    with pytest.raises(RuntimeError, match="get_env"):
        _ = cb.training_env


@pytest.mark.parametrize("bad", [1, 0, "False", [], np.float64(0.0)])
def test_on_step_refuses_a_non_bool_result(bad):
    model = FakeModel()
    cb = Recorder("a", [], result=bad)
    start(cb, model)
    with pytest.raises(TypeError, match=rf"Recorder\._on_step must return a bool or None.*{type(bad).__name__}"):
        advance(cb, model, 1)


def test_base_callback_is_abstract():
    with pytest.raises(TypeError):
        BaseCallback()  # type: ignore[abstract]


# ---------------------------------------------------------------------------------------------
# CallbackList, ConvertCallback, convert_callback, EventCallback, EveryNTimesteps


def test_callback_list_order_and_stop():
    log: list[tuple[str, str]] = []
    model = FakeModel()
    a, b, c = Recorder("a", log), Recorder("b", log, result=False), Recorder("c", log)
    cbs = CallbackList([a, b, c])
    start(cbs, model)
    cbs.on_rollout_start()
    assert advance(cbs, model, 4) is False  # b stops training, c is still called
    cbs.on_rollout_end()
    cbs.on_training_end()
    names = ["a", "b", "c"]
    expected = [(n, e) for e in ("training_start", "rollout_start", "step", "rollout_end", "training_end")
                for n in names]
    assert log == expected
    assert all(cb.model is model and cb.num_timesteps == 4 for cb in (a, b, c))
    b.result = None
    assert advance(cbs, model, 4) is True
    cbs.update_locals({"k": 1})
    assert a.locals == {"k": 1} and c.locals == {"k": 1}


def test_convert_callback_function():
    seen = []

    def stop_at_three(locals_, globals_):
        seen.append((dict(locals_), globals_))
        return False if len(seen) == 3 else None

    model = FakeModel()
    cb = ConvertCallback(stop_at_three)
    cb.init_callback(model)
    cb.on_training_start({"step": 0}, {"G": 1})
    assert advance(cb, model, 1) and advance(cb, model, 1)
    assert advance(cb, model, 1) is False
    assert seen[0] == ({"step": 0}, {"G": 1})

    bad = ConvertCallback(lambda l, g: "stop")
    start(bad, model)
    with pytest.raises(TypeError, match=r"ConvertCallback\(test_convert_callback_function\.<locals>\.<lambda>\)"
                                        r"\._on_step.*'stop'"):
        bad.on_step()
    nothing = ConvertCallback(None)
    start(nothing, model)
    assert nothing.on_step() is True


def test_convert_callback_each_type():
    assert convert_callback(None) is None
    cb = Recorder("a", [])
    assert convert_callback(cb) is cb
    both = convert_callback([cb, Recorder("b", [])])
    assert isinstance(both, CallbackList) and both.callbacks[0] is cb
    assert isinstance(convert_callback(lambda l, g: True), ConvertCallback)
    for bad in (3, "cb", (cb,), {"a": cb}):
        with pytest.raises(TypeError, match="callback must be"):
            convert_callback(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"callback\[1\]"):
        convert_callback([cb, lambda l, g: True])  # type: ignore[list-item]


def test_every_n_timesteps():
    log: list[tuple[str, str]] = []
    model = FakeModel()
    child = Recorder("child", log)
    cb = EveryNTimesteps(100, child)
    assert child.parent is cb
    start(cb, model)
    triggers = []
    for steps in (30, 30, 30, 30, 30, 250, 10, 100):
        advance(cb, model, steps)
        if log[-1] == ("child", "step"):
            triggers.append(model.num_timesteps)
            log.append(("-", "-"))
    # SB3's rule: at least n_steps since the last trigger's step count.
    assert triggers == [120, 400, 510]
    assert child.n_calls == 3 and child.num_timesteps == 510
    child.result = False
    assert advance(cb, model, 100) is False


def test_event_callback_forwards_the_lifecycle_to_its_child():
    log: list[tuple[str, str]] = []
    model = FakeModel()
    cb = EventCallback(Recorder("child", log))
    start(cb, model)
    cb.on_rollout_start()
    assert advance(cb, model, 5) is True  # no event: the child's on_step is not called
    cb.on_rollout_end()
    cb.on_training_end()
    assert log == [("child", e) for e in ("training_start", "rollout_start", "rollout_end", "training_end")]
    cb.update_locals({"k": 2})
    assert cb.callback is not None and cb.callback.locals == {"k": 2}


# ---------------------------------------------------------------------------------------------
# CheckpointCallback


def test_checkpoints_at_env_step_multiples(tmp_path, capsys):
    folder = tmp_path / "a" / "b"
    model = FakeModel(linear_policy(GOOD))
    cb = CheckpointCallback(save_freq=np.int64(100), save_path=folder, name_prefix="ckpt", verbose=2)
    assert cb.save_freq == 100 and type(cb.save_freq) is int
    start(cb, model)
    assert folder.is_dir()
    for steps in (40, 40, 40, 40, 40, 350, 20, 80):  # 40 80 120 160 200 550 570 650
        assert advance(cb, model, steps) is True
    expected = [f"ckpt_{n}_steps.pt" for n in (120, 200, 550, 650)]
    assert sorted(os.listdir(folder), key=lambda n: int(n.split("_")[1])) == expected
    assert [os.path.basename(p) for p in model.saved] == expected
    assert f"Saving model checkpoint to {folder / expected[0]}" in capsys.readouterr().out
    loaded = fastac.load(folder / expected[-1])
    for key, value in model.policy.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value)


def test_checkpoint_of_a_resumed_model_waits_for_the_next_multiple(tmp_path):
    model = FakeModel()
    model.num_timesteps = 250
    cb = CheckpointCallback(100, str(tmp_path))
    start(cb, model)
    advance(cb, model, 40)
    assert os.listdir(tmp_path) == []
    advance(cb, model, 40)
    assert os.listdir(tmp_path) == ["rl_model_330_steps.pt"]


# ---------------------------------------------------------------------------------------------
# EvalCallback


def test_eval_at_env_step_multiples_once_per_crossing():
    model = FakeModel(linear_policy(WORST))
    cb = EvalCallback(fixed_env(), n_eval_episodes=1, eval_freq=100, verbose=0)
    start(cb, model)
    for steps in (30, 30, 30, 30, 30, 350, 10, 40, 100):  # 30 .. 150, 500, 510, 550, 650
        assert advance(cb, model, steps) is True
    assert cb.evaluations_timesteps == [120, 500, 650]
    assert cb.evaluations_results == [[9.0]] * 3 and cb.evaluations_length == [[9]] * 3
    assert cb.n_calls == 9


def test_eval_of_a_resumed_model_waits_for_the_next_multiple():
    model = FakeModel(linear_policy(WORST))
    model.num_timesteps = 250
    cb = EvalCallback(fixed_env(), n_eval_episodes=1, eval_freq=100, verbose=0)
    start(cb, model)
    advance(cb, model, 40)
    advance(cb, model, 40)
    assert cb.evaluations_timesteps == [330]


def test_eval_best_model_log_and_records(tmp_path, capsys):
    policies = {"MID": linear_policy(MID), "BEST": linear_policy(BEST), "GOOD": linear_policy(GOOD)}
    model = FakeModel(policies["MID"])
    env = fixed_env()
    cb = EvalCallback(env, n_eval_episodes=2, eval_freq=100, log_path=tmp_path / "logs",
                      best_model_save_path=tmp_path / "best", verbose=1)
    start(cb, model)
    assert (tmp_path / "logs").is_dir() and (tmp_path / "best").is_dir()
    assert cb.best_mean_reward == -np.inf and cb.last_mean_reward == -np.inf
    best_path = tmp_path / "best" / "best_model.pt"
    for name, steps in (("MID", 100), ("BEST", 100), ("GOOD", 150)):
        model.policy = policies[name]
        assert advance(cb, model, steps) is True
        assert cb.last_mean_reward == RETURNS[name]
        # The file is the best policy evaluated so far: its evaluation is best_mean_reward.
        returns, _ = evaluate_policy(fastac.load(best_path), env, n_eval_episodes=2, return_episode_rewards=True)
        assert float(np.mean(returns)) == cb.best_mean_reward
    assert cb.best_mean_reward == RETURNS["BEST"]
    assert [os.path.basename(p) for p in model.saved] == ["best_model.pt"] * 2  # MID, BEST; not GOOD

    assert cb.evaluations_timesteps == [100, 200, 350]
    data = np.load(tmp_path / "logs" / "evaluations.npz")
    assert sorted(data.files) == ["ep_lengths", "results", "timesteps"]
    np.testing.assert_array_equal(data["timesteps"], [100, 200, 350])
    np.testing.assert_array_equal(data["results"], [[34.0, 34.0], [500.0, 500.0], [176.0, 176.0]])
    np.testing.assert_array_equal(data["ep_lengths"], [[34, 34], [500, 500], [176, 176]])
    assert not [p for p in os.listdir(tmp_path / "logs") if p != "evaluations.npz"]  # no temporary left

    assert model.logger.values == {"eval/mean_reward": 176.0, "eval/mean_ep_length": 176.0,
                                   "time/total_timesteps": 350}
    assert [k for k, _ in model.logger.history[:3]] == ["eval/mean_reward", "eval/mean_ep_length",
                                                        "time/total_timesteps"]
    out = capsys.readouterr().out
    assert "Eval num_timesteps=100, episode_reward=34.00 +/- 0.00" in out
    assert "Episode length: 500.00 +/- 0.00" in out
    assert out.count("New best mean reward!") == 2


def test_eval_success_rate_single_env(tmp_path):
    model = FakeModel(linear_policy(MID))
    cb = EvalCallback(AlternatingSuccess(fixed_env()), n_eval_episodes=4, eval_freq=10, log_path=tmp_path,
                      verbose=0)
    start(cb, model)
    advance(cb, model, 10)
    assert model.logger.values["eval/success_rate"] == 0.5
    assert cb.evaluations_successes == [[True, False, True, False]]
    np.testing.assert_array_equal(np.load(tmp_path / "evaluations.npz")["successes"], [[1, 0, 1, 0]])


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
def test_eval_vector_env_counts_the_evaluated_episodes_successes(mode):
    env = gym.vector.SyncVectorEnv([lambda: AlternatingSuccess(fixed_env())] * 2, autoreset_mode=mode)
    model = FakeModel(linear_policy(MID))
    cb = EvalCallback(env, n_eval_episodes=3, eval_freq=10, verbose=0)
    start(cb, model)
    advance(cb, model, 10)
    assert cb.evaluations_results == [[34.0] * 3]
    # Sub-env 0 plays 1 episode (True), sub-env 1 plays 2 (True, False); sub-env 0's second
    # episode (False), played alongside, is not evaluated.
    assert sorted(cb.evaluations_successes[0]) == [False, True, True]
    assert model.logger.values["eval/success_rate"] == pytest.approx(2 / 3)
    cb.on_training_end()
    env.step(np.zeros(2, dtype=np.int64))  # an env object is left open
    env.close()


def test_eval_env_id_is_made_and_closed():
    model = FakeModel(linear_policy(WORST))
    cb = EvalCallback("CartPole-v1", n_eval_episodes=1, eval_freq=10, verbose=0)
    outer = EveryNTimesteps(1, cb)  # as a child: the lifecycle reaches it
    for run in range(2):  # a reused callback makes its env again
        start(outer, model)
        made = cb._env
        assert isinstance(made, gym.Env)
        assert advance(outer, model, 10) is True
        assert len(cb.evaluations_results) == run + 1 and cb.evaluations_results[-1][0] < 100
        outer.on_training_end()
        assert cb._env is None


def test_eval_env_spaces_are_checked_at_init():
    cb = EvalCallback("MountainCar-v0", verbose=0)
    with pytest.raises(ValueError, match="eval_env.*observation space"):
        cb.init_callback(FakeModel())
    assert cb._env is None  # the env it made is closed


def test_stop_on_reward_threshold():
    model = FakeModel(linear_policy(MID))
    stop = StopTrainingOnRewardThreshold(reward_threshold=100, verbose=1)
    cb = EvalCallback(fixed_env(), callback_on_new_best=stop, n_eval_episodes=1, eval_freq=10, verbose=0)
    assert stop.parent is cb
    start(cb, model)
    assert advance(cb, model, 10) is True  # 34 < 100
    model.policy = linear_policy(GOOD)
    assert advance(cb, model, 10) is False  # 176 >= 100
    assert stop.n_calls == 2


def test_stop_on_reward_threshold_inside_a_list(capsys):
    log: list[tuple[str, str]] = []
    model = FakeModel(linear_policy(GOOD))
    stop = StopTrainingOnRewardThreshold(100.0, verbose=1)
    cb = EvalCallback(fixed_env(), callback_on_new_best=CallbackList([Recorder("r", log), stop]),
                      n_eval_episodes=1, eval_freq=10, verbose=0)
    start(cb, model)
    assert advance(cb, model, 10) is False
    assert stop.parent is cb
    assert log == [("r", "training_start"), ("r", "step")]
    assert "Stopping training because the mean reward 176.00 is above the threshold 100.0" in capsys.readouterr().out


def test_stop_callbacks_need_an_eval_callback():
    model = FakeModel()
    for cb in (StopTrainingOnRewardThreshold(1.0), StopTrainingOnNoModelImprovement(1)):
        start(cb, model)
        with pytest.raises(RuntimeError, match="must be used with an EvalCallback"):
            cb.on_step()


@pytest.mark.parametrize("min_evals, stop_at", [(0, 3), (2, 4)])
def test_stop_on_no_model_improvement(min_evals, stop_at):
    model = FakeModel(linear_policy(MID))
    stop = StopTrainingOnNoModelImprovement(max_no_improvement_evals=1, min_evals=min_evals)
    cb = EvalCallback(fixed_env(), callback_after_eval=stop, n_eval_episodes=1, eval_freq=10, verbose=0)
    start(cb, model)
    results = [advance(cb, model, 10) for _ in range(stop_at)]
    assert results == [True] * (stop_at - 1) + [False]
    assert stop.n_calls == stop_at


def test_improvement_resets_the_no_improvement_count():
    model = FakeModel(linear_policy(WORST))
    stop = StopTrainingOnNoModelImprovement(max_no_improvement_evals=1)
    cb = EvalCallback(fixed_env(), callback_after_eval=stop, n_eval_episodes=1, eval_freq=10, verbose=0)
    start(cb, model)
    results = []
    for w in (WORST, WORST, MID, MID, MID):
        model.policy = linear_policy(w)
        results.append(advance(cb, model, 10))
    assert results == [True, True, True, True, False]


def test_stop_on_max_episodes(capsys):
    model = FakeModel(algorithm="a3c")
    model.num_episodes = 7  # completed before training: not counted
    cb = StopTrainingOnMaxEpisodes(max_episodes=5, verbose=1)
    start(cb, model)
    results = []
    for episodes in (0, 2, 2, 1):
        model.num_episodes += episodes
        results.append(advance(cb, model, 100))
    assert results == [True, True, True, False]
    assert cb.n_episodes == 5
    assert "because the a3c model reached max_episodes=5, by playing for 5 episodes" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# Bad arguments


def _eval(**kw: Any) -> EvalCallback:
    return EvalCallback(kw.pop("eval_env", fixed_env()), **kw)


class _Verbose(BaseCallback):
    def _on_step(self) -> bool:
        return True


BAD = [
    (_Verbose, "verbose", [-1, 1.5, True, None]),
    (lambda v: CheckpointCallback(v, "x"), "save_freq", [0, -1, 1.5, True, "10", None]),
    (lambda v: CheckpointCallback(1, v), "save_path", [None, 3, "", "a\0b"]),
    (lambda v: CheckpointCallback(1, "x", name_prefix=v), "name_prefix", [3, None, "a/b"]),
    (lambda v: CheckpointCallback(1, "x", verbose=v), "verbose", [-1, False]),
    (lambda v: _eval(eval_env=v), "eval_env", [3, None, "NoSuchEnv-v9", object()]),
    (lambda v: _eval(callback_on_new_best=v), "callback_on_new_best", ["x", lambda l, g: True]),
    (lambda v: _eval(callback_after_eval=v), "callback_after_eval", [3, [StopTrainingOnMaxEpisodes(1)]]),
    (lambda v: _eval(n_eval_episodes=v), "n_eval_episodes", [0, -2, 2.0, True]),
    (lambda v: _eval(eval_freq=v), "eval_freq", [0, 1.0, True, "100"]),
    (lambda v: _eval(log_path=v), "log_path", [5, ""]),
    (lambda v: _eval(best_model_save_path=v), "best_model_save_path", [5, "", b"dir"]),
    (lambda v: _eval(deterministic=v), "deterministic", [1, "yes", None]),
    (lambda v: _eval(render=v), "render", [0, None]),
    (lambda v: _eval(verbose=v), "verbose", [-1, 0.5]),
    (lambda v: _eval(warn=v), "warn", [None, 1]),
    (StopTrainingOnRewardThreshold, "reward_threshold", [float("nan"), float("inf"), -float("inf"), "1", True,
                                                         None, 10**400]),
    (lambda v: StopTrainingOnRewardThreshold(1.0, verbose=v), "verbose", [-1]),
    (StopTrainingOnMaxEpisodes, "max_episodes", [0, -1, 1.0, True, None]),
    (StopTrainingOnNoModelImprovement, "max_no_improvement_evals", [0, 1.5, True, None]),
    (lambda v: StopTrainingOnNoModelImprovement(1, min_evals=v), "min_evals", [-1, 0.5, True, None]),
    (lambda v: EveryNTimesteps(v, Recorder("a", [])), "n_steps", [0, -5, 2.5, True]),
    (lambda v: EveryNTimesteps(10, v), "callback", [None, lambda l, g: True, 3]),
    (lambda v: EventCallback(v), "callback", [3, lambda l, g: True]),
    (CallbackList, "callbacks", [None, Recorder("a", []), [Recorder("a", []), 3], "ab"]),
    (ConvertCallback, "callback", [3, "f"]),
]


@pytest.mark.parametrize("make, name, value", [(make, name, v) for make, name, values in BAD for v in values],
                         ids=[f"{name}={v!r}"[:40] for _, name, values in BAD for v in values])
def test_bad_arguments_are_refused_naming_the_parameter(make, name, value):
    with pytest.raises((TypeError, ValueError), match=rf"\b{name}\b"):
        make(value)


def test_good_arguments_are_accepted(tmp_path):
    cb = EvalCallback(fixed_env(), n_eval_episodes=np.int32(2), eval_freq=np.uint64(50), log_path=str(tmp_path),
                      best_model_save_path=Path(tmp_path), deterministic=np.bool_(False), verbose=np.int8(0))
    assert (cb.n_eval_episodes, cb.eval_freq, cb.deterministic, cb.verbose) == (2, 50, False, 0)
    assert type(cb.eval_freq) is int and cb.log_path == os.path.join(str(tmp_path), "evaluations")
    assert StopTrainingOnRewardThreshold(np.float32(1.5)).reward_threshold == 1.5
    assert StopTrainingOnRewardThreshold(-200).reward_threshold == -200.0
    assert StopTrainingOnNoModelImprovement(np.int64(3), min_evals=0).max_no_improvement_evals == 3
    assert CallbackList([]).callbacks == []
