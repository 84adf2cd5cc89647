"""The native Pendulum-v1 against gymnasium's own Pendulum-v1: identical bit for bit.

Actions are float32 arrays, as gymnasium's action space samples them: the native env
converts every action to float32, while gymnasium's Pendulum computes with whatever dtype
it is given (a float64 torque gives float64 arithmetic), so only float32 actions are
comparable.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from hypothesis import given, settings
from hypothesis import strategies as st

import fastac  # noqa: F401  (registers the fastac/ ids)
from fastac.envs import InvalidActionError

NATIVE_ID = "fastac/Pendulum-v1"

# Torques handled exactly: the bounds and just beyond, beyond (clipped), signed zeros,
# tiny and subnormal values, infinities (gymnasium clips them too).
SPECIAL_TORQUES = np.array(
    [2.0, -2.0, 0.0, -0.0, 3.5, -1e30, 1e-30, -1e-45, np.inf, -np.inf,
     np.nextafter(np.float32(2), np.float32(3)), np.nextafter(np.float32(-2), np.float32(-3)),
     np.nextafter(np.float32(2), np.float32(0))],
    dtype=np.float32,
)


def _powf_torques() -> np.ndarray:
    """float32 torques whose numpy square (powf) is not u * u: a naive square fails on them."""
    rng = np.random.default_rng(0)
    found: list[np.float32] = []
    while len(found) < 20:
        found += [u for u in rng.uniform(-2, 2, 20_000).astype(np.float32) if u**2 != u * u]
    return np.array(found[:20], dtype=np.float32)


HARD_TORQUES = np.concatenate([SPECIAL_TORQUES[:4], _powf_torques()])


def torque(rng: np.random.Generator) -> np.ndarray:
    """One float32 action of shape (1,): mostly uniform over [-2.5, 2.5], sometimes special."""
    r = rng.random()
    if r < 0.05:
        return SPECIAL_TORQUES[rng.integers(len(SPECIAL_TORQUES))].reshape(1)
    if r < 0.10:
        return HARD_TORQUES[rng.integers(len(HARD_TORQUES))].reshape(1)
    return rng.uniform(-2.5, 2.5, 1).astype(np.float32)


def same_float(a, b) -> bool:
    """Bit equality of two float64 values (the sign of zero included)."""
    return float(a).hex() == float(b).hex()


def assert_same_step(native, reference) -> None:
    obs_n, rew_n, term_n, trunc_n, _ = native
    obs_g, rew_g, term_g, trunc_g, _ = reference
    assert obs_n.dtype == obs_g.dtype == np.float32
    assert obs_n.shape == obs_g.shape == (3,)
    assert np.array_equal(obs_n, obs_g) and obs_n.tobytes() == obs_g.tobytes()
    assert same_float(rew_n, rew_g), (rew_n, rew_g)
    assert term_n == term_g and trunc_n == trunc_g


def assert_same_state(native, reference) -> None:
    state_n, state_g = native.unwrapped.state, reference.unwrapped.state
    assert state_n.dtype == state_g.dtype == np.float64
    assert state_n.shape == state_g.shape == (2,)
    assert state_n.tobytes() == state_g.tobytes()


def make_pair(**kwargs):
    return gym.make(NATIVE_ID, **kwargs), gym.make("Pendulum-v1", **kwargs)


# Reset options as gymnasium reads them (verify_number_and_cast: anything float() takes).
OPTIONS = [None, {"x_init": 0.5, "y_init": 2.0}, {"x_init": 3}, {"y_init": 0.0}, {"x_init": np.float32(1.3)},
           {"x_init": 12.0, "y_init": 8}, {"x_init": "0.75", "y_init": "1e-3"}, {}, {"x_init": 0.0, "y_init": 0.0}]


@pytest.mark.parametrize("policy_seed, g", [(0, None), (1, 9.81), (2, 0.0), (3, 25)])
def test_random_episodes_identical(policy_seed, g):
    """250 episodes per case (1000 in all): seeded and unseeded resets, reset options, g.

    Pendulum never terminates; most episodes stop after a random number of steps, one in
    25 runs to its 200-step truncation.
    """
    kwargs = {} if g is None else {"g": g}
    native, reference = make_pair(**kwargs)
    rng = np.random.default_rng(policy_seed)
    steps = truncations = 0
    for episode in range(250):
        seed = 1000 * policy_seed + episode if episode % 3 == 0 else None
        options = OPTIONS[int(rng.integers(len(OPTIONS)))] if episode % 2 else None
        obs_n, info_n = native.reset(seed=seed, options=options)
        obs_g, _ = reference.reset(seed=seed, options=options)
        assert obs_n.dtype == np.float32 and obs_n.tobytes() == obs_g.tobytes() and info_n == {}
        assert_same_state(native, reference)
        length = 200 if episode % 25 == 24 else int(rng.integers(1, 40))
        for t in range(length):
            action = torque(rng)
            step_n, step_g = native.step(action), reference.step(action)
            assert_same_step(step_n, step_g)
            assert_same_state(native, reference)
            assert step_n[3] == (t == 199) and not step_n[2]
            truncations += step_n[3]
            steps += 1
    assert truncations == 10 and steps > 5000


@pytest.mark.parametrize("seed", [5, 2**32 + 1, 2**64 - 1])
def test_full_episodes_and_stepping_past_truncation(seed):
    """Full torque along the velocity swings up to the max_speed clip; truncation at step
    200 exactly; steps after it keep matching (gymnasium's TimeLimit keeps truncating)."""
    native, reference = make_pair()
    native.reset(seed=seed)
    reference.reset(seed=seed)
    clipped = 0
    for t in range(1, 204):
        thdot = reference.unwrapped.state[1]
        action = np.array([2.0 if thdot >= 0 else -2.0], dtype=np.float32)
        step_n, step_g = native.step(action), reference.step(action)
        assert_same_step(step_n, step_g)
        assert_same_state(native, reference)
        assert step_n[3] == (t >= 200)
        clipped += abs(step_n[0][2]) == 8.0
    assert clipped > 0


def test_special_torques():
    native, reference = make_pair()
    for seed, torques in [(0, SPECIAL_TORQUES), (1, HARD_TORQUES), (2, -HARD_TORQUES)]:
        native.reset(seed=seed)
        reference.reset(seed=seed)
        for u in np.concatenate([torques, torques[::-1]]):
            action = np.array([u], dtype=np.float32)
            assert_same_step(native.step(action), reference.step(action))
            assert_same_state(native, reference)


@pytest.mark.parametrize("g", [10, 9.81, 0.0, -3.0, 1e6])
def test_gravity_parameter(g):
    native, reference = make_pair(g=g)
    rng = np.random.default_rng(7)
    assert native.reset(seed=3)[0].tobytes() == reference.reset(seed=3)[0].tobytes()
    for _ in range(60):
        action = torque(rng)
        assert_same_step(native.step(action), reference.step(action))
        assert_same_state(native, reference)


def test_large_seeds():
    native, reference = make_pair()
    for seed in [0, 2**32 - 1, 2**32, 2**32 + 1, 2**63, 2**64 - 1, 2**64 + 17, 2**100]:
        assert native.reset(seed=seed)[0].tobytes() == reference.reset(seed=seed)[0].tobytes()
        assert_same_state(native, reference)


@pytest.mark.parametrize("options, error", [
    ({"x_init": -1.0}, ValueError),        # numpy: high - low < 0
    ({"y_init": -0.0}, ValueError),        # the sign bit counts
    ({"x_init": np.inf}, OverflowError),   # numpy: Range exceeds valid bounds
    ({"x_init": 1e308}, OverflowError),    # 2 * x_init overflows
    ({"y_init": np.nan}, OverflowError),
    ({"x_init": -1.0, "y_init": np.inf}, OverflowError),  # the finiteness check comes first
    ({"x_init": "abc"}, ValueError),       # verify_number_and_cast
    ({"y_init": None}, ValueError),
])
def test_reset_option_errors_as_gymnasium(options, error):
    native, reference = make_pair()
    with pytest.raises(error):
        reference.reset(seed=4, options=options)
    with pytest.raises(error):
        native.reset(seed=4, options=options)
    # Both were reseeded before refusing the options; nothing was drawn.
    assert native.reset()[0].tobytes() == reference.reset()[0].tobytes()
    assert_same_state(native, reference)


def test_env_checker_passes():
    check_env(gym.make(NATIVE_ID).unwrapped, skip_render_check=True)
    check_env(gym.make(NATIVE_ID, g=9.81).unwrapped, skip_render_check=True)


def test_spaces_and_spec_as_gymnasium():
    native, reference = make_pair()
    assert native.observation_space == reference.observation_space
    assert native.action_space == reference.action_space
    assert native.observation_space.dtype == native.action_space.dtype == np.float32
    assert gym.spec(NATIVE_ID).reward_threshold is None


@pytest.mark.parametrize("bad", [
    np.array([np.nan], dtype=np.float32), np.array([-np.nan]), np.zeros(2, dtype=np.float32),
    np.zeros(0, dtype=np.float32), np.zeros((1, 1), dtype=np.float32), np.zeros((2, 1), dtype=np.float32),
    np.array(["a"]),
])
def test_invalid_actions_raise_and_step_nothing(bad):
    native, reference = make_pair()
    native.reset(seed=8)
    reference.reset(seed=8)
    rng = np.random.default_rng(8)
    for t in range(1, 201):  # rejected actions do not count towards the time limit either
        state = native.unwrapped.state.copy()
        with pytest.raises(InvalidActionError) as info:
            native.step(bad)
        assert isinstance(info.value, ValueError) and isinstance(info.value, AssertionError)
        assert native.unwrapped.state.tobytes() == state.tobytes()
        action = torque(rng)
        step_n = native.step(action)
        assert_same_step(step_n, reference.step(action))
        assert step_n[3] == (t == 200)


def _sync_reference(n: int, **kwargs) -> gym.vector.SyncVectorEnv:
    return gym.vector.SyncVectorEnv([lambda: gym.make("Pendulum-v1", **kwargs) for _ in range(n)])


def _make_native_vec(n: int, **kwargs) -> gym.vector.VectorEnv:
    return gym.make_vec(NATIVE_ID, num_envs=n, vectorization_mode="vector_entry_point", **kwargs)


def _batch_torques(rng: np.random.Generator, n: int) -> np.ndarray:
    """float32 actions of shape (n, 1), one in ten special."""
    a = rng.uniform(-2.5, 2.5, (n, 1)).astype(np.float32)
    special = rng.random(n) < 0.1
    a[special, 0] = rng.choice(np.concatenate([SPECIAL_TORQUES, HARD_TORQUES]), int(special.sum()))
    return a


def assert_same_vector_step(out_n, out_g) -> None:
    assert out_n[0].dtype == out_g[0].dtype == np.float32 and out_n[0].shape == out_g[0].shape
    assert out_n[0].tobytes() == out_g[0].tobytes()
    assert out_n[1].dtype == out_g[1].dtype == np.float64 and out_n[1].tobytes() == out_g[1].tobytes()
    np.testing.assert_array_equal(out_n[2], out_g[2])
    np.testing.assert_array_equal(out_n[3], out_g[3])


@pytest.mark.parametrize("num_envs", [1, 4, 16])
def test_vector_env_identical_to_sync_vector_env(num_envs):
    """Across NEXT_STEP autoresets (truncations at 200 and 401), unseeded, optioned and masked resets."""
    native, reference = _make_native_vec(num_envs), _sync_reference(num_envs)
    assert isinstance(native, gym.vector.VectorEnv)
    assert native.metadata["autoreset_mode"] == gym.vector.AutoresetMode.NEXT_STEP
    assert native.action_space == reference.action_space
    assert native.observation_space == reference.observation_space
    assert native.reset(seed=123)[0].tobytes() == reference.reset(seed=123)[0].tobytes()
    rng = np.random.default_rng(num_envs)
    truncations = 0
    for t in range(450):
        actions = _batch_torques(rng, num_envs)
        out_n, out_g = native.step(actions), reference.step(actions)
        assert_same_vector_step(out_n, out_g)
        truncations += int(out_n[3].sum())
    assert truncations == 2 * num_envs
    for options in [None, {"x_init": 0.3, "y_init": 4.0}, {"y_init": 8}]:
        assert native.reset(options=options)[0].tobytes() == reference.reset(options=options)[0].tobytes()
        for _ in range(30):
            actions = _batch_torques(rng, num_envs)
            assert_same_vector_step(native.step(actions), reference.step(actions))
    mask = np.zeros(num_envs, dtype=bool)
    mask[::2] = True
    opts = {"reset_mask": mask, "x_init": 1.0}
    assert native.reset(options=dict(opts))[0].tobytes() == reference.reset(options=dict(opts))[0].tobytes()
    for _ in range(30):
        actions = _batch_torques(rng, num_envs)
        assert_same_vector_step(native.step(actions), reference.step(actions))


def test_vector_env_invalid_actions_step_nothing():
    n = 4
    native, reference = _make_native_vec(n), _sync_reference(n)
    native.reset(seed=0)
    reference.reset(seed=0)
    good = np.full((n, 1), 0.5, dtype=np.float32)
    nan_at_2 = good.copy()
    nan_at_2[2, 0] = np.nan
    with pytest.raises(InvalidActionError, match=r"actions\[2\]"):
        native.step(nan_at_2)
    for bad in [good[:3], np.zeros((n, 2), dtype=np.float32), np.zeros((n + 1, 1), dtype=np.float32)]:
        with pytest.raises(InvalidActionError):
            native.step(bad)
    assert_same_vector_step(native.step(good), reference.step(good))


# Property-based tests (hypothesis).

seeds = st.integers(min_value=0, max_value=2**64 - 1)
float32_torques = st.floats(width=32, allow_nan=False)  # any float32, infinities included
bounds = st.floats(0.0, 20.0)


@settings(max_examples=40, deadline=None)
@given(seed=seeds, torques=st.lists(float32_torques, min_size=1, max_size=250),
       x_init=st.none() | bounds, y_init=st.none() | bounds, g=st.floats(-20.0, 50.0),
       reseed_every_episode=st.booleans())
def test_single_env_identical_to_gymnasium(seed, torques, x_init, y_init, g, reseed_every_episode):
    native, reference = make_pair(g=g)
    options = {k: v for k, v in (("x_init", x_init), ("y_init", y_init)) if v is not None} or None
    assert native.reset(seed=seed, options=options)[0].tobytes() == reference.reset(seed=seed, options=options)[0].tobytes()
    episode = 0
    for u in torques:
        action = np.array([u], dtype=np.float32)
        step_n = native.step(action)
        assert_same_step(step_n, reference.step(action))
        assert_same_state(native, reference)
        if step_n[3]:
            episode += 1
            next_seed = (seed + episode) % 2**64 if reseed_every_episode else None
            obs_n, _ = native.reset(seed=next_seed, options=options)
            assert obs_n.tobytes() == reference.reset(seed=next_seed, options=options)[0].tobytes()


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32), num_envs=st.integers(1, 8), steps=st.integers(1, 230),
       policy_seed=st.integers(0, 2**32))
