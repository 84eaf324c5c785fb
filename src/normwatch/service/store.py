"""The service's store: published incidents, their assessments, drafts, audit log, tokens.

One schema (:mod:`normwatch.service.migrations`, versioned) on two back ends:

* **SQLite** by default, zero set-up: ``<data folder>/normwatch.sqlite``, the data folder
  being ``$NORMWATCH_DATA_DIR`` or ``$XDG_DATA_HOME/normwatch`` (``~/.local/share/normwatch``).
  WAL journal, foreign keys on, and every transaction ``BEGIN IMMEDIATE`` so that writers
  queue instead of failing and a killed process leaves the last committed state.
* **PostgreSQL** for a shared deployment: ``NORMWATCH_DATABASE_URL=postgresql://user@host/db``.

Every statement is SQLAlchemy Core with bound parameters; no SQL text is assembled from
values. The store is built from the curated YAML knowledge base (``normwatch db build``);
analysts then change it through drafts that are reviewed and published, each step
written to the audit log, and :meth:`Store.export_yaml` writes the published incidents
back to one YAML file per incident so curation stays reviewable in git.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from normwatch.analysis.catalog import Catalog
from normwatch.engine.assessment import assess
from normwatch.engine.rules import RuleSet
from normwatch.errors import Conflict, InputError, NormwatchError, NotFound, Problem, from_validation_error
from normwatch.files import replacing, write_atomic
from normwatch.knowledge.check import check
from normwatch.knowledge.load import KnowledgeBase, record_label
from normwatch.knowledge.models import MAX_ID, Incident
from normwatch.service.migrations import LATEST, MIGRATIONS
from normwatch.service.paths import data_dir
from normwatch.service.tokens import SCOPES, TokenInfo, generate, matches, parse

# --- the current schema (queries only; migrations create it) ------------------------------

metadata = MetaData()
schema_migrations = Table(
    "schema_migrations", metadata,
    Column("version", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("applied_at", String(32), nullable=False),
)
meta = Table("meta", metadata, Column("key", String(64), primary_key=True), Column("value", Text))
incidents = Table(
    "incidents", metadata,
    Column("id", String(200), primary_key=True),
    Column("name", Text), Column("start", String(10)), Column("data", Text),
    Column("revision", Integer), Column("created_at", String(32)), Column("updated_at", String(32)),
)
assessments = Table(
    "assessments", metadata,
    Column("incident_id", String(200), primary_key=True),
    Column("kb_version", String(64)), Column("rules_version", String(64)),
    Column("red_line", Boolean), Column("tolerated_espionage", Boolean), Column("intensity", Float),
    Column("data", Text),
)
drafts = Table(
    "drafts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", String(200)), Column("action", String(16)), Column("base_revision", Integer),
    Column("data", Text), Column("status", String(16)), Column("author", String(200)),
    Column("reason", Text), Column("created_at", String(32)), Column("reviewed_by", String(200)),
    Column("reviewed_at", String(32)), Column("review_note", Text),
)
audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32)), Column("who", String(200)), Column("action", String(64)),
    Column("target", String(200)), Column("what", Text), Column("why", Text),
)
tokens = Table(
    "tokens", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(32)), Column("name", String(200)), Column("scope", String(16)),
    Column("salt", String(64)), Column("digest", String(128)), Column("created_at", String(32)),
    Column("revoked_at", String(32)),
)

# Audit actions that change what the catalogue serves.
CHANGES = ("build", "import", "publish")


StoreError = NormwatchError
"""A request the store refuses (:class:`Conflict` or :class:`Missing`): the message says why."""


class Missing(NotFound):
    """No such draft, token or incident."""


def now() -> str:
    """The current UTC time as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (sortable text)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def database_url(url: str | None = None) -> str:
    """The SQLAlchemy URL: ``url``, else ``$NORMWATCH_DATABASE_URL``, else the SQLite file.

    ``postgresql://`` and ``postgres://`` select the psycopg (3) driver; a bare path is a
    SQLite file.
    """
    url = url or os.environ.get("NORMWATCH_DATABASE_URL") or ""
    if not url:
        return f"sqlite:///{data_dir() / 'normwatch.sqlite'}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    if "://" not in url:
        return f"sqlite:///{Path(url)}"
    return url


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def incident_json(incident: Incident) -> dict[str, Any]:
    """Contract 1 mapping of an incident (defaults left out, so unknown stays unknown)."""
    return incident.model_dump(mode="json", exclude_defaults=True)


