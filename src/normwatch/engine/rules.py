"""Rules as data: loading and compiling the YAML rule files in ``normwatch/data/rules``.

Five files, each with a ``version``: ``derived.yaml`` (derived facts), ``norms.yaml``
(one rule per norm), ``acts.yaml`` (red lines, tolerated espionage), ``law.yaml``
(international-law questions) and ``responses.yaml`` (response options). Every
condition is CEL (see :mod:`normwatch.engine.cel`); unknown identifiers are refused at load.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from normwatch.data import shipped
from normwatch.engine.cel import Expression, RuleSyntaxError, compile_expression, remember
from normwatch.engine.facts import ClosedWorld, fact_kinds
from normwatch.errors import InputError, Problem, from_validation_error
from normwatch.knowledge.load import read_yaml

LAW_QUESTIONS = (
    "sovereignty", "intervention", "use_of_force", "armed_attack", "due_diligence",
    "ihl_applies", "ihl_attack", "ihl_distinction",
)
LawQuestionId = Literal[
    "sovereignty", "intervention", "use_of_force", "armed_attack", "due_diligence",
    "ihl_applies", "ihl_attack", "ihl_distinction",
]
Verdict = Literal["breach", "possible", "not-engaged", "undetermined"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Clause(_Strict):
    """A condition and the plain words that explain it when it holds."""

    when: str
    reason: str


class Derived(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    meaning: str
    when: str


class Responsibility(_Strict):
    breach: str
    breach_reason: str
    possible: str
    possible_reason: str


class NormRule(_Strict):
    """When an act engages a norm, and (optionally) who must be responsible for a breach."""

    norm: str
    engaged: list[Clause] = Field(min_length=1)
    not_engaged: str
    breach: str | None = None
    breach_reason: str | None = None
    possible: str | None = None
    possible_reason: str | None = None


class LawQuestion(_Strict):
    id: LawQuestionId
    rule: str
    settled: Literal["settled", "disputed"] | None = None
    """Whether the rule the answer rests on is settled law or disputed among states and experts."""
    yes_when: list[Clause] = []
    no_when: list[Clause] = []
    possible_when: list[Clause] = []
    no_reason: str


class ResponseOption(_Strict):
    id: str
    kind: Literal["retorsion", "countermeasure", "necessity", "self-defence", "eu-toolbox"]
    when: str
    reason: str


class Tolerated(_Strict):
    when: str
    reason: str


class _DerivedFile(_Strict):
    version: str
    derived: list[Derived]
    closed_world: list[ClosedWorld] = []


class _NormsFile(_Strict):
    version: str
    responsibility: dict[Literal["states", "all-actors"], Responsibility]
    norms: list[NormRule]

    @model_validator(mode="after")
    def _unique(self) -> _NormsFile:
        ids = [r.norm for r in self.norms]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"norms: duplicate rules for {', '.join(dupes)}")
        return self


class _ActsFile(_Strict):
    version: str
    red_line: list[Clause]
    tolerated_espionage: Tolerated


class ViewRule(_Strict):
    """How one coded stance of a published position re-answers one law question
    (``views`` in law.yaml). With ``answer`` the stance settles the question outright;
    otherwise its clauses replace the baseline's."""

    topic: Literal["sovereignty", "intervention", "use_of_force", "armed_attack", "due_diligence"]
    stance: str
    answer: Literal["yes", "no", "possible"] | None = None
    reason: str | None = None
    yes_when: list[Clause] = []
    no_when: list[Clause] = []
    possible_when: list[Clause] = []
    no_reason: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> ViewRule:
        if self.answer is not None and not self.reason:
            raise ValueError("reason: a view rule with a fixed answer needs the reason")
        if self.answer is None and not (self.yes_when or self.possible_when or self.no_when):
            raise ValueError("yes_when: give a fixed answer or the clauses of the view")
        return self


class _LawFile(_Strict):
    version: str
    questions: list[LawQuestion]
    views: list[ViewRule] = []


class _ResponsesFile(_Strict):
    version: str
    options: list[ResponseOption]


INJECTED_MEANINGS = {
    "red_line": "the incident crossed a red line (acts.yaml), computed before the law and responses",
    "eu_victim": "a victim state was an EU member on the incident's start (for the EU toolbox)",
    **{f"law_{q}_{level}": f"the {q.replace('_', ' ')} answer is {level}" for q in LAW_QUESTIONS
       for level in ("yes", "possible")},
}
"""Facts the engine computes between rule families (for the response options), and what
they mean."""
INJECTED = dict.fromkeys(INJECTED_MEANINGS, "bool")


