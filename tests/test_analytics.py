"""Accountability and bloc analytics on the real catalogue: scorecards, blocs, votes, trends."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

import normwatch
from normwatch.analysis import analytics as an
from normwatch.cli import app
from normwatch.engine.columnar import addresses_of, assess_table, frame


def assess(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """The Contract 3 JSON of one assessment (what the CLI and the API print)."""
    return normwatch.assess(*args, **kwargs).model_dump(mode="json")

runner = CliRunner()


def test_incident_table_agrees_with_the_engine_and_the_columnar_evaluator(kb, rules):
    table = an.incident_table(kb, rules)
    assert table.height == len(kb.incidents)
    columnar = assess_table(frame(kb.incidents), rules, list(kb.norms), addresses_of(kb))
    assert int(table["red_line"].sum()) == int(columnar["red_line"].sum())
    notpetya = table.filter(pl.col("id") == "notpetya-2017").row(0, named=True)
    doc = assess(kb.incident_by_id["notpetya-2017"], kb, rules)
    assert notpetya["responsible"] == [r["state"] for r in doc["responsible"]]
    assert notpetya["breach"] == [n["id"] for n in doc["norms"] if n["verdict"] == "breach"]
    assert notpetya["first_government_attribution"] == dt.date(2017, 7, 1)
    assert notpetya["attribution_delay_days"] == 4


def test_scorecard_splits_breaches_of_own_commitments_from_others(kb, rules):
    card = an.scorecard(kb, "RUS", rules, "2025-01-01")
    s = card["summary"].row(0, named=True)
    docs = an.assessments(kb, rules)
    attributed = [i for i, a in docs.items() if any(r["state"] == "RUS" for r in a["responsible"])]
    assert s["attributed"] == len(attributed) == card["attributed"].height
    assert s["attributed_high"] + s["attributed_medium"] + s["attributed_low"] == s["attributed"]
    own = {(i, c["norm"]) for i, a in docs.items() for c in a["commitments_breached"] if c["state"] == "RUS"}
    assert s["own_commitment_breaches"] == len(own) > 0
    assert s["own_commitment_breaches"] + s["other_breaches"] == s["breach_findings"]
    assert int(card["norms"]["breaches"].sum()) == s["breach_findings"]
    # Russia never supported the Paris Call: its Paris Call breaches are never its own commitments.
    paris = card["norms"].filter(pl.col("norm").str.starts_with("paris-call:"))
    assert paris.height and int(paris["own_commitment"].sum()) == 0
    assert s["suffered"] == card["suffered"].height
    assert s["responses_received"] == card["responses_received"].height > 0
    instruments = set(card["commitments"]["instrument"].to_list())
    assert {"unga-70-237", "g20-2015"} <= instruments


def test_scorecard_counts_responses_made_through_organisations_on_the_day(kb, rules):
    card = an.scorecard(kb, "FRA", rules)
    made = card["responses_made"]
    assert made.height > 0
    assert set(made["via"].to_list()) <= {"FRA", "EU", "NATO"}
    gbr = an.scorecard(kb, "GBR", rules)["responses_made"]
    # After Brexit (2020-01-31) an EU response is no longer one of the United Kingdom's.
    late_eu = gbr.filter((pl.col("via") == "EU") & (pl.col("date") >= "2020-02"))
    assert late_eu.height == 0


def test_scorecard_rejects_a_non_country(kb):
    with pytest.raises(ValueError, match="ISO 3166"):
        an.scorecard(kb, "XXX")


def test_blocs_take_membership_on_the_date(kb):
    eu = an.parse_bloc(kb, "eu")
    assert "GBR" in eu.members(kb, dt.date(2019, 6, 1))
    assert "GBR" not in eu.members(kb, dt.date(2021, 6, 1))
    paris = an.parse_bloc(kb, "paris-call")
    absent = an.parse_bloc(kb, "paris-call-absentees")
    assert "USA" not in paris.members(kb, dt.date(2020, 6, 1))
    assert "USA" in absent.members(kb, dt.date(2020, 6, 1))
    assert "USA" in paris.members(kb, dt.date(2022, 6, 1))
    for state in ("RUS", "CHN", "ISR", "IRN"):
        assert state in absent.members(kb, dt.date(2025, 1, 1))
    custom = an.parse_bloc(kb, "custom:rus,chn")
    assert custom.members(kb, dt.date(2000, 1, 1)) == {"RUS", "CHN"}
    assert an.bloc_members(kb, "five-eyes", "2024-01-01")["state"].to_list() == ["AUS", "CAN", "GBR", "NZL", "USA"]


@pytest.mark.parametrize("name", ["nope", "custom:XXX", "vote:unga-73-27:maybe", "vote:unga-99-1:yes",
                                  "instrument:nope"])
def test_unknown_blocs_are_refused(kb, name):
    with pytest.raises(an.UnknownBloc):
        an.parse_bloc(kb, name)


def test_bloc_comparison_counts_incidents_of_members_on_the_incident_date(kb, rules):
    table = an.bloc_comparison(kb, ["custom:RUS", "sco", "eu", "paris-call-absentees"], "2025-01-01", rules)
    rows = {r["bloc"]: r for r in table.iter_rows(named=True)}
    rus = an.scorecard(kb, "RUS", rules)["summary"].row(0, named=True)
    assert rows["custom:RUS"]["incidents_attributed"] == rus["attributed"]
    assert rows["custom:RUS"]["endorsed_breaches"] <= rows["custom:RUS"]["breach_findings"]
    # Iran joined the SCO in 2023: its earlier incidents are not the SCO's.
    resp = an.responsibility_table(kb, rules)
    sco_members = an.parse_bloc(kb, "sco")
    expected = {
        r["incident"] for r in resp.iter_rows(named=True)
        if r["state"] in sco_members.members(kb, r["start_date"])
    }
    assert rows["sco"]["incidents_attributed"] == len(expected)
    assert rows["sco"]["members"] == len(sco_members.members(kb, dt.date(2025, 1, 1)))
    assert 0 <= rows["sco"]["coverage_paris_call"] <= 1
    assert rows["eu"]["coverage_paris_call"] == 1.0
    # Cohesion: the EU voted as one on both resolutions.
    assert rows["eu"]["73_27_rice"] == 1.0 and rows["eu"]["73_266_agreement"] == 1.0


def test_since_restricts_incidents(kb, rules):
    full = an.bloc_comparison(kb, ["custom:RUS"], "2025-01-01", rules).row(0, named=True)
    late = an.bloc_comparison(kb, ["custom:RUS"], "2025-01-01", rules, since="2018-11-12").row(0, named=True)
    assert 0 < late["incidents_attributed"] < full["incidents_attributed"]


def test_cohesion_indices():
    assert an.cohesion(10, 0, 0) == {"rice": 1.0, "agreement": 1.0}
    assert an.cohesion(5, 5, 0) == {"rice": 0.0, "agreement": 0.25}
    assert an.cohesion(1, 1, 1)["agreement"] == 0.0
    assert an.cohesion(0, 0, 3) == {"rice": None, "agreement": 1.0}
    assert an.cohesion(0, 0, 0) == {"rice": None, "agreement": None}


def test_vote_blocs_and_overlap_match_the_roll_calls(kb):
    votes = an.vote_blocs(kb, "2025-01-01")
    for call in kb.roll_calls:
        part = votes.filter(pl.col("roll_call") == call.id)
        assert int(part["states"].sum()) == len(call.votes)
    overlap = an.vote_overlap(kb, "2025-01-01")
    assert int(overlap["crosstab"]["states"].sum()) >= len(kb.states)
    jac = overlap["jaccard"]
    assert jac["jaccard"].drop_nulls().is_between(0, 1).all()
    supporters = an.committed_states(kb, "paris-call", "2025-01-01")
    no_266 = jac.filter((pl.col("roll_call") == "unga-73-266") & (pl.col("position") == "no")).row(0, named=True)
    call = next(c for c in kb.roll_calls if c.id == "unga-73-266")
    assert no_266["both"] == len({s for s, v in call.votes.items() if v == "no"} & supporters)


def test_trends(kb, rules):
    data = an.trends(kb, rules)
    by_op = data["by_operation"]
    assert set(by_op.columns) == {"year", "operation", "incidents"}
    assert int(by_op["incidents"].sum()) >= len(kb.incidents)
    assert "unattributed" in data["by_responsible"]["responsible"].to_list()
    share = data["red_line_share"]
    assert int(share["incidents"].sum()) == len(kb.incidents)
    assert share["share"].is_between(0, 1).all()
    delays = data["attribution_delays"]
    assert delays.height > 0 and int(delays["attribution_delay_days"].min()) >= 0
    summary = an.delay_summary(delays)
    assert summary["incidents"] == delays.height
    assert summary["q1_days"] <= summary["median_days"] <= summary["q3_days"]
    with pytest.raises(ValueError):
        an.per_year(kb, "colour", rules)


def test_victim_edges_leave_out_self_targeting(kb, rules):
    edges = an.victim_edges(kb, rules)
    assert edges.height > 0
    assert (edges["responsible"] != edges["victim"]).all()
    assert int(edges.filter((pl.col("responsible") == "RUS") & (pl.col("victim") == "UKR"))["incidents"].sum()) > 0


def test_norm_record_counts_every_incident(kb, rules):
    record = an.norm_record(kb, "un-gge-2015:13f", rules)
    assert int(record["counts"]["incidents"].sum()) == len(kb.incidents)
    with pytest.raises(ValueError):
        an.norm_record(kb, "nope:1", rules)


def test_cli_scorecard_json(kb, rules):
    result = runner.invoke(app, ["scorecard", "FRA", "--json", "--on", "2025-01-01"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["kb_version"] == kb.version
    expected = an.scorecard(kb, "FRA", rules, "2025-01-01")["summary"].row(0, named=True)
    assert data["summary"][0]["suffered"] == expected["suffered"]
    assert data["summary"][0]["responses_made"] == expected["responses_made"]
    assert runner.invoke(app, ["scorecard", "FRA"]).exit_code == 0
    assert runner.invoke(app, ["scorecard", "XYZ"]).exit_code == 2


def test_cli_blocs_json_and_table(kb, rules):
    result = runner.invoke(app, ["blocs", "--bloc", "custom:RUS,CHN", "--bloc", "vote:unga-73-266:yes",
                                 "--on", "2025-01-01", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    expected = an.bloc_comparison(kb, ["custom:RUS,CHN"], "2025-01-01", rules).row(0, named=True)
    assert data["comparison"][0]["incidents_attributed"] == expected["incidents_attributed"]
    assert {"votes", "crosstab", "jaccard"} <= set(data)
    assert runner.invoke(app, ["blocs"]).exit_code == 0
    bad = runner.invoke(app, ["blocs", "--bloc", "atlantis"])
    assert bad.exit_code == 2


def test_cli_trends(kb):
    result = runner.invoke(app, ["trends", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert sum(r["incidents"] for r in data["red_line_share"]) == len(kb.incidents)
    assert runner.invoke(app, ["trends"]).exit_code == 0
