"""Crisis brief and draft-norm what-if on the real catalogue."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from normwatch.analysis.brief import brief, precedents
from normwatch.analysis.whatif import read_draft, whatif
from normwatch.cli import app
from normwatch.engine.rules import shipped_rules

runner = CliRunner()
DRAFT = Path(__file__).parent.parent / "docs" / "examples" / "draft-health.yaml"


def test_brief_names_precedents_with_their_responses(kb):
    notpetya = kb.incident_by_id["notpetya-2017"]
    found = precedents(notpetya, kb)
    assert found and all(p["incident"] != "notpetya-2017" for p in found)
    assert found == sorted(found, key=lambda p: -p["similarity"])
    assert any(p["responses"] for p in found)


def test_brief_lists_osce_and_hotline_channels_between_the_parties(kb):
    data = brief(kb.incident_by_id["notpetya-2017"], kb, shipped_rules())
    pairs = {(tuple(c.between), c.instrument) for c in data.channels}
    assert (("RUS", "USA"), "osce-cbms") in pairs
    assert (("RUS", "USA"), "us-rus-ict-hotline") in pairs
    # China is not an OSCE participating State; a catalogue id works as well as a record.
    china = brief("cloud-hopper-apt10-2016")
    assert all(c.instrument != "osce-cbms" for c in china.channels)
    assert china.assessment.incident == "cloud-hopper-apt10-2016"


def test_brief_command_writes_markdown_and_html(tmp_path: Path):
    md = tmp_path / "brief.md"
    result = runner.invoke(app, ["brief", "notpetya-2017", "--format", "md", "--out", str(md)])
    assert result.exit_code == 0, result.output
    text = md.read_text()
    for heading in ("## Who is responsible", "## Response options", "## Precedents", "## Sources"):
        assert heading in text
    page = tmp_path / "brief.html"
    result = runner.invoke(app, ["brief", "notpetya-2017", "--format", "html", "--out", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert html.startswith("<!doctype html>") and '<a href="https://www.ncsc.gov.uk/' in html


def test_brief_bad_input_exits_2():
    assert runner.invoke(app, ["brief", "no-such-incident"]).exit_code == 2
    assert runner.invoke(app, ["brief", "notpetya-2017", "--format", "pdfx"]).exit_code == 2


def test_whatif_draft_covers_health_incidents_and_differs_from_13f(kb):
    rules = shipped_rules()
    result = whatif(read_draft(DRAFT, rules), kb, rules, against="un-gge-2015:13f")
    covered = {row.incident for row in result.covered}
    assert "wannacry-2017" in covered  # the NHS was disrupted
    for incident_id in covered:
        sectors = {t.sector for t in kb.incident_by_id[incident_id].targets}
        assert "health" in sectors
    assert sum(result.by_year.values()) == len(covered)
    assert sum(result.verdicts.values()) == len(kb.incidents)
    diff = result.against
    assert diff is not None
    assert set(diff.both) | set(diff.only_draft) == covered
    assert "ukraine-power-grid-2015" in diff.only_existing
    # the draft changes the rule set, so the result does not claim the base rules' version
    assert result.rules_version.startswith(rules.version + "+draft.")
    assert "against" not in whatif(read_draft(DRAFT, rules)).model_dump(mode="json")


def test_whatif_command_json_and_bad_draft(tmp_path: Path):
    result = runner.invoke(app, ["whatif", str(DRAFT), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["draft"] == "draft:healthcare"
    bad = tmp_path / "bad.yaml"
    bad.write_text("norm: draft:x\nengaged:\n  - when: sector_hospital\n    reason: r\nnot_engaged: n\n")
    result = runner.invoke(app, ["whatif", str(bad)])
    assert result.exit_code == 2
    assert "unknown fact(s) sector_hospital" in result.output and "Traceback" not in result.output
