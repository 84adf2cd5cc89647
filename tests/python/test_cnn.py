"""Image observations: the libtorch CNN policies (nn/torch_policy.h) through the Python API.

The native forward against the torch module (``to_torch``) and the ``torch.export`` program
on raw uint8 / bool, channel-first / channel-last images; save/load; the parameter layout
against the torch module's; the architecture choice; uint8 rollout storage; A2C learning on
a small image task and on MinAtar Breakout.
"""

from __future__ import annotations

import io
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch

import fastac
from fastac.policy import ActorCriticPolicy, ObservationSpec, observation_spec, parameter_shapes, resolve_architecture

# (architecture, observation shape, dtype, channels_last)
IMAGE_CASES = [
    ("minatar_cnn", (10, 10, 4), "bool", True),
    ("minatar_cnn", (3, 12, 9), "uint8", False),
    ("nature_cnn", (4, 36, 36), "uint8", False),
    ("nature_cnn", (40, 44, 3), "uint8", True),
    ("torch_mlp", (6, 5, 2), "uint8", True),
]


def make_policy(architecture: str, shape: tuple[int, ...], dtype: str, channels_last: bool,
                actions: Any = 3, seed: int = 0) -> ActorCriticPolicy:
    hidden = (64,) if architecture != "torch_mlp" else (32, 16)
    return ActorCriticPolicy(int(np.prod(shape)), actions, hidden, seed=seed, architecture=architecture,
                             observation_shape=shape, observation_dtype=dtype, channels_last=channels_last)


