"""normwatch: norms as code for cyberspace.

The library API is the product; the command line, the REST API and the web UI wrap it.
Everything public is importable from here::

    import normwatch
    kb = normwatch.load_kb()
    normwatch.committed("FRA", "paris-call:3", on="2020-01-01")
    normwatch.assess("notpetya-2017").norms[0].verdict
    normwatch.route("FRA", "NLD", "subscriber", on="2026-11-22").channels[0].id

Names are loaded on first use, so ``import normwatch`` stays cheap: a command pays only
for what it uses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from normwatch._version import __version__

if TYPE_CHECKING:
    from normwatch.analysis.analytics import scorecard
    from normwatch.analysis.brief import brief
    from normwatch.analysis.rankings import rankings
    from normwatch.analysis.results import Brief, WhatIfResult
    from normwatch.analysis.whatif import DraftRule, whatif
    from normwatch.engine.assessment import assess, assess_many
    from normwatch.engine.results import Assessment, AssessmentDocument
    from normwatch.engine.rules import RuleSet, load_rules
    from normwatch.errors import Conflict, InputError, NormwatchError, NotFound, Problem
    from normwatch.evidence.answer import RouteAnswer
    from normwatch.evidence.router import route
    from normwatch.interchange.fromtext import TextDraft, draft_from_text
    from normwatch.knowledge.check import check
    from normwatch.knowledge.commitments import CommitmentStatus, commitment_status, committed
    from normwatch.knowledge.load import KnowledgeBase, load_kb
    from normwatch.knowledge.models import (
        Commitment,
        Framework,
        Incident,
        Instrument,
        Membership,
        Norm,
        Organisation,
        State,
        StateBody,
        ThreatActor,
    )

_WHERE = {
    "load_kb": "normwatch.knowledge.load", "KnowledgeBase": "normwatch.knowledge.load",
    "check": "normwatch.knowledge.check",
    "committed": "normwatch.knowledge.commitments", "commitment_status": "normwatch.knowledge.commitments",
    "CommitmentStatus": "normwatch.knowledge.commitments",
    "load_rules": "normwatch.engine.rules", "RuleSet": "normwatch.engine.rules",
    "assess": "normwatch.engine.assessment", "assess_many": "normwatch.engine.assessment",
    "Assessment": "normwatch.engine.results", "AssessmentDocument": "normwatch.engine.results",
    "RouteAnswer": "normwatch.evidence.answer",
    "route": "normwatch.evidence.router",
    "brief": "normwatch.analysis.brief", "Brief": "normwatch.analysis.results",
    "WhatIfResult": "normwatch.analysis.results",
    "whatif": "normwatch.analysis.whatif", "DraftRule": "normwatch.analysis.whatif",
    "scorecard": "normwatch.analysis.analytics", "rankings": "normwatch.analysis.rankings",
    "draft_from_text": "normwatch.interchange.fromtext", "TextDraft": "normwatch.interchange.fromtext",
    **{name: "normwatch.knowledge.models" for name in (
        "Commitment", "Framework", "Incident", "Instrument", "Membership", "Norm", "Organisation",
        "State", "StateBody", "ThreatActor")},
    **{name: "normwatch.errors" for name in ("NormwatchError", "InputError", "NotFound", "Conflict", "Problem")},
}

__all__ = [
    "Brief", "WhatIfResult",
    "Assessment", "AssessmentDocument", "RouteAnswer", "assess_many",
    "Commitment", "CommitmentStatus", "Conflict",
    "DraftRule", "Framework", "Incident", "InputError", "Instrument", "KnowledgeBase",
    "Membership", "Norm", "NormwatchError", "NotFound", "Organisation", "Problem",
    "RuleSet", "State", "StateBody", "ThreatActor", "assess",
    "brief", "check", "commitment_status", "committed", "load_kb", "load_rules", "route",
    "scorecard", "rankings", "draft_from_text", "TextDraft", "whatif", "__version__",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'normwatch' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
