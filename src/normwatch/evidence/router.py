"""The cross-border evidence router: who can ask whom for the data, and through which channel.

``route(kb, requesting="FRA", holder="NLD", data="subscriber", ...)`` answers Contract 4 of
docs/contracts.md. The channels are data (``channels.yaml``); which states may use a channel on a
date comes only from the dated commitments of the knowledge base, read through
:func:`normwatch.knowledge.commitments.commitment_status`. No country or treaty party is written here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from normwatch.data import shipped
from normwatch.errors import InputError
from normwatch.evidence.answer import RouteAnswer, RouteQuestion
from normwatch.knowledge.commitments import commitment_start, commitment_status
from normwatch.knowledge.countries import CountryCode, country_code, country_name
from normwatch.knowledge.dates import latest, to_date
from normwatch.knowledge.load import KnowledgeBase, read_yaml, shipped_kb
from normwatch.knowledge.models import Commitment, Instrument, InstrumentFamily, Url

DataCategory = Literal["subscriber", "traffic", "content"]
DATA_CATEGORIES: tuple[str, ...] = DataCategory.__args__  # type: ignore[attr-defined]

CHANNEL_IDS: tuple[str, ...] = (
    "eu-production-order", "eu-preservation-order", "eu-investigation-order",
    "sap-direct-disclosure", "sap-domain-registration", "sap-giving-effect", "sap-emergency",
    "budapest-preservation", "budapest-24-7", "budapest-mla", "budapest-32b",
    "cloud-act-agreement", "us-voluntary-disclosure", "un-cybercrime-convention",
    "coe-mla-convention", "eu-mla-convention", "regional-mla", "untoc-mla",
    "bilateral-mlat", "letters-rogatory",
)
"""Every channel id of Contract 4, in the order of the contract."""

ROLES = ("requesting", "holder", "provider_home", "provider")
_ROLE_NAMES = {
    "requesting": "requesting state",
    "holder": "state holding the data",
    "provider_home": "provider's home state",
    "provider": "provider's state",
}
SLOW_DAYS = 90
"""A channel whose typical time is this many days or more counts as a slow path."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Supersession(_Spec):
    """Other channels that, when open, replace this one between the same states."""

    channels: Annotated[list[str], Field(min_length=1)]
    reason: str


class ConflictReview(_Spec):
    """A conflict of laws the provider's home law raises (e.g. a ban on disclosing content)."""

    provider_home_in: Annotated[list[CountryCode], Field(min_length=1)]
    data: Annotated[list[DataCategory], Field(min_length=1)]
    unless_open: list[str] = []
    """Channels whose opening lifts the conflict (an executive agreement, say)."""
    reason: str


class Contact(_Spec):
    """Where a request goes: the central authority or contact route, when it is public."""

    state: CountryCode | Literal["*"]
    """The state that receives the request; ``*`` for every state."""
    text: str
    source: Url | None = None


Condition = Literal["organised_crime"]
CONDITIONS: dict[str, str] = {
    "organised_crime": ("an organised criminal group is involved (the question's organised_crime: "
                        "--organised-crime on the command line)"),
}