def validate_incident(data: Any, source: str = "draft") -> Incident:
    """Validate a Contract 1 mapping; raise InputError whose problems name the field."""
    if not isinstance(data, dict):
        raise InputError([Problem(source, "", "", "expected an incident mapping (Contract 1)")])
    try:
        return Incident.model_validate(data)
    except ValidationError as exc:
        raise InputError(from_validation_error(source, record_label(data, 0), exc)) from None


def _sqlite_engine(url: str) -> Engine:
    path = url.removeprefix("sqlite:///")
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Store:
    """A handle on the database; cheap to create, thread-safe (pooled connections)."""

    def __init__(self, url: str | None = None) -> None:
        self.url = database_url(url)
        if self.url.startswith("sqlite"):
            self.engine = _sqlite_engine(self.url)
        else:
            self.engine = create_engine(self.url, pool_pre_ping=True, pool_size=8, max_overflow=8)
        self.dialect = self.engine.dialect.name

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    # --- schema ------------------------------------------------------------------------

    def schema_version(self) -> int:
        """The applied schema version (0 for an empty database)."""
        with self.engine.connect() as conn:
            if not self.engine.dialect.has_table(conn, "schema_migrations"):
                return 0
            found = conn.execute(select(func.max(schema_migrations.c.version))).scalar()
            return int(found or 0)

    def migrate(self, target: int | None = None) -> list[int]:
        """Apply pending migrations up to ``target`` (default: latest); return those applied."""
        target = LATEST if target is None else target
        applied: list[int] = []
        with self.transaction() as conn:
            if self.dialect == "postgresql":  # one migrator at a time across processes
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": 7_316_020})
            schema_migrations.create(conn, checkfirst=True)
            current = int(conn.execute(select(func.max(schema_migrations.c.version))).scalar() or 0)
            if current > LATEST:
                raise StoreError(
                    f"the database has schema version {current}, newer than this normwatch ({LATEST}); upgrade"
                )
            for migration in MIGRATIONS:
                if current < migration.version <= target:
                    migration.upgrade(conn)
                    conn.execute(insert(schema_migrations).values(
                        version=migration.version, name=migration.name, applied_at=now()))
                    applied.append(migration.version)
        return applied

    def _ready(self) -> None:
        if self.schema_version() < LATEST:
            self.migrate()

    # --- meta and audit ----------------------------------------------------------------

    def meta(self) -> dict[str, str]:
        with self.engine.connect() as conn:
            return {r.key: r.value for r in conn.execute(select(meta))}

    @staticmethod
    def _set_meta(conn: Connection, **values: str) -> None:
        for key, value in values.items():
            conn.execute(delete(meta).where(meta.c.key == key))
            conn.execute(insert(meta).values(key=key, value=value))

    @staticmethod
    def log(conn: Connection, who: str, action: str, target: str, what: Any, why: str) -> int:
        """Append one audit entry (inside the caller's transaction)."""
        result = conn.execute(insert(audit).values(
            at=now(), who=who, action=action, target=target, what=_dump(what), why=why or ""))
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def audit_log(
        self, limit: int = 50, offset: int = 0, target: str | None = None, action: str | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        """Audit entries, newest first, and how many match."""
        where = []
        if target:
            where.append(audit.c.target == target)
        if action:
            where.append(audit.c.action == action)
        with self.engine.connect() as conn:
            total = int(conn.execute(select(func.count()).select_from(audit).where(*where)).scalar() or 0)
            rows = conn.execute(
                select(audit).where(*where).order_by(audit.c.id.desc()).limit(limit).offset(offset)
            )
            return [{**r._asdict(), "what": json.loads(r.what)} for r in rows], total

    def generation(self) -> int:
        """Changes whenever the published data changes (the last build/import/publish entry)."""
        with self.engine.connect() as conn:
            found = conn.execute(select(func.max(audit.c.id)).where(audit.c.action.in_(CHANGES))).scalar()
            return int(found or 0)

    # --- building from the knowledge base ------------------------------------------------

    def is_built(self) -> bool:
        if self.schema_version() == 0:
            return False
        return "kb_version" in self.meta()

    def build(self, kb: KnowledgeBase, rules: RuleSet, who: str = "cli", force: bool = False) -> dict[str, Any]:
        """Fill the store from the knowledge base, or bring it up to date with it.

        A first build (or ``force``) loads every incident. Otherwise it synchronises:
        incidents new in the knowledge base are added, those changed there are updated
        unless an analyst has published a change to them (then the store's version is kept
        and reported), and incidents only in the store stay.
        """
        if kb.problems:
            raise StoreError(f"the knowledge base has problems; first: {kb.problems[0]}")
        self._ready()
        stamp = now()
        added: list[str] = []
        updated: list[str] = []
        kept: list[str] = []
        with self.transaction() as conn:
            first = force or conn.execute(select(meta.c.value).where(meta.c.key == "kb_version")).first() is None
            if first:
                conn.execute(delete(assessments))
                conn.execute(delete(incidents))
            current = {r.id: r for r in conn.execute(select(incidents.c.id, incidents.c.data))}
            edited = {r.target for r in conn.execute(
                select(audit.c.target).where(audit.c.action == "publish").distinct())}
            for incident in kb.incidents:
                data = _dump(incident_json(incident))
                row = current.get(incident.id)
                if row is None:
                    conn.execute(insert(incidents).values(
                        id=incident.id, name=incident.name, start=incident.start, data=data,
                        revision=1, created_at=stamp, updated_at=stamp))
                    added.append(incident.id)
                elif row.data != data:
                    if incident.id in edited:
                        kept.append(incident.id)
                        continue
                    conn.execute(update(incidents).where(incidents.c.id == incident.id).values(
                        name=incident.name, start=incident.start, data=data,
                        revision=incidents.c.revision + 1, updated_at=stamp))
                    updated.append(incident.id)
            self._set_meta(conn, kb_version=kb.version, rules_version=rules.version, built_at=stamp)
            summary = {"kb_version": kb.version, "added": len(added), "updated": len(updated),
                       "kept": kept, "full": first}
            if first or added or updated:
                self.log(conn, who, "build" if first else "import", "store", summary,
                         "built from the knowledge base" if first else "synchronised with the knowledge base")
            self._refresh_assessments(conn, kb, rules)
        return {**summary, "updated_ids": updated, "added_ids": added}

    def _published(self, conn: Connection) -> list[Incident]:
        rows = conn.execute(select(incidents.c.data).order_by(incidents.c.id))
        return [Incident.model_validate_json(r.data) for r in rows]

    def _refresh_assessments(self, conn: Connection, kb: KnowledgeBase, rules: RuleSet) -> int:
        """(Re)compute assessments that are missing or made with other rules or another kb."""
        fresh = {r.incident_id for r in conn.execute(
            select(assessments.c.incident_id).where(
                assessments.c.rules_version == rules.version, assessments.c.kb_version == kb.version))}
        done = 0
        for incident in self._published(conn):
            if incident.id not in fresh:
                self._write_assessment(conn, assess(incident, kb, rules).model_dump(mode="json"), kb, rules)
                done += 1
        return done

    @staticmethod
    def _write_assessment(conn: Connection, item: dict[str, Any], kb: KnowledgeBase, rules: RuleSet) -> None:
        conn.execute(delete(assessments).where(assessments.c.incident_id == item["incident"]))
        conn.execute(insert(assessments).values(
            incident_id=item["incident"], kb_version=kb.version, rules_version=rules.version,
            red_line=bool(item["red_line"]), tolerated_espionage=bool(item["tolerated_espionage"]),
            intensity=float(item["intensity"]), data=_dump(item)))

    # --- the read side ---------------------------------------------------------------------

    def published(self) -> list[Incident]:
        with self.engine.connect() as conn:
            return self._published(conn)

    def incident_rows(self) -> dict[str, dict[str, Any]]:
        """id → revision, created_at, updated_at of every published incident."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(incidents.c.id, incidents.c.revision, incidents.c.created_at,
                                       incidents.c.updated_at))
            return {r.id: r._asdict() for r in rows}

    def catalog(self, kb: KnowledgeBase, rules: RuleSet) -> Catalog:
        """A Catalog serving the published incidents, with their stored assessments."""
        with self.transaction() as conn:
            self._refresh_assessments(conn, kb, rules)
            published = self._published(conn)
            stored = {r.incident_id: json.loads(r.data) for r in conn.execute(select(
                assessments.c.incident_id, assessments.c.data))}
            built = conn.execute(select(meta.c.value).where(meta.c.key == "kb_version")).scalar()
            publishes = int(conn.execute(select(func.count()).select_from(audit).where(
                audit.c.action == "publish")).scalar() or 0)
        version = kb.version if (built == kb.version and not publishes) else f"{kb.version}+p{publishes}"
        base = dataclasses.replace(kb, incidents=published, version=version)
        cat = Catalog(base, rules)
        cat._assessments.update(stored)
        return cat

    # --- drafts ------------------------------------------------------------------------------

    def _check_draft(self, conn: Connection, incident: Incident, kb: KnowledgeBase) -> None:
        others = [i for i in self._published(conn) if i.id != incident.id]
        trial = dataclasses.replace(kb, incidents=[*others, incident], problems=[])
        found = [p for p in check(trial) if p.record == incident.id]
        if found:
            raise InputError([Problem("draft", p.record, p.field, p.message) for p in found])

    def submit(self, data: Any, author: str, reason: str, kb: KnowledgeBase) -> dict[str, Any]:
        """Save a new incident or a change as a pending draft (validated as Contract 1)."""
        incident = validate_incident(data)
        clean = incident_json(incident)
        with self.transaction() as conn:
            self._check_draft(conn, incident, kb)
            row = conn.execute(select(incidents.c.data, incidents.c.revision).where(
                incidents.c.id == incident.id)).first()
            if row is not None and json.loads(row.data) == clean:
                same = "the draft does not change the published incident"
                raise InputError([Problem("draft", incident.id, "", same)])
            action = "create" if row is None else "update"
            changed = _changed(json.loads(row.data) if row else {}, clean)
            result = conn.execute(insert(drafts).values(
                incident_id=incident.id, action=action, base_revision=row.revision if row else None,
                data=_dump(clean), status="pending", author=author, reason=reason, created_at=now()))
            draft_id = int(result.inserted_primary_key[0])  # type: ignore[index]
            self.log(conn, author, "draft.submit", f"draft:{draft_id}",
                     {"incident": incident.id, "action": action, "changed": changed}, reason)
        return self.draft(draft_id)

    def draft(self, draft_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(select(drafts).where(drafts.c.id == draft_id)).first()
        if row is None:
            raise Missing("draft", str(draft_id), f"no draft {draft_id}")
        return {**row._asdict(), "data": json.loads(row.data)}

    def drafts(
        self, status: str | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[list[dict[str, Any]], int]:
        where = [drafts.c.status == status] if status else []
        with self.engine.connect() as conn:
            total = int(conn.execute(select(func.count()).select_from(drafts).where(*where)).scalar() or 0)
            rows = conn.execute(select(drafts).where(*where).order_by(drafts.c.id.desc()).limit(limit).offset(offset))
            return [{**r._asdict(), "data": json.loads(r.data)} for r in rows], total

    def publish(self, draft_id: int, who: str, why: str, kb: KnowledgeBase, rules: RuleSet) -> dict[str, Any]:
        """Publish a pending draft: the incident and its assessment join the catalogue."""
        stamp = now()
        with self.transaction() as conn:
            row = conn.execute(select(drafts).where(drafts.c.id == draft_id).with_for_update()).first()
            if row is None:
                raise Missing("draft", str(draft_id), f"no draft {draft_id}")
            if row.status != "pending":
                raise Conflict(f"draft {draft_id} is already {row.status}")
            incident = Incident.model_validate_json(row.data)
            current = conn.execute(select(incidents.c.data, incidents.c.revision).where(
                incidents.c.id == incident.id).with_for_update()).first()
            if row.action == "create":
                if current is not None:
                    raise Conflict(f"incident {incident.id!r} was published meanwhile; submit the change again")
                try:
                    conn.execute(insert(incidents).values(
                        id=incident.id, name=incident.name, start=incident.start, data=row.data,
                        revision=1, created_at=stamp, updated_at=stamp))
                except IntegrityError:
                    raise Conflict(f"incident {incident.id!r} was published meanwhile") from None
                revision = 1
                changed = sorted(json.loads(row.data))
            else:
                if current is None or current.revision != row.base_revision:
                    raise Conflict(
                        f"incident {incident.id!r} changed since draft {draft_id} was made "
                        f"(revision {current.revision if current else 'none'}, draft based on {row.base_revision})")
                done = conn.execute(update(incidents).where(
                    incidents.c.id == incident.id, incidents.c.revision == row.base_revision,
                ).values(name=incident.name, start=incident.start, data=row.data,
                         revision=row.base_revision + 1, updated_at=stamp))
                if done.rowcount != 1:
                    raise Conflict(f"incident {incident.id!r} changed meanwhile")
                revision = row.base_revision + 1
                changed = _changed(json.loads(current.data), json.loads(row.data))
            self._write_assessment(conn, assess(incident, kb, rules).model_dump(mode="json"), kb, rules)
            marked = conn.execute(update(drafts).where(drafts.c.id == draft_id, drafts.c.status == "pending").values(
                status="published", reviewed_by=who, reviewed_at=stamp, review_note=why))
            if marked.rowcount != 1:
                raise Conflict(f"draft {draft_id} was reviewed meanwhile")
            self.log(conn, who, "publish", incident.id,
                     {"draft": draft_id, "action": row.action, "revision": revision, "changed": changed,
                      "author": row.author}, why)
        return {"draft": self.draft(draft_id), "incident": incident.id, "revision": revision}

    def reject(self, draft_id: int, who: str, why: str) -> dict[str, Any]:
        with self.transaction() as conn:
            row = conn.execute(select(drafts.c.status, drafts.c.incident_id).where(drafts.c.id == draft_id)).first()
            if row is None:
                raise Missing("draft", str(draft_id), f"no draft {draft_id}")
            done = conn.execute(update(drafts).where(drafts.c.id == draft_id, drafts.c.status == "pending").values(
                status="rejected", reviewed_by=who, reviewed_at=now(), review_note=why))
            if done.rowcount != 1:
                raise Conflict(f"draft {draft_id} is already {row.status}")
            self.log(conn, who, "draft.reject", f"draft:{draft_id}", {"incident": row.incident_id}, why)
        return self.draft(draft_id)

    # --- tokens ------------------------------------------------------------------------------

    def create_token(self, name: str, scope: str, who: str = "cli") -> str:
        """Create a token; return its plaintext (shown once, never stored)."""
        if scope not in SCOPES:
            raise StoreError(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
        if not name.strip() or len(name) > 200:
            raise StoreError("a token needs a name of 1 to 200 characters")
        self._ready()
        new = generate()
        try:
            with self.transaction() as conn:
                conn.execute(insert(tokens).values(
                    key=new.key, name=name, scope=scope, salt=new.salt, digest=new.digest, created_at=now()))
                self.log(conn, who, "token.create", f"token:{name}", {"key": new.key, "scope": scope}, "")
        except IntegrityError:
            raise StoreError(f"a token named {name!r} exists already") from None
        return new.plaintext

    def list_tokens(self) -> list[dict[str, Any]]:
        self._ready()
        with self.engine.connect() as conn:
            rows = conn.execute(select(tokens.c.key, tokens.c.name, tokens.c.scope, tokens.c.created_at,
                                       tokens.c.revoked_at).order_by(tokens.c.id))
            return [r._asdict() for r in rows]

    def revoke_token(self, name_or_key: str, who: str = "cli", why: str = "") -> dict[str, Any]:
        self._ready()
        with self.transaction() as conn:
            row = conn.execute(select(tokens.c.id, tokens.c.name, tokens.c.key, tokens.c.revoked_at).where(
                (tokens.c.name == name_or_key) | (tokens.c.key == name_or_key))).first()
            if row is None:
                raise Missing("token", name_or_key, f"no token named {name_or_key!r}")
            if row.revoked_at is None:
                conn.execute(update(tokens).where(tokens.c.id == row.id).values(revoked_at=now()))
                self.log(conn, who, "token.revoke", f"token:{row.name}", {"key": row.key}, why)
        return {"name": row.name, "key": row.key, "revoked": True}

    def verify_token(self, plaintext: str) -> TokenInfo | None:
        """The token's owner and scope, or None when it is malformed, unknown or revoked."""
        parsed = parse(plaintext)
        if parsed is None:
            return None
        key, secret = parsed
        with self.engine.connect() as conn:
            row = conn.execute(select(tokens).where(tokens.c.key == key)).first()
        if row is None or row.revoked_at is not None or not matches(secret, row.salt, row.digest):
            return None
        return TokenInfo(key=row.key, name=row.name, scope=row.scope)

    # --- back to the YAML knowledge base ---------------------------------------------------

    def export_yaml(self, folder: Path, ids: Sequence[str] | None = None) -> list[Path]:
        """Write each published incident to ``folder/<id>.yaml`` (Contract 1); return files changed.

        Files whose content is already the same are left alone, so ``git diff`` shows only
        the curation work.
        """
        from normwatch.interchange.incidents_io import dump_yaml

        # Everything is checked and rendered before the first file is written, so a record
        # that cannot become a file stops the export with nothing written.
        changes: list[tuple[Path, bytes]] = []
        for incident in self.published():
            if ids is not None and incident.id not in ids:
                continue
            if not _SAFE_ID.fullmatch(incident.id) or len(incident.id) > MAX_ID:
                raise InputError.one("store", incident.id[:80], "id",
                                     f"cannot name a file (at most {MAX_ID} characters of a-z, 0-9 and -)")
            path = folder / f"{incident.id}.yaml"
            body = dump_yaml(incident)
            if path.is_file() and (path.read_text(encoding="utf-8") == body or _same_incident(path, incident)):
                continue
            changes.append((path, body.encode("utf-8")))
        folder.mkdir(parents=True, exist_ok=True)
        for path, data in changes:
            write_atomic(path, data)
        return [path for path, _ in changes]

    def drop_everything(self) -> None:
        """Drop every table (tests and ``db reset`` only)."""
        with self.transaction() as conn:
            for name in ("assessments", "incidents", "drafts", "audit", "tokens", "meta", "schema_migrations"):
                Table(name, MetaData()).drop(conn, checkfirst=True)


_SAFE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Top-level Contract 1 keys that differ."""
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def _same_incident(path: Path, incident: Incident) -> bool:
    from normwatch.interchange.incidents_io import read_incident_file

    found, problems = read_incident_file(path)
    return not problems and len(found) == 1 and found[0] == incident


# --- Datasette-ready SQLite export ---------------------------------------------------------

_DATASETTE_SCHEMA = """
CREATE TABLE incidents (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, start TEXT NOT NULL, "end" TEXT, summary TEXT,
  operation TEXT NOT NULL, victims TEXT NOT NULL, sectors TEXT NOT NULL, responsible TEXT NOT NULL,
  red_line INTEGER NOT NULL, tolerated_espionage INTEGER NOT NULL, intensity REAL NOT NULL,
  breaches TEXT NOT NULL, sources TEXT NOT NULL, record TEXT NOT NULL
);
CREATE TABLE targets (
  incident_id TEXT NOT NULL REFERENCES incidents(id), country TEXT NOT NULL, sector TEXT NOT NULL, entity TEXT
);
CREATE TABLE attributions (
  incident_id TEXT NOT NULL REFERENCES incidents(id), "to" TEXT NOT NULL, "by" TEXT NOT NULL,
  kind TEXT NOT NULL, date TEXT, confidence TEXT NOT NULL
);
CREATE TABLE norms (id TEXT PRIMARY KEY, framework TEXT NOT NULL, title TEXT NOT NULL, paragraph TEXT, summary TEXT);
CREATE TABLE verdicts (
  incident_id TEXT NOT NULL REFERENCES incidents(id), norm_id TEXT NOT NULL REFERENCES norms(id),
  verdict TEXT NOT NULL, reasons TEXT NOT NULL, PRIMARY KEY (incident_id, norm_id)
);
CREATE TABLE law (
  incident_id TEXT NOT NULL REFERENCES incidents(id), question TEXT NOT NULL, answer TEXT NOT NULL,
  PRIMARY KEY (incident_id, question)
);
CREATE TABLE commitments_breached (
  incident_id TEXT NOT NULL REFERENCES incidents(id), state TEXT NOT NULL,
  norm_id TEXT NOT NULL REFERENCES norms(id), instrument TEXT NOT NULL
);
CREATE TABLE groups (id TEXT PRIMARY KEY, name TEXT NOT NULL, aliases TEXT NOT NULL, sponsor TEXT, attack_id TEXT);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE INDEX ix_targets_incident ON targets(incident_id);
CREATE INDEX ix_attributions_incident ON attributions(incident_id);
CREATE INDEX ix_verdicts_norm ON verdicts(norm_id, verdict);
CREATE VIRTUAL TABLE incidents_fts USING fts5(name, summary, content='incidents', content_rowid='rowid');
"""


def export_sqlite(path: Path, catalog: Catalog | None = None, store: Store | None = None) -> Path:
    """Write a Datasette-ready SQLite file of the published data (no drafts, audit or tokens).

    Tables with primary and foreign keys (Datasette links them), JSON arrays as text, a
    full-text index ``incidents_fts`` on names and summaries. Source: ``catalog``, else the
    ``store``'s catalogue, else the shipped knowledge base. The file is replaced atomically.
    """
    if catalog is None:
        from normwatch.engine.rules import shipped_rules
        from normwatch.knowledge.load import load_kb

        kb, rules = load_kb(), shipped_rules()
        catalog = store.catalog(kb, rules) if store is not None else Catalog(kb, rules)
    with replacing(path) as temp:
        db = sqlite3.connect(temp)
        try:
            _fill_export(db, catalog)
            db.commit()
        finally:
            db.close()
    return path


def _fill_export(db: sqlite3.Connection, catalog: Catalog) -> None:
    kb = catalog.kb
    db.executescript(_DATASETTE_SCHEMA)
    db.executemany(
        "INSERT INTO norms VALUES (?, ?, ?, ?, ?)",
        [(n.id, kb.framework_of[n.id].id, n.title, n.paragraph, n.summary) for n in kb.norms.values()],
    )
    for incident in catalog.incidents_by_start:
        item = catalog.assessment(incident.id)
        row = catalog.summary(incident)
        db.execute(
            "INSERT INTO incidents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (incident.id, incident.name, incident.start, incident.end, incident.summary,
             _dump(list(incident.operation)), _dump(row["victims"]), _dump(row["sectors"]),
             _dump([r["state"] for r in item["responsible"]]), int(item["red_line"]),
             int(item["tolerated_espionage"]), float(item["intensity"]),
             _dump([n["id"] for n in item["norms"] if n["verdict"] == "breach"]),
             _dump(list(incident.sources)), _dump(incident_json(incident))),
        )
        db.executemany("INSERT INTO targets VALUES (?, ?, ?, ?)",
                       [(incident.id, t.country, t.sector, t.entity) for t in incident.targets])
        db.executemany("INSERT INTO attributions VALUES (?, ?, ?, ?, ?, ?)",
                       [(incident.id, a.to, _dump(list(a.by)), a.kind, a.date, a.confidence)
                        for a in incident.attributions])
        db.executemany("INSERT INTO verdicts VALUES (?, ?, ?, ?)",
                       [(incident.id, n["id"], n["verdict"], _dump(n["reasons"])) for n in item["norms"]])
        db.executemany("INSERT INTO law VALUES (?, ?, ?)",
                       [(incident.id, q, a) for q, a in item["law"].items()])
        db.executemany("INSERT INTO commitments_breached VALUES (?, ?, ?, ?)",
                       [(incident.id, c["state"], c["norm"], c["instrument"]) for c in item["commitments_breached"]])
    db.executemany("INSERT INTO groups VALUES (?, ?, ?, ?, ?)",
                   [(g.id, g.name, _dump(list(g.aliases)), g.sponsor, g.attack_id) for g in kb.groups])
    db.executemany("INSERT INTO meta VALUES (?, ?)",
                   [("kb_version", kb.version), ("rules_version", catalog.rules.version), ("exported_at", now())])
    db.execute("INSERT INTO incidents_fts(incidents_fts) VALUES ('rebuild')")


def open_store(url: str | None = None, kb: KnowledgeBase | None = None, rules: RuleSet | None = None) -> Store:
    """The store at ``url`` (default: settings), migrated, and built from the knowledge base
    if it is empty or the knowledge base changed since (see :meth:`Store.build`)."""
    from normwatch.engine.rules import shipped_rules
    from normwatch.knowledge.load import load_kb

    store = Store(url)
    store.migrate()
    kb = kb or load_kb()
    rules = rules or shipped_rules()
    if store.meta().get("kb_version") != kb.version:
        store.build(kb, rules, who="serve")
    return store


__all__ = [
    "Conflict", "Missing", "Store", "StoreError", "data_dir", "database_url", "export_sqlite",
    "incident_json", "open_store", "validate_incident",
]
