"""An outside peer: the shipped rules translated into the ``rule-engine`` package's language.

Every condition of the rule files (derived facts, every clause of every norm, the law
questions, the red line and tolerated espionage) is translated mechanically from its CEL
syntax tree into rule-engine expressions, and evaluated per incident with rule-engine.

rule-engine is two-valued, while normwatch reads rules in three-valued (Kleene) logic: an
unrecorded fact is unknown, not false. So each boolean condition ``c`` becomes two
rule-engine expressions, "``c`` is certainly true" and "``c`` is certainly false"
(``a && b`` is certainly true when both are, certainly false when either is), and a
number ``n`` becomes its value and "``n`` is known" (``n != null``). CEL's
``&&``/``||``/``!``/``==`` map onto ``and``/``or``/``not``/``==``, and the facts
``op_*`` and ``sector_*`` onto list membership (``'espionage' in operation``). Each norm,
law question and act becomes one rule-engine rule whose value is the verdict.

The per-incident record holds the incident's operation and sector lists and its other
base facts (effects after the closed-world inferences, responsibility, ...), prepared
with normwatch's reference code outside the timed loop, so the peer's time is rule
evaluation only.

    .venv/bin/python benchmarks/bench_rule_engine.py [--sample 1000]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from normwatch.engine.facts import base_facts, ident
from normwatch.engine.rules import Clause, RuleSet, expression
from normwatch.knowledge.models import OPERATIONS, SECTORS, Incident

MEMBERSHIP = {
    **{f"op_{ident(op)}": ("operation", op) for op in OPERATIONS},
    **{f"sector_{ident(sector)}": ("sectors", sector) for sector in SECTORS},
}
"""Facts that are list membership in the incident record: fact -> (list field, word)."""

_CMP = ("==", "!=", "<", "<=", ">", ">=")


class Untranslatable(ValueError):
    """A CEL form the translator does not cover."""


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


class Translator:
    """CEL syntax trees (from :mod:`normwatch.engine.cel`) to rule-engine expression text."""

    def __init__(self, kinds: Mapping[str, str]) -> None:
        self.kinds = kinds

    def true(self, node: Any) -> str:
        """rule-engine text that is true exactly when ``node`` is certainly true."""
        return self._truth(node)[0]

    def false(self, node: Any) -> str:
        """rule-engine text that is true exactly when ``node`` is certainly false."""
        return self._truth(node)[1]

    def _truth(self, node: Any) -> tuple[str, str]:
        kind = node[0]
        if kind == "lit":
            if not isinstance(node[1], bool):
                raise Untranslatable(f"{node[1]!r} is not a condition")
            return ("true", "false") if node[1] else ("false", "true")
        if kind == "ident":
            name = node[1]
            if name in MEMBERSHIP:
                field, word = MEMBERSHIP[name]
                test = f"{_quote(word)} in {field}"
                return f"({test})", f"(not {test})"
            if self.kinds.get(name) != "bool":
                raise Untranslatable(f"{name} is not a boolean fact")
            return f"({name} == true)", f"({name} == false)"
        if kind == "not":
            true, false = self._truth(node[1])
            return false, true
        if kind in ("and", "or"):
            (at, af), (bt, bf) = self._truth(node[1]), self._truth(node[2])
            if kind == "and":
                return f"({at} and {bt})", f"({af} or {bf})"
            return f"({at} or {bt})", f"({af} and {bf})"
        if kind == "cond":
            (ct, cf), (at, af), (bt, bf) = (self._truth(part) for part in node[1:])
            return (f"(({ct} and {at}) or ({cf} and {bt}) or ({at} and {bt}))",
                    f"(({ct} and {af}) or ({cf} and {bf}) or ({af} and {bf}))")
        if kind == "cmp" and node[1] in _CMP:
            op, left, right = node[1], node[2], node[3]
            if self._is_bool(left) and self._is_bool(right) and op in ("==", "!="):
                (lt, lf), (rt, rf) = self._truth(left), self._truth(right)
                same, differ = f"(({lt} and {rt}) or ({lf} and {rf}))", f"(({lt} and {rf}) or ({lf} and {rt}))"
                return (same, differ) if op == "==" else (differ, same)
            (lv, lk), (rv, rk) = self._number(left), self._number(right)
            known = f"{lk} and {rk}"
            return f"({known} and {lv} {op} {rv})", f"({known} and not ({lv} {op} {rv}))"
        raise Untranslatable(f"{kind} is not translated")

    def _is_bool(self, node: Any) -> bool:
        if node[0] == "lit":
            return isinstance(node[1], bool)
        if node[0] == "ident":
            return node[1] in MEMBERSHIP or self.kinds.get(node[1]) == "bool"
        return node[0] in ("not", "and", "or", "cmp")

    def _number(self, node: Any) -> tuple[str, str]:
        """A number's value text and its "is known" text."""
        kind = node[0]
        if kind == "lit" and isinstance(node[1], int | float) and not isinstance(node[1], bool):
            return repr(node[1]), "true"
        if kind == "ident" and self.kinds.get(node[1]) == "number":
            return node[1], f"({node[1]} != null)"
        if kind == "neg":
            value, known = self._number(node[1])
            return f"(-{value})", known
        if kind == "arith" and node[1] in ("+", "-", "*"):
            (lv, lk), (rv, rk) = self._number(node[2]), self._number(node[3])
            return f"({lv} {node[1]} {rv})", f"({lk} and {rk})"
        raise Untranslatable(f"{kind} is not translated as a number")


