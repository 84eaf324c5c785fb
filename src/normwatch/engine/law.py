"""The three-valued reading of rule clauses, and the answer to one legal question.

Shared by the baseline answers (:mod:`normwatch.engine.assessment`) and the answers under
states' own positions (:mod:`normwatch.engine.views`).
"""

from __future__ import annotations

from normwatch.engine.cel import Fact
from normwatch.engine.rules import Clause, LawQuestion, RuleSet, expression


def _missing(text: str, facts: dict[str, Fact], derived: dict[str, str]) -> list[str]:
    """The unknown base facts behind an undecided expression (derived facts expanded)."""
    found: set[str] = set()
    todo = [n for n in expression(text).names if facts.get(n) is None]
    while todo:
        name = todo.pop()
        if name in derived:
            todo += [n for n in expression(derived[name]).names if facts.get(n) is None and n not in found]
        found.add(name)
    return sorted(n for n in found if n not in derived) or sorted(found)


def clauses(
    clauses: list[Clause] | tuple[Clause, ...], facts: dict[str, Fact], rules: RuleSet
) -> tuple[bool | None, list[str], list[str]]:
    """Kleene OR of clauses; the reasons of those that hold, and notes on unknown ones."""
    derived: dict[str, str] | None = None  # only an unknown clause needs it
    held, unknown = [], []
    for clause in clauses:
        value = expression(clause.when).evaluate(facts)
        if value:
            held.append(f"{clause.reason} [rule: {clause.when.strip()}]")
        elif value is None:
            if derived is None:
                derived = {d.name: d.when for d in rules.derived}
            missing = ", ".join(_missing(clause.when, facts, derived)) or "a fact"
            unknown.append(f"cannot tell whether {clause.reason}: unknown {missing}")
    if held:
        return True, held, unknown
    return (None if unknown else False), held, unknown


def answer_question(
    q: LawQuestion, facts: dict[str, Fact], rules: RuleSet
) -> tuple[str, list[str]]:
    """One legal question's answer (yes, possible, no, undetermined) with its reasons."""
    yes, yes_held, yes_unknown = clauses(q.yes_when, facts, rules)
    settled_no, no_held, _ = clauses(q.no_when, facts, rules)
    possible, pos_held, pos_unknown = clauses(q.possible_when, facts, rules)
    cite = f" ({q.rule}; {q.settled} rule)" if q.settled else f" ({q.rule})"
    if yes:
        return "yes", [r + cite for r in yes_held]
    if settled_no:
        return "no", [r + cite for r in no_held]
    if possible:
        return "possible", [r + cite for r in pos_held] + yes_unknown
    if yes is False and possible is False:
        return "no", [q.no_reason + cite]
    return "undetermined", yes_unknown + pos_unknown


def law_answers(rules: RuleSet, facts: dict[str, Fact]) -> dict[str, tuple[str, list[str]]]:
    """Each legal question's answer (yes, possible, no, undetermined) with reasons."""
    return {q.id: answer_question(q, facts, rules) for q in rules.law}



__all__ = ["answer_question", "clauses", "law_answers"]
