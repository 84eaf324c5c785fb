"""Draft-norm what-if: run a draft rule over the whole catalogue before proposing it.

A draft is a rule in the format of ``rules/norms.yaml`` plus ``addresses`` (``states`` or
``all-actors``). It is evaluated with the vectorised engine over the catalogue, and
compared with an existing norm if asked.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError

from normwatch.analysis.results import WhatIfResult
from normwatch.engine.cel import MAX_LENGTH, compile_expression
from normwatch.engine.columnar import addresses_of, assess_table, frame
from normwatch.engine.responsibility import responsible_states
from normwatch.engine.rules import Clause, NormRule, RuleSet, check_expression, shipped_rules
from normwatch.errors import InputError, NotFound, Problem, from_validation_error
from normwatch.knowledge.commitments import committed
from normwatch.knowledge.dates import earliest
from normwatch.knowledge.load import KnowledgeBase, read_yaml, shipped_kb

COVERED = ("breach", "possible")
MAX_CLAUSES = 64
MAX_COST = 2048
"""Evaluation budget of one draft: AST nodes over all its expressions, each one vectorised
operation per incident (see :mod:`normwatch.engine.cel`)."""


class DraftClause(Clause):
    when: Annotated[str, Field(max_length=MAX_LENGTH)]
    reason: Annotated[str, Field(max_length=2000)]


class DraftRule(NormRule):
    """A draft norm's rule: a norm rule plus whom the norm addresses."""

    norm: Annotated[str, Field(max_length=100)]
    engaged: Annotated[list[DraftClause], Field(min_length=1, max_length=MAX_CLAUSES)]  # type: ignore[assignment]
    not_engaged: Annotated[str, Field(max_length=2000)]
    breach: Annotated[str, Field(max_length=MAX_LENGTH)] | None = None
    breach_reason: Annotated[str, Field(max_length=2000)] | None = None
    possible: Annotated[str, Field(max_length=MAX_LENGTH)] | None = None
    possible_reason: Annotated[str, Field(max_length=2000)] | None = None
    addresses: Literal["states", "all-actors"] = "states"


def read_draft(path: Path, rules: RuleSet) -> DraftRule:
    """Read and check a draft rule file; raise InputError naming file and field."""
    data, problems = read_yaml(path)
    if problems:
        raise InputError(problems)
    return draft_from_data(data, rules, str(path))


def draft_from_data(data: Any, rules: RuleSet, file: str) -> DraftRule:
    """Validate a parsed draft rule and its expressions; raise InputError naming ``file`` and field."""
    try:
        draft = DraftRule.model_validate(data)
    except ValidationError as exc:
        raise InputError(from_validation_error(file, "", exc)) from None
    known = rules.known_facts()
    found: list[Problem] = []
    texts = [c.when for c in draft.engaged] + [t for t in (draft.breach, draft.possible) if t]
    for text in texts:
        found += check_expression(text, known, file, draft.norm)
    if found:
        raise InputError(found)
    cost = sum(compile_expression(text).cost for text in texts)
    if cost > MAX_COST:
        raise InputError([Problem(file, draft.norm, "engaged",
                                  f"the draft's conditions have {cost} operations; at most {MAX_COST} are evaluated")])
    return draft


def whatif(
    draft: DraftRule,
    kb: KnowledgeBase | None = None,
    rules: RuleSet | None = None,
    against: str | None = None,
    instrument: str = "paris-call",
) -> WhatIfResult:
    """Which catalogue incidents the draft would cover, and how it differs from ``against``.

    ``kb`` and ``rules`` default to the shipped ones; an unknown norm or instrument raises
    :class:`normwatch.errors.NotFound`. The result's ``rules_version`` is the base rules'
    version plus a digest of the draft, since the draft changes the rule set.
    """
    kb = kb if kb is not None else shipped_kb()
    rules = rules if rules is not None else shipped_rules()
    if against is not None and against not in kb.norms:
        raise NotFound("norm", against)
    if instrument not in kb.instrument_by_id:
        raise NotFound("instrument", instrument)
    rule = NormRule.model_validate(draft.model_dump(exclude={"addresses"}))
    trial = dataclasses.replace(rules, norms={**rules.norms, draft.norm: rule})
    addresses = {**addresses_of(kb), draft.norm: draft.addresses}
    norm_ids = [draft.norm] + ([against] if against else [])
    table = assess_table(frame(kb.incidents), trial, norm_ids, addresses)
    verdicts = dict(zip(table["id"].to_list(), table[draft.norm].to_list(), strict=True))
    covered = [i for i in kb.incidents if verdicts[i.id] in COVERED]
    by_year = Counter(i.start[:4] for i in covered)
    by_state: Counter[str] = Counter()
    signatories: Counter[str] = Counter()
    rows = []
    for incident in covered:
        responsible = responsible_states(incident)
        top = responsible[0].state if responsible else None
        by_state[top or "unattributed"] += 1
        if top is None:
            side = "unattributed"
        else:
            side = "signatory" if committed(top, instrument, earliest(incident.start), kb=kb) else "non-signatory"
        signatories[side] += 1
        rows.append({"incident": incident.id, "start": incident.start, "verdict": verdicts[incident.id],
                     "responsible": top, "responsible_side": side})
    result: dict[str, Any] = {
        "draft": draft.norm,
        "rules_version": f"{rules.version}+draft.{_digest(draft)}",
        "kb_version": kb.version,
        "incidents": len(kb.incidents),
        "verdicts": dict(Counter(verdicts.values())),
        "covered": rows,
        "by_year": dict(sorted(by_year.items())),
        "by_responsible_state": dict(by_state.most_common()),
        "signatories": {"instrument": instrument, **dict(signatories)},
    }
    if against:
        existing = dict(zip(table["id"].to_list(), table[against].to_list(), strict=True))
        gained = sorted(i for i in verdicts if verdicts[i] in COVERED and existing[i] not in COVERED)
        lost = sorted(i for i in verdicts if existing[i] in COVERED and verdicts[i] not in COVERED)
        both = sorted(i for i in verdicts if verdicts[i] in COVERED and existing[i] in COVERED)
        result["against"] = {"norm": against, "both": both, "only_draft": gained, "only_existing": lost}
    return WhatIfResult.model_validate(result)


def _digest(draft: DraftRule) -> str:
    text = json.dumps(draft.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:8]
