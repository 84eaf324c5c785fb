"""Typed records of the knowledge base and of incident files.

The incident record follows Contract 1 of docs/contracts.md key for key. Every model forbids
unknown keys, so a typo in a YAML file is an error rather than a silently lost fact.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from normwatch.knowledge.countries import CountryCode
from normwatch.knowledge.dates import PartialDate, earliest, latest

# Full matches only: ``$`` would also match before a trailing newline ("rt-nl\n").
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
_URL = re.compile(r"https?://[^\s]+\.[^\s]+")
_NORM_ID = re.compile(r"[a-z0-9-]+:[a-z0-9-]+")

MAX_ID = 120
"""Longest id: each record can become a file ``<id>.yaml``."""
MAX_URL = 2048
MAX_NAME = 500
"""Longest name, entity, actor name or attributing party."""
MAX_SUMMARY = 20_000
MAX_ITEMS = 500
"""Most entries in one list of a record (targets, sources, attributions…)."""


def _slug(value: str) -> str:
    if len(value) > MAX_ID:
        raise ValueError(f"an id is at most {MAX_ID} characters ({len(value)} given)")
    if not _SLUG.fullmatch(value):
        raise ValueError(f"{value!r} is not a slug (lower-case letters, digits and hyphens)")
    return value


def _url(value: str) -> str:
    if len(value) > MAX_URL:
        raise ValueError(f"a URL is at most {MAX_URL} characters ({len(value)} given)")
    if not is_url(value):
        raise ValueError(f"{value[:200]!r} is not an http(s) URL")
    return value


def is_url(value: str) -> bool:
    """True for a source URL that Contract 1 accepts (http or https, full match, bounded)."""
    return len(value) <= MAX_URL and _URL.fullmatch(value) is not None


def _norm_id(value: str) -> str:
    if len(value) > MAX_ID or not _NORM_ID.fullmatch(value):
        raise ValueError(f"{value!r} is not a norm id of the form framework:item")
    return value


Slug = Annotated[str, AfterValidator(_slug)]
Url = Annotated[str, AfterValidator(_url)]
NormId = Annotated[str, AfterValidator(_norm_id)]
Sources = Annotated[list[Url], Field(min_length=1)]
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
Summary = Annotated[str, Field(max_length=MAX_SUMMARY)]

Operation = Literal[
    "espionage", "ip-theft", "hack-and-leak", "election-interference", "disinformation",
    "disruption", "destruction", "ransomware", "financial-theft", "pre-positioning",
    "supply-chain", "tool-proliferation", "hack-back", "defacement",
]
OPERATIONS: tuple[str, ...] = Operation.__args__  # type: ignore[attr-defined]

Sector = Literal[
    "government", "military", "diplomacy", "elections", "political-party", "energy", "water",
    "health", "finance", "transport", "telecom", "internet-core", "digital-provider",
    "industry", "defense-industry", "media", "civil-society", "research", "education",
    "space", "food", "chemical", "nuclear", "csirt", "individuals",
]
SECTORS: tuple[str, ...] = Sector.__args__  # type: ignore[attr-defined]

ActorKind = Literal[
    "state", "state-sponsored", "criminal", "hacktivist", "private-company", "unknown"
]
SourceKind = Literal["government", "industry", "academic", "media"]
Confidence = Literal["high", "medium", "low"]
ResponseKind = Literal[
    "statement", "attribution", "demarche", "expulsion", "sanctions", "indictment",
    "countermeasure", "cyber-response", "severed-relations", "military",
]
Relation = Literal["enabled-by", "part-of", "same-campaign", "response-to"]


class Record(BaseModel):
    """Base of every record: unknown keys are errors; records are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Uncertain(Record):
    """A record that may be marked unconfirmed; then it must say why."""

    unconfirmed: bool = False
    note: str | None = None

    @model_validator(mode="after")
    def _reason_for_doubt(self) -> Uncertain:
        if self.unconfirmed and not (self.note and self.note.strip()):
            raise ValueError("note: unconfirmed: true needs a note giving the reason")
        return self


# --- incidents (Contract 1) -------------------------------------------------------------


