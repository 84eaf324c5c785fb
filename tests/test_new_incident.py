"""The new-incident form (/incidents/new), in process: fields to assessment and brief,
downloads, and drafts saved only with a write token."""

from __future__ import annotations

from typing import Any

import pytest

from normwatch.service.store import Store

FORM: dict[str, Any] = {
    "id": "hospital-wiper-2026", "name": "Wiper attack on a regional hospital network", "start": "2026-11-20",
    "operation": ["destruction"],
    "targets.0.country": "DEU", "targets.0.sector": "health", "targets.0.entity": "a regional hospital network",
    "actors.0.name": "Sandworm", "actors.0.kind": "state", "actors.0.state": "RUS",
    "attributions.0.to": "RUS", "attributions.0.by": "DEU", "attributions.0.kind": "government",
    "attributions.0.date": "2026-11-28", "attributions.0.confidence": "high",
    "attributions.0.sources": "https://example.org/statement",
    "effects.availability": "lasting", "effects.data_destroyed": "yes",
    "sources": "https://example.org/statement",
}


def drafts(store: Store) -> int:
    return store.drafts(None, 100, 0)[1]


def test_the_empty_form_offers_the_vocabulary(served):
    client, _, _ = served
    page = client.get("/incidents/new")
    assert page.status_code == 200
    for value in ("ransomware", "health", "state-sponsored", "indictment", 'name="targets.0.country"'):
        assert value in page.text
    # /incidents/new is the form, not an incident called "new"
    assert "There is no incident" not in page.text


def test_the_fields_give_the_assessment_and_the_brief(served):
    client, store, _ = served
    answer = client.post("/incidents/new", data={**FORM, "action": "update"})
    assert answer.status_code == 200, answer.text[:500]
    assert "Assessment of Wiper attack on a regional hospital network" in answer.text
    assert "Russian Federation (RUS), high confidence" in answer.text
    assert "Critical infrastructure" in answer.text or "critical infrastructure" in answer.text
    assert "crossed" in answer.text
    # the JSON twin carries the brief, computed as the CLI's brief --file would
    data = client.post("/incidents/new?format=json", data={**FORM, "action": "update"}).json()
    brief = data["brief"]
    assert brief["incident"]["id"] == "hospital-wiper-2026"
    assert brief["assessment"]["red_line"] is True
    assert any(set(c["between"]) == {"DEU", "RUS"} for c in brief["channels"])
    # the fields are kept for the next edit
    assert 'value="hospital-wiper-2026"' in answer.text
    assert drafts(store) == 0


def test_an_incomplete_record_names_its_fields_and_saves_nothing(served):
    client, store, tokens = served
    answer = client.post("/incidents/new", data={**FORM, "action": "submit", "start": "2026-13-40",
                                                  "token": tokens["write"]})
    assert answer.status_code == 400
    assert "start" in answer.text and "Fields to fix" in answer.text
    missing = {k: v for k, v in FORM.items() if not k.startswith("targets.")}
    answer = client.post("/incidents/new", data={**missing, "action": "update"})
    assert answer.status_code == 400 and "targets" in answer.text
    # the page's background preview of a record still being typed: the same fields to fix,
    # answered 200 (an unfinished form is no client error)
    preview = client.post("/incidents/new", data={**missing, "action": "preview"})
    assert preview.status_code == 200 and 'id="problems"' in preview.text and "targets" in preview.text
    assert drafts(store) == 0


@pytest.mark.parametrize(("fmt", "media", "start"), [
    ("md", "text/markdown", b"# "), ("html", "text/html", b"<!DOCTYPE html>"), ("pdf", "application/pdf", b"%PDF-"),
])
def test_the_brief_downloads_in_each_format(served, fmt: str, media: str, start: bytes):
    client, _, _ = served
    answer = client.post("/incidents/new", data={**FORM, "action": "download", "format": fmt})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(media)
    assert f'filename="brief-hospital-wiper-2026.{fmt}"' in answer.headers["content-disposition"]
    assert answer.content.lstrip().lower().startswith(start.lower())
    if fmt != "pdf":
        assert b"Wiper attack on a regional hospital network" in answer.content


def test_a_draft_is_saved_only_with_a_write_token(served):
    client, store, tokens = served
    for token, status in (("", 401), ("nw_bogus_token", 401), (tokens["read"], 403)):
        answer = client.post("/incidents/new", data={**FORM, "action": "submit", "token": token})
        assert answer.status_code == status, (token, answer.text[:300])
        assert "nothing was saved" in answer.text.lower()
        assert drafts(store) == 0
    saved = client.post("/incidents/new", data={**FORM, "action": "submit", "token": tokens["write"],
                                                 "reason": "from the Reuters report"})
    assert saved.status_code == 201
    assert "saved for review" in saved.text
    rows, total = store.drafts("pending", 10, 0)
    assert total == 1 and rows[0]["incident_id"] == "hospital-wiper-2026" and rows[0]["author"] == "write-user"
    assert rows[0]["data"]["attributions"][0]["sources"] == ["https://example.org/statement"]


def test_bad_posts_are_4xx_pages(served):
    client, store, _ = served
    assert client.post("/incidents/new", data={**FORM, "action": "explode"}).status_code == 400
    assert client.post("/incidents/new", data={**FORM, "action": "download", "format": "exe"}).status_code == 400
    binary = client.post("/incidents/new", content=bytes(range(256)),
                         headers={"content-type": "application/x-www-form-urlencoded"})
    assert binary.status_code == 400 and "UTF-8" in binary.text
    huge = client.post("/incidents/new", content=b"text=" + b"a" * 1_300_000,
                       headers={"content-type": "application/x-www-form-urlencoded"})
    assert huge.status_code == 413
    assert drafts(store) == 0


NEWS = (
    "BERLIN, 28 November 2026 - The German government said on Friday that hackers of Russia's military "
    "intelligence service, the group known as Sandworm, wiped the servers of a regional hospital network "
    "in Saxony on 20 November, forcing surgeries to be postponed. Moscow denied any involvement."
)


def test_text_fills_the_fields_with_their_evidence_and_saves_nothing(served):
    client, store, _ = served
    answer = client.post("/incidents/new", data={"action": "extract", "text": NEWS})
    assert answer.status_code == 200, answer.text[:500]
    # fields pre-filled from the text (the same extractor as `normwatch draft --from-text`)
    assert 'name="targets.0.country" value="DEU"' in answer.text
    assert 'name="attributions.0.to" value="RUS"' in answer.text
    assert 'value="destruction" checked' in answer.text
    # each field shows the words it came from, and the text is shown with them marked
    assert "from the text: <mark>Sandworm</mark>" in answer.text
    assert '<mark title="' in answer.text
    # the extract step also assesses what it found
    data = client.post("/incidents/new?format=json", data={"action": "extract", "text": NEWS}).json()
    assert data["record"]["attributions"][0]["to"] == "RUS"
    assert "brief" in data or "problems" in data
    assert drafts(store) == 0


def test_unreadable_text_is_a_form_error(served):
    client, store, _ = served
    for text, said in (("", "empty"), ("a\x00b", "binary")):
        answer = client.post("/incidents/new", data={"action": "extract", "text": text})
        assert answer.status_code == 400, text
        assert said in answer.text.lower()
    assert drafts(store) == 0
