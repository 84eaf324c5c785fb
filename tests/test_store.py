"""The store, run against SQLite and against a real PostgreSQL server (scripts/postgres.sh).

The PostgreSQL half skips, with the reason, only when scripts/postgres.sh cannot start a
server; set NORMWATCH_REQUIRE_POSTGRES=1 (CI does) to make that a failure instead.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select

import normwatch
from normwatch.engine.assessment import assessed_norms
from normwatch.engine.rules import RuleSet, shipped_rules
from normwatch.errors import InputError
from normwatch.interchange.incidents_io import read_incident_file
from normwatch.service.migrations import LATEST
from normwatch.service.store import (
    Conflict,
    Missing,
    Store,
    StoreError,
    database_url,
    export_sqlite,
    incident_json,
    tokens,
)


def assess(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """The Contract 3 JSON of one assessment (what the CLI and the API print)."""
    return normwatch.assess(*args, **kwargs).model_dump(mode="json")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = str(tmp_path / "store.sqlite")
    else:
        url = request.getfixturevalue("pg_url")
    handle = Store(url)
    handle.drop_everything()
    yield handle
    handle.close()


@pytest.fixture
def built(store: Store, kb: normwatch.KnowledgeBase, rules: RuleSet) -> Store:
    store.build(kb, rules, who="test")
    return store


def record(kb: normwatch.KnowledgeBase, incident_id: str) -> dict[str, Any]:
    return copy.deepcopy(incident_json(kb.incident_by_id[incident_id]))


NEW = {
    "id": "test-hospital-wiper-2031", "name": "Test hospital wiper", "start": "2024-03",
    "operation": ["destruction"], "targets": [{"country": "FRA", "sector": "health"}],
    "attributions": [{"to": "RUS", "by": ["FRA"], "kind": "government", "confidence": "high",
                      "sources": ["https://example.org/new"]}],
    "effects": {"data_destroyed": True, "availability": "lasting"},
    "sources": ["https://example.org/report"],
}


# --- settings and schema -------------------------------------------------------------------------


def test_database_url_defaults_to_sqlite_in_the_data_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NORMWATCH_DATABASE_URL", raising=False)
    monkeypatch.setenv("NORMWATCH_DATA_DIR", str(tmp_path / "data"))
    assert database_url() == f"sqlite:///{tmp_path / 'data' / 'normwatch.sqlite'}"
    monkeypatch.setenv("NORMWATCH_DATABASE_URL", "postgresql://u@h:5/db")
    assert database_url() == "postgresql+psycopg://u@h:5/db"
    assert database_url("/x/y.sqlite") == "sqlite:////x/y.sqlite"


def test_migrations_apply_in_order_once(store: Store) -> None:
    assert store.schema_version() == 0
    assert store.migrate(target=1) == [1]
    assert store.schema_version() == 1
    assert store.migrate() == list(range(2, LATEST + 1))
    assert store.migrate() == []
    names = set(inspect(store.engine).get_table_names())
    assert {"meta", "incidents", "assessments", "drafts", "audit", "tokens", "schema_migrations"} <= names
    assert "ix_audit_target" in {ix["name"] for ix in inspect(store.engine).get_indexes("audit")}


def test_a_database_newer_than_the_code_is_refused(store: Store) -> None:
    from normwatch.service.store import now, schema_migrations

    store.migrate()
    with store.transaction() as conn:
        conn.execute(schema_migrations.insert().values(version=LATEST + 1, name="future", applied_at=now()))
    with pytest.raises(StoreError, match="newer than this normwatch"):
        store.migrate()


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    handle = Store(str(tmp_path / "wal.sqlite"))
    handle.migrate()
    with handle.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


# --- building -------------------------------------------------------------------------------------


def test_build_holds_every_incident_and_its_assessment(built: Store, kb: normwatch.KnowledgeBase,
                                                        rules: RuleSet) -> None:
    published = built.published()
    assert {i.id for i in published} == {i.id for i in kb.incidents}
    assert all(i == kb.incident_by_id[i.id] for i in published)
    catalog = built.catalog(kb, rules)
    assert catalog.kb.version == kb.version
    assert catalog.assessment("notpetya-2017") == assess(kb.incident_by_id["notpetya-2017"], kb, rules)
    entries, total = built.audit_log()
    assert total == 1 and entries[0]["action"] == "build" and entries[0]["who"] == "test"


def test_build_again_is_a_no_op_and_force_reloads(built: Store, kb: normwatch.KnowledgeBase, rules: RuleSet) -> None:
    generation = built.generation()
    again = built.build(kb, rules)
    assert (again["added"], again["updated"], again["full"]) == (0, 0, False)
    assert built.generation() == generation
    forced = built.build(kb, rules, force=True)
    assert forced["full"] and forced["added"] == len(kb.incidents)


def test_sync_adds_and_updates_but_keeps_analyst_changes(built: Store, kb: normwatch.KnowledgeBase,
                                                          rules: RuleSet) -> None:
    edited = record(kb, "notpetya-2017")
    edited["summary"] = "Edited by an analyst."
    draft = built.submit(edited, "alice", "better summary", kb)
    built.publish(draft["id"], "bob", "ok", kb, rules)
    changed = [i.model_copy(update={"summary": "Changed in git."})
               if i.id in ("notpetya-2017", "wannacry-2017") else i for i in kb.incidents]
    newer = dataclasses.replace(kb, incidents=[*changed, normwatch.Incident.model_validate(NEW)], version="newer")
    result = built.build(newer, rules)
    assert result["added_ids"] == [NEW["id"]]
    assert result["updated_ids"] == ["wannacry-2017"]
    assert result["kept"] == ["notpetya-2017"]
    by_id = {i.id: i for i in built.published()}
    assert by_id["notpetya-2017"].summary == "Edited by an analyst."
    assert by_id["wannacry-2017"].summary == "Changed in git."


# --- drafts ----------------------------------------------------------------------------------------


def test_a_bad_draft_names_the_field(built: Store, kb: normwatch.KnowledgeBase) -> None:
    bad = dict(NEW, targets=[{"country": "XXX", "sector": "health"}])
    with pytest.raises(InputError) as caught:
        built.submit(bad, "alice", "new", kb)
    assert caught.value.problems[0].field == "targets.0.country"
    with pytest.raises(InputError) as caught:
        built.submit({k: v for k, v in NEW.items() if k != "sources"}, "alice", "new", kb)
    assert caught.value.problems[0].field == "sources"
    with pytest.raises(InputError) as caught:
        built.submit(dict(NEW, related=[{"id": "no-such-incident", "relation": "part-of"}]), "alice", "x", kb)
    assert caught.value.problems[0].field == "related.0.id"
    with pytest.raises(InputError, match="does not change"):
        built.submit(record(kb, "wannacry-2017"), "alice", "same", kb)
    assert built.drafts()[1] == 0


def test_publish_a_new_incident(built: Store, kb: normwatch.KnowledgeBase, rules: RuleSet) -> None:
    draft = built.submit(NEW, "alice", "from the CERT report", kb)
    assert (draft["status"], draft["action"], draft["base_revision"]) == ("pending", "create", None)
    assert NEW["id"] not in {i.id for i in built.published()}
    result = built.publish(draft["id"], "bob", "checked the source", kb, rules)
    assert result["revision"] == 1 and result["draft"]["status"] == "published"
    catalog = built.catalog(kb, rules)
    assert catalog.incident(NEW["id"]).name == NEW["name"]
    assert catalog.assessment(NEW["id"])["red_line"] is True
    assert catalog.kb.version == f"{kb.version}+p1"
    entries, _ = built.audit_log(target=NEW["id"])
    assert [(e["who"], e["action"], e["why"]) for e in entries] == [("bob", "publish", "checked the source")]
    assert entries[0]["what"]["author"] == "alice" and entries[0]["at"].endswith("Z")
    with pytest.raises(Conflict, match="already published"):
        built.publish(draft["id"], "bob", "again", kb, rules)


def test_a_stale_change_is_refused(built: Store, kb: normwatch.KnowledgeBase, rules: RuleSet) -> None:
    first, second = record(kb, "wannacry-2017"), record(kb, "wannacry-2017")
    first["summary"], second["summary"] = "One view.", "Another view."
    a = built.submit(first, "alice", "a", kb)
    b = built.submit(second, "carol", "b", kb)
    assert built.publish(a["id"], "bob", "ok", kb, rules)["revision"] == 2
    with pytest.raises(Conflict, match="changed since draft"):
        built.publish(b["id"], "bob", "ok", kb, rules)
    assert built.draft(b["id"])["status"] == "pending"
    assert {i.id: i for i in built.published()}["wannacry-2017"].summary == "One view."


def test_reject_and_missing_drafts(built: Store, kb: normwatch.KnowledgeBase, rules: RuleSet) -> None:
    draft = built.submit(NEW, "alice", "new", kb)
    assert built.reject(draft["id"], "bob", "no source")["status"] == "rejected"
    with pytest.raises(Conflict):
        built.publish(draft["id"], "bob", "ok", kb, rules)
    with pytest.raises(Missing):
        built.draft(9999)
    with pytest.raises(Missing):
        built.reject(9999, "bob", "x")
    assert [d["status"] for d in built.drafts("rejected")[0]] == ["rejected"]
    actions = [e["action"] for e in built.audit_log()[0]]
    assert actions[:2] == ["draft.reject", "draft.submit"]


# --- tokens ------------------------------------------------------------------------------------------


def test_tokens_are_hashed_scoped_and_revocable(built: Store) -> None:
    plaintext = built.create_token("alice", "write")
    info = built.verify_token(plaintext)
    assert info is not None and (info.name, info.scope) == ("alice", "write")
    other = built.create_token("bob", "admin")
    with built.engine.connect() as conn:
        rows = conn.execute(select(tokens)).all()
    secret = plaintext.split("_", 2)[2]  # the secret itself may contain "_"
    assert all(secret not in json.dumps(r._asdict()) for r in rows)
    assert rows[0].salt != rows[1].salt and len(rows[0].digest) == 64
    assert built.verify_token(plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")) is None
    assert built.verify_token("nonsense") is None
    with pytest.raises(StoreError, match="exists already"):
        built.create_token("alice", "read")
    with pytest.raises(StoreError, match="scope"):
        built.create_token("carol", "root")
    built.revoke_token("alice")
    assert built.verify_token(plaintext) is None
    assert built.verify_token(other) is not None
    assert [t["name"] for t in built.list_tokens() if t["revoked_at"]] == ["alice"]
    assert [e["action"] for e in built.audit_log(action="token.revoke")[0]] == ["token.revoke"]


# --- exports ------------------------------------------------------------------------------------------


def test_export_yaml_round_trips_and_writes_only_changes(built: Store, kb: normwatch.KnowledgeBase,
                                                         rules: RuleSet, tmp_path: Path) -> None:
    folder = tmp_path / "incidents"
    written = built.export_yaml(folder)
    assert len(written) == len(kb.incidents)
    found, problems = read_incident_file(folder / "notpetya-2017.yaml")
    assert not problems and found == [kb.incident_by_id["notpetya-2017"]]
    assert built.export_yaml(folder) == []
    draft = built.submit(NEW, "alice", "new", kb)
    built.publish(draft["id"], "bob", "ok", kb, rules)
    assert built.export_yaml(folder) == [folder / f"{NEW['id']}.yaml"]
    reloaded = normwatch.knowledge.load.load(folder)
    assert not reloaded.problems and len(reloaded.incidents) == len(kb.incidents) + 1


def test_datasette_export(built: Store, kb: normwatch.KnowledgeBase, tmp_path: Path) -> None:
    path = export_sqlite(tmp_path / "out" / "normwatch.db", store=built)
    db = sqlite3.connect(path)
    try:
        assert db.execute("SELECT count(*) FROM incidents").fetchone()[0] == len(kb.incidents)
        assessed = assessed_norms(kb, shipped_rules())
        assert db.execute("SELECT count(*) FROM verdicts").fetchone()[0] == len(kb.incidents) * len(assessed)
        assert db.execute("SELECT red_line FROM incidents WHERE id = 'notpetya-2017'").fetchone()[0] == 1
        hits = db.execute("SELECT rowid FROM incidents_fts WHERE incidents_fts MATCH 'NotPetya'").fetchall()
        assert hits
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert not tables & {"tokens", "drafts", "audit"}
    finally:
        db.close()