def random_images(shape: tuple[int, ...], dtype: str, batch: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random((batch,) + shape) < 0.3
    return rng.integers(0, 256, (batch,) + shape, dtype=np.uint8)


def perturb(policy: ActorCriticPolicy, seed: int = 1) -> None:
    """Random weights of a larger scale than the initial ones (the heads start near zero)."""
    flat = policy.network.parameters
    flat += np.random.default_rng(seed).normal(0, 0.05, flat.shape).astype(np.float32)


@pytest.mark.parametrize("architecture,shape,dtype,channels_last", IMAGE_CASES)
def test_native_forward_equals_the_torch_module_and_the_export(tmp_path: Any, architecture: str,
                                                               shape: tuple[int, ...], dtype: str,
                                                               channels_last: bool) -> None:
    policy = make_policy(architecture, shape, dtype, channels_last)
    perturb(policy)
    obs = random_images(shape, dtype, 7)
    head, values = policy.forward(obs)
    module = policy.to_torch()
    with torch.no_grad():
        t_head, t_values = module(torch.from_numpy(obs))  # the env's raw dtype and layout
    np.testing.assert_allclose(t_head.numpy(), head, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(t_values.numpy(), values, rtol=1e-5, atol=1e-5)
    path = tmp_path / "policy.pt2"
    policy.export_program(path)
    program = torch.export.load(str(path)).module()
    e_head, e_values = program(torch.from_numpy(obs))
    np.testing.assert_allclose(e_head.detach().numpy(), head, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(e_values.detach().numpy(), values, rtol=1e-5, atol=1e-5)
    # Greedy actions from the module's act() are predict(deterministic=True)'s.
    np.testing.assert_array_equal(module.act(torch.from_numpy(obs)).numpy(), policy.predict(obs, deterministic=True)[0])


@pytest.mark.parametrize("architecture,shape,dtype,channels_last", IMAGE_CASES)
def test_save_load_and_state_dict_round_trip(tmp_path: Any, architecture: str, shape: tuple[int, ...], dtype: str,
                                             channels_last: bool) -> None:
    policy = make_policy(architecture, shape, dtype, channels_last, actions=gym.spaces.Discrete(4))
    perturb(policy)
    path = tmp_path / "cnn.pt"
    policy.save(path)
    loaded = fastac.load(path)
    assert (loaded.architecture, loaded.observation_shape, loaded.observation_dtype, loaded.channels_last) == \
        (architecture, shape, dtype, channels_last)
    obs = random_images(shape, dtype, 5, seed=3)
    for a, b in zip(policy.forward(obs), loaded.forward(obs)):
        np.testing.assert_array_equal(a, b)
    # The state_dict is the torch module's, both ways.
    module = policy.to_torch()
    assert list(module.state_dict()) == list(policy.state_dict())
    other = make_policy(architecture, shape, dtype, channels_last, actions=gym.spaces.Discrete(4), seed=9)
    other.load_state_dict(module.state_dict())
    np.testing.assert_array_equal(other.network.parameters, policy.network.parameters)


def test_parameter_layout_is_the_torch_modules() -> None:
    """The flat buffer's C++ layout (names, shapes, offsets) is the torch module's state_dict in order."""
    policy = make_policy("nature_cnn", (84, 84, 4), "uint8", True, actions=gym.spaces.Box(-1, 1, (2,)))
    shapes = parameter_shapes(policy.observation_size, policy.action_space, policy.hidden_sizes,
                              architecture="nature_cnn", observation_shape=(84, 84, 4), observation_dtype="uint8",
                              channels_last=True)
    native = policy.network.torch_parameters()
    assert [(name, tuple(shape)) for name, shape, _ in native] == [(k, v) for k, v in shapes.items()
                                                                  if k != "log_std"]
    offsets = [offset for _, _, offset in native]
    sizes = [int(np.prod(shape)) for _, shape, _ in native]
    assert offsets == list(np.cumsum([0] + sizes[:-1]))
    assert shapes["trunk.7.weight"] == (64, 3136)  # hidden_sizes (64,) is the feature layer: 64 x (64 x 7 x 7)
    assert policy.network.num_parameters == sum(sizes) + 2  # + the Gaussian's log_std
    with pytest.raises(ValueError, match="torch_parameters"):
        ActorCriticPolicy(4, 2).network.torch_parameters()


def test_torch_mlp_is_the_kernels_network() -> None:
    """The MLP as a libtorch module and as the kernels: one state_dict, the same outputs."""
    kernels = ActorCriticPolicy(6, 3, (32, 16), seed=4, activation="tanh")
    module = ActorCriticPolicy(6, 3, (32, 16), seed=5, activation="tanh", architecture="torch_mlp")
    assert list(kernels.state_dict()) == list(module.state_dict())
    module.load_state_dict(kernels.state_dict())
    obs = np.random.default_rng(0).normal(size=(9, 6)).astype(np.float32)
    for a, b in zip(kernels.forward(obs), module.forward(obs)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_predict_takes_images_as_the_env_gives_them() -> None:
    policy = make_policy("minatar_cnn", (10, 10, 4), "bool", True)
    obs = random_images((10, 10, 4), "bool", 3)
    actions, _ = policy.predict(obs, deterministic=True)
    assert actions.shape == (3,)
    single, _ = policy.predict(obs[1], deterministic=True)
    assert single.shape == () and single == actions[1]
    # Exactly-representable values of another dtype are taken; others are refused.
    np.testing.assert_array_equal(policy.predict(obs.astype(np.float64), deterministic=True)[0], actions)
    with pytest.raises(ValueError, match="bool values"):
        policy.predict(obs.astype(np.float32) * 0.5)
    with pytest.raises(ValueError, match=r"shape \(10, 10, 4\)"):
        policy.predict(np.zeros((3, 4, 10, 10), bool))
    uint8_policy = make_policy("minatar_cnn", (3, 12, 9), "uint8", False)
    with pytest.raises(ValueError, match="uint8 values"):
        uint8_policy.predict(np.full((3, 12, 9), 256.0))
    with pytest.raises(ValueError, match="uint8 values"):
        uint8_policy.predict(np.full((3, 12, 9), np.nan))
    # The native network itself refuses another dtype rather than casting it.
    with pytest.raises(TypeError, match="must be uint8"):
        uint8_policy.network.forward(np.zeros((1, 3 * 12 * 9), np.float32))


def test_bad_architectures_are_refused() -> None:
    with pytest.raises(ValueError, match="too small"):
        make_policy("nature_cnn", (4, 30, 84), "uint8", False)
    with pytest.raises(ValueError, match="takes uint8 or bool images"):
        ActorCriticPolicy(8, 2, (64,), architecture="nature_cnn")
    with pytest.raises(ValueError, match="hand-written kernels"):
        make_policy("mlp", (10, 10, 4), "bool", True)
    with pytest.raises(ValueError, match="normalize_obs"):
        ActorCriticPolicy(400, 3, (64,), architecture="minatar_cnn", observation_shape=(10, 10, 4),
                          observation_dtype="bool", channels_last=True, normalize_obs=True)
    with pytest.raises(ValueError, match="share_trunk"):
        ActorCriticPolicy(400, 3, (64,), architecture="minatar_cnn", observation_shape=(10, 10, 4),
                          observation_dtype="bool", channels_last=True, share_trunk=False)
    with pytest.raises(ValueError, match="architecture must be one of"):
        ActorCriticPolicy(4, 2, architecture="resnet")
    with pytest.raises(ValueError, match="does not hold"):
        ActorCriticPolicy(10, 2, (64,), architecture="torch_mlp", observation_shape=(3, 3))


def test_observation_spaces_and_the_automatic_architecture() -> None:
    """Stable-Baselines3's rule: a 3-D uint8 (here also bool) Box is an image whose channels are
    its smallest dimension; 'auto' picks the Nature CNN from 36x36 pixels, MinAtar's below."""
    atari = observation_spec(gym.spaces.Box(0, 255, (4, 84, 84), np.uint8))
    assert atari == ObservationSpec((4, 84, 84), "uint8", False)
    assert resolve_architecture("auto", atari) == "nature_cnn"
    minatar = observation_spec(gym.spaces.Box(0, 1, (10, 10, 4), bool))
    assert minatar == ObservationSpec((10, 10, 4), "bool", True)
    assert resolve_architecture("auto", minatar) == "minatar_cnn"
    assert resolve_architecture("auto", observation_spec(gym.spaces.Box(-1, 1, (3,)))) == "mlp"
    with pytest.raises(ValueError, match="first or last"):
        observation_spec(gym.spaces.Box(0, 255, (84, 3, 84), np.uint8))
    with pytest.raises(ValueError, match="3-D"):
        observation_spec(gym.spaces.Box(0, 255, (84, 84), np.uint8))
    with pytest.raises(ValueError, match="1-D Box"):
        observation_spec(gym.spaces.Box(0, 1, (3, 4)))


class SideEnv(gym.Env[np.ndarray, int]):
    """A bright patch on the left or the right of an image: the action that names the side
    earns +1, the other -1; 8 steps an episode. A CNN learns it in a few thousand steps."""

    def __init__(self, shape: tuple[int, int, int] = (1, 36, 36), dtype: Any = np.uint8,
                 channels_last: bool = False) -> None:
        self.observation_space = gym.spaces.Box(0, 255 if dtype == np.uint8 else 1, shape, dtype)
        self.action_space = gym.spaces.Discrete(2)
        self._channels_last, self._side, self._t = channels_last, 0, 0

    def _obs(self) -> np.ndarray:
        obs = np.zeros(self.observation_space.shape, self.observation_space.dtype)
        high = self.observation_space.high.flat[0]
        view = np.moveaxis(obs, -1, 0) if self._channels_last else obs
        width = view.shape[2]
        if self._side == 0:
            view[:, :, : width // 3] = high
        else:
            view[:, :, -(width // 3):] = high
        return obs

    def reset(self, *, seed: int | None = None, options: Any = None) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        self._t, self._side = 0, int(self.np_random.integers(2))
        return self._obs(), {}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        reward = 1.0 if int(action) == self._side else -1.0
        self._t += 1
        self._side = int(self.np_random.integers(2))
        return self._obs(), reward, False, self._t >= 8, {}


@pytest.mark.parametrize("shape,dtype,channels_last,architecture", [
    ((1, 36, 36), np.uint8, False, "nature_cnn"),
    ((8, 8, 2), np.bool_, True, "minatar_cnn"),
])
def test_a2c_learns_an_image_task_and_keeps_images_as_bytes(shape: tuple[int, int, int], dtype: Any,
                                                             channels_last: bool, architecture: str) -> None:
    model = fastac.A2C(lambda: SideEnv(shape, dtype, channels_last), num_envs=8, seed=0, lr=1e-3,
                       stop_eval_episodes=0)
    assert model.policy.architecture == architecture
    model.learn(6000)
    rollout = model._session.rollout  # the rollout stores the env's bytes, no float copy
    assert rollout.obs.dtype == np.dtype(dtype) and rollout.obs.itemsize == 1
    mean, _ = fastac.evaluate_policy(model.policy, SideEnv(shape, dtype, channels_last), n_eval_episodes=20,
                                     deterministic=True)
    assert mean >= 7.0, mean  # of 8; a random policy scores 0


def test_a2c_on_images_continues_and_saves(tmp_path: Any) -> None:
    model = fastac.A2C(lambda: SideEnv((8, 8, 2), np.bool_, True), num_envs=4, seed=1, features_dim=32,
                       stop_eval_episodes=0)
    assert model.policy.hidden_sizes == (32,)
    model.learn(400)
    path = tmp_path / "model.pt"
    model.save(path)
    loaded = fastac.A2C.load(path, env=lambda: SideEnv((8, 8, 2), np.bool_, True))
    assert loaded.policy.architecture == "minatar_cnn" and loaded.config.features_dim == 32
    np.testing.assert_array_equal(loaded.policy.network.parameters, model.policy.network.parameters)
    loaded.learn(200, reset_num_timesteps=False)
    assert loaded.num_timesteps >= 600
    with pytest.raises(ValueError, match="hidden_sizes"):
        fastac.A2C(lambda: SideEnv((8, 8, 2), np.bool_, True), hidden_sizes=(64, 64))
    with pytest.raises(ValueError, match="features_dim"):
        fastac.A2C("CartPole-v1", features_dim=64)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a3c_learns_an_image_task_from_python_envs(mode: str) -> None:
    """The workers step the Python envs themselves (or in subprocesses), images as bytes."""
    model = fastac.A3C(lambda: SideEnv((8, 8, 2), np.bool_, True), num_workers=2, envs_per_worker=4, seed=0,
                       lr=1e-3, vectorization_mode=mode, stop_eval_episodes=0)
    assert model.policy.architecture == "minatar_cnn"
    model.learn(8000)
    mean, _ = fastac.evaluate_policy(model.policy, SideEnv((8, 8, 2), np.bool_, True), n_eval_episodes=20,
                                     deterministic=True)
    assert mean >= 7.0, mean


def test_a3c_refuses_an_image_that_is_not_its_dtype() -> None:
    class Lying(SideEnv):
        def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
            obs, reward, terminated, truncated, info = super().step(action)
            return obs.astype(np.float32) * 0.5, reward, terminated, truncated, info

    with pytest.raises(ValueError, match="that is not bool"):
        fastac.train_a3c(lambda: Lying((8, 8, 2), np.bool_, True), num_workers=1, envs_per_worker=2,
                         total_steps=1000, stop_eval_episodes=0)


def test_atari_frames_stay_uint8_from_the_env_to_the_network() -> None:
    """Atari-sized observations (4 x 84 x 84 uint8, the Nature CNN's): the A2C rollout and the
    A3C workers' env buffers hold bytes, no float copy of the batch outside the network."""
    pytest.importorskip("ale_py")
    pytest.importorskip("cv2")
    from fastac.envs import atari
    from fastac.envs.worker import WorkerEnvs

    model = fastac.A2C(atari("ALE/Pong-v5"), num_envs=2, n_steps=5, seed=0, stop_eval_episodes=0)
    assert model.policy.architecture == "nature_cnn" and model.policy.observation_shape == (4, 84, 84)
    model.learn(20)
    rollout = model._session.rollout
    assert rollout.obs.dtype == np.uint8 and rollout.obs.shape == (5, 2, 4 * 84 * 84)
    assert rollout.obs.max() > 0  # real frames went in
    worker_envs = WorkerEnvs(atari("ALE/Pong-v5"), 2, "ALE/Pong-v5", 4 * 84 * 84, gym.spaces.Discrete(6),
                             observation_dtype="uint8")
    try:
        assert worker_envs.reset_one(0, 0).dtype == np.uint8
        worker_envs.reset_one(1, 1)
        obs, *_ = worker_envs.step(np.zeros(2, np.int64))
        assert obs.dtype == np.uint8 and obs.shape == (2, 4 * 84 * 84)
    finally:
        worker_envs.close()
    a3c = fastac.A3C(atari("ALE/Pong-v5"), num_workers=1, envs_per_worker=2, seed=0, stop_eval_episodes=0)
    a3c.learn(40)
    assert a3c.num_timesteps >= 40
    obs = model.get_env().reset(seed=1)[0]
    np.testing.assert_array_equal(a3c.policy.predict(obs, deterministic=True)[0].shape, (2,))


def test_a3c_workers_step_ales_vector_env_by_its_id() -> None:
    """vectorization_mode="vector_entry_point" with an ALE id: each A3C worker steps ALE's own
    AtariVectorEnv (its gymnasium vector entry point, same-step autoreset), frames as bytes;
    seeds reach its envs (one seed per reset, a C int); A2C takes the same id and mode."""
    pytest.importorskip("ale_py")
    from fastac.envs.worker import WorkerEnvs

    a3c = fastac.A3C("ALE/Pong-v5", vectorization_mode="vector_entry_point", num_workers=1, envs_per_worker=2,
                     seed=2**40 + 5, stop_eval_episodes=0)
    assert a3c.policy.architecture == "nature_cnn" and a3c.policy.observation_shape == (4, 84, 84)
    a3c.learn(40)
    assert a3c.num_timesteps >= 40
    make = a3c._make_vector_env
    runs = []
    for _ in range(2):
        envs = WorkerEnvs(None, 2, "ALE/Pong-v5", 4 * 84 * 84, gym.spaces.Discrete(6), "vector_entry_point",
                          observation_dtype="uint8", make_vector_env=make)
        try:
            first = [envs.reset_one(i, 7 + i).copy() for i in range(2)]
            steps = [envs.step(np.array([2, 3]))[0].copy() for _ in range(30)]
        finally:
            envs.close()
        assert first[0].dtype == np.uint8 and steps[-1].shape == (2, 4 * 84 * 84)
        runs.append(np.stack(steps))
    np.testing.assert_array_equal(runs[0], runs[1])  # seeded: the same frames
    a2c = fastac.A2C("ALE/Pong-v5", vectorization_mode="vector_entry_point", num_envs=2, seed=2**40,
                     stop_eval_episodes=0)
    a2c.learn(20)
    assert a2c.num_timesteps >= 20


def test_ales_vector_env_is_seeded_as_gymnasiums() -> None:
    """fastac.envs.atari.GymnasiumSeeding: any Python int seeds ALE's AtariVectorEnv (hashed
    into its C ints), seeds that differ only in their high bits give different games, equal
    seeds the same, and gymnasium's conventions hold (an int seeds env i with seed + i, a
    list one seed per env, a reset mask picks whose seeds count)."""
    pytest.importorskip("ale_py")
    from fastac.envs.atari import GymnasiumSeeding, with_gymnasium_seeding
    from fastac.envs.namespaces import register_namespace

    register_namespace("ALE/Pong-v5")
    actions = np.random.default_rng(0).integers(0, 6, (150, 1)).repeat(2, axis=1)  # both envs alike

    def play(seed: object) -> np.ndarray:
        """A fresh pair of envs (ALE reseeded mid-run does not replay a game) reset with seed."""
        envs = with_gymnasium_seeding(gym.make_vec("ALE/Pong-v5", 2, vectorization_mode="vector_entry_point"))
        try:
            assert isinstance(envs, GymnasiumSeeding) and with_gymnasium_seeding(envs) is envs
            envs.reset(seed=seed)  # type: ignore[arg-type]
            return np.stack([envs.step(a)[0] for a in actions])
        finally:
            envs.close()

    low, high = 7, 7 + 2**40
    first = play(high)
    np.testing.assert_array_equal(play(high), first)
    assert not np.array_equal(play(low), first)
    np.testing.assert_array_equal(play([high, high + 1]), first)  # an int seed s: env i gets s + i
    np.testing.assert_array_equal(play([high + 1, None])[:, 0], first[:, 1])
    envs = with_gymnasium_seeding(gym.make_vec("ALE/Pong-v5", 2, vectorization_mode="vector_entry_point"))
    try:
        with pytest.raises(ValueError, match="one per env"):
            envs.reset(seed=[1, 2, 3])
    finally:
        envs.close()


minatar = pytest.importorskip("minatar")


@pytest.mark.parametrize("algorithm", ["a2c", "a3c"])
def test_minatar_breakout_learns(algorithm: str) -> None:
    """60k steps (about 6 s): a sampling policy clearly above the random one's ~0.5."""
    if algorithm == "a2c":
        model: fastac.A2C | fastac.A3C = fastac.A2C("MinAtar/Breakout-v1", num_envs=16, seed=0, lr=3e-3,
                                                    entropy_coef=0.01)
    else:
        model = fastac.A3C("MinAtar/Breakout-v1", num_workers=2, envs_per_worker=8, seed=0, lr=3e-3,
                           entropy_coef=0.01)
    assert model.policy.architecture == "minatar_cnn" and model.policy.observation_dtype == "bool"
    model.learn(60_000)
    mean, _ = fastac.evaluate_policy(model.policy, "MinAtar/Breakout-v1", n_eval_episodes=20, seed=0)
    random_mean, _ = _random_return("MinAtar/Breakout-v1", 20)
    assert random_mean < 1.0
    assert mean >= 2.0, mean


def _random_return(env_id: str, episodes: int) -> tuple[float, float]:
    env = gym.make(env_id)
    env.action_space.seed(0)
    returns = []
    for episode in range(episodes):
        env.reset(seed=episode)
        total, done = 0.0, False
        while not done:
            _, reward, terminated, truncated, _ = env.step(env.action_space.sample())
            total += float(reward)
            done = terminated or truncated
        returns.append(total)
    env.close()
    return float(np.mean(returns)), float(np.std(returns))
