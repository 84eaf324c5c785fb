"""An on-disk cache of parsed knowledge bases and compiled rules, for a fast cold start.

Entries are keyed by a digest of the source files' contents, so an edited file is never
served stale. Set ``NORMWATCH_CACHE=off`` to disable, or to a folder to move it. Any
failure to read or write the cache is ignored: it only ever saves time.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

from normwatch.files import replacing

_FORMAT = "1"


def _folder() -> Path | None:
    setting = os.environ.get("NORMWATCH_CACHE", "")
    if setting.lower() in ("off", "0", "no"):
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "normwatch"


def code_key(*modules: str) -> str:
    """A digest of the named normwatch modules' source (paths below the package, such as
    ``engine/rules``): a cached object built by other code (a model gained a field, say)
    must not be served."""
    import hashlib

    digest = hashlib.sha256(_FORMAT.encode())
    package = Path(__file__).parent.parent
    for name in modules:
        try:
            digest.update((package / f"{name}.py").read_bytes())
        except OSError:
            digest.update(name.encode())
    return digest.hexdigest()[:16]


def package_key(*folders: str) -> str:
    """A digest of every module's source in the named normwatch subpackages (``engine``):
    for a cached result that code spread over many modules computes."""
    package = Path(__file__).parent.parent
    return code_key(*sorted(
        path.relative_to(package).with_suffix("").as_posix()
        for folder in folders for path in (package / folder).glob("*.py")
    ))


def load(kind: str, key: str) -> Any | None:
    """The cached object for (kind, key), or None."""
    folder = _folder()
    if folder is None:
        return None
    try:
        with open(folder / f"{kind}-{_FORMAT}-{key}.pickle", "rb") as handle:
            return pickle.load(handle)  # noqa: S301 - our own files, keyed by content digest
    except Exception:  # noqa: BLE001 - a broken cache entry is just a miss
        return None


def save(kind: str, key: str, value: Any, keep: int | None = None) -> None:
    """Store an object for (kind, key); written atomically, errors ignored. The newest
    ``keep`` entries of the kind stay (default :data:`KEEP`)."""
    folder = _folder()
    if folder is None:
        return
    try:
        with replacing(folder / f"{kind}-{_FORMAT}-{key}.pickle") as temp, open(temp, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001
        return
    _prune(folder, kind, KEEP if keep is None else keep)


KEEP = 8
"""Cached objects kept per kind: every edit of a rule or record file makes a new entry, so
older ones go (newest kept), and the folder cannot grow without bound."""


def _prune(folder: Path, kind: str, keep: int) -> None:
    try:
        entries = sorted(folder.glob(f"{kind}-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in entries[keep:]:
            stale.unlink(missing_ok=True)
        for orphan in folder.glob("*.tmp"):  # left by a process killed while writing
            if orphan.stat().st_mtime < _now() - 3600:
                orphan.unlink(missing_ok=True)
    except OSError:
        return


def _now() -> float:
    import time

    return time.time()
