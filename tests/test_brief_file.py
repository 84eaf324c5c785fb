"""A new incident, not in the catalogue, is briefed and assessed from its file, a folder or JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from normwatch.cli import app

runner = CliRunner()

DRAFT = {
    "id": "hospital-wiper-2026",
    "name": "Wiper attack on a regional hospital network",
    "start": "2026-11-20",
    "summary": "A wiper erased the patient-record servers of a hospital network; surgeries were postponed.",
    "operation": ["destruction"],
    "targets": [{"country": "DEU", "sector": "health", "entity": "a regional hospital network"}],
    "actors": [{"name": "Sandworm", "kind": "state", "state": "RUS"}],
    "attributions": [{"to": "RUS", "by": ["DEU"], "kind": "government", "date": "2026-11-28",
                      "confidence": "high", "sources": ["https://example.org/statement"]}],
    "effects": {"availability": "lasting", "scale": "national"},
    "sources": ["https://example.org/statement"],
}


def write_draft(folder: Path, **changes: object) -> Path:
    record = {**DRAFT, **changes}
    path = folder / f"{record['id']}.yaml"
    path.write_text(yaml.safe_dump(record, sort_keys=False), encoding="utf-8")
    return path


def test_a_draft_is_briefed_like_a_catalogue_incident(tmp_path: Path):
    path = write_draft(tmp_path)
    result = runner.invoke(app, ["brief", "--file", str(path), "--format", "json", "--on", "2026-12-01"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["incident"]["id"] == "hospital-wiper-2026"
    assert data["assessment"]["incident"] == "hospital-wiper-2026"
    # the same parts a catalogue brief has: precedents from the catalogue, channels between the parties
    assert data["precedents"], "a health-sector wiper has catalogue precedents"
    assert all(p["incident"] != "hospital-wiper-2026" for p in data["precedents"])
    assert any(set(c["between"]) == {"DEU", "RUS"} for c in data["channels"])
    md = runner.invoke(app, ["brief", "--file", str(path)])
    assert md.exit_code == 0 and "Wiper attack on a regional hospital network" in md.output


def test_unknown_id_points_at_file_option():
    result = runner.invoke(app, ["brief", "hospital-wiper-2026"])
    assert result.exit_code == 2
    assert "--file" in result.output and "Traceback" not in result.output


def test_a_folder_gives_one_brief_per_incident(tmp_path: Path):
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    write_draft(drafts)
    write_draft(drafts, id="hospital-wiper-2026-b", name="Second wiper")
    out = tmp_path / "briefs"
    result = runner.invoke(app, ["brief", "--file", str(drafts), "--format", "html", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["hospital-wiper-2026-b.html", "hospital-wiper-2026.html"]
    assert "Second wiper" in (out / "hospital-wiper-2026-b.html").read_text()
    # html for several incidents needs a folder to go to
    refused = runner.invoke(app, ["brief", "--file", str(drafts), "--format", "html"])
    assert refused.exit_code == 2 and "--out FOLDER" in refused.output


def test_assess_takes_a_folder_and_json_lines(tmp_path: Path):
    folder = tmp_path / "new"
    folder.mkdir()
    write_draft(folder)
    lines = tmp_path / "more.jsonl"
    lines.write_text(json.dumps({**DRAFT, "id": "hospital-wiper-2026-c"}) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["assess", "--file", str(folder), "--file", str(lines), "--json"])
    assert result.exit_code == 0, result.output
    ids = [a["incident"] for a in json.loads(result.output)["assessments"]]
    assert ids == ["hospital-wiper-2026", "hospital-wiper-2026-c"]


def test_bad_incident_files_get_one_line_and_exit_2(tmp_path: Path):
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "a.yaml").write_bytes(bytes(range(256)) * 4)
    (junk / "b.json").write_text("{", encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not an incident", encoding="utf-8")
    for target, expected in ((junk, "a.yaml"), (empty, "no incident files")):
        for command in ("brief", "assess"):
            out = tmp_path / "out.md"
            result = runner.invoke(app, [command, "--file", str(target), "--out", str(out)]
                                   if command == "brief" else [command, "--file", str(target)])
            assert result.exit_code == 2, (command, target, result.output)
            assert expected in result.output and "Traceback" not in result.output
            assert not out.exists()
    both = runner.invoke(app, ["brief", "notpetya-2017", "--file", str(junk)])
    assert both.exit_code == 2


def test_a_draft_brief_as_pdf(tmp_path: Path):
    path = write_draft(tmp_path)
    pdf = tmp_path / "brief.pdf"
    result = runner.invoke(app, ["brief", "--file", str(path), "--format", "pdf", "--out", str(pdf)])
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_the_brief_lists_each_claim_with_its_own_sources(tmp_path: Path):
    path = write_draft(tmp_path, responses=[{"by": "DEU", "kind": "demarche", "date": "2026-11-29",
                                             "sources": ["https://example.org/demarche"]}])
    md = runner.invoke(app, ["brief", "--file", str(path)]).output
    claims = md.split("## The claims, each with its sources", 1)[1].split("\n## ", 1)[0]
    assert "**Germany**: government attribution to Russian Federation on 2026-11-28, high confidence" in claims
    assert "(https://example.org/statement)" in claims
    assert "demarche on 2026-11-29" in claims and "(https://example.org/demarche)" in claims


def test_the_api_serves_a_catalogue_brief_as_pdf():
    from fastapi.testclient import TestClient

    from normwatch.service.app import create_app

    client = TestClient(create_app())
    answer = client.get("/api/briefs/notpetya-2017?format=pdf")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF-")
    assert 'href="/api/briefs/notpetya-2017?format=pdf"' in client.get("/incidents/notpetya-2017").text


def test_what_is_not_recorded_is_said_so_not_none(tmp_path: Path):
    bare = {"id": "bare-2026", "name": "An unattributed intrusion", "start": "2026-11-20",
            "operation": ["espionage"], "targets": [{"country": "ISL", "sector": "research"}],
            "sources": ["https://example.org/bare"]}
    path = tmp_path / "bare.yaml"
    path.write_text(yaml.safe_dump(bare), encoding="utf-8")
    md = runner.invoke(app, ["brief", "--file", str(path)]).output
    assert "- none\n" not in md
    assert "no state is held responsible on the recorded attributions" in md
    assert "no attribution or response is recorded" in md
    assert "Red line crossed: not on the recorded facts" in md and "Red line crossed: no —" not in md
