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
from normwatch.knowledge.models import Commitment, Instrument, Url

DataCategory = Literal["subscriber", "traffic", "content"]
DATA_CATEGORIES: tuple[str, ...] = DataCategory.__args__  # type: ignore[attr-defined]

CHANNEL_IDS: tuple[str, ...] = (
    "eu-production-order", "eu-preservation-order", "eu-investigation-order",
    "sap-direct-disclosure", "sap-domain-registration", "sap-giving-effect", "sap-emergency",
    "budapest-preservation", "budapest-24-7", "budapest-mla", "budapest-32b",
    "cloud-act-agreement", "us-voluntary-disclosure", "un-cybercrime-convention",
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


class ChannelSpec(BaseModel):
    """One channel of ``channels.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    legal_basis: str
    instruments: list[str] = []
    parties: list[str] = []
    from_application: bool = False
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


def load_channels(path: Path | None = None) -> list[ChannelSpec]:
    """Read and validate the channel file (the shipped one by default)."""
    if path is None:
        return list(_shipped_channels())
    return _read_channels(path)


@cache
def _shipped_channels() -> tuple[ChannelSpec, ...]:
    return tuple(_read_channels(channels_path()))


def _read_channels(path: Path) -> list[ChannelSpec]:
    data, problems = read_yaml(path)
    if problems:
        raise ValueError(str(problems[0]))
    if not isinstance(data, dict) or set(data) != {"channels"}:
        raise ValueError(f"{path}: expected a mapping with the single key 'channels'")
    return [ChannelSpec.model_validate(item) for item in data["channels"]]


def check_channels(kb: KnowledgeBase, channels: list[ChannelSpec] | None = None) -> list[str]:
    """Problems with the channel file: missing, extra or repeated ids, unknown instruments."""
    specs = load_channels() if channels is None else channels
    problems = []
    ids = [c.id for c in specs]
    for missing in [i for i in CHANNEL_IDS if i not in ids]:
        problems.append(f"channel {missing} of Contract 4 is missing")
    for extra in sorted({i for i in ids if i not in CHANNEL_IDS}):
        problems.append(f"channel {extra} is not a Contract 4 channel id")
    for repeated in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"channel {repeated} appears more than once")
    for spec in specs:
        for instrument in spec.instruments:
            if instrument not in kb.instrument_by_id:
                problems.append(f"channel {spec.id}: unknown instrument {instrument!r}")
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


def _name(code: str) -> str:
    return f"{code} ({country_name(code)})"


def _standing(kb: KnowledgeBase, state: str, instrument: Instrument, on: dt.date) -> tuple[
    bool, str, Commitment | None
]:
    status = commitment_status(kb, state, instrument.id, on)
    if status.committed:
        c = status.via[0]
        start = commitment_start(c, instrument)
        since = start.isoformat() if start else "?"
        text = f"{state} bound since {since}"
        if c.unconfirmed:
            text += f" (unconfirmed record: {c.note})"
        return True, text, c
    signed = commitment_status(kb, state, instrument.id, on, level="signed")
    if signed.committed:
        c = signed.via[0]
        return False, f"{state} signed ({c.signed or c.ratified}) but is not bound on {on}", c
    return False, f"{state} not bound on {on}: {status.reason}", None


def _in_force_text(instrument: Instrument, on: dt.date) -> str:
    if instrument.entry_into_force is None:
        return f"{instrument.id} is not in force (no entry into force recorded)"
    start = latest(instrument.entry_into_force)
    if start > on:
        return f"{instrument.id} enters into force only on {instrument.entry_into_force}"
    return f"{instrument.id} in force since {instrument.entry_into_force}"


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


def _evaluate(kb: KnowledgeBase, q: Question, spec: ChannelSpec) -> _Outcome:
    reasons: list[str] = []
    blockers: list[str] = []
    unconfirmed: list[str] = []
    # data categories
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

    # roles: which states play them, and the cross-border rule
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
                    f"provider's home state not given: taking the holder {q.holder} as the provider's state"
                )
        label = " or ".join(_ROLE_NAMES[r] for r in roles)
        if not states:
            blockers.append(f"needs the {label} (give --provider-home)")
            reasons.append(blockers[-1])
            continue
        foreign = [s for s in states if s != q.requesting]
        if not foreign:
            blockers.append(
                f"{q.requesting} is both the requesting state and the {label}: "
                "a domestic matter, national powers apply"
            )
            reasons.append(blockers[-1])
            continue
        groups.append(foreign)

    if spec.provider_home_in:
        provider = q.state("provider")
        allowed = ", ".join(spec.provider_home_in)
        if provider in spec.provider_home_in:
            reasons.append(f"the provider is based in {provider}, whose law ({spec.legal_basis}) allows it")
        else:
            blockers.append(f"only for providers based in {allowed}; the provider's state is {provider}")
            reasons.append(blockers[-1])

    # instruments
    via: list[dict[str, Any]] = []
    legal_basis = spec.legal_basis
    opens_on: str | None = None
    if not spec.instruments:
        reasons.append(f"needs no treaty between the states: {spec.legal_basis}")
    else:
        involved = [q.requesting] + [s for g in groups for s in g]
        holding: list[_Binding] = []
        lines: list[str] = []
        for inst_id in spec.instruments:
            instrument = kb.instrument_by_id.get(inst_id)
            if instrument is None:
                lines.append(f"{inst_id} is not in the knowledge base")
                continue
            binding = _Binding(instrument)
            for state in involved:
                binding.bound[state] = _standing(kb, state, instrument, q.on)
            related = any(
                binding.bound[s][2] is not None or binding.bound[s][0] for s in involved
            )
            if len(spec.instruments) > 1 and not related:
                continue
            parts = "; ".join(binding.bound[s][1] for s in involved)
            lines.append(f"{instrument.id} ({instrument.name}): {_in_force_text(instrument, q.on)}; {parts}")
            side = spec.sides.get(instrument.id)
            if (
                side is not None and groups and binding.holds(q.requesting, groups, None)
                and not binding.holds(q.requesting, groups, side)
            ):
                lines.append(
                    f"{instrument.id} links {', '.join(side)} with the other parties, not two "
                    "parties of the same side"
                )
            if groups and binding.holds(q.requesting, groups, side):
                if spec.from_application and instrument.applies_from:
                    start = latest(instrument.applies_from)
                    if q.on < start:
                        lines.append(
                            f"{instrument.id} applies only from {instrument.applies_from}: "
                            f"not yet on {q.on}"
                        )
                        opens_on = instrument.applies_from
                        continue
                    lines.append(f"{instrument.id} applies from {instrument.applies_from}")
                holding.append(binding)
        if not lines:
            names = ", ".join(spec.instruments)
            who = " or ".join([q.requesting] + [s for g in groups for s in g])
            lines.append(f"no instrument of this channel ({names}) binds {who}")
        reasons.extend(lines)
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
                            unconfirmed.append(f"{binding.instrument.id} for {state}")
                if binding.instrument.unconfirmed:
                    unconfirmed.append(f"the instrument {binding.instrument.id}")
                parties.append({"instrument": binding.instrument.id, "parties": members})
            via = parties
            if len(spec.instruments) > 1:
                legal_basis = f"{spec.legal_basis}: " + "; ".join(b.instrument.name for b in holding)
        elif groups:
            if opens_on is None:
                blockers.append(
                    "no instrument of this channel is in force for both sides on " + q.on.isoformat()
                )
            else:
                blockers.append(f"opens only on {opens_on}")

    # limits on whom the channel may target
    if spec.excluded_targets and q.offender is not None:
        protected = q.state(spec.excluded_targets)
        if protected is not None and protected == q.offender and protected != q.requesting:
            blockers.append(
                f"the offender is linked to {protected}, the {_ROLE_NAMES[spec.excluded_targets]}: "
                f"the agreement bars orders that target that side's persons"
            )
            reasons.append(blockers[-1])

    applicable = not blockers
    if applicable:
        if via:
            first = via[0]
            summary = f"open through {first['instrument']}: " + ", ".join(
                f"{p['state']} since {p['since']}" for p in first["parties"]
            )
        else:
            summary = f"open: {spec.legal_basis}"
    else:
        summary = blockers[0]
    only_application = (
        opens_on is not None and len(blockers) == 1 and blockers[0].startswith("opens only on")
    )
    return _Outcome(
        spec=spec, applicable=applicable, reasons=reasons, summary=summary, via=via,
        legal_basis=legal_basis,
        blocked_by_application=opens_on if only_application else None,
        relies_on_unconfirmed=unconfirmed if applicable else [],
    )


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


def _gaps(kb: KnowledgeBase, q: Question, outcomes: list[_Outcome]) -> list[str]:
    gaps: list[str] = []
    on = q.on.isoformat()
    open_ = [o for o in outcomes if o.applicable]
    treaty = [o for o in open_ if o.spec.instruments]
    if q.requesting == q.holder and q.provider_home in (None, q.requesting):
        gaps.append(
            f"The data is held in the requesting state {q.requesting}: national powers apply and no "
            "cross-border channel is needed."
        )
        return gaps
    if not treaty:
        instruments = sorted({i for o in outcomes for i in o.spec.instruments})
        bound = {
            state: [i for i in instruments if i in kb.instrument_by_id
                    and commitment_status(kb, state, i, q.on).committed]
            for state in (q.requesting, q.holder)
        }
        if not bound[q.requesting] and not bound[q.holder]:
            gaps.append(
                f"Neither {q.requesting} nor {q.holder} is bound on {on} by any instrument these "
                f"channels rest on ({', '.join(instruments)})."
            )
        else:
            gaps.append(
                f"{q.requesting} and {q.holder} share no instrument in force for both on {on} "
                f"({q.requesting}: {', '.join(bound[q.requesting]) or 'none'}; "
                f"{q.holder}: {', '.join(bound[q.holder]) or 'none'})."
            )
        slow = [o.spec for o in open_]
        if slow:
            gaps.append(
                "Only paths that need no treaty are left: "
                + "; ".join(f"{s.name} ({s.time(q.urgent)})" for s in slow) + "."
            )
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
    signed_only: dict[str, list[str]] = {}
    only_signed: dict[str, list[str]] = {}
    for o in outcomes:
        if o.applicable:
            continue
        for inst_id in o.spec.instruments:
            instrument = kb.instrument_by_id.get(inst_id)
            if instrument is None:
                continue
            if len(o.spec.parties) < 2:
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
                signed_only.setdefault(inst_id, []).append(o.spec.id)
                only_signed[inst_id] = [
                    s for s in pair if not commitment_status(kb, s, inst_id, q.on).committed
                ]
    for inst_id, ids in signed_only.items():
        who = " and ".join(only_signed[inst_id])
        gaps.append(
            f"{inst_id} has been signed by both sides but does not bind {who} on {on}; "
            f"once it binds both, these channels could open: {', '.join(ids)}."
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
    *,
    kb: KnowledgeBase | None = None,
    channels: list[ChannelSpec] | None = None,
) -> RouteAnswer:
    """Answer the cross-border evidence question (Contract 4 of docs/contracts.md).

    Returns ``{"question", "jurisdiction", "channels", "gaps"}``: every channel appears,
    applicable ones first and fastest first. Raises ValueError on bad input.
    """
    q = question(requesting, holder, data, provider_home, offender, urgent, on)
    kb = kb if kb is not None else shipped_kb()
    specs = load_channels() if channels is None else channels
    outcomes = [_evaluate(kb, q, spec) for spec in specs]
    order = sorted(
        range(len(outcomes)),
        key=lambda i: (not outcomes[i].applicable, outcomes[i].spec.days(q.data, q.urgent), i),
    )
    rows = []
    for i in order:
        o = outcomes[i]
        s = o.spec
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
        })
    return RouteAnswer.model_validate({
        "question": q,
        "jurisdiction": _jurisdiction(q),
        "channels": rows,
        "gaps": _gaps(kb, q, outcomes),
    })