class ChannelSpec(_Spec):
    """One channel of ``channels.yaml``."""

    id: str
    name: str
    legal_basis: str
    instruments: list[str] = []
    families: list[InstrumentFamily] = []
    """Every knowledge-base instrument of these families also carries the channel."""
    supplements: list[str] = []
    """Protocols that add to the instruments: named in the reasons, never a channel of their own."""
    parties: list[str] = []
    from_application: bool = False
    eu_offering_reach: bool = False
    """The instrument reaches a provider that offers services in the Union, wherever it is
    established and wherever the data are: only the requesting state must be bound."""
    requires: list[Condition] = []
    superseded_by: list[Supersession] = []
    conflict_review: ConflictReview | None = None
    contacts: list[Contact] = []
    request_content: list[str] = []
    """What a request through this channel must carry, from the instrument's text."""
    provider_home_in: list[CountryCode] = []
    excluded_targets: str | None = None
    urgent_only: bool = False
    data: Annotated[list[DataCategory], Field(min_length=1)]
    effect: Literal["disclose", "preserve", "assist"]
    urgent: bool
    typical_time: str
    typical_days: Annotated[float, Field(ge=0)]
    urgent_time: str | None = None
    urgent_days: Annotated[float, Field(ge=0)] | None = None
    days_by_data: dict[DataCategory, Annotated[float, Field(ge=0)]] = {}
    sides: dict[str, list[CountryCode]] = {}
    requirements: Annotated[list[str], Field(min_length=1)]
    sources: Annotated[list[Url], Field(min_length=1)]
    unconfirmed: bool = False
    note: str | None = None

    @model_validator(mode="after")
    def _roles(self) -> ChannelSpec:
        for spec in self.parties:
            for role in spec.split("|"):
                if role not in ROLES:
                    raise ValueError(f"parties: unknown role {role!r}; roles are {', '.join(ROLES)}")
        if self.parties and self.parties[0] != "requesting":
            raise ValueError("parties: the first role must be requesting")
        if self.excluded_targets is not None and self.excluded_targets not in ROLES:
            raise ValueError(f"excluded_targets: unknown role {self.excluded_targets!r}")
        if self.unconfirmed and not (self.note and self.note.strip()):
            raise ValueError("note: unconfirmed: true needs a note giving the reason")
        return self

    def instrument_ids(self, kb: KnowledgeBase) -> list[str]:
        """The instruments the channel rests on: those named, then those of its families."""
        ids = list(self.instruments)
        if self.families:
            wanted = set(self.families)
            ids += sorted(
                i.id for i in kb.instruments
                if i.family in wanted and i.id not in ids and i.id not in self.supplements
            )
        return ids

    def contact_for(self, state: str) -> list[Contact]:
        """The contact routes for a request received by ``state`` (its own, else the general)."""
        own = [c for c in self.contacts if c.state == state]
        return own or [c for c in self.contacts if c.state == "*"]

    def days(self, data: str, urgent: bool) -> float:
        """The sort key: order of magnitude of the time this channel takes."""
        if urgent and self.urgent and self.urgent_days is not None:
            return self.urgent_days
        return self.days_by_data.get(data, self.typical_days)  # type: ignore[call-overload, no-any-return]

    def time(self, urgent: bool) -> str:
        if urgent and self.urgent and self.urgent_time:
            return self.urgent_time
        return self.typical_time


def channels_path() -> Path:
    """Where the shipped channel file is: ``kb/channels.yaml`` if the knowledge base holds it,
    else ``channels.yaml`` of the shipped data."""
    for candidate in (shipped("kb", "channels.yaml"), shipped("channels.yaml")):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("channels.yaml is missing from the normwatch package")


class TreatyDatabase(_Spec):
    """Where a state publishes the treaties it is bound by (the place to look beyond our records)."""

    state: CountryCode | Literal["*"]
    name: str
    url: Url


class ChannelFile(_Spec):
    """The whole channel file: the channels and the treaty databases to point users to."""

    channels: list[ChannelSpec]
    treaty_databases: list[TreatyDatabase] = []

    def database_for(self, state: str) -> TreatyDatabase | None:
        """The state's own treaty database, else the general one (``*``)."""
        own = [d for d in self.treaty_databases if d.state == state]
        rest = [d for d in self.treaty_databases if d.state == "*"]
        found = own or rest
        return found[0] if found else None


def load_channels(path: Path | None = None) -> list[ChannelSpec]:
    """Read and validate the channel file (the shipped one by default)."""
    return list(load_channel_file(path).channels)


def load_channel_file(path: Path | None = None) -> ChannelFile:
    """The channel file with its treaty-database pointers (the shipped one by default)."""
    if path is None:
        return _shipped_channels()
    return _read_channels(path)


@cache
def _shipped_channels() -> ChannelFile:
    return _read_channels(channels_path())


def _read_channels(path: Path) -> ChannelFile:
    data, problems = read_yaml(path)
    if problems:
        raise ValueError(str(problems[0]))
    if not isinstance(data, dict) or "channels" not in data:
        raise ValueError(f"{path}: expected a mapping with the key 'channels'")
    return ChannelFile.model_validate(data)


def check_channels(kb: KnowledgeBase, channels: list[ChannelSpec] | None = None) -> list[str]:
    """Problems with the channel file: missing, extra or repeated ids, unknown instruments
    or channels named in supersessions, families no instrument belongs to."""
    specs = load_channels() if channels is None else channels
    problems = []
    ids = [c.id for c in specs]
    for missing in [i for i in CHANNEL_IDS if i not in ids]:
        problems.append(f"channel {missing} of Contract 4 is missing")
    for extra in sorted({i for i in ids if i not in CHANNEL_IDS}):
        problems.append(f"channel {extra} is not a Contract 4 channel id")
    for repeated in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"channel {repeated} appears more than once")
    families = {i.family for i in kb.instruments if i.family}
    for spec in specs:
        for instrument in spec.instruments + spec.supplements:
            if instrument not in kb.instrument_by_id:
                problems.append(f"channel {spec.id}: unknown instrument {instrument!r}")
        for family in spec.families:
            if family not in families:
                problems.append(f"channel {spec.id}: no instrument of family {family!r}")
        named = [c for rule in spec.superseded_by for c in rule.channels]
        if spec.conflict_review:
            named += spec.conflict_review.unless_open
        for other in named:
            if other not in ids:
                problems.append(f"channel {spec.id}: unknown channel {other!r}")
    return problems


