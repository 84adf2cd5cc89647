"""The native Acrobot against gymnasium's own Acrobot-v1: identical bit for bit.

gymnasium's Acrobot steps slowly (a Python rk4 over numpy scalars), so most episodes
here run under a short time limit (the same on both sides) to fit 1000+ episodes in a
few seconds; full-length episodes check the registered 500-step limit.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from hypothesis import given, settings
from hypothesis import strategies as st

import fastac  # noqa: F401  (registers the fastac/ ids)
from fastac.envs import AcrobotEnv, AcrobotVectorEnv, InvalidActionError

ENV_ID = "fastac/Acrobot-v1"
LARGE_SEEDS = [2**32 - 1, 2**32 + 1, 2**63 + 5, 2**64 - 1]
OPTIONS = [None, {"low": -0.5, "high": 0.5}, {"low": -3.0, "high": 3.0}, {"low": -0.1, "high": 0.2},
           {"high": 1.0}, {"low": -np.pi, "high": np.pi}]


def assert_same_obs(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == b.dtype == np.float32
    assert np.array_equal(a, b) and a.tobytes() == b.tobytes()


def assert_same_state(ours, theirs) -> None:
    # gymnasium's state is float32 right after reset (.astype(np.float32)), float64 after a step.
    assert ours.unwrapped.state.dtype == np.float64
    assert ours.unwrapped.state.tobytes() == np.asarray(theirs.unwrapped.state, dtype=np.float64).tobytes()


def assert_same_step(ours, theirs) -> None:
    assert_same_obs(ours[0], theirs[0])
    assert ours[1] == theirs[1] and ours[2] == theirs[2] and ours[3] == theirs[3]


def pump_action(state, rng) -> int:
    """Torque along dtheta2 (swings up in about 100 steps), 10% random actions."""
    return int(rng.integers(3)) if rng.random() < 0.1 else (2 if state[3] > 0 else 0)


@pytest.mark.parametrize("policy_seed", [0, 1, 2, 3])
def test_random_policy_episodes_identical(policy_seed):
    """260 episodes per policy seed (1040 in all): seeded (also large seeds) and continued
    streams, six reset option sets, random actions, several time limits."""
    rng = np.random.default_rng(policy_seed)
    limits = [3, 6, 12, 25]
    pairs = [(AcrobotEnv(max_episode_steps=k), gym.make("Acrobot-v1", max_episode_steps=k)) for k in limits]
    seeded = [False] * len(pairs)
    episodes = terminations = 0
    for episode in range(260):
        p = episode % len(pairs)
        ours, theirs = pairs[p]
        if not seeded[p] or episode % 5 == 0:
            seed = LARGE_SEEDS[episode % 4] if episode % 15 == 0 else 1000 * policy_seed + episode
            seeded[p] = True
        else:
            seed = None  # continue the stream
        options = OPTIONS[(episode // len(pairs)) % len(OPTIONS)]
        a, b = ours.reset(seed=seed, options=options), theirs.reset(seed=seed, options=options)
        assert_same_obs(a[0], b[0])
        assert_same_state(ours, theirs)
        for t in range(1, limits[p] + 1):
            action = int(rng.integers(3)) if t % 4 else np.int64(rng.integers(3))
            step_ours, step_theirs = ours.step(action), theirs.step(action)
            assert_same_step(step_ours, step_theirs)
            assert_same_state(ours, theirs)
            if step_ours[2] or step_ours[3]:
                assert step_ours[3] == (t == limits[p])
                terminations += bool(step_ours[2])
                break
        episodes += 1
    assert episodes == 260
    assert terminations > 5  # wide reset options start some episodes next to the goal


@pytest.mark.parametrize("seed", [0, 2**64 - 1])
def test_full_episode_truncates_at_500_and_steps_past_the_end(seed):
    """Random actions for 503 steps: seed 0 never terminates; 2**64 - 1 terminates at step
    464 and is stepped on (as gymnasium allows) into the truncation."""
    ours, theirs = gym.make(ENV_ID), gym.make("Acrobot-v1")
    assert_same_obs(ours.reset(seed=seed)[0], theirs.reset(seed=seed)[0])
    rng = np.random.default_rng(7)
    truncated_at = terminated_at = None
    for t in range(1, 504):
        action = int(rng.integers(3))
        step_ours, step_theirs = ours.step(action), theirs.step(action)
        assert_same_step(step_ours, step_theirs)
        if step_ours[2] and terminated_at is None:
            terminated_at = t
        if step_ours[3] and truncated_at is None:
            truncated_at = t
    assert_same_state(ours, theirs)
    assert truncated_at == 500
    assert terminated_at == (None if seed == 0 else 464)


def test_termination_reward_and_stepping_past_it():
    ours, theirs = gym.make(ENV_ID), gym.make("Acrobot-v1")
    ours.reset(seed=3)
    theirs.reset(seed=3)
    rng = np.random.default_rng(3)
    after = 0
    for _ in range(500):
        action = pump_action(theirs.unwrapped.state, rng)
        step_ours, step_theirs = ours.step(action), theirs.step(action)
        assert_same_step(step_ours, step_theirs)
        assert_same_state(ours, theirs)
        if step_ours[2]:
            assert step_ours[1] == 0.0
        after += bool(after or step_ours[2])
        if after > 6:
            break
    assert after > 6


def test_large_seeds_and_reset_bounds():
    ours, theirs = gym.make(ENV_ID), gym.make("Acrobot-v1")
    for seed in [0, *LARGE_SEEDS, 2**100]:
        for options in OPTIONS:
            assert_same_obs(ours.reset(seed=seed, options=options)[0], theirs.reset(seed=seed, options=options)[0])
            assert_same_state(ours, theirs)
    with pytest.raises(ValueError):
        ours.reset(seed=0, options={"low": 1.0, "high": 0.0})


def _sync_reference(n, **kwargs):
    return gym.vector.SyncVectorEnv([lambda: gym.make("Acrobot-v1", **kwargs)] * n)


@pytest.mark.parametrize(("num_envs", "max_episode_steps"), [(1, None), (4, None), (5, 9)])
def test_vector_env_identical_to_sync_vector_env(num_envs, max_episode_steps):
    kwargs = {} if max_episode_steps is None else {"max_episode_steps": max_episode_steps}
    ours = gym.make_vec(ENV_ID, num_envs=num_envs, vectorization_mode="vector_entry_point", **kwargs)
    assert isinstance(ours, AcrobotVectorEnv)
    theirs = _sync_reference(num_envs, **kwargs)
    ours_obs, _ = ours.reset(seed=123)
    assert_same_obs(ours_obs, theirs.reset(seed=123)[0])
    rng = np.random.default_rng(num_envs)
    autoresets = 0
    for t in range(220):
        # Mostly the swing-up policy (terminations, hence autoresets), from the last observation.
        actions = np.array([int(rng.integers(3)) if rng.random() < 0.1 else (2 if o[5] > 0 else 0) for o in ours_obs])
        out_ours, out_theirs = ours.step(actions), theirs.step(actions)
        ours_obs = out_ours[0]
        assert_same_obs(out_ours[0], out_theirs[0])
        for k in (1, 2, 3):
            assert out_ours[k].dtype == out_theirs[k].dtype
            np.testing.assert_array_equal(out_ours[k], out_theirs[k])
        autoresets += int(np.sum(out_ours[2] | out_ours[3]))
        if t == 150:  # an unseeded full reset continues every sub-env's stream
            ours_obs, _ = ours.reset()
            assert_same_obs(ours_obs, theirs.reset()[0])
        if t == 180:  # a masked reset with bounds
            mask = np.zeros(num_envs, dtype=bool)
            mask[::2] = True
            opts = {"reset_mask": mask, "low": -0.3, "high": 0.3}
            ours_obs, _ = ours.reset(options=dict(opts))
            assert_same_obs(ours_obs, theirs.reset(options=dict(opts))[0])
    assert autoresets >= num_envs


def test_env_checker_passes():
    check_env(gym.make(ENV_ID).unwrapped, skip_render_check=True)


def test_env_checker_with_render_check(monkeypatch):
    # Rendering is gymnasium's own Acrobot renderer, which needs pygame.
    pytest.importorskip("pygame")
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    check_env(gym.make(ENV_ID).unwrapped)


def test_spaces_and_spec_match_gymnasium():
    ours, theirs = gym.make(ENV_ID), gym.make("Acrobot-v1")
    assert ours.observation_space == theirs.observation_space
    assert ours.action_space == theirs.action_space
    assert gym.spec(ENV_ID).reward_threshold == gym.spec("Acrobot-v1").reward_threshold == -100.0


@pytest.mark.parametrize("bad", [3, -1, 7, 1.0, "1", None, np.array([1]), np.float32(0.0)])
def test_invalid_actions_rejected_stepping_nothing(bad):
    # gymnasium's Acrobot itself does not check: AVAIL_TORQUE[-1] is +1, [3] an IndexError.
    ours, theirs = gym.make(ENV_ID), gym.make("Acrobot-v1")
    ours.reset(seed=0)
    theirs.reset(seed=0)
    before = ours.unwrapped.state.copy()
    with pytest.raises(InvalidActionError):
        ours.step(bad)
    with pytest.raises(AssertionError):
        ours.step(bad)
    with pytest.raises(ValueError):
        ours.step(bad)
    assert ours.unwrapped.state.tobytes() == before.tobytes()
    assert_same_step(ours.step(1), theirs.step(1))  # nothing was stepped


def test_vector_invalid_actions_step_nothing():
    ours, theirs = AcrobotVectorEnv(4), _sync_reference(4)
    ours.reset(seed=0)
    theirs.reset(seed=0)
    for bad in (np.array([0, 1, 3, 0]), np.array([-1, 0, 0, 0]), np.array([0.0, 1.0, 1.0, 0.0]), np.array([0, 1])):
        with pytest.raises(InvalidActionError):
            ours.step(bad)
    actions = np.array([0, 1, 2, 1])
    out_ours, out_theirs = ours.step(actions), theirs.step(actions)
    assert_same_obs(out_ours[0], out_theirs[0])


# Property-based (hypothesis): random seeds, action sequences, reset bounds, batch sizes.

seeds = st.integers(min_value=0, max_value=2**64 - 1)
action_lists = st.lists(st.integers(min_value=0, max_value=2), min_size=1, max_size=60)
bounds = st.tuples(st.floats(-3.0, 0.0), st.floats(0.001, 3.0))


@settings(max_examples=30, deadline=None)
@given(seed=seeds, actions=action_lists, reset_bounds=st.none() | bounds, reseed_every_episode=st.booleans(),
       limit=st.integers(1, 30))
def test_hypothesis_single_env_identical(seed, actions, reset_bounds, reseed_every_episode, limit):
    ours, theirs = AcrobotEnv(max_episode_steps=limit), gym.make("Acrobot-v1", max_episode_steps=limit)
    options = None if reset_bounds is None else {"low": reset_bounds[0], "high": reset_bounds[1]}
    assert_same_obs(ours.reset(seed=seed, options=options)[0], theirs.reset(seed=seed, options=options)[0])
    episode = 0
    for action in actions:
        a, b = ours.step(action), theirs.step(action)
        assert_same_step(a, b)
        assert_same_state(ours, theirs)
        if a[2] or a[3]:
            episode += 1
            next_seed = (seed + episode) % 2**64 if reseed_every_episode else None
            assert_same_obs(ours.reset(seed=next_seed, options=options)[0],
                            theirs.reset(seed=next_seed, options=options)[0])


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32), num_envs=st.integers(1, 6), steps=st.integers(1, 40),
       limit=st.integers(1, 15), data=st.data())
def test_hypothesis_vector_env_identical(seed, num_envs, steps, limit, data):
    ours = AcrobotVectorEnv(num_envs, max_episode_steps=limit)
    theirs = _sync_reference(num_envs, max_episode_steps=limit)
    assert_same_obs(ours.reset(seed=seed)[0], theirs.reset(seed=seed)[0])
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32)))
    for _ in range(steps):
        action = rng.integers(0, 3, size=num_envs)
        a, b = ours.step(action), theirs.step(action)
        assert_same_obs(a[0], b[0])
        for x, y in zip(a[1:4], b[1:4]):
            np.testing.assert_array_equal(x, y)


@settings(max_examples=40, deadline=None)
@given(action=st.integers().filter(lambda a: a not in (0, 1, 2)) | st.floats(allow_nan=True) | st.text(max_size=3))
def test_hypothesis_invalid_actions_rejected(action):
    env = AcrobotEnv()
    env.reset(seed=0)
    before = env.state.copy()
    with pytest.raises(InvalidActionError):
        env.step(action)
    assert env.state.tobytes() == before.tobytes()