def _any(clauses: Iterable[Clause], translate: Translator) -> tuple[str, str]:
    """Kleene OR of clauses: certainly true when one is, certainly false when all are."""
    trees = [expression(c.when).ast for c in clauses]
    if not trees:
        return "false", "true"
    return (" or ".join(translate.true(t) for t in trees),
            " and ".join(translate.false(t) for t in trees))


@dataclass(frozen=True)
class PeerRules:
    """The rule set as rule-engine rules: derived facts (each yields true, false or null),
    then one rule per family whose value is the answer."""

    derived: tuple[tuple[str, Any], ...]
    red_line: Any
    tolerated: Any
    norms: tuple[tuple[str, Any], ...]
    law: tuple[tuple[str, Any], ...]
    unruled: tuple[str, ...]
    """Norms without a rule: always undetermined, nothing to evaluate."""
    expressions: int
    """How many rule-engine rules (derived facts plus families)."""


def translate(rules: RuleSet, norm_ids: list[str], addresses: Mapping[str, str]) -> PeerRules:
    """Translate every condition of ``rules`` into compiled rule-engine rules."""
    import rule_engine

    context = rule_engine.Context()
    tr = Translator(rules.known_facts())

    def compiled(text: str) -> Any:
        return rule_engine.Rule(text, context=context)

    def three_valued(true: str, false: str) -> str:
        return f"({true}) ? true : (({false}) ? false : null)"

    derived = tuple(
        (item.name, compiled(three_valued(tr.true(expression(item.when).ast),
                                          tr.false(expression(item.when).ast))))
        for item in rules.derived
    )
    line_true, _ = _any(rules.red_line, tr)
    norms = []
    for norm_id in norm_ids:
        rule = rules.norms.get(norm_id)
        if rule is None:
            continue
        default = rules.responsibility[addresses[norm_id]]
        engaged_true, engaged_false = _any(rule.engaged, tr)
        breach = tr.true(expression(rule.breach or default.breach).ast)
        possible = tr.true(expression(rule.possible or default.possible).ast)
        norms.append((norm_id, compiled(
            f"(({engaged_true}) and {breach}) ? 'breach' : "
            f"((({engaged_true}) and {possible}) ? 'possible' : "
            f"(({engaged_false}) ? 'not-engaged' : 'undetermined'))"
        )))
    law = []
    for q in rules.law:
        yes_true, yes_false = _any(q.yes_when, tr)
        no_true, _ = _any(q.no_when, tr)
        possible_true, possible_false = _any(q.possible_when, tr)
        law.append((q.id, compiled(
            f"({yes_true}) ? 'yes' : (({no_true}) ? 'no' : (({possible_true}) ? 'possible' : "
            f"((({yes_false}) and ({possible_false})) ? 'no' : 'undetermined')))"
        )))
    tolerated = tr.true(expression(rules.tolerated.when).ast)
    unruled = tuple(n for n in norm_ids if n not in rules.norms)
    return PeerRules(derived, compiled(line_true), compiled(tolerated), tuple(norms), tuple(law),
                     unruled, len(derived) + 2 + len(norms) + len(law))