# --- the question --------------------------------------------------------------------------


Question = RouteQuestion
"""The checked question (kept under its short name inside the router)."""


def _country(value: str | None, option: str, required: bool = True) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InputError.one("route", "", option, "a country code is required")
        return None
    return country_code(value, option, "route")


def question(
    requesting: str,
    holder: str,
    data: str,
    provider_home: str | None = None,
    offender: str | None = None,
    urgent: bool = False,
    on: str | dt.date | None = None,
    provider_offers_eu: bool = False,
    organised_crime: bool = False,
) -> Question:
    """Validate the input; a bad value raises :class:`InputError` naming the field."""
    req = _country(requesting, "requesting")
    hold = _country(holder, "holder")
    assert req is not None and hold is not None
    category = (data or "").strip().lower()
    if category not in DATA_CATEGORIES:
        raise InputError.one("route", "", "data", f"unknown data category {data!r}; use {', '.join(DATA_CATEGORIES)}")
    if on is None:
        day = dt.date.today()
    else:
        try:
            day = to_date(on.strip() if isinstance(on, str) else on)
        except ValueError as exc:
            raise InputError.one("route", "", "on", f"bad date: {exc}") from None
    return RouteQuestion(
        requesting=req, holder=hold, data=category,
        provider_home=_country(provider_home, "provider-home", required=False),
        offender=_country(offender, "offender", required=False),
        urgent=bool(urgent), on=day,
        provider_offers_eu=bool(provider_offers_eu), organised_crime=bool(organised_crime),
    )


# --- party checks --------------------------------------------------------------------------


@dataclass
class _Binding:
    """How one instrument stands between the parties of one channel."""

    instrument: Instrument
    bound: dict[str, tuple[bool, str, Commitment | None]] = field(default_factory=dict)
    """state -> (bound on the date, reason, the commitment that binds it)."""

    def holds(self, requesting: str, groups: list[list[str]], side: list[str] | None) -> bool:
        """True when the requesting state and, for every other role, one of its candidate
        states are bound. With ``side`` (an agreement between one side and a group), the
        requesting state and the other must also sit on opposite sides."""
        if not self.bound[requesting][0]:
            return False
        for group in groups:
            ok = [
                s for s in group
                if self.bound[s][0] and (side is None or ((s in side) != (requesting in side)))
            ]
            if not ok:
                return False
        return True

    def recorded(self, state: str) -> bool:
        """Whether the knowledge base holds any record of ``state`` and this instrument."""
        ok, _, commitment = self.bound[state]
        return ok or commitment is not None


def _name(code: str) -> str:
    return f"{code} ({country_name(code)})"


def _plain(code: str) -> str:
    """A state's name for a sentence: ``France``; the code when the name is unknown."""
    name = country_name(code)
    return name if name and name != code else code


def _standing(kb: KnowledgeBase, state: str, instrument: Instrument, on: dt.date) -> tuple[
    bool, str, Commitment | None
]:
    status = commitment_status(kb, state, instrument.id, on)
    who = _plain(state)
    if status.committed:
        c = status.via[0]
        start = commitment_start(c, instrument)
        since = start.isoformat() if start else "a date not recorded"
        text = f"{who} bound since {since}"
        if c.unconfirmed:
            text += f" (unconfirmed record: {c.note})"
        return True, text, c
    signed = commitment_status(kb, state, instrument.id, on, level="signed")
    if signed.committed:
        c = signed.via[0]
        return False, f"{who} signed ({c.signed or c.ratified}) but is not bound on {on}", c
    if not status.via and status.reason.startswith("no commitment"):
        return False, f"{who}: {status.reason}", None
    return False, f"{who} not bound on {on}: {status.reason}", None


def _in_force_text(instrument: Instrument, on: dt.date) -> str:
    if instrument.entry_into_force is None:
        return "not in force (no entry into force recorded)"
    start = latest(instrument.entry_into_force)
    if start > on:
        return f"enters into force only on {instrument.entry_into_force}"
    return f"in force since {instrument.entry_into_force}"


