"""The typed results of an assessment (Contract 3 of docs/contracts.md).

Each model's JSON (``model_dump(mode="json")``) is exactly the Contract 3 shape, key for
key and in order; the golden snapshots under ``tests/golden/`` hold it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Verdict = Literal["breach", "possible", "not-engaged", "undetermined"]
LawAnswer = Literal["yes", "no", "possible", "undetermined"]
Confidence = Literal["high", "medium", "low"]


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ResponsibleState(_Result):
    """A state held responsible, how confidently, and on what basis."""

    state: str
    confidence: Confidence
    basis: str


class NormVerdict(_Result):
    """One norm's verdict on the incident, with the reasons that produced it."""

    id: str
    verdict: Verdict
    reasons: list[str]


class LawAnswers(_Result):
    """One answer per international-law question."""

    sovereignty: LawAnswer
    intervention: LawAnswer
    use_of_force: LawAnswer
    armed_attack: LawAnswer
    due_diligence: LawAnswer


class LawReasons(_Result):
    """The reasons behind each law answer."""

    sovereignty: list[str]
    intervention: list[str]
    use_of_force: list[str]
    armed_attack: list[str]
    due_diligence: list[str]


class CommitmentBreached(_Result):
    """A responsible state broke a norm it had committed to through this instrument."""

    state: str
    norm: str
    instrument: str


class ResponseOptionOut(_Result):
    """A response open to the victim state, and why."""

    id: str
    kind: Literal["retorsion", "countermeasure", "necessity", "self-defence", "eu-toolbox"]
    reasons: list[str]


class Assessment(_Result):
    """The assessment of one incident."""

    incident: str
    responsible: list[ResponsibleState]
    red_line: bool
    red_line_reasons: list[str]
    tolerated_espionage: bool
    norms: list[NormVerdict]
    law: LawAnswers
    law_reasons: LawReasons
    commitments_breached: list[CommitmentBreached]
    intensity: float
    """0–10, rounded to one decimal (``normwatch.engine.intensity``)."""
    response_options: list[ResponseOptionOut]

    def verdict(self, norm_id: str) -> Verdict | None:
        """The verdict for one norm, or None when the assessment has no such norm."""
        return next((n.verdict for n in self.norms if n.id == norm_id), None)


class AssessmentDocument(_Result):
    """What ``normwatch assess --json`` prints: the versions, then every assessment."""

    kb_version: str
    rules_version: str
    assessments: list[Assessment]
