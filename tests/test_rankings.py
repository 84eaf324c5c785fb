"""Rankings of states by breaches (own commitments apart), the scorecard's "suffered" and
commitment wording, and the red-line definition linked wherever a red line is shown."""

from __future__ import annotations

import csv
import io
import json
import re

import polars as pl
import pytest
from typer.testing import CliRunner

from normwatch.analysis import analytics as an
from normwatch.analysis.catalog import Catalog
from normwatch.analysis.rankings import CSV_COLUMNS, Rankings, UnknownRanking, rankings, rankings_csv
from normwatch.cli import app

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402
from markupsafe import escape  # noqa: E402

from normwatch.service.app import create_app  # noqa: E402

runner = CliRunner()


@pytest.fixture(scope="module")
def own(kb, rules) -> Rankings:
    return rankings(kb, rules, "own")


@pytest.fixture(scope="module")
def every(kb, rules) -> Rankings:
    return rankings(kb, rules, "all")


@pytest.fixture(scope="module")
def client(kb, rules) -> TestClient:
    return TestClient(create_app(Catalog(kb, rules)))


# --- the library ----------------------------------------------------------------------------------


def test_own_ranking_agrees_with_the_scorecards(kb, rules, own):
    assert own.rows, "the catalogue has breaches of own commitments"
    for row in own.rows:
        summary = an.scorecard(kb, row.state, rules)["summary"].row(0, named=True)
        assert row.own_commitment_breaches == summary["own_commitment_breaches"] > 0
        # every listed incident broke one of the state's own commitments
        assert all(x.own_commitment and x.instruments for x in row.incidents)
        assert row.own_commitment_incidents == len(row.incidents)


def test_high_confidence_counts_come_from_the_breach_table(kb, rules, every):
    high = an.breach_table(kb, rules).filter((pl.col("verdict") == "breach") & (pl.col("confidence") == "high"))
    expected = dict(high.group_by("state").agg(n=pl.len()).iter_rows())
    assert {r.state: r.high_confidence_breaches for r in every.rows} == expected
    for row in every.rows:
        assert row.not_committed_breaches == row.high_confidence_breaches - row.own_commitment_breaches
        assert row.high_confidence_incidents == len(row.incidents)


@pytest.mark.parametrize("by", ["own", "all"])
def test_rows_are_ordered_and_ties_share_a_rank(by, own, every):
    result = own if by == "own" else every

    def key(r):
        return ((r.own_commitment_breaches, r.high_confidence_breaches) if by == "own"
                else (r.high_confidence_breaches, r.own_commitment_breaches))

    keys = [key(r) for r in result.rows]
    assert keys == sorted(keys, reverse=True)
    for row in result.rows:
        assert row.rank == 1 + sum(1 for k in keys if k > key(row))


def test_each_incident_shows_its_claims_with_their_sources(kb, every):
    by_id = kb.incident_by_id
    claims = 0
    for row in every.rows:
        for x in row.incidents:
            recorded = [a for a in by_id[x.id].attributions if a.to == row.state]
            assert len(x.claims) == len(recorded) > 0
            assert {u for c in x.claims for u in c.sources} == {u for a in recorded for u in a.sources}
            assert x.sources == list(by_id[x.id].sources)
            if x.red_line:
                assert x.red_line_reasons
            claims += len(x.claims)
    assert claims > 0


def test_where_knowledge_ends_is_counted_apart(kb, rules, every):
    docs = an.assessments(kb, rules)
    lim = every.limits
    assert lim.incidents == len(kb.incidents)
    assert lim.unattributed_incidents == sum(1 for a in docs.values() if not a["responsible"])
    assert lim.lower_confidence_only_incidents == sum(
        1 for a in docs.values() if a["responsible"] and all(r["confidence"] != "high" for r in a["responsible"]))
    possible = an.breach_table(kb, rules).filter(pl.col("verdict") == "possible")
    assert lim.possible_findings == possible.height
    assert "not shown to have kept its commitments" in lim.note
    # undetermined verdicts are a count of their own, never folded into "no breach"
    rus = next(r for r in every.rows if r.state == "RUS")
    high_ids = [i for i, a in docs.items() if any(r["state"] == "RUS" and r["confidence"] == "high"
                                                   for r in a["responsible"])]
    assert rus.undetermined_verdicts == sum(
        1 for i in high_ids for n in docs[i]["norms"] if n["verdict"] == "undetermined")


def test_unknown_ranking_is_refused(kb, rules):
    with pytest.raises(UnknownRanking):
        rankings(kb, rules, "most")


# --- the command line -------------------------------------------------------------------------------