@dataclass
class _Outcome:
    spec: ChannelSpec
    applicable: bool
    reasons: list[str]
    summary: str
    via: list[dict[str, Any]]
    legal_basis: str
    blocked_by_application: str | None = None
    """The date the channel opens, when only the instrument's date of application blocks it."""
    relies_on_unconfirmed: list[str] = field(default_factory=list)
    unrecorded_pair: bool = False
    """No instrument of the channel has a record for every state involved."""
    conditional: list[str] = field(default_factory=list)
    """Conditions of the question that alone keep the channel closed."""
    superseded: str | None = None
    instruments: list[str] = field(default_factory=list)


def _roles(q: Question, spec: ChannelSpec, reasons: list[str], blockers: list[str]) -> list[list[str]]:
    """The candidate states of every role after the requesting one (cross-border only)."""
    groups: list[list[str]] = []
    for role_spec in spec.parties[1:]:
        roles = role_spec.split("|")
        states: list[str] = []
        for role in roles:
            state = q.state(role)
            if state is not None and state not in states:
                states.append(state)
            if role == "provider" and q.provider_home is None:
                reasons.append(
                    f"provider's home state not given: taking the holder {_plain(q.holder)} as "
                    "the provider's state"
                )
        label = " or ".join(_ROLE_NAMES[r] for r in roles)
        if not states:
            blockers.append(f"needs the {label} (give --provider-home)")
            reasons.append(blockers[-1])
            continue
        foreign = [s for s in states if s != q.requesting]
        if not foreign:
            blockers.append(
                f"{_plain(q.requesting)} is both the requesting state and the {label}: "
                "a domestic matter, national powers apply"
            )
            reasons.append(blockers[-1])
            continue
        groups.append(foreign)
    return groups


