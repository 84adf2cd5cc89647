"""Env ids of packages that register them only when asked: gymnasium 1.x loads no plugins,
so ``gym.make("MinAtar/Breakout-v1")`` fails until ``minatar.gym.register_envs()`` has run
(and ``ALE/...`` until ``gym.register_envs(ale_py)``). fastac registers them on first use."""

from __future__ import annotations

from typing import Callable

import gymnasium as gym


def _register_minatar() -> None:
    import minatar.gym  # type: ignore[import-untyped]

    minatar.gym.register_envs()


def _register_ale() -> None:
    import ale_py

    gym.register_envs(ale_py)


#: Namespaces whose packages register their ids only when asked (gymnasium 1.x loads no
#: plugins): the package (an extra of fastac) and how it registers them.
_PLUGIN_NAMESPACES: dict[str, tuple[str, Callable[[], None]]] = {
    "MinAtar": ("minatar", _register_minatar),
    "ALE": ("ale-py", _register_ale),
}


def register_namespace(env_id: str) -> None:
    """Registers the ids of ``env_id``'s namespace (``MinAtar/...``, ``ALE/...``) with gymnasium
    if its package is installed and has not registered them yet."""
    namespace = env_id.split("/", 1)[0] if "/" in env_id else None
    if namespace not in _PLUGIN_NAMESPACES or env_id in gym.registry:
        return
    package, register = _PLUGIN_NAMESPACES[namespace]
    try:
        register()
    except ImportError:
        raise ValueError(f"env {env_id!r} needs the {package!r} package (pip install {package})") from None
