"""Where the service keeps its files (the SQLite store, the token pepper)."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """Folder of the default SQLite store and the token pepper: ``$NORMWATCH_DATA_DIR``,
    else ``$XDG_DATA_HOME/normwatch``, else ``~/.local/share/normwatch``."""
    if os.environ.get("NORMWATCH_DATA_DIR"):
        return Path(os.environ["NORMWATCH_DATA_DIR"])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "normwatch"