def _evaluate(kb: KnowledgeBase, q: Question, spec: ChannelSpec) -> _Outcome:
    reasons: list[str] = []
    blockers: list[str] = []
    unconfirmed: list[str] = []
    conditional: list[str] = []
    covered = ", ".join(spec.data)
    if q.data in spec.data:
        reasons.append(f"covers {covered}: {q.data} data asked")
    else:
        blockers.append(f"covers {covered} only, not {q.data} data")
        reasons.append(blockers[-1])
    if spec.effect == "preserve":
        reasons.append("preserves the data only: another channel must then obtain it")
    elif spec.effect == "assist":
        reasons.append("a contact network: it arranges preservation and urgent help, not a full disclosure")
    if spec.urgent_only and not q.urgent:
        blockers.append("only for emergencies (threat to life or safety); the request is not urgent")
        reasons.append(blockers[-1])
    if q.urgent and not spec.urgent:
        reasons.append(f"not built for emergencies: typically {spec.typical_time}")
    for condition in spec.requires:
        if getattr(q, condition):
            reasons.append(f"applies because {CONDITIONS[condition].split(' (')[0]}")
        else:
            text = f"applies only where {CONDITIONS[condition]}"
            blockers.append(text)
            reasons.append(text)
            conditional.append(text)

    reach = spec.eu_offering_reach and q.provider_offers_eu
    if reach:
        reasons.append(
            "the provider offers services in the Union: the order goes to its designated "
            "establishment or legal representative in the Union (Directive (EU) 2023/1544), "
            "wherever the provider is established and the data are stored"
        )
        groups: list[list[str]] = []
    else:
        groups = _roles(q, spec, reasons, blockers)
        if spec.eu_offering_reach and not q.provider_offers_eu:
            reasons.append(
                "if the provider offers services in the Union (--provider-offers-eu), the order "
                "reaches it wherever its data are"
            )

    if spec.provider_home_in:
        provider = q.state("provider")
        allowed = ", ".join(_plain(s) for s in spec.provider_home_in)
        if provider in spec.provider_home_in:
            reasons.append(
                f"the provider is based in {_plain(provider or '')}, whose law ({spec.legal_basis}) allows it"
            )
        else:
            blockers.append(
                f"only for providers based in {allowed}; the provider's state is {_plain(provider or '')}"
            )
            reasons.append(blockers[-1])

    via: list[dict[str, Any]] = []
    legal_basis = spec.legal_basis
    opens_on: str | None = None
    unrecorded = False
    instrument_ids = spec.instrument_ids(kb)
    if not instrument_ids and not spec.families:
        reasons.append(f"needs no treaty between the states: {spec.legal_basis}")
    else:
        involved = [q.requesting] + [s for g in groups for s in g]
        holding: list[_Binding] = []
        seen: list[_Binding] = []
        lines: list[str] = []
        for inst_id in instrument_ids:
            instrument = kb.instrument_by_id.get(inst_id)
            if instrument is None:
                # check_channels reports a missing instrument; in an answer it is one line only
                # where it is the channel's sole instrument.
                if len(instrument_ids) == 1:
                    lines.append(f"{inst_id} is not in the knowledge base")
                continue
            binding = _Binding(instrument)
            for state in involved:
                binding.bound[state] = _standing(kb, state, instrument, q.on)
            # Only the instruments that bear on these states are worth a line: with many
            # (every bilateral treaty), the others would bury the answer.
            if len(instrument_ids) > 1 and not all(binding.recorded(s) for s in involved):
                continue
            seen.append(binding)
            parts = "; ".join(binding.bound[s][1] for s in involved)
            lines.append(f"{instrument.name}: {_in_force_text(instrument, q.on)}; {parts}")
            side = spec.sides.get(instrument.id)
            if (
                side is not None and groups and binding.holds(q.requesting, groups, None)
                and not binding.holds(q.requesting, groups, side)
            ):
                lines.append(
                    f"{instrument.name} links {', '.join(_plain(s) for s in side)} with the other "
                    "parties, not two parties of the same side"
                )
            if (groups or reach) and binding.holds(q.requesting, groups, side):
                if spec.from_application and instrument.applies_from:
                    start = latest(instrument.applies_from)
                    if q.on < start:
                        lines.append(
                            f"{instrument.name} applies only from {instrument.applies_from}: "
                            f"not yet on {q.on}"
                        )
                        opens_on = instrument.applies_from
                        continue
                    lines.append(f"applies from {instrument.applies_from}")
                holding.append(binding)
        if not lines:
            unrecorded = True
            who = " and ".join(_plain(s) for s in involved)
            if spec.families:
                lines.append(
                    f"no instrument of this kind is recorded for {who} in this knowledge base "
                    "(see coverage)"
                )
            else:
                names = ", ".join(
                    kb.instrument_by_id[i].name if i in kb.instrument_by_id else i
                    for i in instrument_ids
                )
                lines.append(f"no instrument of this channel ({names}) is recorded as binding {who}")
        reasons.extend(lines)
        if holding:
            for supplement in spec.supplements:
                extra = kb.instrument_by_id.get(supplement)
                if extra is None:
                    continue
                bound = [s for s in involved if _standing(kb, s, extra, q.on)[0]]
                if len(bound) == len(involved):
                    reasons.append(f"{extra.name} also binds both sides and adds to it")
                else:
                    missing = ", ".join(_plain(s) for s in involved if s not in bound)
                    reasons.append(f"{extra.name} does not bind {missing}: its additions do not apply")
        if holding:
            parties = []
            for binding in holding:
                members = []
                for state in involved:
                    ok, _, c = binding.bound[state]
                    if ok and c is not None:
                        began = commitment_start(c, binding.instrument)
                        members.append({
                            "state": state,
                            "since": began.isoformat() if began else None,
                            "unconfirmed": c.unconfirmed,
                        })
                        if c.unconfirmed:
                            unconfirmed.append(f"{binding.instrument.name} for {_plain(state)}")
                if binding.instrument.unconfirmed:
                    unconfirmed.append(f"the record of {binding.instrument.name}")
                parties.append({"instrument": binding.instrument.id, "parties": members})
            via = parties
            if len(instrument_ids) > 1:
                legal_basis = f"{spec.legal_basis}: " + "; ".join(b.instrument.name for b in holding)
                if holding[0].instrument.articles:
                    legal_basis += f", {holding[0].instrument.articles}"
        elif groups or reach:
            unbound = [s for s in involved if not seen[0].bound[s][0]] if len(seen) == 1 else []
            if opens_on is None and unbound:
                who = " and ".join(_plain(s) for s in unbound)
                blockers.append(f"{who}: not bound by {seen[0].instrument.name} on {q.on.isoformat()}")
            elif opens_on is None:
                blockers.append(
                    "no instrument of this channel recorded here binds both sides on " + q.on.isoformat()
                )
            else:
                blockers.append(f"opens only on {opens_on}")

    if spec.excluded_targets and q.offender is not None:
        protected = q.state(spec.excluded_targets)
        if protected is not None and protected == q.offender and protected != q.requesting:
            blockers.append(
                f"the offender is linked to {_plain(protected)}, the "
                f"{_ROLE_NAMES[spec.excluded_targets]}: the agreement bars orders that target "
                "that side's persons"
            )
            reasons.append(blockers[-1])

    applicable = not blockers
    if applicable:
        if via:
            first = via[0]
            name = kb.instrument_by_id[first["instrument"]].name
            summary = f"open through {name}: " + ", ".join(
                f"{_plain(p['state'])} since {p['since'] or 'a date not recorded'}"
                for p in first["parties"]
            )
        else:
            summary = f"open: {spec.legal_basis}"
    else:
        summary = blockers[0]
    only_application = (
        opens_on is not None and len(blockers) == 1 and blockers[0].startswith("opens only on")
    )
    only_conditions = bool(conditional) and len(blockers) == len(conditional) and bool(via)
    return _Outcome(
        spec=spec, applicable=applicable, reasons=reasons, summary=summary, via=via,
        legal_basis=legal_basis,
        blocked_by_application=opens_on if only_application else None,
        relies_on_unconfirmed=unconfirmed if applicable else [],
        unrecorded_pair=unrecorded,
        conditional=conditional if only_conditions else [],
        instruments=instrument_ids,
    )


