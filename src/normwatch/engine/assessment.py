"""The assessment engine, per incident: the reference evaluator behind Contract 3.

For one incident it derives facts, evaluates every rule in three-valued logic, and
returns the ``normwatch assess --json`` document with the reasons behind each answer.
The vectorised evaluator (:mod:`normwatch.engine.columnar`) must give the same verdicts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from normwatch.engine.cel import Fact
from normwatch.engine.facts import base_facts, closed_effects
from normwatch.engine.intensity import breakdown, from_facts, intensity
from normwatch.engine.law import clauses as _clauses
from normwatch.engine.law import law_answers
from normwatch.engine.responsibility import Responsible, responsible_states
from normwatch.engine.results import Assessment, AssessmentDocument
from normwatch.engine.rules import (
    LAW_QUESTIONS,
    NormRule,
    RuleSet,
    Verdict,
    expression,
    shipped_rules,
)
from normwatch.engine.views import law_views
from normwatch.errors import NotFound
from normwatch.knowledge.commitments import commitment_status, members_on
from normwatch.knowledge.dates import earliest, latest
from normwatch.knowledge.load import KnowledgeBase, shipped_kb
from normwatch.knowledge.models import Incident


def assessed_norms(kb: KnowledgeBase, rules: RuleSet) -> list[str]:
    """The norms an assessment gives a verdict on: every norm of a framework the rules
    address. Frameworks without any rule (the 2021 guidance, the OEWG commitments, the
    ransomware and Pall Mall statements) record commitments, not conduct an incident can
    be read against, so they are left out rather than answered "undetermined"."""
    covered = {kb.framework_of[n].id for n in rules.norms if n in kb.framework_of}
    return [n for n in kb.norms if kb.framework_of[n].id in covered]


def derive(incident: Incident, rules: RuleSet) -> dict[str, Fact]:
    """Base facts plus the derived facts of ``rules``, in order."""
    facts = base_facts(incident, rules.closed_world)
    add_derived(facts, rules)
    return facts


def add_derived(facts: dict[str, Fact], rules: RuleSet) -> None:
    """Evaluate the derived facts into ``facts`` (three-valued)."""
    for item in rules.derived:
        facts[item.name] = expression(item.when).evaluate(facts)


def _and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def norm_verdict(
    rule: NormRule, addresses: str, rules: RuleSet, facts: dict[str, Fact], basis: list[str]
) -> tuple[Verdict, list[str]]:
    """One norm's verdict for one incident, with its reasons."""
    engaged, held, unknown = _clauses(rule.engaged, facts, rules)
    default = rules.responsibility[addresses]
    breach_text = rule.breach or default.breach
    possible_text = rule.possible or default.possible
    breach = _and(engaged, expression(breach_text).evaluate(facts))
    possible = _and(engaged, expression(possible_text).evaluate(facts))
    if breach is True:
        reason = rule.breach_reason or default.breach_reason
        return "breach", [*held, f"{reason} [rule: {breach_text}]", *basis]
    if possible is True:
        reason = rule.possible_reason or default.possible_reason
        return "possible", [*held, f"{reason} [rule: {possible_text}]", *basis]
    if engaged is False:
        return "not-engaged", [rule.not_engaged]
    if engaged is True:
        nobody = "no actor the norm addresses is held responsible with any confidence"
        return "undetermined", [*held, nobody]
    return "undetermined", unknown


def _addresses(kb: KnowledgeBase, norm_id: str) -> str:
    framework = kb.framework_of[norm_id]
    return "all-actors" if "non-state-actors" in framework.addresses else "states"


def _eu_victim(kb: KnowledgeBase, incident: Incident) -> bool:
    eu = kb.organisation_by_id.get("eu")
    if eu is None:
        return False
    victims = {t.country for t in incident.targets}
    return bool(victims & members_on(eu, earliest(incident.start)))