class Target(Record):
    country: CountryCode
    sector: Sector
    entity: Annotated[str, Field(max_length=MAX_NAME)] | None = None


class Actor(Record):
    name: Name
    kind: ActorKind
    state: CountryCode | None = None


class Attribution(Record):
    to: CountryCode
    by: Annotated[list[Name], Field(min_length=1, max_length=MAX_ITEMS)]
    kind: SourceKind
    date: PartialDate | None = None
    confidence: Confidence


class Effects(Record):
    """What the operation did. A key left out is *unknown*, never false."""

    data_stolen: bool | None = None
    data_published: bool | None = None
    data_destroyed: bool | None = None
    availability: Literal["none", "temporary", "lasting"] | None = None
    physical_damage: bool | None = None
    injuries: Annotated[int, Field(ge=0)] | None = None
    deaths: Annotated[int, Field(ge=0)] | None = None
    economic_loss_usd: Annotated[float, Field(ge=0)] | None = None
    scale: Literal["targeted", "national", "regional", "global"] | None = None
    indiscriminate: bool | None = None


class Context(Record):
    armed_conflict: bool | None = None
    parties: Annotated[list[CountryCode], Field(max_length=MAX_ITEMS)] = []


class Response(Record):
    by: Name
    kind: ResponseKind
    date: PartialDate | None = None


class Related(Record):
    id: Slug
    relation: Relation


class Incident(Record):
    """A state-linked cyber incident (Contract 1 of docs/contracts.md)."""

    id: Slug
    name: Name
    start: PartialDate
    end: PartialDate | None = None
    summary: Summary | None = None
    operation: Annotated[list[Operation], Field(min_length=1, max_length=len(OPERATIONS))]
    targets: Annotated[list[Target], Field(min_length=1, max_length=MAX_ITEMS)]
    actors: Annotated[list[Actor], Field(max_length=MAX_ITEMS)] = []
    attributions: Annotated[list[Attribution], Field(max_length=MAX_ITEMS)] = []
    infrastructure: Annotated[list[CountryCode], Field(max_length=MAX_ITEMS)] = []
    effects: Effects = Effects()
    context: Context = Context()
    responses: Annotated[list[Response], Field(max_length=MAX_ITEMS)] = []
    related: Annotated[list[Related], Field(max_length=MAX_ITEMS)] = []
    sources: Annotated[list[Url], Field(max_length=MAX_ITEMS)] = []

    @model_validator(mode="after")
    def _dates_in_order(self) -> Incident:
        if self.end is not None and latest(self.end) < earliest(self.start):
            raise ValueError(f"end: {self.end} is before start {self.start}")
        return self


# --- frameworks and norms ---------------------------------------------------------------

Tag = Literal[
    "critical-infrastructure", "internet-core", "elections", "intellectual-property",
    "supply-chain", "csirt", "non-proliferation", "vulnerabilities", "hack-back",
    "cyber-hygiene", "human-rights", "cooperation", "due-diligence", "attribution",
    "cybercrime", "botnets", "international-law", "confidence-building", "assistance",
]


class Norm(Uncertain):
    """One norm of a framework, summarised in our own words, with its paragraph."""

    id: NormId
    title: str
    summary: str
    paragraph: str
    tags: list[Tag] = []
    crosswalk: list[NormId] = []
    sources: Sources


class Framework(Uncertain):
    """A set of norms adopted together (the Paris Call, the GGE 2015 report, …)."""

    id: Slug
    name: str
    document: str | None = None
    adopted: PartialDate
    by: str
    addresses: Annotated[list[Literal["states", "non-state-actors"]], Field(min_length=1)]
    binding: bool
    sources: Sources
    norms: Annotated[list[Norm], Field(min_length=1)]


# --- states and organisations -----------------------------------------------------------


class State(Record):
    """A UN member or observer state (names come from ISO 3166 via pycountry)."""

    iso3: CountryCode
    un: Literal["member", "observer"]
    source: Url


