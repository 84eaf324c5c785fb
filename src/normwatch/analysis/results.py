"""The typed results of a crisis brief and of a draft-norm what-if (docs/contracts.md).

``model_dump(mode="json")`` of each is exactly what ``normwatch brief --format json`` and
``normwatch whatif --json`` print.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, field_serializer, model_serializer

from normwatch.engine.results import Assessment, Verdict
from normwatch.knowledge.models import Incident, Response


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Precedent(_Result):
    """A catalogue incident like this one, what they share, and the responses it drew."""

    incident: str
    name: str
    start: str
    similarity: float
    shared: list[str]
    responses: list[Response]

    @field_serializer("responses")
    def _responses(self, value: list[Response]) -> list[dict[str, Any]]:
        # a response's unknown date is left out, as in the incident record
        return [r.model_dump(mode="json", exclude_none=True) for r in value]


class CrisisChannel(_Result):
    """A confidence-building channel open between a responsible state and a victim."""

    between: list[str]
    instrument: str
    name: str
    since: str | None
    unconfirmed: bool
    sources: list[str]


class Brief(_Result):
    """Everything a crisis cell needs on one incident."""

    incident: Incident
    assessment: Assessment
    precedents: list[Precedent]
    channels: list[CrisisChannel]
    kb_version: str
    rules_version: str
    as_of: str
    started: str

    @field_serializer("incident")
    def _incident(self, value: Incident) -> dict[str, Any]:
        return value.model_dump(mode="json", exclude_none=True)


class CoveredIncident(_Result):
    """An incident the draft norm would cover."""

    incident: str
    start: str
    verdict: Verdict
    responsible: str | None
    responsible_side: Literal["signatory", "non-signatory", "unattributed"]


class Comparison(_Result):
    """How the draft's coverage differs from an existing norm's."""

    norm: str
    both: list[str]
    only_draft: list[str]
    only_existing: list[str]


class WhatIfResult(_Result):
    """Which catalogue incidents a draft norm would cover, by year, state and signatory side."""

    draft: str
    rules_version: str
    """The version of the rules the draft was run with: the base rules plus the draft."""
    kb_version: str
    incidents: int
    verdicts: dict[str, int]
    covered: list[CoveredIncident]
    by_year: dict[str, int]
    by_responsible_state: dict[str, int]
    signatories: dict[str, str | int]
    """``instrument`` (the instrument's id), then a count per side."""
    against: Comparison | None = None

    @model_serializer(mode="wrap")
    def _drop_empty_comparison(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if data.get("against") is None:
            data.pop("against", None)
        return data