def inject_law(facts: dict[str, Fact], answers: dict[str, tuple[str, list[str]]]) -> None:
    """Expose the law answers to later rules as law_<q>_yes / law_<q>_possible facts."""
    for q in LAW_QUESTIONS:
        answer = answers[q][0]
        facts[f"law_{q}_yes"] = None if answer == "undetermined" else answer == "yes"
        facts[f"law_{q}_possible"] = None if answer == "undetermined" else answer in ("yes", "possible")


def red_line(rules: RuleSet, facts: dict[str, Fact]) -> tuple[bool | None, list[str]]:
    value, held, unknown = _clauses(rules.red_line, facts, rules)
    return value, held or unknown


def duration_days(incident: Incident) -> float | None:
    if incident.end is None:
        return None
    return float((latest(incident.end) - earliest(incident.start)).days + 1)


def _responsible_json(items: list[Responsible]) -> list[dict[str, str]]:
    return [{"state": r.state, "confidence": r.confidence, "basis": r.basis} for r in items]


def assess(
    incident: Incident | str,
    kb: KnowledgeBase | None = None,
    rules: RuleSet | None = None,
    *,
    views: tuple[str, ...] = (),
) -> Assessment:
    """The assessment of one incident (Contract 3): an :class:`Incident`, or a catalogue id.

    ``kb`` and ``rules`` default to the shipped knowledge base and rules. An id the
    knowledge base does not hold raises :class:`normwatch.errors.NotFound`. ``views`` adds
    the law answers under these states' or groups' published positions to the default
    views (the victims', the responsible states' and their groups').
    """
    record, kb, rules = with_defaults(incident, kb, rules)
    return Assessment.model_validate(_assessment(record, kb, rules, views))


def with_defaults(
    incident: Incident | str, kb: KnowledgeBase | None, rules: RuleSet | None
) -> tuple[Incident, KnowledgeBase, RuleSet]:
    """The incident record (looked up when given by id; NotFound if the knowledge base has
    no such record), and the knowledge base and rules, defaulting to the shipped ones."""
    kb = kb if kb is not None else shipped_kb()
    rules = rules if rules is not None else shipped_rules()
    if isinstance(incident, str):
        found = kb.incident_by_id.get(incident)
        if found is None:
            raise NotFound("incident", incident)
        incident = found
    return incident, kb, rules


def _assessment(
    incident: Incident, kb: KnowledgeBase, rules: RuleSet, views: tuple[str, ...] = ()
) -> dict[str, Any]:
    facts = derive(incident, rules)
    responsible = responsible_states(incident)
    basis = [f"responsibility: {r.basis}" for r in responsible]
    if facts["non_state_actor"]:
        non_state = ("criminal", "hacktivist", "private-company")
        names = ", ".join(a.name for a in incident.actors if a.kind in non_state)
        basis.append(f"non-state actor(s) named: {names}")
    line, line_reasons = red_line(rules, facts)
    facts["red_line"] = line is True
    tolerated = expression(rules.tolerated.when).evaluate(facts) is True
    norms: list[dict[str, Any]] = []
    for norm_id in assessed_norms(kb, rules):
        rule = rules.norms.get(norm_id)
        if rule is None:
            missing = ["no rule is written for this norm yet"]
            norms.append({"id": norm_id, "verdict": "undetermined", "reasons": missing})
            continue
        verdict, reasons = norm_verdict(rule, _addresses(kb, norm_id), rules, facts, basis)
        adopted = kb.framework_of[norm_id].adopted
        if verdict in ("breach", "possible") and latest(incident.start) < earliest(adopted):
            # Contract 3 reads every act against today's norms; say when the act came first.
            reasons = [*reasons, f"act before the norm existed (norm adopted {str(adopted)[:4]})"]
        norms.append({"id": norm_id, "verdict": verdict, "reasons": reasons})
    answers = law_answers(rules, facts)
    inject_law(facts, answers)
    facts["eu_victim"] = _eu_victim(kb, incident)
    on = earliest(incident.start)
    breached = []
    for r in responsible:
        if r.confidence != "high":
            continue
        for item in norms:
            if item["verdict"] != "breach":
                continue
            status = commitment_status(kb, r.state, item["id"], on)
            for c in status.via:
                breached.append({"state": r.state, "norm": item["id"], "instrument": c.instrument})
    options = []
    for option in rules.responses:
        if expression(option.when).evaluate(facts):
            options.append({"id": option.id, "kind": option.kind, "reasons": [option.reason]})
    return {
        "incident": incident.id,
        "responsible": _responsible_json(responsible),
        "red_line": line is True,
        "red_line_reasons": line_reasons,
        "tolerated_espionage": tolerated,
        "norms": norms,
        "law": {q: answers[q][0] for q in LAW_QUESTIONS},
        "law_reasons": {q: answers[q][1] for q in LAW_QUESTIONS},
        "commitments_breached": breached,
        "intensity": intensity(from_facts(facts, duration_days(incident))),
        "response_options": options,
        "intensity_components": breakdown(from_facts(facts, duration_days(incident))),
        "closed_world": closed_effects(incident, rules.closed_world)[1],
        "law_views": law_views(
            kb, rules, facts, answers, {t.country for t in incident.targets},
            [r.state for r in responsible], incident.start, views,
        ),
    }


