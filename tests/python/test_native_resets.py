"""Native env resets against gymnasium's own envs: refused reset options (NaN, infinite or
overflowing bounds) and reset masks (a masked reset before any full reset) raise what
gymnasium raises, and a refused reset changes nothing."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import fastac  # noqa: F401  (registers the fastac/ ids)
from fastac.envs.native import CLASSES

# gymnasium's envs warn as numpy overflows on the way to some of the errors compared here.
pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")

NAN, INF = float("nan"), float("inf")
BOUNDS_ENVS = ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0"]

# Reset options of the envs that draw from U(low, high): gymnasium's np_random.uniform raises
# OverflowError when high - low is not finite, ValueError when it is negative (its sign bit:
# 0.0 - -0.0 too), and maybe_parse_reset_bounds a ValueError when low > high.
REFUSED_BOUNDS = [
    {"low": NAN, "high": 0.05},
    {"low": -0.05, "high": NAN},
    {"low": NAN, "high": NAN},
    {"low": NAN},
    {"high": NAN},
    {"low": "nan", "high": 1},
    {"low": np.float32(NAN), "high": 0.1},
    {"low": -INF, "high": 0.05},
    {"low": -0.05, "high": INF},
    {"low": INF, "high": INF},
    {"low": -INF, "high": -INF},
    {"low": -1e308, "high": 1e308},  # finite bounds, a range beyond float64's
    {"low": 0.0, "high": -0.0},
    {"low": 1.0, "high": 0.0},
    {"low": "abc"},
]
ACCEPTED_BOUNDS = [{"low": -0.0, "high": -0.0}, {"low": -0.0, "high": 0.0}, {"low": 0.0, "high": 0.0},
                   {"low": -1e307, "high": 1e307}, {"low": -0.25, "high": 0.25}]
REFUSED_PENDULUM = [{"x_init": NAN}, {"y_init": NAN}, {"x_init": INF}, {"x_init": -INF}, {"x_init": 1e308},
                    {"x_init": -0.0}, {"y_init": -1.0}, {"x_init": -1.0, "y_init": NAN}]


def _raised(call) -> type[BaseException] | None:
    try:
        call()
    except Exception as error:  # noqa: BLE001  (the type is what is compared)
        return type(error)
    return None


def _cases():
    for env_id in BOUNDS_ENVS:
        for options in REFUSED_BOUNDS:
            yield env_id, options
    for options in REFUSED_PENDULUM:
        yield "Pendulum-v1", options


@pytest.mark.parametrize("env_id, options", list(_cases()))
def test_refused_reset_options_raise_as_gymnasium(env_id, options):
    ours, theirs = gym.make(f"fastac/{env_id}"), gym.make(env_id)
    expected = _raised(lambda: theirs.reset(seed=0, options=dict(options)))
    assert expected in (OverflowError, ValueError)
    with pytest.raises(expected):
        ours.reset(seed=0, options=dict(options))
    # Both were reseeded and drew nothing: the next unseeded reset draws the same state.
    a, b = ours.reset()[0], theirs.reset()[0]
    assert a.tobytes() == b.tobytes()
    assert np.isfinite(a).all()


@pytest.mark.parametrize("env_id, options", list(_cases()))
def test_refused_reset_options_leave_the_vector_env_unchanged(env_id, options):
    n = 3
    ours = CLASSES[env_id][1](n)
    theirs = gym.vector.SyncVectorEnv([lambda: gym.make(env_id)] * n)
    ours.reset(seed=7)
    theirs.reset(seed=7)
    before = [ours._sim.get_state(i).copy() for i in range(n)]
    expected = _raised(lambda: theirs.reset(options=dict(options)))
    assert expected in (OverflowError, ValueError)
    with pytest.raises(expected):
        ours.reset(options=dict(options))
    for i in range(n):
        np.testing.assert_array_equal(ours._sim.get_state(i), before[i])
    assert ours.reset(seed=11)[0].tobytes() == theirs.reset(seed=11)[0].tobytes()


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::UserWarning")  # 1e307 overflows float32 in both
@pytest.mark.parametrize("env_id", BOUNDS_ENVS)
@pytest.mark.parametrize("options", ACCEPTED_BOUNDS)
def test_edge_bounds_gymnasium_accepts_give_the_same_state(env_id, options):
    ours, theirs = gym.make(f"fastac/{env_id}"), gym.make(env_id)
    assert ours.reset(seed=3, options=dict(options))[0].tobytes() == \
        theirs.reset(seed=3, options=dict(options))[0].tobytes()
    assert ours.unwrapped.state.tobytes() == np.asarray(theirs.unwrapped.state, dtype=np.float64).tobytes()


def test_the_reported_nan_bounds_case():
    env = gym.make("fastac/CartPole-v1")
    with pytest.raises(OverflowError, match="high - low"):
        env.reset(seed=0, options={"low": float("nan"), "high": 0.05})
    with pytest.raises(OverflowError):
        gym.make("CartPole-v1").reset(seed=0, options={"low": float("nan"), "high": 0.05})


# --------------------------------------------------------------------------------------
# Reset masks
# --------------------------------------------------------------------------------------


def _pair(env_id: str, n: int):
    return CLASSES[env_id][1](n), gym.vector.SyncVectorEnv([lambda: gym.make(env_id)] * n)


@pytest.mark.parametrize("env_id", sorted(CLASSES))
def test_a_partial_masked_reset_before_any_full_reset_is_refused(env_id):
    ours, theirs = _pair(env_id, 3)
    mask = np.array([True, False, True])
    with pytest.raises(ValueError):
        theirs.reset(seed=5, options={"reset_mask": mask.copy()})
    with pytest.raises(ValueError, match="never reset"):
        ours.reset(seed=5, options={"reset_mask": mask.copy()})
    with pytest.raises(RuntimeError):  # still not reset: nothing was
        ours.step(np.stack([ours.single_action_space.sample() for _ in range(3)]))
    # A full reset then works, and matches.
    theirs = gym.vector.SyncVectorEnv([lambda: gym.make(env_id)] * 3)
    assert ours.reset(seed=5)[0].tobytes() == theirs.reset(seed=5)[0].tobytes()
    # ... and so do masked resets after it.
    a, _ = ours.reset(seed=[None, 9, None], options={"reset_mask": mask.copy()})
    b, _ = theirs.reset(seed=[None, 9, None], options={"reset_mask": mask.copy()})
    assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("env_id", sorted(CLASSES))
def test_a_full_masked_first_reset_is_a_full_reset(env_id):
    ours, theirs = _pair(env_id, 3)
    mask = np.ones(3, dtype=np.bool_)
    a, _ = ours.reset(seed=4, options={"reset_mask": mask.copy()})
    b, _ = theirs.reset(seed=4, options={"reset_mask": mask.copy()})
    assert a.tobytes() == b.tobytes()
    # Unseeded: every sub-env draws from OS entropy, not a fixed unseeded stream. (MinAtar
    # Breakout starts in one of two states, so batches of 3 repeat at times: 10 batches,
    # all equal with probability 8**-9 there.)
    firsts = {CLASSES[env_id][1](3).reset(options={"reset_mask": mask.copy()})[0].tobytes() for _ in range(10)}
    assert len(firsts) > 1


def test_the_reported_masked_reset_case():
    env = CLASSES["CartPole-v1"][1](4)
    for _ in range(2):
        with pytest.raises(ValueError, match="reset_mask"):
            env.reset(options={"reset_mask": np.array([True, False, False, False])})


@pytest.mark.parametrize("mask", [
    [True, False, True],                       # not an array: TypeError
    np.array([True, False]),                   # shape: ValueError
    np.array([[True, False, True]]),
    np.array([1, 0, 1]),                       # dtype: TypeError
    np.zeros(3, dtype=np.bool_),               # no True: ValueError
    np.array([1, 0], dtype=np.float32),        # shape before dtype: ValueError
])
def test_bad_reset_masks_raise_as_sync_vector_env(mask):
    ours, theirs = _pair("CartPole-v1", 3)
    ours.reset(seed=0)
    theirs.reset(seed=0)
    expected = _raised(lambda: theirs.reset(options={"reset_mask": mask}))
    assert expected in (TypeError, ValueError)
    with pytest.raises(expected, match="reset_mask"):
        ours.reset(options={"reset_mask": mask})