def record(incident: Incident, rules: RuleSet) -> dict[str, Any]:
    """What rule-engine reads for one incident: its operation and sector lists, and its
    other base facts (after the closed-world inferences)."""
    facts = {k: v for k, v in base_facts(incident, rules.closed_world).items() if k not in MEMBERSHIP}
    facts["operation"] = list(incident.operation)
    facts["sectors"] = [t.sector for t in incident.targets]
    return facts


def evaluate(peer: PeerRules, thing: dict[str, Any]) -> dict[str, Any]:
    """Every answer for one incident record, in the reference's terms: the red line,
    tolerated espionage, one verdict per norm and ``law_<question>``."""
    for name, rule in peer.derived:
        thing[name] = rule.evaluate(thing)
    thing["red_line"] = bool(peer.red_line.evaluate(thing))
    out: dict[str, Any] = {
        "red_line": thing["red_line"],
        "tolerated_espionage": bool(peer.tolerated.evaluate(thing)),
    }
    for norm_id, rule in peer.norms:
        out[norm_id] = rule.evaluate(thing)
    out.update(dict.fromkeys(peer.unruled, "undetermined"))
    for question, rule in peer.law:
        out[f"law_{question}"] = rule.evaluate(thing)
    return out


def run(
    peer: PeerRules, incidents: list[Incident], rules: RuleSet
) -> tuple[list[dict[str, Any]], float]:
    """Answers for each incident and the seconds rule-engine took (records prepared first)."""
    things = [record(i, rules) for i in incidents]
    start = time.perf_counter()
    answers = [evaluate(peer, thing) for thing in things]
    return answers, time.perf_counter() - start


def mismatches(answers: list[dict[str, Any]], reference: list[Any]) -> int:
    """How many answers differ from the reference assessments (Contract 3 models)."""
    count = 0
    for got, item in zip(answers, reference, strict=True):
        count += sum(got[n.id] != n.verdict for n in item.norms)
        count += sum(got[f"law_{q}"] != v for q, v in item.law.model_dump().items())
        count += got["red_line"] != item.red_line
        count += got["tolerated_espionage"] != item.tolerated_espionage
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=1000)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    from synthetic import generate

    import normwatch
    from normwatch.engine.assessment import assess
    from normwatch.engine.columnar import addresses_of, incidents_from_table
    from normwatch.engine.rules import load_rules

    kb, rules = normwatch.load_kb(), load_rules()
    peer = translate(rules, list(kb.norms), addresses_of(kb))
    sample = incidents_from_table(generate(args.sample, seed=args.sample))
    answers, took = run(peer, sample, rules)
    start = time.perf_counter()
    reference = [assess(i, kb, rules) for i in sample]
    ref_took = time.perf_counter() - start
    print(f"rule-engine: {peer.expressions} rules, {took / len(sample) * 1e3:.3f} ms/incident "
          f"({len(sample) / took:,.0f}/s, rules only); reference evaluator "
          f"{ref_took / len(sample) * 1e3:.3f} ms/incident; mismatches {mismatches(answers, reference)}")


if __name__ == "__main__":
    main()