def assess_many(
    incidents: Iterable[Incident] | None = None,
    kb: KnowledgeBase | None = None,
    rules: RuleSet | None = None,
    *,
    views: tuple[str, ...] = (),
) -> AssessmentDocument:
    """The whole ``normwatch assess --json`` document: every incident given (default: the
    knowledge base's catalogue), with the versions of the knowledge base and the rules.
    ``views`` as in :func:`assess`."""
    kb = kb if kb is not None else shipped_kb()
    rules = rules if rules is not None else shipped_rules()
    chosen = kb.incidents if incidents is None else list(incidents)
    return AssessmentDocument(
        kb_version=kb.version,
        rules_version=rules.version,
        assessments=[assess(i, kb, rules, views=views) for i in chosen],
    )


PARALLEL_FROM = 200
"""Below this many incidents, forking costs more than a second core saves."""

_JOB: tuple[list[Incident], KnowledgeBase, RuleSet, tuple[str, ...]] | None = None
"""What forked workers assess: set before the fork, so they inherit it instead of
receiving the knowledge base through a pipe."""


def assessment_document(
    incidents: Iterable[Incident] | None = None,
    kb: KnowledgeBase | None = None,
    rules: RuleSet | None = None,
    *,
    views: tuple[str, ...] = (),
    processes: int = 1,
) -> dict[str, Any]:
    """:func:`assess_many`'s document as JSON-ready data (``model_dump(mode="json")``),
    assessed in up to ``processes`` forked processes when there are many incidents and
    the system can fork; otherwise in this one. The answer is the same either way.

    A long list spends about as long in validating and dumping the typed results as in
    the rules, so the workers do both and send JSON back (a pickled result is slower to
    read than to make again)."""
    import multiprocessing
    import os

    kb = kb if kb is not None else shipped_kb()
    rules = rules if rules is not None else shipped_rules()
    chosen = list(kb.incidents if incidents is None else incidents)
    workers = min(processes, os.cpu_count() or 1, len(chosen) // (PARALLEL_FROM // 2) or 1)
    if workers < 2 or len(chosen) < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return assess_many(chosen, kb, rules, views=views).model_dump(mode="json")
    import orjson

    global _JOB
    _JOB = (chosen, kb, rules, views)
    bounds = [len(chosen) * k // workers for k in range(workers + 1)]
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = pool.map(_assessed_json, list(zip(bounds, bounds[1:], strict=False)))
    finally:
        _JOB = None
    return {"kb_version": kb.version, "rules_version": rules.version,
            "assessments": [item for part in parts for item in orjson.loads(part)]}


def _assessed_json(span: tuple[int, int]) -> bytes:
    import orjson

    assert _JOB is not None  # set by the parent before it forked
    chosen, kb, rules, views = _JOB
    return orjson.dumps([assess(i, kb, rules, views=views).model_dump(mode="json")
                         for i in chosen[span[0]:span[1]]])


__all__ = ["assess", "assess_many", "assessed_norms", "assessment_document", "derive", "norm_verdict",
           "law_answers"]
