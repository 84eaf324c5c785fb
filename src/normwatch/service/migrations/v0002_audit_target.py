"""Version 2: index the audit log by target (the history of one incident or draft)."""

from __future__ import annotations

from sqlalchemy import Column, Connection, Index, MetaData, String, Table

VERSION = 2
NAME = "index audit.target"


def upgrade(conn: Connection) -> None:
    md = MetaData()
    audit = Table("audit", md, Column("target", String(200)))
    Index("ix_audit_target", audit.c.target).create(conn)
