"""International law as each state reads it: the law answers under published positions.

The baseline answers (``law`` in Contract 3) follow the Tallinn Manual 2.0. States that
published how they read international law in cyberspace disagree on several points (is
sovereignty a rule of its own, is due diligence binding, can non-physical effects be
force). A view takes a state's (or a group's) coded position from the knowledge base and
re-answers the questions where that position changes the reading, through the view rules
of ``rules/law.yaml`` (``views``). The stance per topic is data; the code names no state.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from normwatch.engine.cel import Fact
from normwatch.engine.law import answer_question
from normwatch.engine.rules import LAW_QUESTIONS, LawQuestion, RuleSet, ViewRule
from normwatch.knowledge.commitments import members_on
from normwatch.knowledge.countries import country_name, is_country
from normwatch.knowledge.dates import earliest
from normwatch.knowledge.load import KnowledgeBase
from normwatch.knowledge.models import Position, Stance

BASELINE = "tallinn"
BASELINE_SOURCE = "https://ccdcoe.org/research/tallinn-manual/"
VIEW_QUESTIONS = ("sovereignty", "intervention", "use_of_force", "armed_attack", "due_diligence")
"""The questions a position's topics speak to (each topic has the question's name)."""


def _who(code: str, kb: KnowledgeBase) -> str:
    if is_country(code):
        return country_name(code)
    org = kb.organisation_by_id.get(code)
    return org.name if org else code


def positions_of(kb: KnowledgeBase, who: str) -> list[Position]:
    """A state's or group's positions, latest first."""
    return sorted((p for p in kb.positions if p.who == who), key=lambda p: str(p.date), reverse=True)


def _stance(positions: list[Position], topic: str) -> tuple[Position, Stance] | None:
    """The latest position that speaks to ``topic``, with its stance."""
    for position in positions:
        stance = dict(position.topics).get(topic)  # type: ignore[call-overload]
        if stance is not None:
            return position, stance
    return None


def default_views(kb: KnowledgeBase, victims: set[str], responsible: list[str], on: dt.date) -> list[str]:
    """Whose views an assessment shows: each victim state with a position, the responsible
    states with one, and the groups (e.g. the EU, the African Union) a victim belonged to on
    the date, when the group has published a position."""
    # A position that codes none of the questions would only repeat the baseline.
    authors = {p.who for p in kb.positions if set(p.topics) & set(VIEW_QUESTIONS)}
    chosen = [v for v in sorted(victims) if v in authors]
    chosen += [r for r in responsible if r in authors and r not in chosen]
    for org in kb.organisations:
        if org.id in authors and victims & members_on(org, on) and org.id not in chosen:
            chosen.append(org.id)
    return chosen


def _view_rule(rules: RuleSet, topic: str, stance: str) -> ViewRule | None:
    return next((v for v in rules.views if v.topic == topic and v.stance == stance), None)


def law_view(
    who: str,
    kb: KnowledgeBase,
    rules: RuleSet,
    facts: dict[str, Fact],
    baseline: dict[str, tuple[str, list[str]]],
    responsible: list[str],
) -> dict[str, Any]:
    """The law answers under one state's or group's published position."""
    positions = positions_of(kb, who)
    name = _who(who, kb)
    answers: dict[str, str] = {}
    reasons: dict[str, list[str]] = {}
    sources: list[str] = []
    spoken: list[str] = []
    for question in VIEW_QUESTIONS:
        found = _stance(positions, question)
        base_answer, base_reasons = baseline[question]
        if found is None:
            answers[question] = base_answer
            reasons[question] = [
                f"{name}'s published positions are silent on {question.replace('_', ' ')}: "
                "the Tallinn baseline is shown"
            ]
            continue
        position, stance = found
        spoken.append(question)
        cite = f"{position.title}, {position.date}, {stance.paragraph}"
        doubt = " (coded second-hand: unconfirmed)" if stance.unconfirmed or position.unconfirmed else ""
        held = f"{name} holds: {stance.summary.strip()} ({cite}){doubt}"
        url = stance.source or position.url
        if url not in sources:
            sources.append(url)
        rule = _view_rule(rules, question, stance.stance)
        if rule is None:
            answers[question] = base_answer
            reasons[question] = [held, "on this point the position reads the law as the baseline does",
                                 *base_reasons]
        elif rule.answer is not None:
            answers[question] = rule.answer
            reasons[question] = [held, rule.reason or ""]
        else:
            q = LawQuestion(
                id=question,
                rule=f"{name}'s position ({cite})",
                yes_when=rule.yes_when, no_when=rule.no_when, possible_when=rule.possible_when,
                no_reason=rule.no_reason or "the position's test is not met",
            )
            answer, why = answer_question(q, facts, rules)
            answers[question] = answer
            reasons[question] = [held, *why]
    view: dict[str, Any] = {
        "view": who, "name": name, "source": sources[0] if sources else positions[0].url,
        "sources": sources or [positions[0].url],
        "answers": answers, "reasons": reasons,
        "silent": [q for q in VIEW_QUESTIONS if q not in spoken],
    }
    if who in responsible:
        # A state's own reading turned on its own conduct.
        view["breaks_own_reading"] = [
            q for q in ("sovereignty", "intervention", "use_of_force")
            if q in spoken and answers[q] == "yes"
        ]
    return view


def law_views(
    kb: KnowledgeBase,
    rules: RuleSet,
    facts: dict[str, Fact],
    baseline: dict[str, tuple[str, list[str]]],
    victims: set[str],
    responsible: list[str],
    start: str,
    extra: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """The views of Contract 3's ``law_views``: the Tallinn baseline first, then each
    default view (:func:`default_views`) and those asked for in ``extra``."""
    on = earliest(start)
    out: list[dict[str, Any]] = [{
        "view": BASELINE, "name": "Tallinn Manual 2.0 (the baseline)", "source": BASELINE_SOURCE,
        "sources": [BASELINE_SOURCE],
        "answers": {q: baseline[q][0] for q in VIEW_QUESTIONS},
        "reasons": {q: baseline[q][1] for q in VIEW_QUESTIONS},
    }]
    chosen = default_views(kb, victims, responsible, on)
    chosen += [e for e in extra if e not in chosen and e != BASELINE]
    for who in chosen:
        if not positions_of(kb, who):
            continue
        out.append(law_view(who, kb, rules, facts, baseline, responsible))
    return out


__all__ = ["BASELINE", "LAW_QUESTIONS", "default_views", "law_view", "law_views", "positions_of"]