class Membership(Uncertain):
    state: CountryCode
    joined: PartialDate
    left: PartialDate | None = None
    source: Url | None = None

    @model_validator(mode="after")
    def _order(self) -> Membership:
        if self.left is not None and latest(self.left) < earliest(self.joined):
            raise ValueError(f"left: {self.left} is before joined {self.joined}")
        return self


class Organisation(Record):
    """An international organisation or club of states, with dated memberships."""

    id: Slug
    name: str
    founded: PartialDate | None = None
    sources: Sources
    members: list[Membership]


# --- instruments and commitments ---------------------------------------------------------

InstrumentKind = Literal[
    "treaty", "protocol", "regulation", "directive", "agreement", "call", "resolution",
    "communique", "confidence-building",
]


class Instrument(Uncertain):
    """A text states commit to: a treaty, agreement, call, resolution or communiqué."""

    id: Slug
    name: str
    kind: InstrumentKind
    binding: bool
    adopted: PartialDate
    opened_for_signature: PartialDate | None = None
    entry_into_force: PartialDate | None = None
    applies_from: PartialDate | None = None
    carries: list[Slug] = []
    url: Url | None = None
    sources: Sources


PartyKind = Literal[
    "state", "international-organisation", "public-authority", "company", "civil-society",
    "other",
]


class Commitment(Uncertain):
    """A state's (or another party's) dated relation to an instrument."""

    instrument: Slug
    state: CountryCode | None = None
    party: str | None = None
    party_kind: PartyKind = "state"
    signed: PartialDate | None = None
    ratified: PartialDate | None = None
    mode: Literal["ratification", "accession", "acceptance", "approval", "succession"] | None = (
        None
    )
    joined: PartialDate | None = None
    in_force: PartialDate | None = None
    withdrawn: PartialDate | None = None
    sources: Sources

    @model_validator(mode="after")
    def _who(self) -> Commitment:
        if (self.state is None) == (self.party is None):
            raise ValueError("state: give exactly one of state (ISO3) or party (a name)")
        if self.state is None and self.party_kind == "state":
            raise ValueError("party_kind: a party that is not a state needs party_kind")
        return self

    @property
    def who(self) -> str:
        """The state code or the party's name."""
        return self.state or self.party or ""


class RollCall(Uncertain):
    """A recorded UN General Assembly vote: each state's yes, no or abstention."""

    id: Slug
    resolution: str
    title: str
    date: PartialDate
    sources: Sources
    votes: dict[CountryCode, Literal["yes", "no", "abstain"]]


# --- threat actors ----------------------------------------------------------------------


class StateBody(Record):
    """A state organ, e.g. a military intelligence unit, kept apart from intrusion sets."""

    id: Slug
    name: str
    state: CountryCode
    kind: Literal[
        "military-intelligence", "civilian-intelligence", "security-service", "military",
        "ministry", "state-company", "other",
    ]
    sources: Sources


class Link(Uncertain):
    """One dated claim that a group acts for a state (and possibly a state body)."""

    state: CountryCode
    body: Slug | None = None
    by: Annotated[list[str], Field(min_length=1)]
    kind: SourceKind
    confidence: Confidence
    date: PartialDate | None = None
    source: Url


class ThreatActor(Record):
    """A named intrusion set, with aliases and the claims that link it to states."""

    id: Slug
    name: str
    aliases: list[str] = []
    kind: ActorKind
    attack_id: Annotated[str, Field(pattern=r"^G\d{4}$")] | None = None
    first_seen: PartialDate | None = None
    summary: str | None = None
    links: list[Link] = []
    sources: Sources

    @property
    def sponsor(self) -> str | None:
        """The state named by the strongest claim (government claims first)."""
        rank = {"high": 0, "medium": 1, "low": 2}
        kind_rank = {"government": 0, "industry": 1, "academic": 2, "media": 3}
        confirmed = [link for link in self.links if not link.unconfirmed] or self.links
        if not confirmed:
            return None
        best = min(confirmed, key=lambda lk: (rank[lk.confidence], kind_rank[lk.kind]))
        return best.state

    def names(self) -> list[str]:
        """The canonical name followed by every alias."""
        return [self.name, *self.aliases]
