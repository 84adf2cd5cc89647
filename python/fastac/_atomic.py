"""Writing a file atomically: the bytes go to a fresh temporary beside the target, which is
then renamed over it.

The temporary is created by ``tempfile.mkstemp`` (``O_CREAT | O_EXCL``, an unpredictable
name, mode 0600 until it is complete), in the target's own directory so that the rename
stays on one filesystem, and it is written through the descriptor ``mkstemp`` returned:
no name is ever opened twice, so a symlink planted at a name we might use is never
followed. ``os.replace`` swaps the directory entry: the target ends up a regular file
(a symlink at the target is replaced, not written through).

Writers serialize into memory first (:func:`to_bytes`) and only then touch the disk, so a
full disk is an ``OSError`` from ``os.write`` here, never an error inside a C++ writer
(torch's archive writer aborts the process when a write fails in its destructor).
"""

from __future__ import annotations

import io
import os
import stat
import tempfile
from typing import BinaryIO, Callable


def to_bytes(write: Callable[[BinaryIO], object]) -> bytes:
    """What ``write(buffer)`` writes into an in-memory binary buffer."""
    buffer = io.BytesIO()
    write(buffer)
    return buffer.getvalue()


def _new_file_mode(path: str) -> int:
    """The permission bits the target gets: those of the file it replaces, or what
    ``open(path, "w")`` would give a new file (0666 minus the umask)."""
    try:
        st = os.stat(path)
        if stat.S_ISREG(st.st_mode):
            return stat.S_IMODE(st.st_mode)
    except OSError:
        pass
    return 0o666 & ~_umask()


def _umask() -> int:
    try:  # Linux >= 4.7 reports it without changing it (os.umask is process-wide and racy)
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_path(name: str, path: object) -> str:
    """``path`` as a str, or a ``TypeError``/``ValueError`` naming the parameter ``name``."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a str or os.PathLike, got {path!r} ({type(path).__name__})")
    text = os.fspath(path)
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str or os.PathLike of str, got {path!r}")
    if not text or "\0" in text:
        raise ValueError(f"{name} must be a non-empty path without NUL characters, got {text!r}")
    return text


def atomic_write(path: str | os.PathLike[str], data: bytes | Callable[[BinaryIO], object]) -> None:
    """Writes ``data`` (bytes, or what ``data(buffer)`` writes into an in-memory buffer) to
    ``path`` atomically.

    ``path`` either keeps its old content or gets all of ``data``: a failed write (a full
    disk, an interrupt) raises and removes the temporary. The file and its directory entry
    are flushed to disk before returning.
    """
    target = check_path("path", path)
    payload = data if isinstance(data, bytes) else to_bytes(data)
    directory = os.path.dirname(os.path.abspath(target))
    mode = _new_file_mode(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=directory)
    except OSError as error:
        raise OSError(error.errno, f"{error.strerror} (cannot create a file in {directory!r})", target) from error
    try:
        try:
            view = memoryview(payload)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fchmod(fd, mode)
            os.fsync(fd)
        except OSError as error:
            raise OSError(error.errno, error.strerror, target) from error
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    """Makes the rename durable (best effort: some filesystems refuse to sync a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
