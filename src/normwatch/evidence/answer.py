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
    provider_offers_eu: bool = False
    """The provider offers services in the European Union (the e-Evidence Regulation's reach)."""
    organised_crime: bool = False
    """An organised criminal group is involved (UNTOC article 18)."""

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


class ContactRoute(_Result):
    """Where a request through a channel goes, when that is public."""

    state: str
    """The receiving state, or ``*`` for the route every state uses."""
    text: str
    source: str | None


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
    superseded_by: str | None = None
    """The open channel that replaces this one between these states (e.g. the EIO)."""
    contacts: list[ContactRoute] = []
    request_content: list[str] = []
    """What a request through this channel must carry."""


class SideCoverage(_Result):
    """What the knowledge base records for one state of the question."""

    state: str
    bound: dict[str, list[str]]
    """Channel id -> the instruments of that channel binding the state on the date."""
    bilateral_treaties: int
    """Bilateral mutual legal assistance treaties recorded for the state (any date)."""
    bilateral_partners: list[str]
    treaty_database: str | None
    """Where the state publishes its treaties: the place to look beyond these records."""


class Coverage(_Result):
    """Which instrument families were checked for each side, and how current they are."""

    checked_on: str
    kb_version: str
    families: list[str]
    recorded_through: str | None
    """The latest date found in the records of these families."""
    sides: list[SideCoverage]
    note: str


class RouteAnswer(_Result):
    """Every channel for the question, applicable ones first and fastest first, and the
    gaps in plain sentences."""

    question: RouteQuestion
    jurisdiction: list[JurisdictionClaim]
    channels: list[ChannelAnswer]
    gaps: list[str]
    coverage: Coverage | None = None

    def applicable(self) -> list[ChannelAnswer]:
        """The channels that apply, fastest first."""
        return [c for c in self.channels if c.applicable]
