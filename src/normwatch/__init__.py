"""normwatch: norms as code for cyberspace.

The library API is the product; the command line only wraps it::

    import normwatch
    kb = normwatch.load_kb()
    normwatch.committed("FRA", "paris-call:3", on="2020-01-01")
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

from .check import check
from .commitments import CommitmentStatus, Level, commitment_status
from .kb import KnowledgeBase, load
from .models import (
    Commitment,
    Framework,
    Incident,
    Instrument,
    Membership,
    Norm,
    Organisation,
    State,
    StateBody,
    ThreatActor,
)
from .problems import InputError, Problem

__version__ = "0.1.0"

__all__ = [
    "Commitment", "CommitmentStatus", "Framework", "Incident", "InputError", "Instrument",
    "KnowledgeBase", "Membership", "Norm", "Organisation", "Problem", "State", "StateBody",
    "ThreatActor", "check", "commitment_status", "committed", "load_kb",
]


@cache
def _shipped() -> KnowledgeBase:
    return load()


def load_kb(path: str | Path | None = None) -> KnowledgeBase:
    """The knowledge base at ``path``, or the one shipped with the package (cached)."""
    return _shipped() if path is None else load(Path(path))


def committed(
    state: str,
    instrument_or_norm: str,
    on: str | dt.date,
    *,
    kb: KnowledgeBase | None = None,
    level: Level = "bound",
) -> bool:
    """Was ``state`` committed to an instrument, framework or norm on date ``on``?

    ``level="bound"`` (default) needs entry into force or joining; ``"signed"`` also
    counts a signature. Partial dates count from their last possible day.
    """
    status = commitment_status(kb or load_kb(), state, instrument_or_norm, on, level)
    return status.committed
