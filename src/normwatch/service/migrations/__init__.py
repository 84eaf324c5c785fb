"""Versioned schema migrations of the store.

Each migration is a function of a SQLAlchemy connection with its own frozen table
definitions (it never imports the current schema), applied once, in order, inside a
transaction, and recorded in ``schema_migrations``. Add a module ``vNNNN_what.py`` with
``VERSION``, ``NAME`` and ``upgrade(conn)``, and list it below. A database whose version is
newer than the code refuses to open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection

from normwatch.service.migrations import v0001_initial, v0002_audit_target


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    upgrade: Callable[[Connection], None]


MIGRATIONS: tuple[Migration, ...] = tuple(
    Migration(module.VERSION, module.NAME, module.upgrade)
    for module in (v0001_initial, v0002_audit_target)
)
LATEST = MIGRATIONS[-1].version

__all__ = ["LATEST", "MIGRATIONS", "Migration"]
