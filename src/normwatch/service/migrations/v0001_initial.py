"""Version 1: meta, incidents (Contract 1 JSON), assessments (Contract 3), drafts, audit, tokens."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

VERSION = 1
NAME = "initial schema"


def upgrade(conn: Connection) -> None:
    md = MetaData()
    Table("meta", md, Column("key", String(64), primary_key=True), Column("value", Text, nullable=False))
    Table(
        "incidents", md,
        Column("id", String(200), primary_key=True),
        Column("name", Text, nullable=False),
        Column("start", String(10), nullable=False),
        Column("data", Text, nullable=False),
        Column("revision", Integer, nullable=False),
        Column("created_at", String(32), nullable=False),
        Column("updated_at", String(32), nullable=False),
    )
    Table(
        "assessments", md,
        Column("incident_id", String(200), ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
        Column("kb_version", String(64), nullable=False),
        Column("rules_version", String(64), nullable=False),
        Column("red_line", Boolean, nullable=False),
        Column("tolerated_espionage", Boolean, nullable=False),
        Column("intensity", Float, nullable=False),
        Column("data", Text, nullable=False),
    )
    drafts = Table(
        "drafts", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("incident_id", String(200), nullable=False),
        Column("action", String(16), nullable=False),
        Column("base_revision", Integer, nullable=True),
        Column("data", Text, nullable=False),
        Column("status", String(16), nullable=False),
        Column("author", String(200), nullable=False),
        Column("reason", Text, nullable=False),
        Column("created_at", String(32), nullable=False),
        Column("reviewed_by", String(200), nullable=True),
        Column("reviewed_at", String(32), nullable=True),
        Column("review_note", Text, nullable=True),
    )
    Index("ix_drafts_status", drafts.c.status)
    audit = Table(
        "audit", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("at", String(32), nullable=False),
        Column("who", String(200), nullable=False),
        Column("action", String(64), nullable=False),
        Column("target", String(200), nullable=False),
        Column("what", Text, nullable=False),
        Column("why", Text, nullable=False),
    )
    Index("ix_audit_at", audit.c.at)
    Table(
        "tokens", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("key", String(32), nullable=False, unique=True),
        Column("name", String(200), nullable=False, unique=True),
        Column("scope", String(16), nullable=False),
        Column("salt", String(64), nullable=False),
        Column("digest", String(128), nullable=False),
        Column("created_at", String(32), nullable=False),
        Column("revoked_at", String(32), nullable=True),
    )
    md.create_all(conn)