def _conflicts(q: Question, outcomes: list[_Outcome]) -> None:
    """Add the conflict-of-laws reasons (the provider's home law against the order)."""
    open_ids = {o.spec.id for o in outcomes if o.applicable}
    for o in outcomes:
        review = o.spec.conflict_review
        if review is None or not o.applicable:
            continue
        home = q.provider_home
        if home in review.provider_home_in and q.data in review.data:
            if any(c in open_ids for c in review.unless_open):
                continue
            o.reasons.append(review.reason)


def _supersede(outcomes: list[_Outcome]) -> None:
    """Close a channel replaced by another that is open between the same states, and say so.

    A replacing channel may itself be replaced (the 1959 Convention, by the EIO): only the
    channels left standing are named, so the set is settled first, then the reasons written.
    """
    by_id = {o.spec.id: o for o in outcomes}
    open_ids = {o.spec.id for o in outcomes if o.applicable}

    def standing(rule: Supersession, gone: set[str]) -> list[str]:
        return [c for c in rule.channels if c in open_ids and c not in gone]

    gone: set[str] = set()
    while True:
        after = {
            o.spec.id for o in outcomes
            if o.via and any(standing(rule, gone - {o.spec.id}) for rule in o.spec.superseded_by)
        }
        if after == gone:
            break
        gone = after
    for o in outcomes:
        if o.spec.id not in gone:
            continue
        rule = next(r for r in o.spec.superseded_by if standing(r, gone))
        replacing = [by_id[c] for c in standing(rule, gone)]
        names = " / ".join(r.spec.name for r in replacing)
        text = f"replaced here by {names}: {rule.reason}"
        o.reasons.append(text)
        if o.applicable:
            o.applicable = False
            o.summary = text
            o.relies_on_unconfirmed = []
        o.superseded = replacing[0].spec.id


# --- jurisdiction and gaps -------------------------------------------------------------------


def _jurisdiction(q: Question) -> list[dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}

    def add(state: str, basis: str, reason: str) -> None:
        entry = entries.setdefault(state, {"state": state, "bases": [], "reasons": []})
        if basis not in entry["bases"]:
            entry["bases"].append(basis)
            entry["reasons"].append(reason)

    add(q.requesting, "territoriality (effects)",
        f"{_name(q.requesting)} is where the victim is and the effects were felt; it may also "
        "claim passive personality where the victims are its nationals")
    if q.offender is not None:
        add(q.offender, "active personality",
            f"{_name(q.offender)} is the offender's state and may prosecute its nationals for acts abroad")
    add(q.holder, "territoriality (location of the infrastructure or data)",
        f"{_name(q.holder)} is where the server or the data is; only it can compel access there")
    if q.provider_home is not None:
        add(q.provider_home, "provider's home state",
            f"{_name(q.provider_home)} is the service provider's home: its law governs the provider "
            "wherever the data is stored")
    return list(entries.values())


def _bilateral(kb: KnowledgeBase, state: str) -> list[Instrument]:
    """The bilateral treaties recorded for ``state`` (any date)."""
    return [
        i for i in kb.instruments
        if i.family == "bilateral-mlat" and any(c.state == state for c in kb.commitments_to(i.id))
    ]


