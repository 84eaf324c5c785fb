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
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


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
    ihl_applies: LawAnswer
    """International humanitarian law applies: the operation took place in an armed conflict."""
    ihl_attack: LawAnswer
    """The operation is an attack under IHL (Tallinn Manual 2.0, rule 92)."""
    ihl_distinction: LawAnswer
    """It was directed at civilians or civilian objects, or at specially protected ones."""


class LawReasons(_Result):
    """The reasons behind each law answer."""

    sovereignty: list[str]
    intervention: list[str]
    use_of_force: list[str]
    armed_attack: list[str]
    due_diligence: list[str]
    ihl_applies: list[str]
    ihl_attack: list[str]
    ihl_distinction: list[str]


class CommitmentBreached(_Result):
    """A responsible state broke a norm it had committed to through this instrument."""

    state: str
    norm: str
    instrument: str


class IntensityComponent(_Result):
    """One additive component of the 0–10 intensity, its points and its maximum."""

    component: str
    points: float
    max: float


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
    intensity_components: list[IntensityComponent] = []
    """What the intensity adds up: each component's points and maximum."""
    closed_world: list[str] = []
    """The closed-world inferences that filled effects the record leaves unset."""
    law_views: list[LawView] = []
    """The law answers under the Tallinn baseline and under published national positions."""

    def verdict(self, norm_id: str) -> Verdict | None:
        """The verdict for one norm, or None when the assessment has no such norm."""
        return next((n.verdict for n in self.norms if n.id == norm_id), None)


class LawView(_Result):
    """The law answers under one published position (or the Tallinn baseline)."""

    view: str
    """``tallinn``, an ISO3 code, or an organisation id (``eu``, ``au``)."""
    name: str
    source: str
    sources: list[str]
    answers: dict[str, LawAnswer]
    reasons: dict[str, list[str]]
    silent: list[str] = []
    """Questions the position does not address: their answer is the baseline's."""
    breaks_own_reading: list[str] | None = None
    """For a responsible state's view: the questions its own reading answers "yes"."""


class AssessmentDocument(_Result):
    """What ``normwatch assess --json`` prints: the versions, then every assessment."""

    kb_version: str
    rules_version: str
    assessments: list[Assessment]


def split_rules(reason: str) -> tuple[str, list[str]]:
    """A reason without its rule expressions (``[rule: …]``, brackets nested in them
    included), and those expressions: the words are for people, the rules for a disclosure.

    >>> split_rules("critical infrastructure was harmed [rule: ci_harmed] (Tallinn rule 4)")
    ('critical infrastructure was harmed (Tallinn rule 4)', ['ci_harmed'])
    """
    words: list[str] = []
    rules: list[str] = []
    index = 0
    while (found := reason.find("[rule:", index)) >= 0:
        words.append(reason[index:found])
        depth, cursor = 0, found
        while cursor < len(reason):
            depth += {"[": 1, "]": -1}.get(reason[cursor], 0)
            if depth == 0:
                break
            cursor += 1
        rules.append(reason[found + len("[rule:"):cursor].strip())
        index = cursor + 1
    words.append(reason[index:])
    return " ".join("".join(words).split()), rules
