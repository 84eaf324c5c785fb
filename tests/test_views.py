"""The law under states' own published positions, international humanitarian law, and the
readable parts of an assessment (issue 12). Positions come from kb/positions/, each coded
topic citing its document and paragraph."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

import normwatch
from normwatch.cli import app
from normwatch.knowledge.models import Incident

runner = CliRunner()


def _incident(**changes: Any) -> Incident:
    data: dict[str, Any] = {
        "id": "view-test-2024", "name": "View test", "start": "2024-03-01",
        "operation": ["espionage"],
        "targets": [{"country": "FRA", "sector": "government"}],
        "attributions": [{"to": "RUS", "by": ["FRA", "GBR"], "kind": "government",
                          "date": "2024-05-01", "confidence": "high"}],
    }
    data.update(changes)
    return Incident.model_validate(data)


def _views(assessment: normwatch.Assessment) -> dict[str, Any]:
    return {v.view: v for v in assessment.law_views}


def test_the_positions_cite_their_paragraphs(kb: normwatch.KnowledgeBase) -> None:
    authors = {p.who for p in kb.positions}
    assert len({a for a in authors if len(a) == 3}) >= 30 and {"au", "eu"} <= authors
    for position in kb.positions:
        assert position.url and position.sources and position.date
        for stance in position.topics.values():
            assert stance.paragraph.strip() and stance.summary.strip()
    france = next(p for p in kb.positions if p.id == "fra-2019")
    assert france.topics["sovereignty"].stance == "rule-any-intrusion"
    uk = next(p for p in kb.positions if p.id == "gbr-2022")
    assert uk.topics["sovereignty"].stance == "not-a-rule"


def test_espionage_against_france_breaches_sovereignty_as_france_reads_it_not_as_the_uk_does(
    kb: normwatch.KnowledgeBase,
) -> None:
    result = normwatch.assess(_incident(), kb, views=("GBR",))
    views = _views(result)
    assert views["tallinn"].answers["sovereignty"] == "possible"
    assert views["FRA"].answers["sovereignty"] == "yes"  # a victim's view is always shown
    assert any("International law applied to operations in cyberspace" in r or "fra-2019" in r
               or "2019" in r for r in views["FRA"].reasons["sovereignty"])
    assert views["GBR"].answers["sovereignty"] == "no"
    assert any("no standalone rule" in r for r in views["GBR"].reasons["sovereignty"])
    # France's view is the victim's; the responsible state's view is there when it has one.
    assert views["FRA"].source.startswith("http")


def test_due_diligence_binding_and_voluntary_readings_differ(kb: normwatch.KnowledgeBase) -> None:
    # Infrastructure in a third state was used; whether that state failed a duty depends on
    # whether due diligence is binding law.
    incident = _incident(operation=["disruption"], infrastructure=["NLD"],
                         targets=[{"country": "FRA", "sector": "energy"}])
    views = _views(normwatch.assess(incident, kb, views=("GBR",)))
    assert views["FRA"].answers["due_diligence"] == views["tallinn"].answers["due_diligence"] == "possible"
    assert views["GBR"].answers["due_diligence"] == "no"
    assert any("voluntary" in r for r in views["GBR"].reasons["due_diligence"])


@pytest.mark.parametrize(("victim", "group"), [("KEN", "au"), ("DEU", "eu")])
def test_the_african_union_and_eu_views_follow_their_members(
    kb: normwatch.KnowledgeBase, victim: str, group: str,
) -> None:
    incident = _incident(targets=[{"country": victim, "sector": "government"}])
    views = _views(normwatch.assess(incident, kb))
    assert group in views
    assert views[group].name and views[group].sources


def test_a_state_that_breaks_the_law_as_it_reads_it_itself(kb: normwatch.KnowledgeBase) -> None:
    # An intrusion attributed to France into another state's systems: France's own reading
    # (any intrusion breaches sovereignty) condemns it.
    incident = _incident(targets=[{"country": "DEU", "sector": "government"}],
                         attributions=[{"to": "FRA", "by": ["DEU"], "kind": "government",
                                        "confidence": "high"}])
    views = _views(normwatch.assess(incident, kb))
    assert views["FRA"].breaks_own_reading == ["sovereignty"]


def test_ihl_in_and_out_of_armed_conflict(kb: normwatch.KnowledgeBase) -> None:
    war = {"armed_conflict": True, "parties": ["RUS", "UKR"]}
    grid = normwatch.assess(_incident(
        operation=["destruction"], targets=[{"country": "UKR", "sector": "energy"}], context=war,
        effects={"availability": "lasting", "physical_damage": True}), kb)
    assert grid.law.ihl_applies == "yes" and grid.law.ihl_attack == "yes"
    assert any("rule 92" in r and "settled" in r for r in grid.law_reasons.ihl_attack)
    assert grid.law.ihl_distinction == "yes"  # civilian energy, no military objective recorded
    spying = normwatch.assess(_incident(
        targets=[{"country": "UKR", "sector": "military"}], context=war), kb)
    assert spying.law.ihl_applies == "yes" and spying.law.ihl_attack == "no"
    assert any("not an attack" in r for r in spying.law_reasons.ihl_attack)
    wiper = normwatch.assess(_incident(
        operation=["destruction"], targets=[{"country": "UKR", "sector": "finance"}], context=war,
        effects={"data_destroyed": True, "physical_damage": False, "deaths": 0, "injuries": 0}), kb)
    assert wiper.law.ihl_attack == "possible"
    assert any("loss of functionality" in r for r in wiper.law_reasons.ihl_attack)
    peace = normwatch.assess(_incident(context={"armed_conflict": False}), kb)
    assert peace.law.ihl_applies == "no" and peace.law.ihl_attack == "no"
    assert any("outside an armed conflict" in r for r in peace.law_reasons.ihl_applies)
    unknown = normwatch.assess(_incident(operation=["disruption"]), kb)
    assert unknown.law.ihl_applies == "undetermined"  # the record does not say


def test_a_verdict_on_an_act_before_the_norm_says_so(kb: normwatch.KnowledgeBase) -> None:
    incident = _incident(start="2012-08-15", operation=["destruction"],
                         targets=[{"country": "SAU", "sector": "energy"}],
                         effects={"data_destroyed": True, "availability": "lasting"})
    result = normwatch.assess(incident, kb)
    gge = next(n for n in result.norms if n.id == "un-gge-2015:13f")
    assert gge.verdict == "breach"
    assert "act before the norm existed (norm adopted 2015)" in gge.reasons


def test_intensity_shows_its_components(kb: normwatch.KnowledgeBase) -> None:
    result = normwatch.assess("notpetya-2017", kb)
    parts = {c.component: c for c in result.intensity_components}
    assert set(parts) >= {"scope", "data", "availability", "casualties", "economic_loss"}
    assert all(0 <= c.points <= c.max for c in parts.values())
    assert abs(sum(c.points for c in parts.values()) - result.intensity) < 0.1 or result.intensity == 10


def test_assess_view_cli(kb: normwatch.KnowledgeBase) -> None:
    result = runner.invoke(app, ["assess", "microsoft-midnight-blizzard-2023", "--view", "France",
                                 "--view", "GBR"])
    assert result.exit_code == 0, result.output
    assert "law as France reads it: sovereignty: yes" in result.output.replace("\n", " ")
    assert "law as United Kingdom reads it: sovereignty: no" in result.output.replace("\n", " ")
    bad = runner.invoke(app, ["assess", "notpetya-2017", "--view", "Atlantis"])
    assert bad.exit_code == 2 and len(bad.output.strip().splitlines()) == 1, bad.output