def test_cli_rankings_json_and_csv(own, every):
    result = runner.invoke(app, ["rankings", "--by", "all", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == every.model_dump(mode="json")
    result = runner.invoke(app, ["rankings", "--format", "csv"])
    assert result.exit_code == 0, result.output
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert tuple(table[0]) == CSV_COLUMNS
    assert [r["state"] for r in table] == [r.state for r in own.rows]
    assert table[0]["incidents"].split() == [x.id for x in own.rows[0].incidents]
    shown = runner.invoke(app, ["rankings"])
    assert shown.exit_code == 0 and own.rows[0].state in shown.stdout and "undetermined" in shown.stdout


@pytest.mark.parametrize("args", [["--by", "most"], ["--format", "xml"]])
def test_cli_rankings_bad_option_is_one_line_exit_2(args):
    result = runner.invoke(app, ["rankings", *args])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "error:" in result.output


# --- the web page, its CSV and the API ------------------------------------------------------------


def test_rankings_page_opens_incidents_and_sources(client, own):
    html = client.get("/rankings").text
    top = own.rows[0]
    assert f'href="/states/{top.state}"' in html
    for x in top.incidents:
        assert f'href="/incidents/{x.id}"' in html
        for c in x.claims:
            for u in c.sources:
                assert f'href="{escape(u)}"' in html
    assert 'href="/rankings.csv?by=own"' in html and 'href="/methodology#red-line"' in html
    assert "Where knowledge ends" in html
    assert 'href="/rankings"' in client.get("/").text  # in the main navigation
    data = client.get("/rankings?by=all&format=json").json()
    assert data["by"] == "all" and data["rows"][0]["incidents"]


def test_rankings_csv_page_and_api(client, own, every):
    r = client.get("/rankings.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.text == rankings_csv(own)
    assert client.get("/rankings?by=all&format=csv").text == rankings_csv(every)
    api = client.get("/api/rankings?by=all&format=csv")
    assert api.status_code == 200 and api.text == rankings_csv(every)
    assert client.get("/api/rankings").json()["rows"][0]["state"] == own.rows[0].state
    bad = client.get("/rankings?by=most")
    assert bad.status_code == 400 and "use own or all" in bad.text
    assert client.get("/rankings.csv?by=most").status_code == 400
    assert client.get("/api/rankings?by=most").status_code == 422


# --- scorecards: suffered, and treaties apart from political commitments ------------------------------


def test_incidents_a_state_is_held_responsible_for_are_not_suffered(kb, rules):
    docs = an.assessments(kb, rules)
    card = an.scorecard(kb, "RUS", rules)
    suffered = set(card["suffered"]["incident"])
    apart = set(card["also_hit_own"]["incident"])
    targeted = {i.id for i in kb.incidents if "RUS" in {t.country for t in i.targets}}
    responsible = {i for i, a in docs.items() if any(r["state"] == "RUS" for r in a["responsible"])}
    assert suffered == targeted - responsible
    assert apart == targeted & responsible
    assert "notpetya-2017" in apart and "notpetya-2017" not in suffered  # Rosneft was hit too
    s = card["summary"].row(0, named=True)
    assert s["suffered"] == len(suffered) and s["also_hit_own"] == len(apart)


def test_state_page_lists_own_incidents_apart_from_suffered(client):
    data = client.get("/states/RUS?format=json").json()
    suffered = {i["id"] for i in data["suffered"]}
    apart = {i["id"] for i in data["also_hit_own"]}
    assert "notpetya-2017" in apart and not suffered & apart
    assert all("RUS" not in [r["state"] for r in i["responsible"]] for i in data["suffered"])
    html = client.get("/states/RUS").text
    assert "that also hit its own country" in html


def test_commitments_split_treaties_from_political_commitments(kb, rules, client):
    card = an.scorecard(kb, "RUS", rules)
    s = card["summary"].row(0, named=True)
    held = [c for c in card["commitments"].to_dicts() if c["committed_on_date"]]
    binding = sum(1 for c in held if kb.instrument_by_id[c["instrument"]].binding)
    assert s["binding_on_date"] == binding and s["political_on_date"] == len(held) - binding
    assert s["political_on_date"] > 0  # UNGA 70/237 and the G20 communiqué are not treaties
    html = client.get("/states/RUS").text
    assert re.search(rf"{binding} legally binding", html)
    assert f"{s['political_on_date']} political commitments, not legally binding" in html
    assert "binding on" not in html
    cli = runner.invoke(app, ["scorecard", "RUS"])
    assert cli.exit_code == 0 and "political commitments" in cli.stdout


# --- red lines: defined where they are used, with the reason ------------------------------------------


def test_red_line_uses_link_to_the_definition_and_say_why(client, kb, rules):
    methodology = client.get("/methodology").text
    assert 'id="red-line"' in methodology
    words = " ".join(methodology.split())
    for clause in rules.red_line:
        # the definition lists every red-line clause of the rules: a new clause fails here
        assert " ".join(clause.reason.split("(")[0].split()) in words
    incident = client.get("/incidents/notpetya-2017").text
    assert 'href="/methodology#red-line"' in incident and "Why it crossed the line" in incident
    reasons = an.assessments(kb, rules)["notpetya-2017"]["red_line_reasons"]
    assert all(str(r).split(" [rule:")[0] in incident for r in reasons)
    state = client.get("/states/RUS").text
    assert 'href="/methodology#red-line"' in state and 'id="red-lines"' in state
    assert reasons[0].split(" [rule:")[0] in state
    ranking = client.get("/rankings").text
    assert "because " + reasons[0].split(" [rule:")[0] in ranking