def _coverage(
    kb: KnowledgeBase, q: Question, outcomes: list[_Outcome], databases: ChannelFile
) -> dict[str, Any]:
    families = sorted({f for o in outcomes for f in o.spec.families})
    family_instruments = {i.id for i in kb.instruments if i.family}
    dates = [
        d for c in kb.commitments if c.instrument in family_instruments
        for d in (c.in_force, c.ratified, c.signed) if d
    ]
    sides = []
    states = [q.requesting, q.holder] + [s for s in (q.provider_home,) if s and s not in (q.requesting, q.holder)]
    for state in dict.fromkeys(states):
        bound: dict[str, list[str]] = {}
        for o in outcomes:
            ids = [i for i in o.instruments if i in kb.instrument_by_id
                   and commitment_status(kb, state, i, q.on).committed]
            if ids:
                bound[o.spec.id] = ids
        treaties = _bilateral(kb, state)
        partners = sorted({
            c.state for i in treaties for c in kb.commitments_to(i.id) if c.state and c.state != state
        })
        database = databases.database_for(state)
        sides.append({
            "state": state, "bound": bound, "bilateral_treaties": len(treaties),
            "bilateral_partners": partners,
            "treaty_database": database.url if database else None,
        })
    return {
        "checked_on": q.on.isoformat(),
        "kb_version": kb.version,
        "families": families,
        "recorded_through": max(dates, key=lambda d: latest(d)) if dates else None,
        "sides": sides,
        "note": (
            "Only the instruments recorded in this knowledge base were checked. A treaty that is "
            "not recorded here may still exist: check the treaty databases named for each side."
        ),
    }


def _bilateral_gap(kb: KnowledgeBase, q: Question, databases: ChannelFile) -> str:
    """The honest answer when no bilateral treaty is recorded for the pair: what is recorded
    for each side, and where to look beyond it."""
    counts = ", ".join(f"{_plain(s)} {len(_bilateral(kb, s))}" for s in (q.requesting, q.holder))
    pointers: list[tuple[str, str]] = []
    for state in (q.holder, q.requesting):
        database = databases.database_for(state)
        if database is not None and database.url not in [url for _, url in pointers]:
            pointers.append((database.name, database.url))
    where = "; ".join(f"{name} ({url})" for name, url in pointers)
    return (
        f"No bilateral treaty is recorded for {q.requesting}–{q.holder}; bilateral coverage in "
        f"this knowledge base (treaties recorded): {counts}. "
        + (f"Check {where}." if where else "")
    ).strip()


def _gaps(
    kb: KnowledgeBase, q: Question, outcomes: list[_Outcome], databases: ChannelFile
) -> list[str]:
    gaps: list[str] = []
    on = q.on.isoformat()
    open_ = [o for o in outcomes if o.applicable]
    treaty = [o for o in open_ if o.spec.instruments or o.spec.families]
    if q.requesting == q.holder and q.provider_home in (None, q.requesting):
        gaps.append(
            f"The data is held in the requesting state {_plain(q.requesting)}: national powers "
            "apply and no cross-border channel is needed."
        )
        return gaps
    req, hold = _plain(q.requesting), _plain(q.holder)
    if not treaty:
        gaps.append(
            f"No treaty-based channel is open: no instrument recorded in this knowledge base "
            f"binds both {req} and {hold} on {on}. That is a limit of these records, not proof "
            "that no treaty exists (see coverage)."
        )
        slow = [o.spec for o in open_]
        if slow:
            gaps.append(
                "Open without a treaty: "
                + "; ".join(f"{s.name} ({s.time(q.urgent)})" for s in slow) + "."
            )
    if not treaty and any(o.unrecorded_pair for o in outcomes if "bilateral-mlat" in o.spec.families):
        gaps.append(_bilateral_gap(kb, q, databases))
    fetch = [o for o in open_ if o.spec.effect == "disclose" and q.data in o.spec.data]
    fast = [o for o in fetch if o.spec.days(q.data, q.urgent) < SLOW_DAYS]
    if fetch and not fast:
        best = min(fetch, key=lambda o: o.spec.days(q.data, q.urgent))
        gaps.append(
            f"No fast channel hands over {q.data} data: the quickest open one is "
            f"{best.spec.name} ({best.spec.time(q.urgent)})."
        )
    if not fetch:
        gaps.append(f"No open channel hands over {q.data} data on {on}.")
    if q.urgent and not any(o.spec.urgent for o in open_):
        gaps.append("The request is urgent but no open channel is built for emergencies.")
    for o in outcomes:
        if o.blocked_by_application:
            gaps.append(
                f"{o.spec.name} ({o.spec.legal_basis}) binds both sides but applies only from "
                f"{o.blocked_by_application}."
            )
        # A condition matters only where no open treaty would replace the channel anyway.
        replaced = any(c in {x.spec.id for x in open_} for r in o.spec.superseded_by for c in r.channels)
        for condition in [] if replaced else o.conditional:
            gaps.append(f"{o.spec.name} binds both sides but {condition}.")
    signed_only: dict[str, list[str]] = {}
    only_signed: dict[str, list[str]] = {}
    for o in outcomes:
        if o.applicable or o.superseded:
            continue
        for inst_id in o.instruments:
            instrument = kb.instrument_by_id.get(inst_id)
            if instrument is None or len(o.spec.parties) < 2:
                continue
            other = q.state(o.spec.parties[1].split("|")[0])
            if other is None or other == q.requesting:
                continue
            pair = [q.requesting, other]
            signed = all(
                commitment_status(kb, s, inst_id, q.on, level="signed").committed for s in pair
            )
            both_bound = all(commitment_status(kb, s, inst_id, q.on).committed for s in pair)
            if signed and not both_bound:
                signed_only.setdefault(inst_id, []).append(o.spec.name)
                only_signed[inst_id] = [
                    _plain(s) for s in pair if not commitment_status(kb, s, inst_id, q.on).committed
                ]
    for inst_id, names in signed_only.items():
        who = " and ".join(only_signed[inst_id])
        gaps.append(
            f"{kb.instrument_by_id[inst_id].name} has been signed by both sides but does not "
            f"bind {who} on {on}; once it binds both, these channels could open: {', '.join(names)}."
        )
    doubts = sorted({d for o in open_ for d in o.relies_on_unconfirmed})
    if doubts:
        gaps.append("The answer relies on records marked unconfirmed: " + ", ".join(doubts) + ".")
    return gaps


