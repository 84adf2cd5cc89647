"""Native environments, as gymnasium ``Env`` and ``VectorEnv``.

Importing this module registers every native environment of the C++ registry with
gymnasium under the ``fastac/`` namespace (an id's own namespace joins its name:
``fastac/MinAtar-Breakout-v1``), so that ``gymnasium.make("fastac/CartPole-v1")``
and ``gymnasium.make_vec("fastac/CartPole-v1", n, vectorization_mode="vector_entry_point")``
give the native environment. The classes (``CartPoleEnv``, ``CartPoleVectorEnv``, ...) are
generated from the registry (``fastac.envs.native``).
"""

from __future__ import annotations

from typing import Any

import gymnasium

from fastac.envs.atari import atari, make_atari_env
from fastac.envs.native import CLASSES, SPECS, InvalidActionError, NativeEnv, NativeVectorEnv, reward_threshold

#: gymnasium ids that have a native implementation (both "CartPole-v1" and
#: "fastac/CartPole-v1", "MinAtar/Breakout-v1" and "fastac/MinAtar-Breakout-v1"), mapped
#: to the fastac id (the C++ spec's ``fastac_id``).
NATIVE_ENV_IDS: dict[str, str] = {}

for _env_id, (_single, _vector) in CLASSES.items():
    _fastac_id = SPECS[_env_id].fastac_id
    NATIVE_ENV_IDS[_env_id] = NATIVE_ENV_IDS[_fastac_id] = _fastac_id
    globals()[_single.__name__], globals()[_vector.__name__] = _single, _vector
    if _fastac_id not in gymnasium.registry:
        # No max_episode_steps here: the native env enforces its own time limit (as
        # gymnasium's TimeLimit reports it), so make() adds no TimeLimit wrapper.
        gymnasium.register(
            id=_fastac_id,
            entry_point=f"fastac.envs.native:{_single.__name__}",
            vector_entry_point=f"fastac.envs.native:{_vector.__name__}",
            reward_threshold=reward_threshold(_env_id),
        )


def native_id(env_id: str) -> str | None:
    """The ``fastac/`` id of a gymnasium id that has a native implementation, else None."""
    return NATIVE_ENV_IDS.get(env_id)


def reference_id(env_id: str) -> str:
    """The gymnasium id a native id reproduces (``"fastac/MinAtar-Breakout-v1"`` ->
    ``"MinAtar/Breakout-v1"``); any other id unchanged."""
    return native_spec(env_id).id if env_id in NATIVE_ENV_IDS else env_id


def native_spec(env_id: str) -> Any:
    """The C++ spec (``_core.EnvSpec``) of a native env, by its gymnasium or fastac id."""
    return SPECS_BY_FASTAC_ID[NATIVE_ENV_IDS[env_id]]


#: fastac id -> spec.
SPECS_BY_FASTAC_ID: dict[str, Any] = {spec.fastac_id: spec for spec in SPECS.values()}


__all__ = ["InvalidActionError", "NATIVE_ENV_IDS", "NativeEnv", "NativeVectorEnv", "SPECS", "atari", "make_atari_env",
           "native_id", "native_spec", "reference_id",
           *(cls.__name__ for pair in CLASSES.values() for cls in pair)]