@dataclass(frozen=True)
class RuleSet:
    """Every rule, compiled, with a version that changes whenever a rule file changes.

    ``version`` is the first 8 hex digits of a SHA-256 over the five rule files (names and
    contents), like a commit id: any edit gives a new one. Each file's own ``version``
    field is kept in ``file_versions``; :attr:`label` says both in words."""

    version: str
    derived: tuple[Derived, ...]
    responsibility: dict[str, Responsibility]
    norms: dict[str, NormRule]
    red_line: tuple[Clause, ...]
    tolerated: Tolerated
    law: tuple[LawQuestion, ...]
    responses: tuple[ResponseOption, ...]
    files: dict[str, str]
    closed_world: tuple[ClosedWorld, ...] = ()
    views: tuple[ViewRule, ...] = ()
    file_versions: tuple[tuple[str, str], ...] = ()
    """(file, its ``version`` field) for derived, norms, acts, law and responses."""

    @property
    def label(self) -> str:
        """The version in words, for documents: the digest, what the rules cover and each
        file's own version, e.g. ``rules 4b82d5db · 29 norms in 4 frameworks · files
        derived 2, norms 1, acts 1, law 2, responses 1``."""
        frameworks = len({norm.split(":")[0] for norm in self.norms})
        files = ", ".join(f"{name} {version}" for name, version in self.file_versions)
        return (f"rules {self.version} · {len(self.norms)} norms in {frameworks} frameworks"
                + (f" · files {files}" if files else ""))

    def known_facts(self) -> dict[str, str]:
        """Every fact a rule condition may read, with its type: the base facts, the derived
        facts of this rule set, and those the engine injects between rule families."""
        return {**fact_kinds(), **{d.name: "bool" for d in self.derived}, **INJECTED}

    def expressions(self) -> list[str]:
        """Every CEL expression text in the rule set."""
        texts = [d.when for d in self.derived]
        for resp in self.responsibility.values():
            texts += [resp.breach, resp.possible]
        for rule in self.norms.values():
            texts += [c.when for c in rule.engaged]
            texts += [t for t in (rule.breach, rule.possible) if t]
        texts += [c.when for c in self.red_line] + [self.tolerated.when]
        for q in self.law:
            texts += [c.when for c in (*q.yes_when, *q.no_when, *q.possible_when)]
        texts += [o.when for o in self.responses]
        for v in self.views:
            texts += [c.when for c in (*v.yes_when, *v.no_when, *v.possible_when)]
        return texts


def default_folder() -> Path:
    return shipped("rules")


def _read(path: Path, model: type[Any]) -> tuple[Any, list[Problem]]:
    data, problems = read_yaml(path)
    if problems:
        return None, problems
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, from_validation_error(str(path), "", exc)


def _check_names(rules: RuleSet, kinds: Mapping[str, str]) -> list[Problem]:
    """Refuse expressions that use an unknown fact, or are outside the CEL subset."""
    problems = []
    known = dict(kinds)
    for d in rules.derived:
        problems += check_expression(d.when, known, rules.files["derived"], d.name)
        known[d.name] = "bool"
    known = rules.known_facts()
    for text in rules.expressions()[len(rules.derived):]:
        problems += check_expression(text, known, "rules", "")
    return problems


def check_expression(text: str, known: dict[str, str], file: str, record: str) -> list[Problem]:
    try:
        expr = compile_expression(text)
    except RuleSyntaxError as exc:
        return [Problem(file, record, "when", f"{exc} in {text!r}")]
    unknown = sorted(expr.names - set(known))
    if unknown:
        return [Problem(file, record, "when", f"unknown fact(s) {', '.join(unknown)} in {text!r}")]
    return []


def load_rules(folder: Path | None = None) -> RuleSet:
    """Load and compile the rule files; raise :class:`InputError` naming file and field."""
    root = folder or default_folder()
    parts = {
        "derived": (root / "derived.yaml", _DerivedFile),
        "norms": (root / "norms.yaml", _NormsFile),
        "acts": (root / "acts.yaml", _ActsFile),
        "law": (root / "law.yaml", _LawFile),
        "responses": (root / "responses.yaml", _ResponsesFile),
    }
    from normwatch.knowledge import diskcache

    # The version names the rules' content only; the cache key also names where they are
    # (problems quote the file's path).
    digest = hashlib.sha256()
    for path, _ in parts.values():
        digest.update(path.name.encode())
        if path.is_file():
            digest.update(path.read_bytes())
    where = hashlib.sha256("|".join(str(path) for path, _ in parts.values()).encode()).hexdigest()[:16]
    key = digest.hexdigest() + where + diskcache.code_key(
        "engine/rules", "engine/cel", "engine/facts", "knowledge/models"
    )
    cached = diskcache.load("rules", key)
    if isinstance(cached, tuple) and len(cached) == 2 and isinstance(cached[0], RuleSet):
        remember(cached[1])
        return cached[0]
    rules = _build(parts, digest.hexdigest()[:8])
    expressions = {text: compile_expression(text) for text in rules.expressions()}
    diskcache.save("rules", key, (rules, expressions))
    return rules


def _build(parts: Mapping[str, tuple[Path, Any]], short: str) -> RuleSet:
    loaded: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, (path, model) in parts.items():
        value, found = _read(path, model)
        problems += found
        loaded[key] = value
    if problems:
        raise InputError(problems)
    rules = RuleSet(
        version=short,
        derived=tuple(loaded["derived"].derived),
        responsibility=dict(loaded["norms"].responsibility),
        norms={r.norm: r for r in loaded["norms"].norms},
        red_line=tuple(loaded["acts"].red_line),
        tolerated=loaded["acts"].tolerated_espionage,
        law=tuple(loaded["law"].questions),
        responses=tuple(loaded["responses"].options),
        files={k: str(path) for k, (path, _) in parts.items()},
        closed_world=tuple(loaded["derived"].closed_world),
        views=tuple(loaded["law"].views),
        file_versions=tuple((k, str(loaded[k].version)) for k in parts),
    )
    problems = _check_names(rules, fact_kinds())
    asked = {q.id for q in rules.law}
    if asked != set(LAW_QUESTIONS):
        problems.append(Problem(rules.files["law"], "", "questions",
                                f"must answer exactly {', '.join(LAW_QUESTIONS)}"))
    if problems:
        raise InputError(problems)
    return rules


@cache
def shipped_rules() -> RuleSet:
    """The rule set shipped with the package (cached)."""
    return load_rules()


def expression(text: str) -> Expression:
    """Compile one condition (cached)."""
    return compile_expression(text)