# --- the router ----------------------------------------------------------------------------


def route(
    requesting: str,
    holder: str,
    data: str,
    provider_home: str | None = None,
    offender: str | None = None,
    urgent: bool = False,
    on: str | dt.date | None = None,
    provider_offers_eu: bool = False,
    organised_crime: bool = False,
    *,
    kb: KnowledgeBase | None = None,
    channels: list[ChannelSpec] | None = None,
) -> RouteAnswer:
    """Answer the cross-border evidence question (Contract 4 of docs/contracts.md).

    Every channel appears, applicable ones first and fastest first, with the gaps in plain
    sentences and the coverage of the records checked. Raises :class:`InputError` on bad
    input.
    """
    q = question(
        requesting, holder, data, provider_home, offender, urgent, on,
        provider_offers_eu, organised_crime,
    )
    kb = kb if kb is not None else shipped_kb()
    databases = load_channel_file()
    specs = list(databases.channels) if channels is None else channels
    outcomes = [_evaluate(kb, q, spec) for spec in specs]
    for o in outcomes:
        if o.unrecorded_pair and "bilateral-mlat" in o.spec.families:
            o.reasons[-1] = _bilateral_gap(kb, q, databases)
            o.summary = o.reasons[-1] if not o.applicable else o.summary
    _supersede(outcomes)
    _conflicts(q, outcomes)
    order = sorted(
        range(len(outcomes)),
        key=lambda i: (not outcomes[i].applicable, outcomes[i].spec.days(q.data, q.urgent), i),
    )
    rows = []
    for i in order:
        o = outcomes[i]
        s = o.spec
        receiver = q.state(s.parties[1].split("|")[0]) if len(s.parties) > 1 else q.holder
        rows.append({
            "id": s.id,
            "applicable": o.applicable,
            "legal_basis": o.legal_basis,
            "typical_time": s.time(q.urgent),
            "requirements": list(s.requirements),
            "reasons": o.reasons,
            "name": s.name,
            "summary": o.summary,
            "data_covered": list(s.data),
            "effect": s.effect,
            "urgent_capable": s.urgent,
            "typical_days": s.days(q.data, q.urgent),
            "via": o.via,
            "sources": list(s.sources),
            "unconfirmed": s.unconfirmed,
            "note": s.note,
            "superseded_by": o.superseded,
            "contacts": [c.model_dump() for c in s.contact_for(receiver or q.holder)],
            "request_content": list(s.request_content),
        })
    return RouteAnswer.model_validate({
        "question": q,
        "jurisdiction": _jurisdiction(q),
        "channels": rows,
        "gaps": _gaps(kb, q, outcomes, databases),
        "coverage": _coverage(kb, q, outcomes, databases),
    })
