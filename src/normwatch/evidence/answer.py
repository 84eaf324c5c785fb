"""The typed answer of the evidence router (Contract 4 of docs/contracts.md).

``RouteAnswer.model_dump(mode="json")`` is exactly the Contract 4 shape, key for key and
in order; the golden snapshots under ``tests/golden/`` hold it.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_serializer

DataCategory = Literal["subscriber", "traffic", "content"]


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RouteQuestion(_Result):
    """The question, as checked: ISO 3166-1 alpha-3 codes, a data category, a date."""

    requesting: str
    holder: str
    provider_home: str | None
    offender: str | None
    data: DataCategory
    urgent: bool
    on: dt.date

    @field_serializer("on")
    def _day(self, value: dt.date) -> str:
        return value.isoformat()

    def state(self, role: str) -> str | None:
        """The state in a channel role (``requesting``, ``holder``, ``provider_home``,
        ``provider``: the provider's home, else where the data is)."""
        if role == "requesting":
            return self.requesting
        if role == "holder":
            return self.holder
        if role == "provider_home":
            return self.provider_home
        return self.provider_home or self.holder


class JurisdictionClaim(_Result):
    """A state with jurisdiction over the case, on which bases, and why."""

    state: str
    bases: list[str]
    reasons: list[str]


class Party(_Result):
    """A state bound by an instrument, since when (None when the date is not recorded)."""

    state: str
    since: str | None
    unconfirmed: bool


class Via(_Result):
    """An instrument that opens a channel, and its parties in this question."""

    instrument: str
    parties: list[Party]


class ChannelAnswer(_Result):
    """One channel: whether it applies, its basis, time, requirements and reasons."""

    id: str
    applicable: bool
    legal_basis: str
    typical_time: str
    requirements: list[str]
    reasons: list[str]
    name: str
    summary: str
    data_covered: list[DataCategory]
    effect: Literal["disclose", "preserve", "assist"]
    urgent_capable: bool
    typical_days: float
    via: list[Via]
    sources: list[str]
    unconfirmed: bool
    note: str | None


class RouteAnswer(_Result):
    """Every channel for the question, applicable ones first and fastest first, and the
    gaps in plain sentences."""

    question: RouteQuestion
    jurisdiction: list[JurisdictionClaim]
    channels: list[ChannelAnswer]
    gaps: list[str]

    def applicable(self) -> list[ChannelAnswer]:
        """The channels that apply, fastest first."""
        return [c for c in self.channels if c.applicable]
