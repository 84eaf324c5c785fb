"""One definition of "suffered", treaties apart from political commitments in reports, red
lines defined where they are used and listed from the rules, and analytics tables that keep
ids and dates whole at 80 columns."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re

import pytest
from typer.testing import CliRunner

from normwatch.analysis import analytics as an
from normwatch.analysis.catalog import Catalog
from normwatch.cli import app
from normwatch.engine.rules import Clause
from normwatch.publish import report as rp

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from normwatch.service.app import create_app  # noqa: E402

runner = CliRunner()


@pytest.fixture(scope="module")
def client(kb, rules) -> TestClient:
    return TestClient(create_app(Catalog(kb, rules)))


# --- 1. one definition of "suffered" ------------------------------------------------------------


def test_the_state_list_counts_suffered_as_the_scorecard_does(client, kb, rules):
    rows = list(csv.DictReader(io.StringIO(client.get("/states?format=csv").text)))
    assert len(rows) >= len(kb.states)
    differ, checked = {}, 0
    for row in rows:
        if row["recorded_state"] != "true":
            continue
        checked += 1
        card = an.scorecard(kb, row["state"], rules)["summary"].row(0, named=True)
        if int(row["suffered"]) != card["suffered"]:
            differ[row["state"]] = (row["suffered"], card["suffered"])
    assert checked == len(kb.states)
    assert not differ, f"/states and the scorecard disagree on suffered: {differ}"
    rus = next(r for r in rows if r["state"] == "RUS")
    card = an.scorecard(kb, "RUS", rules)
    # NotPetya hit Rosneft, yet Russia is held responsible for it: not an incident it suffered
    assert "notpetya-2017" in card["also_hit_own"]["incident"].to_list()
    assert int(rus["suffered"]) == card["suffered"].height
    page = client.get("/states/RUS").text
    assert f"<strong>{card['suffered'].height}</strong> incidents suffered" in page


def test_suffering_states_leave_out_every_state_held_responsible(kb):
    notpetya = kb.incident_by_id["notpetya-2017"]
    targets = {t.country for t in notpetya.targets}
    assert "RUS" in targets and "RUS" not in an.suffering_states(notpetya)
    assert an.suffering_states(notpetya, []) == targets
    assert an.suffering_states(notpetya) == targets - {a.to for a in notpetya.attributions}


# --- 2. the state report says treaties and political commitments apart ---------------------------


def test_state_report_says_legally_binding_and_political_commitments_apart(kb, rules):
    report = rp.build(kb, "state", "RUS", rules)
    md = rp.to_markdown(report)
    s = an.scorecard(kb, "RUS", rules)["summary"].row(0, named=True)
    assert "binding or joined" not in md
    text = " ".join(md.split())
    assert f"{s['committed_on_date']} of them held: {s['binding_on_date']} legally binding" in text
    assert f"and {s['political_on_date']} political commitments, not legally binding" in text
    assert s["binding_on_date"] + s["political_on_date"] == s["committed_on_date"]
    assert f"suffered {s['suffered']} incidents (not counting {s['also_hit_own']}" in text


# --- 3. and 4. red lines: the header links the definition, the definition is the rules' ----------


def test_the_red_line_header_of_incident_tables_links_the_definition(client):
    for address in ("/incidents", "/states/RUS", "/states/UKR"):
        html = client.get(address).text
        heads = re.findall(r"<thead>.*?</thead>", html, flags=re.S)
        with_red_line = [h for h in heads if "Red line" in h]
        assert with_red_line, address
        assert all('href="/methodology#red-line"' in h for h in with_red_line), address
    assert 'id="red-line"' in client.get("/methodology").text


def test_the_methodology_lists_the_red_line_clauses_of_the_rules_in_use(kb, rules):
    extra = Clause(when="op_hack_back && indiscriminate", reason="a clause only this rule set has")
    custom = dataclasses.replace(rules, red_line=(*rules.red_line, extra))
    html = TestClient(create_app(Catalog(kb, custom))).get("/methodology").text
    section = html.split('id="red-line"', 1)[1].split("</section>", 1)[0]
    items = re.findall(r"<li>(.*?)</li>", section, flags=re.S)
    assert len(items) == len(custom.red_line)
    for clause, item in zip(custom.red_line, items, strict=True):
        assert " ".join(clause.reason.split()) in " ".join(item.split())
        assert clause.when.replace("&", "&amp;") in item
    shipped = TestClient(create_app(Catalog(kb, rules))).get("/methodology").text
    assert "a clause only this rule set has" not in shipped


# --- 5. analytics tables at 80 columns ----------------------------------------------------------


def _run(monkeypatch: pytest.MonkeyPatch, *args: str, width: int = 80) -> str:
    monkeypatch.setenv("COLUMNS", str(width))
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _cells(table: str) -> set[str]:
    """Every cell of every table row and header, stripped."""
    return {cell.strip() for line in table.splitlines() if line[:1] in "│┃" for cell in re.split("[│┃]", line)}


def _fits(table: str) -> None:
    assert "…" not in table
    assert max(len(line) for line in table.splitlines()) <= 80


def test_scorecard_at_80_columns_keeps_incident_ids_and_dates_whole(monkeypatch):
    table = _run(monkeypatch, "scorecard", "RUS")
    _fits(table)
    data = json.loads(_run(monkeypatch, "scorecard", "RUS", "--json"))
    cells = _cells(table)
    for key in ("attributed", "suffered", "also_hit_own"):
        assert data[key]
        for row in data[key]:
            assert row["incident"] in cells and row["start"] in cells, (key, row["incident"])
    for row in data["commitments"]:
        assert row["instrument"] in cells
        assert row["committed_from"] is None or row["committed_from"] in cells
    # a finding per incident and norm, its norm id whole
    for row in data["commitments_broken"]:
        assert row["norm"] in cells


def test_blocs_at_80_columns_keep_every_bloc_and_figure_whole(monkeypatch):
    table = _run(monkeypatch, "blocs")
    _fits(table)
    cells = _cells(table)
    comparison = json.loads(_run(monkeypatch, "blocs", "--format", "json"))["comparison"]
    for row in comparison:
        assert row["bloc"] in cells
        assert str(row["members"]) in cells and f"{row['red_line_share']:.2f}" in cells


def test_trends_at_80_columns_keep_labels_whole_and_say_what_they_left_out(monkeypatch):
    table = _run(monkeypatch, "trends")
    _fits(table)
    cells = _cells(table)
    data = json.loads(_run(monkeypatch, "trends", "--json"))
    for key, label in (("by_operation", "operation"), ("by_responsible", "responsible"), ("by_sector", "sector")):
        assert {r[label] for r in data[key]} <= cells
    assert {str(r["year"]) for r in data["red_line_share"]} <= cells
    wide = _run(monkeypatch, "trends", width=160)
    assert "left out to fit" in table and "left out to fit" not in wide


@pytest.mark.parametrize("args, table, key", [
    (["scorecard", "RUS"], "attributed", "incident"),
    (["blocs"], "comparison", "bloc"),
    (["trends"], "by_sector", "sector"),
])
def test_analytics_tables_as_csv_and_json(monkeypatch, args, table, key):
    data = json.loads(_run(monkeypatch, *args, "--format", "json"))
    assert data["kb_version"] and data[table]
    assert json.loads(_run(monkeypatch, *args, "--json")) == data
    rows = list(csv.DictReader(io.StringIO(_run(monkeypatch, *args, "--format", "csv", "--table", table))))
    assert [r[key] for r in rows] == [str(r[key]) for r in data[table]]
    only = json.loads(_run(monkeypatch, *args, "--format", "json", "--table", table))
    assert set(only) == {"kb_version", "rules_version", table}


@pytest.mark.parametrize("extra, words", [
    (["--format", "csv"], "--table"),
    (["--format", "csv", "--table", "nope"], "'nope'"),
    (["--format", "yaml"], "--format"),
    (["--json", "--format", "csv"], "--json"),
])
def test_analytics_format_mistakes_are_one_line_errors(monkeypatch, extra, words):
    monkeypatch.setenv("COLUMNS", "80")
    result = runner.invoke(app, ["trends", *extra])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and words in lines[0]
