"""TAXII 2.1 with the OASIS taxii2-client, as a real client against a uvicorn server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import stix2
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

import normwatch
from normwatch.service.store import incident_json, open_store
from normwatch.service.taxii import MEDIA_STIX, MEDIA_TAXII


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(database: Path) -> tuple[subprocess.Popen[bytes], str]:
    """uvicorn on 127.0.0.1 and a free port, over the store at ``database``."""
    port = free_port()
    env = {**os.environ, "NORMWATCH_DATABASE_URL": str(database)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "normwatch.service.app:app_from_environment",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if httpx.get(base + "/api/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start in 60 s")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    database = tmp_path_factory.mktemp("taxii") / "taxii.sqlite"
    open_store(str(database)).close()
    proc, base = start_server(database)
    try:
        yield base, database
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def collection(base: str, alias: str) -> Collection:
    root = ApiRoot(base + "/taxii2/normwatch/")
    return next(c for c in root.collections if c.title.lower().startswith(alias[:5]))


def test_discovery_api_root_and_collections(server: tuple[str, Path]) -> None:
    base, _ = server
    found = Server(base + "/taxii2/")
    assert found.title == "normwatch TAXII 2.1"
    assert found.default.url == base + "/taxii2/normwatch/"
    root = found.api_roots[0]
    assert root.versions == [MEDIA_TAXII]
    titles = {c.title for c in root.collections}
    assert titles == {"Incidents", "Threat-actor groups", "Assessments"}
    assert all(c.can_read and not c.can_write and c.media_types == [MEDIA_STIX] for c in root.collections)


def test_exact_media_type_and_406(server: tuple[str, Path]) -> None:
    base, _ = server
    response = httpx.get(base + "/taxii2/", headers={"Accept": MEDIA_TAXII})
    assert response.headers["content-type"] == MEDIA_TAXII
    refused = httpx.get(base + "/taxii2/", headers={"Accept": "application/taxii+json;version=2.0"})
    assert refused.status_code == 406 and refused.headers["content-type"] == MEDIA_TAXII
    assert refused.json()["http_status"] == "406"
    missing = httpx.get(base + "/taxii2/normwatch/collections/nope/")
    assert missing.status_code == 404 and missing.json()["title"]
    bundle = httpx.get(base + "/taxii2/normwatch/collections/groups/objects/", headers={"Accept": MEDIA_STIX})
    assert bundle.headers["content-type"] == MEDIA_STIX and bundle.json()["type"] == "bundle"


def test_objects_paginate_to_the_whole_collection(server: tuple[str, Path], kb: normwatch.KnowledgeBase) -> None:
    base, _ = server
    incidents = collection(base, "incidents")
    pages = list(as_pages(incidents.get_objects, per_request=100))
    assert len(pages) > 2 and all(p["more"] for p in pages[:-1]) and not pages[-1]["more"]
    objects = [o for p in pages for o in p["objects"]]
    ids = [o["id"] for o in objects]
    assert len(ids) == len(set(ids))
    campaigns = [o for o in objects if o["type"] == "campaign"]
    assert len(campaigns) == len(kb.incidents)
    stix2.parse({"type": "bundle", "id": "bundle--" + "0" * 8 + "-0000-4000-8000-" + "0" * 12,
                 "objects": objects[:300]}, allow_custom=False)
    manifest = list(as_pages(incidents.get_manifest, per_request=250))
    assert [m["id"] for p in manifest for m in p["objects"]] == ids
    assert all(m["media_type"] == MEDIA_STIX for p in manifest for m in p["objects"])
    one = incidents.get_objects(type="intrusion-set")
    assert one["objects"] and {o["type"] for o in one["objects"]} == {"intrusion-set"}


def test_groups_and_assessments(server: tuple[str, Path], kb: normwatch.KnowledgeBase) -> None:
    base, _ = server
    groups = collection(base, "threat")
    sets = [o for p in as_pages(groups.get_objects, per_request=500) for o in p.get("objects", [])
            if o["type"] == "intrusion-set"]
    assert len(sets) == len(kb.groups)
    notes = collection(base, "assessments")
    objects = [o for p in as_pages(notes.get_objects, per_request=100) for o in p.get("objects", [])]
    found = [o for o in objects if o["type"] == "note"]
    assert len(found) == len(kb.incidents)
    stix2.parse(found[0], allow_custom=False)
    sample = next(o for o in found if "NotPetya" in o["abstract"])
    [extension] = sample["extensions"].values()
    assert extension["assessment"]["incident"] == "notpetya-2017" and extension["assessment"]["red_line"]


def test_one_object_versions_and_added_after_see_a_publication(server: tuple[str, Path],
                                                               kb: normwatch.KnowledgeBase) -> None:
    base, database = server
    incidents = collection(base, "incidents")
    first = incidents.get_objects(limit=1)["objects"][0]
    got = incidents.get_object(first["id"])
    assert got["objects"] == [first]
    assert incidents.object_versions(first["id"])["versions"] == [first["modified"]]
    latest = max(m["date_added"] for p in as_pages(incidents.get_manifest, per_request=1000) for m in p["objects"])
    assert not incidents.get_objects(added_after=latest).get("objects")

    store = open_store(str(database))
    token = store.create_token("taxii-test-admin", "admin")
    record = incident_json(kb.incident_by_id["wannacry-2017"])
    record["summary"] = "Changed through the analyst workflow."
    headers = {"Authorization": f"Bearer {token}"}
    draft = httpx.post(base + "/api/drafts", json={"incident": record, "reason": "test"}, headers=headers)
    assert draft.status_code == 201, draft.text
    published = httpx.post(f"{base}/api/drafts/{draft.json()['draft']['id']}/publish", json={"reason": "ok"},
                           headers=headers)
    assert published.status_code == 200, published.text
    newer = incidents.get_objects(added_after=latest)
    kinds = {o["type"] for o in newer["objects"]}
    assert "campaign" in kinds and "report" in kinds
    campaign = next(o for o in newer["objects"] if o["type"] == "campaign")
    assert campaign["description"] == "Changed through the analyst workflow."
    assert campaign["modified"] > first["modified"] or campaign["modified"] > "2024-01-01T00:00:00.000Z"
    assessments = collection(base, "assessments").get_objects(added_after=latest)
    assert [o["type"] for o in assessments["objects"]] == ["note"]
    store.close()
