"""The REST API: reads, CSV, validation, tokens, the analyst workflow, errors, and
schemathesis against the published OpenAPI document."""

from __future__ import annotations

import copy
import csv
import io
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

import normwatch
from normwatch.engine.rules import shipped_rules
from normwatch.service.app import create_app
from normwatch.service.store import Store, incident_json, open_store
from tokens_header import bearer


def assess(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """The Contract 3 JSON of one assessment (what the CLI and the API print)."""
    return normwatch.assess(*args, **kwargs).model_dump(mode="json")

def route(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """The Contract 4 JSON of one route answer (what the CLI and the API print)."""
    return normwatch.route(*args, **kwargs).model_dump(mode="json")


NEW = {
    "id": "test-grid-outage-2032", "name": "Test grid outage", "start": "2024-02-01",
    "operation": ["disruption"], "targets": [{"country": "DEU", "sector": "energy"}],
    "attributions": [{"to": "RUS", "by": ["DEU"], "kind": "government", "confidence": "high",
                      "sources": ["https://example.org/grid"]}],
    "effects": {"availability": "temporary"},
    "sources": ["https://example.org/grid"],
}


@pytest.fixture(scope="module")
def reader() -> Iterator[TestClient]:
    """A client of an app over a store built once for the read-only tests."""
    folder = tempfile.mkdtemp(prefix="normwatch-api-")
    store = open_store(str(Path(folder) / "read.sqlite"))
    with TestClient(create_app(store=store)) as client:
        yield client
    store.close()


# --- reads ----------------------------------------------------------------------------------------


def test_incident_list_paginates_with_totals_and_next_links(reader: TestClient, kb: normwatch.KnowledgeBase) -> None:
    first = reader.get("/api/incidents", params={"limit": 10}).json()
    assert first["total"] == len(kb.incidents) and first["count"] == 10 and first["prev"] is None
    second = reader.get(first["next"]).json()
    assert second["offset"] == 10 and {i["id"] for i in first["items"]}.isdisjoint(i["id"] for i in second["items"])
    last = reader.get("/api/incidents", params={"limit": 10, "offset": len(kb.incidents) - 3})
    assert last.json()["next"] is None and last.json()["count"] == 3
    assert 'rel="next"' in reader.get("/api/incidents", params={"limit": 10}).headers["link"]


def test_incident_filters(reader: TestClient, kb: normwatch.KnowledgeBase) -> None:
    rus = reader.get("/api/incidents", params={"responsible": "rus", "limit": 500}).json()
    expected = {i.id for i in kb.incidents if "RUS" in {a.to for a in i.attributions}}
    assert {i["id"] for i in rus["items"]} == expected and rus["total"] == len(expected)
    both = reader.get("/api/incidents", params={"year": 2017, "operation": "destruction", "sector": "energy"}).json()
    assert all(i["start"].startswith("2017") and "destruction" in i["operation"] for i in both["items"])
    found = reader.get("/api/incidents", params={"q": "notpetya"}).json()
    assert "notpetya-2017" in [i["id"] for i in found["items"]]
    assert reader.get("/api/incidents", params={"victim": "UKR", "red_line": "true"}).json()["total"] > 0


def test_incident_and_its_contract_3_assessment(reader: TestClient, kb: normwatch.KnowledgeBase) -> None:
    incident = kb.incident_by_id["notpetya-2017"]
    assert reader.get("/api/incidents/notpetya-2017").json() == incident_json(incident)
    for path in ("/api/assessments/notpetya-2017", "/api/incidents/notpetya-2017/assessment"):
        doc = reader.get(path).json()
        assert set(doc) == {"kb_version", "rules_version", "assessments"}
        assert doc["assessments"] == [assess(incident, kb, shipped_rules())]
    many = reader.get("/api/assessments", params={"ids": "notpetya-2017,wannacry-2017"}).json()
    assert {a["incident"] for a in many["assessments"]} == {"notpetya-2017", "wannacry-2017"}
    assert many["total"] == 2
    paged = reader.get("/api/assessments", params={"limit": 5, "year": 2017}).json()
    assert len(paged["assessments"]) == 5 and paged["next"]


def test_csv_where_tabular(reader: TestClient, kb: normwatch.KnowledgeBase) -> None:
    response = reader.get("/api/incidents", params={"format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == len(kb.incidents) and rows[0].keys() >= {"id", "name", "responsible", "red_line"}
    by_accept = reader.get("/api/norms", headers={"Accept": "text/csv"})
    assert by_accept.headers["content-type"].startswith("text/csv") and "paris-call:1" in by_accept.text
    for path in ("/api/assessments", "/api/states", "/api/groups", "/api/instruments"):
        assert reader.get(path, params={"format": "csv"}).headers["content-type"].startswith("text/csv"), path
    channels = reader.get("/api/routes", params={"requesting": "FRA", "holder": "NLD", "data": "subscriber",
                                                 "format": "csv"})
    assert len(list(csv.DictReader(io.StringIO(channels.text)))) == 20


def test_reference_resources(reader: TestClient, kb: normwatch.KnowledgeBase) -> None:
    assert len(reader.get("/api/norms").json()) == len(kb.norms)
    assert reader.get("/api/norms/paris-call:3").json()["framework"] == "paris-call"
    assert reader.get("/api/rules").json()["norms"]
    assert reader.get("/api/rules/un-gge-2015:13f").json()["norm"] == "un-gge-2015:13f"
    assert reader.get("/api/states/fra", params={"on": "2019-01-01"}).json()["state"] == "FRA"
    assert reader.get("/api/groups", params={"state": "PRK"}).json()
    assert reader.get("/api/groups/Fancy Bear").json()["id"] == "apt28"
    assert reader.get("/api/instruments/budapest").json()["instrument"]["id"] == "budapest"
    answer = reader.get("/api/routes", params={"requesting": "FRA", "holder": "NLD", "data": "subscriber",
                                               "offender": "RUS", "on": "2026-11-22"}).json()
    assert answer == route("FRA", "NLD", "subscriber", offender="RUS", on="2026-11-22", kb=kb)
    brief = reader.get("/api/briefs/notpetya-2017", params={"on": "2020-01-01"}).json()
    assert brief["incident"]["id"] == "notpetya-2017" and brief["as_of"] == "2020-01-01"
    assert reader.get("/api/briefs/notpetya-2017", params={"format": "html"}).text.lstrip().startswith("<")
    card = reader.get("/api/scorecards/RUS").json()
    assert card["summary"] and card["attributed"]
    assert reader.get("/api/scorecards/XXX").status_code == 404
    assert reader.get("/api/blocs").json() and reader.get("/api/blocs?format=csv").text.startswith("bloc")
    index = reader.get("/api").json()
    assert index["store"] is True and index["incidents"] == len(kb.incidents)
    assert reader.get("/openapi.json").json()["paths"]["/api/incidents"]


def test_whatif_takes_yaml_text_or_a_mapping(reader: TestClient) -> None:
    text = (Path(__file__).resolve().parent.parent / "docs" / "examples" / "draft-health.yaml").read_text()
    by_text = reader.post("/api/whatif", json={"rule": text, "against": "un-gge-2015:13f"})
    assert by_text.status_code == 200 and by_text.json()["draft"] == "draft:healthcare"
    rule = {"norm": "draft:x", "engaged": [{"when": "sector_health", "reason": "health"}], "not_engaged": "no"}
    assert reader.post("/api/whatif", json={"rule": rule}).json()["covered"]
    bad = reader.post("/api/whatif", json={"rule": {**rule, "engaged": [{"when": "no_such_fact", "reason": "r"}]}})
    assert bad.status_code == 422 and bad.json()["problems"]
    assert reader.post("/api/whatif", json={"rule": "a: &x [1]\nb: *x\n"}).status_code == 422
    assert reader.post("/api/whatif", json={"rule": rule, "against": "nope:1"}).status_code == 404


# --- bad input is 4xx, JSON, and never a traceback -------------------------------------------------


@pytest.mark.parametrize("path", [
    "/api/incidents?limit=0", "/api/incidents?limit=9999", "/api/incidents?offset=-1", "/api/incidents?year=abc",
    "/api/incidents?sector=bogus", "/api/incidents?responsible=RUSSIA", "/api/states/FRA?on=2019-13-45",
    "/api/routes?requesting=FRA&holder=NLD&data=blood", "/api/routes?requesting=XXX&holder=NLD&data=content",
    "/api/incidents?format=xml",
])
def test_bad_input_is_a_json_4xx(reader: TestClient, path: str) -> None:
    response = reader.get(path)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/json" and response.json()["error"]


def test_unknown_things_are_404(reader: TestClient) -> None:
    for path in ("/api/incidents/nope", "/api/assessments/nope", "/api/norms/x:y", "/api/rules/x:y",
                 "/api/groups/nope", "/api/states/XXX", "/api/instruments/nope", "/api/briefs/nope",
                 "/api/assessments?ids=nope"):
        response = reader.get(path)
        assert response.status_code == 404 and "error" in response.json(), path


def test_an_unexpected_error_is_a_500_without_traceback(served: tuple[TestClient, Store, dict[str, str]]) -> None:
    client, _, _ = served

    class Broken:
        def __getattr__(self, name: str) -> Any:
            raise RuntimeError("secret detail in /etc/passwd")

    client.app.state.catalog = Broken()  # type: ignore[attr-defined]
    response = client.get("/api/incidents")
    assert response.status_code == 500
    body = response.json()
    assert body["error"].startswith("internal error (id ") and "secret" not in response.text
    assert "Traceback" not in response.text


# --- tokens ----------------------------------------------------------------------------------------


def test_writes_need_a_valid_token_with_scope(served: tuple[TestClient, Store, dict[str, str]],
                                              kb: normwatch.KnowledgeBase) -> None:
    client, store, tokens = served
    body = {"incident": NEW, "reason": "from the BSI report"}
    missing = client.post("/api/drafts", json=body)
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert client.post("/api/drafts", json=body, headers=bearer("nw_000000000000_" + "x" * 43)).status_code == 401
    assert client.post("/api/drafts", json=body, headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.post("/api/drafts", json=body, headers=bearer(tokens["read"])).status_code == 403
    created = client.post("/api/drafts", json=body, headers=bearer(tokens["write"]))
    assert created.status_code == 201
    draft_id = created.json()["draft"]["id"]
    review = {"reason": "checked"}
    assert client.post(f"/api/drafts/{draft_id}/publish", json=review).status_code == 401
    assert client.post(f"/api/drafts/{draft_id}/publish", json=review, headers=bearer(tokens["write"])).status_code == 403
    assert client.post(f"/api/drafts/{draft_id}/reject", json=review, headers=bearer(tokens["read"])).status_code == 403
    store.revoke_token("admin-user")
    assert client.post(f"/api/drafts/{draft_id}/publish", json=review, headers=bearer(tokens["admin"])).status_code == 401
    assert store.draft(draft_id)["status"] == "pending"
    assert NEW["id"] not in {i.id for i in store.published()}


# --- the analyst workflow ------------------------------------------------------------------------------


def test_submit_see_assessment_publish_audit(served: tuple[TestClient, Store, dict[str, str]],
                                             kb: normwatch.KnowledgeBase, tmp_path: Path) -> None:
    client, store, tokens = served
    bad = client.post("/api/drafts", json={"incident": {**NEW, "start": "2024-13"}, "reason": "x"},
                      headers=bearer(tokens["write"]))
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "incident.start"
    assert "incident.start" in bad.json()["error"]
    unsourced = client.post("/api/drafts", json={"incident": {**NEW, "sources": []}, "reason": "x"},
                            headers=bearer(tokens["write"]))
    assert unsourced.status_code == 422 and unsourced.json()["problems"][0]["field"] == "sources"
    created = client.post("/api/drafts", json={"incident": NEW, "reason": "from the BSI report"},
                          headers=bearer(tokens["write"])).json()
    assert created["assessment"]["incident"] == NEW["id"] and created["assessment"]["red_line"] is True
    assert client.get(f"/api/drafts/{created['draft']['id']}", headers=bearer(tokens["read"])).json()["assessment"] == created["assessment"]
    assert client.get("/api/incidents/" + NEW["id"]).status_code == 404
    assert client.get("/api/drafts", params={"status": "pending"}, headers=bearer(tokens["read"])).json()["total"] == 1
    published = client.post(f"/api/drafts/{created['draft']['id']}/publish", json={"reason": "source checked"},
                            headers=bearer(tokens["admin"]))
    assert published.status_code == 200 and published.json()["revision"] == 1
    assert client.get("/api/incidents/" + NEW["id"]).json() == NEW
    assert client.get("/api/incidents", params={"q": "grid outage"}).json()["total"] == 1
    assert client.get("/api/assessments/" + NEW["id"]).json()["kb_version"].endswith("+p1")
    again = client.post(f"/api/drafts/{created['draft']['id']}/publish", json={"reason": "again"},
                        headers=bearer(tokens["admin"]))
    assert again.status_code == 409
    change = copy.deepcopy(NEW)
    change["effects"]["availability"] = "lasting"
    second = client.post("/api/drafts", json={"incident": change, "reason": "outage lasted"},
                         headers=bearer(tokens["write"])).json()
    assert second["draft"]["action"] == "update" and second["draft"]["base_revision"] == 1
    rejected = client.post(f"/api/drafts/{second['draft']['id']}/reject", json={"reason": "not confirmed"},
                           headers=bearer(tokens["admin"]))
    assert rejected.json()["draft"]["status"] == "rejected"
    audit = client.get("/api/audit", headers=bearer(tokens["read"])).json()["items"]
    assert [(e["action"], e["who"]) for e in audit[:4]] == [
        ("draft.reject", "admin-user"), ("draft.submit", "write-user"), ("publish", "admin-user"),
        ("draft.submit", "write-user")]
    assert audit[2]["why"] == "source checked" and audit[2]["target"] == NEW["id"]
    assert client.get("/api/audit", params={"target": NEW["id"]}, headers=bearer(tokens["read"])).json()["total"] == 1
    written = store.export_yaml(tmp_path / "incidents")
    assert (tmp_path / "incidents" / f"{NEW['id']}.yaml") in written


def test_without_a_store_writes_are_unavailable() -> None:
    with TestClient(create_app()) as client:
        assert client.get("/api/incidents/notpetya-2017").status_code == 200
        response = client.post("/api/drafts", json={"incident": NEW, "reason": "x"})
        assert response.status_code == 503 and "serve" in response.json()["error"]


def test_a_change_published_by_another_process_is_picked_up(served: tuple[TestClient, Store, dict[str, str]],
                                                            kb: normwatch.KnowledgeBase) -> None:
    from normwatch.service import app as service

    client, store, _ = served
    other = Store(store.url)  # as another server sharing the database would
    draft = other.submit(NEW, "alice", "x", kb)
    other.publish(draft["id"], "bob", "y", kb, shipped_rules())
    client.app.state.catalog_checked -= service.REFRESH_SECONDS  # type: ignore[attr-defined]
    assert client.get("/api/incidents/" + NEW["id"]).status_code == 200


# --- schemathesis against /openapi.json ------------------------------------------------------------------

_folder = tempfile.mkdtemp(prefix="normwatch-schemathesis-")
_store = open_store(str(Path(_folder) / "schemathesis.sqlite"))
_admin = _store.create_token("schemathesis", "admin")
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(store=_store)).include(
    path_regex=r"^/(api|taxii2)/")


# Bodies whose validity JSON Schema cannot express: a draft must also pass the catalogue's
# cross-record checks (sources, related ids, dates) and a draft rule's CEL expressions must
# name known facts; for those two, a schema-valid body may rightly get a 422.
SEMANTIC = {("POST", "/api/drafts"), ("POST", "/api/whatif")}


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_openapi_contract(case: Any) -> None:
    """Every operation, generated inputs (with an admin token): no 5xx, responses match the spec."""
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    excluded = [positive_data_acceptance] if (case.method.upper(), case.path) in SEMANTIC else []
    case.call_and_validate(headers={"Authorization": f"Bearer {_admin}"}, excluded_checks=excluded)


# --- kill the server during a burst of writes ---------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(database: Path) -> tuple[Any, str]:
    import os
    import subprocess
    import sys
    import time

    import httpx

    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "normwatch.service.app:app_from_environment",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env={**os.environ, "NORMWATCH_DATABASE_URL": str(database)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server exited"
        try:
            if httpx.get(base + "/api/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("the server did not start")


def test_sigkill_during_a_burst_of_writes_leaves_the_store_consistent(
    tmp_path: Path, kb: normwatch.KnowledgeBase
) -> None:
    import json
    import signal
    import threading
    import time

    import httpx
    from sqlalchemy import select

    from normwatch.service.store import assessments, audit, drafts, incidents

    database = tmp_path / "killed.sqlite"
    store = open_store(str(database))
    write, admin = store.create_token("burst-writer", "write"), store.create_token("burst-admin", "admin")
    store.close()
    proc, base = _start_server(database)
    acknowledged: list[int] = []
    stop = threading.Event()
    targets = ["wannacry-2017", "notpetya-2017", "sony-pictures-2014", "bad-rabbit-2017"]
    targets = [t for t in targets if t in kb.incident_by_id]

    def burst(worker: int) -> None:
        with httpx.Client(base_url=base, timeout=5) as client:
            n = 0
            while not stop.is_set():
                n += 1
                if n % 3 == 0:
                    record = {**NEW, "id": f"burst-{worker}-{n}", "name": f"Burst {worker}/{n}"}
                else:
                    current = client.get(f"/api/incidents/{targets[(worker + n) % len(targets)]}").json()
                    record = {**current, "summary": f"worker {worker} edit {n}"}
                try:
                    made = client.post("/api/drafts", json={"incident": record, "reason": f"burst {worker}/{n}"},
                                       headers=bearer(write))
                    if made.status_code != 201:
                        continue
                    draft_id = made.json()["draft"]["id"]
                    done = client.post(f"/api/drafts/{draft_id}/publish", json={"reason": "burst"},
                                       headers=bearer(admin))
                    if done.status_code == 200:
                        acknowledged.append(draft_id)
                except httpx.HTTPError:
                    return  # the server is gone

    threads = [threading.Thread(target=burst, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 15 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)  # mid-burst: requests are in flight
    proc.wait(10)
    stop.set()
    for thread in threads:
        thread.join(10)
    assert len(acknowledged) >= 15

    reopened = Store(str(database))
    with reopened.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        all_drafts = {r.id: r for r in conn.execute(select(drafts))}
        log = [r for r in conn.execute(select(audit).order_by(audit.c.id))]
        rows = {r.id: r for r in conn.execute(select(incidents))}
        assessed = {r.incident_id for r in conn.execute(select(assessments.c.incident_id))}
    publishes = [json.loads(e.what) for e in log if e.action == "publish"]
    # every acknowledged publication survived the kill
    assert set(acknowledged) <= {p["draft"] for p in publishes}
    # a draft is published if and only if exactly one publish entry names it
    published = {i for i, d in all_drafts.items() if d.status == "published"}
    assert sorted(p["draft"] for p in publishes) == sorted(published)
    # every submitted draft has its audit entry and vice versa
    submitted = {int(e.target.split(":")[1]) for e in log if e.action == "draft.submit"}
    assert submitted == set(all_drafts)
    # revisions count the publications; the data is the last published draft's; every incident is assessed
    for incident_id, row in rows.items():
        mine = [p for p in publishes if all_drafts[p["draft"]].incident_id == incident_id]
        updates = [p for p in mine if p["action"] == "update"]
        assert row.revision == 1 + len(updates), incident_id
        if mine:
            assert json.loads(row.data) == json.loads(all_drafts[mine[-1]["draft"]].data)
    assert assessed == set(rows)
    reopened.close()

    proc, base = _start_server(database)  # and it serves again
    try:
        assert httpx.get(base + "/api/incidents", params={"q": "burst"}).json()["total"] >= 1
    finally:
        proc.terminate()
        proc.wait(10)


def test_an_unknown_query_parameter_is_refused(reader: TestClient) -> None:
    # a mistyped filter must not answer the whole, unfiltered list
    answer = reader.get("/api/incidents?responsibel=RUS")
    assert answer.status_code == 400
    assert "responsibel" in answer.text and "responsible" in answer.text
    assert reader.get("/api/incidents?responsible=RUS").status_code == 200
