"""The service over a real PostgreSQL server (scripts/postgres.sh): the API workflow,
concurrent reviewers, concurrent migrators. (tests/test_store.py runs every store test on
both back ends.) Skips with the reason only if the script cannot start a server; with
NORMWATCH_REQUIRE_POSTGRES=1 that is a failure."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import normwatch
from normwatch.engine.rules import shipped_rules
from normwatch.service.app import create_app
from normwatch.service.migrations import LATEST
from normwatch.service.store import Conflict, Store, incident_json

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def pg(pg_url: str) -> Iterator[Store]:
    store = Store(pg_url)
    store.drop_everything()
    yield store
    store.close()


def test_the_url_selects_postgresql(pg: Store) -> None:
    assert pg.dialect == "postgresql" and pg.engine.url.drivername == "postgresql+psycopg"


def test_concurrent_migrators_apply_each_migration_once(pg: Store) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            Store(pg.url).migrate()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and pg.schema_version() == LATEST


def test_api_workflow_over_postgresql(pg: Store, kb: normwatch.KnowledgeBase) -> None:
    pg.build(kb, shipped_rules(), who="test")
    write, admin = pg.create_token("pg-writer", "write"), pg.create_token("pg-admin", "admin")
    with TestClient(create_app(store=pg)) as client:
        assert client.get("/api/incidents").json()["total"] == len(kb.incidents)
        record = incident_json(kb.incident_by_id["wannacry-2017"])
        record["summary"] = "Edited over PostgreSQL."
        made = client.post("/api/drafts", json={"incident": record, "reason": "pg"},
                           headers={"Authorization": f"Bearer {write}"})
        assert made.status_code == 201
        assert client.post(f"/api/drafts/{made.json()['draft']['id']}/publish", json={"reason": "ok"},
                           headers={"Authorization": f"Bearer {write}"}).status_code == 403
        done = client.post(f"/api/drafts/{made.json()['draft']['id']}/publish", json={"reason": "ok"},
                           headers={"Authorization": f"Bearer {admin}"})
        assert done.status_code == 200 and done.json()["revision"] == 2
        assert client.get("/api/incidents/wannacry-2017").json()["summary"] == "Edited over PostgreSQL."
        audit = client.get("/api/audit", params={"target": "wannacry-2017"}, headers={"Authorization": f"Bearer {write}"})
        assert audit.json()["items"][0]["who"] == "pg-admin"


def test_two_reviewers_publishing_at_once_one_wins(pg: Store, kb: normwatch.KnowledgeBase) -> None:
    rules = shipped_rules()
    pg.build(kb, rules, who="test")
    base = incident_json(kb.incident_by_id["notpetya-2017"])
    drafts = []
    for n in range(6):
        record = copy.deepcopy(base)
        record["summary"] = f"version {n}"
        drafts.append(pg.submit(record, f"analyst-{n}", "race", kb)["id"])
    outcomes: list[str] = []
    barrier = threading.Barrier(len(drafts))

    def review(draft_id: int) -> None:
        barrier.wait()
        try:
            Store(pg.url).publish(draft_id, "reviewer", "race", kb, rules)
            outcomes.append("published")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=review, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict"] * (len(drafts) - 1) + ["published"]
    assert pg.incident_rows()["notpetya-2017"]["revision"] == 2
    assert pg.audit_log(action="publish")[1] == 1
