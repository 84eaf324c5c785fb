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

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


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


ClaimSources = Annotated[list[Url], Field(max_length=MAX_ITEMS)]
"""The sources of one claim (an attribution or a response): the URLs that state it."""


class Attribution(Record):
    to: CountryCode
    by: Annotated[list[Name], Field(min_length=1, max_length=MAX_ITEMS)]
    kind: SourceKind
    date: PartialDate | None = None
    confidence: Confidence
    sources: ClaimSources = []


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
    sources: ClaimSources = []


class Related(Record):
    id: Slug
    relation: Relation


class Incident(Record):
    """A state-linked cyber incident (Contract 1 of docs/contracts.md)."""

    id: Slug
    name: Name
    aliases: Annotated[list[Slug], Field(max_length=MAX_ITEMS)] = []
    """Former ids of this incident (an id is kept stable; an alias keeps old links working)."""
    start: PartialDate
    """First known activity."""
    disclosed: PartialDate | None = None
    """When the operation became public, where that differs from ``start``."""
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
        if self.disclosed is not None and latest(self.disclosed) < earliest(self.start):
            raise ValueError(f"disclosed: {self.disclosed} is before start {self.start}")
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
    annotates: NormId | None = None
    """A norm of an earlier framework this one gives guidance on (the GGE 2021 report's
    guidance on each GGE 2015 norm)."""
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


InstrumentFamily = Literal[
    "bilateral-mlat", "coe-mla", "eu-mla", "regional-mla", "untoc",
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
    family: InstrumentFamily | None = None
    """For the evidence router: the channel family an instrument belongs to."""
    articles: str | None = None
    """The articles on cooperation that the router relies on (e.g. "Articles 25-35")."""
    partial_parties: bool = False
    """The recorded parties are a partial list: a state without a record may still be bound."""
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


# --- national positions on international law in cyberspace ----------------------------

PositionTopic = Literal[
    "sovereignty", "intervention", "use_of_force", "armed_attack", "due_diligence",
    "countermeasures", "ihl", "attribution",
]
POSITION_TOPICS: tuple[str, ...] = PositionTopic.__args__  # type: ignore[attr-defined]

# The coded stances of each topic. A topic a position does not address is left out of the
# record (silent); it is never guessed. docs/positions.md gives each value's meaning.
STANCES: dict[str, tuple[str, ...]] = {
    "sovereignty": ("rule-any-intrusion", "rule-threshold", "rule-unspecified", "not-a-rule"),
    "intervention": ("coercion-required", "coercion-unspecified"),
    "use_of_force": ("scale-and-effects", "non-physical-can-qualify", "physical-only"),
    "armed_attack": ("scale-and-effects", "non-physical-can-qualify", "physical-only"),
    "due_diligence": ("binding", "voluntary", "undecided"),
    "countermeasures": ("allowed", "allowed-collective", "collective-rejected", "not-accepted"),
    "ihl": ("applies", "applies-with-caveats", "not-accepted"),
    "attribution": ("sovereign-decision", "evidence-required"),
}


class Stance(Uncertain):
    """How one position reads one topic, with the paragraph it says so in."""

    stance: str
    paragraph: Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
    summary: Annotated[str, Field(min_length=1, max_length=MAX_SUMMARY)]
    """In our own words."""
    includes: Annotated[list[str], Field(max_length=MAX_ITEMS)] = []
    """Examples the position names (e.g. "elections" for intervention)."""
    non_state_actors: bool | None = None
    """armed_attack only: whether self-defence may answer attacks by non-state actors."""
    source: Url | None = None
    """Where the paragraph was read, when it is not the position's own URL."""


class Position(Uncertain):
    """A state's (or a group of states') published reading of international law in cyberspace."""

    id: Slug
    state: CountryCode | None = None
    party: Slug | None = None
    """An organisation id (``african-union``, ``eu``) when a group of states speaks."""
    title: Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
    date: PartialDate
    url: Url
    sources: Sources
    topics: dict[PositionTopic, Stance] = {}

    @model_validator(mode="after")
    def _coded(self) -> Position:
        if (self.state is None) == (self.party is None):
            raise ValueError("state: give exactly one of state (ISO3) or party (an organisation id)")
        for topic, stance in self.topics.items():
            allowed = STANCES[topic]
            if stance.stance not in allowed:
                raise ValueError(
                    f"topics.{topic}.stance: {stance.stance!r} is not one of {', '.join(allowed)}"
                )
            if stance.non_state_actors is not None and topic != "armed_attack":
                raise ValueError(f"topics.{topic}.non_state_actors: only for armed_attack")
        return self

    @property
    def who(self) -> str:
        """The state code or the organisation id."""
        return self.state or self.party or ""


# --- consequences: sanctions regimes and their listings ----------------------------------


class Listed(Uncertain):
    """A person or entity a listing names, with what links it to the catalogue."""

    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
    kind: Literal["person", "entity"]
    state: CountryCode | None = None
    """The state the person or entity acts for, where the listing says so."""
    groups: Annotated[list[Slug], Field(max_length=MAX_ITEMS)] = []
    """Groups of groups.yaml (or state bodies) the listing ties it to."""


class Listing(Uncertain):
    """One dated act of a sanctions regime: who was listed, for which incidents."""

    date: PartialDate
    legal_act: Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
    """The act that made the listing, e.g. "Council Implementing Regulation (EU) 2020/1125"."""
    listed: Annotated[list[Listed], Field(min_length=1, max_length=MAX_ITEMS)]
    incidents: Annotated[list[Slug], Field(max_length=MAX_ITEMS)] = []
    """Catalogue incidents the listing answers, as its own reasons name them."""
    sources: Sources


class SanctionsRegime(Uncertain):
    """A sanctions regime for cyber operations (the EU's, the UK's, US designations)."""

    id: Slug
    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
    by: Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
    """The state or organisation that imposes it (ISO3 or e.g. ``EU``)."""
    legal_basis: Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
    adopted: PartialDate
    url: Url
    sources: Sources
    listings: Annotated[list[Listing], Field(max_length=MAX_ITEMS)] = []


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