def test_vector_env_identical_to_sync_vector_env_property(seed, num_envs, steps, policy_seed):
    native, reference = _make_native_vec(num_envs), _sync_reference(num_envs)
    assert native.reset(seed=seed)[0].tobytes() == reference.reset(seed=seed)[0].tobytes()
    rng = np.random.default_rng(policy_seed)
    for _ in range(steps):
        actions = _batch_torques(rng, num_envs)
        assert_same_vector_step(native.step(actions), reference.step(actions))


@settings(max_examples=30, deadline=None)
@given(num_envs=st.integers(1, 8), data=st.data())
def test_vector_env_rejects_nan_without_stepping(num_envs, data):
    native = _make_native_vec(num_envs)
    native.reset(seed=1)
    actions = np.zeros((num_envs, 1), dtype=np.float32)
    where = data.draw(st.integers(0, num_envs - 1))
    actions[where, 0] = np.nan
    with pytest.raises(InvalidActionError):
        native.step(actions)
    # Nothing was stepped: the next valid step matches a fresh env's first step.
    fresh = _make_native_vec(num_envs)
    fresh.reset(seed=1)
    ones = np.ones((num_envs, 1), dtype=np.float32)
    assert_same_vector_step(native.step(ones), fresh.step(ones))


@settings(max_examples=30, deadline=None)
@given(shape=st.lists(st.integers(0, 3), max_size=3).filter(lambda s: tuple(s) != (1,)),
       nan=st.booleans())
def test_single_env_rejects_invalid_actions(shape, nan):
    native = gym.make(NATIVE_ID)
    native.reset(seed=2)
    before = native.unwrapped.state.copy()
    action = np.full((1,) if nan else tuple(shape), np.nan if nan else 0.5, dtype=np.float32)
    with pytest.raises(InvalidActionError):
        native.step(action)
    assert native.unwrapped.state.tobytes() == before.tobytes()
