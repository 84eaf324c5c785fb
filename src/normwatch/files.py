"""Writing files so that a reader never sees half of one: the one helper every layer uses."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def umask() -> int:
    """The process's file-creation mask, read without changing it where the system tells
    it (Linux ``/proc``); elsewhere set and restored at once."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def user_mode(path: Path, directory: bool = False) -> None:
    """Give ``path`` the mode a plain ``open``/``mkdir`` would: temporary files and folders
    are created 0600/0700, which would hide an export from the user's group."""
    path.chmod((0o777 if directory else 0o666) & ~umask())


@contextlib.contextmanager
def replacing(path: Path, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block ends without an error, move
    it over ``path`` in one rename (same folder, so same filesystem), else remove it. The
    temporary name starts with a dot, so folder readers skip it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(handle)
    try:
        yield Path(temp)
        user_mode(Path(temp), directory=Path(temp).is_dir())
        os.replace(temp, path)
    finally:
        Path(temp).unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` all at once: the old content or the new, never a mix."""
    with replacing(path) as temp:
        with open(temp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
