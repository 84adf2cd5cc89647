"""Writing a file atomically: to a temporary beside it, then renamed over the target."""

from __future__ import annotations

import os
from typing import Callable


def atomic_write(path: str | os.PathLike, write: Callable[[str], None], suffix: str = "") -> None:
    """Calls ``write(temporary_path)``, then renames the temporary to ``path``.

    A crash or an exception during ``write`` leaves ``path`` as it was and removes the
    temporary. ``suffix`` keeps an extension some writers need (matplotlib's ``.png``).
    """
    path = os.fspath(path)
    tmp = f"{path}.tmp{os.getpid()}{suffix}"
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
