"""Every rule clause is engaged by at least one frozen fixture case (tests/fixture_cases.py),
and the engine's answers on those cases are pinned: they move only when a rule does."""

from __future__ import annotations

import pytest

import normwatch
from fixture_cases import CASES
from normwatch.engine.assessment import derive, inject_law, law_answers, red_line
from normwatch.engine.rules import RuleSet, expression

NEVER_RECORDED = {"botnet_use"}
"""Facts Contract 1 cannot record (always unknown), so no case can engage a clause on them."""


@pytest.fixture(scope="module")
def by_id() -> dict[str, normwatch.Incident]:
    return {case.id: case for case in CASES}


def _engageable(text: str) -> bool:
    # `when: false` marks a norm about state conduct that no incident record can show
    return text.strip() != "false" and not (expression(text).names & NEVER_RECORDED)


def test_every_clause_is_engaged_by_a_fixture_case(rules: RuleSet, kb: normwatch.KnowledgeBase) -> None:
    clauses: dict[str, str] = {}
    for norm_id, rule in rules.norms.items():
        clauses.update({f"{norm_id} engaged[{i}]": c.when for i, c in enumerate(rule.engaged)})
    clauses.update({f"red_line[{i}]": c.when for i, c in enumerate(rules.red_line)})
    for question in rules.law:
        for kind in ("yes_when", "no_when", "possible_when"):
            clauses.update({f"{question.id} {kind}[{i}]": c.when for i, c in enumerate(getattr(question, kind))})
    for view in rules.views:
        for kind in ("yes_when", "no_when", "possible_when"):
            clauses.update({
                f"view {view.topic}/{view.stance} {kind}[{j}]": c.when
                for j, c in enumerate(getattr(view, kind))
            })
    wanted = {name: text for name, text in clauses.items() if _engageable(text)}
    assert len(wanted) > 50
    engaged: set[str] = set()
    options: set[str] = set()
    for case in CASES:
        facts = derive(case, rules)
        line, _ = red_line(rules, facts)
        facts["red_line"] = line is True
        engaged |= {name for name, text in wanted.items() if expression(text).evaluate(facts) is True}
        inject_law(facts, law_answers(rules, facts))
        options |= {o.id for o in normwatch.assess(case, kb, rules).response_options}
    assert sorted(set(wanted) - engaged) == []
    assert sorted({o.id for o in rules.responses} - options) == []


def test_pinned_answers_on_the_fixture_cases(by_id: dict[str, normwatch.Incident], rules: RuleSet,
                                             kb: normwatch.KnowledgeBase) -> None:
    def run(ident: str) -> normwatch.Assessment:
        return normwatch.assess(by_id[ident], kb, rules)

    grid = run("grid-outage")
    assert grid.verdict("un-gge-2015:13f") == "breach"
    assert grid.red_line and not grid.tolerated_espionage
    assert {"state": "RUS", "norm": "un-gge-2015:13f", "instrument": "unga-70-237"} in [
        c.model_dump() for c in grid.commitments_breached]
    spying = run("quiet-espionage")
    assert spying.tolerated_espionage and not spying.red_line
    assert spying.law.use_of_force == "no"
    # a vendor's attribution alone never gives a breach
    assert run("vendor-espionage").verdict("paris-call:1") != "breach"
    assert {r.confidence for r in run("contested-attribution").responsible} == {"medium"}
    assert run("contested-attribution").verdict("un-gge-2015:13f") == "possible"
    # the act breaches the norm's content, but no commitment bound the state in 2012
    early = run("before-the-norms")
    assert early.verdict("un-gge-2015:13f") == "breach" and early.commitments_breached == []
    wiper = run("hospital-wiper-deaths")
    assert (wiper.law.use_of_force, wiper.law.armed_attack) == ("yes", "yes")
    # physical damage in an armed conflict: armed-attack gravity is disputed, so "possible"
    assert run("war-satellite").law.armed_attack == "possible"
    assert run("election-commission-wiped").law.intervention == "yes"
