"""The data shipped with normwatch: the curated knowledge base (``kb/``), the rules
(``rules/``) and the evidence channels (``channels.yaml``). YAML only; no code reads it
except through :func:`shipped`."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def shipped(*parts: str) -> Path:
    """The path of a shipped data file or folder, e.g. ``shipped("rules")``."""
    return Path(str(resources.files(__name__).joinpath(*parts)))
