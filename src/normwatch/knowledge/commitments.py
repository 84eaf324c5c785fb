"""Was a state committed to an instrument, or to a norm, or a member of an organisation,
on a given date? The one place that answers it.

Dates in the knowledge base may be partial (``2019``) or upper bounds (a supporter
listed by a date). The answer is conservative: *committed* (or *member*) means the
records show it certainly held on that day, so a start that is a partial date counts
from its last possible day, and an end (withdrawal, leaving) from its first possible day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from normwatch.knowledge.dates import earliest, latest, to_date
from normwatch.knowledge.load import KnowledgeBase
from normwatch.knowledge.models import Commitment, Instrument, Membership, Organisation

Level = Literal["bound", "signed"]


@dataclass(frozen=True)
class CommitmentStatus:
    """The answer to "was WHO committed to WHAT on DATE", with the reason."""

    who: str
    what: str
    on: dt.date
    committed: bool
    via: tuple[Commitment, ...]
    reason: str


def commitment_start(c: Commitment, instrument: Instrument, level: Level = "bound") -> dt.date | None:
    """First day on which ``c`` certainly committed its party, or None if it never did.

    ``bound`` counts entry into force (or joining, for a call, resolution or communiqué);
    a ratification counts once the instrument itself is in force. ``signed`` also counts
    a bare signature.
    """
    if level == "signed":
        dates = [d for d in (c.signed, c.ratified, c.joined, c.in_force) if d]
        return min(latest(d) for d in dates) if dates else None
    if c.in_force:
        return latest(c.in_force)
    if c.joined:
        return latest(c.joined)
    if c.ratified and instrument.entry_into_force:
        return max(latest(c.ratified), latest(instrument.entry_into_force))
    return None


def withdrawn_by(c: Commitment, on: dt.date) -> bool:
    """True when the commitment may have been withdrawn by ``on``: a withdrawal counts from
    its first possible day, so that "committed" stays certain."""
    return bool(c.withdrawn and earliest(c.withdrawn) <= on)


def holds(c: Commitment, instrument: Instrument, on: dt.date, level: Level = "bound") -> bool:
    """Did commitment ``c`` certainly commit its party on ``on``?"""
    start = commitment_start(c, instrument, level)
    if start is None or start > on:
        return False
    return not withdrawn_by(c, on)


def member_on(member: Membership, on: dt.date) -> bool:
    """Was this membership certainly in effect on ``on``? From the last day ``joined`` may
    mean until the first day ``left`` may mean."""
    return latest(member.joined) <= on and not (member.left is not None and earliest(member.left) <= on)


def members_on(organisation: Organisation, on: dt.date) -> frozenset[str]:
    """The states certainly members of ``organisation`` on ``on``."""
    return frozenset(m.state for m in organisation.members if member_on(m, on))


def _instruments_for(kb: KnowledgeBase, what: str) -> tuple[list[Instrument], str]:
    """Instruments that commit a party to ``what`` (an instrument, framework or norm id)."""
    if what in kb.instrument_by_id:
        return [kb.instrument_by_id[what]], f"instrument {what}"
    framework = kb.framework_of[what].id if what in kb.norms else what
    if framework not in {fw.id for fw in kb.frameworks}:
        raise KeyError(f"unknown instrument, framework or norm {what!r}")
    carriers = [i for i in kb.instruments if framework in i.carries]
    return carriers, f"framework {framework}"


def commitment_status(
    kb: KnowledgeBase,
    who: str,
    what: str,
    on: str | dt.date,
    level: Level = "bound",
) -> CommitmentStatus:
    """Whether ``who`` (ISO3 or party name) was committed to ``what`` on ``on``, and why."""
    day = to_date(on)
    instruments, label = _instruments_for(kb, what)
    if not instruments:
        return CommitmentStatus(
            who, what, day, False, (),
            f"no instrument records state commitments to {label}",
        )
    mine = [c for c in kb.commitments_of(who) if c.instrument in {i.id for i in instruments}]
    holding = tuple(c for c in mine if holds(c, kb.instrument_by_id[c.instrument], day, level))
    if holding:
        names = ", ".join(sorted({c.instrument for c in holding}))
        return CommitmentStatus(who, what, day, True, holding, f"committed through {names}")
    if not mine:
        names = ", ".join(i.id for i in instruments)
        partial = [i.id for i in instruments if i.partial_parties]
        reason = f"no commitment of {who} to {names} recorded"
        if partial:
            reason += (
                f" (the party list of {', '.join(partial)} in this knowledge base is partial: "
                "check the depositary)"
            )
        return CommitmentStatus(who, what, day, False, (), reason)
    later = [
        start for c in mine
        if (start := commitment_start(c, kb.instrument_by_id[c.instrument], level)) is not None
    ]
    if later and min(later) > day:
        reason = f"committed only from {min(later).isoformat()}"
    elif any(withdrawn_by(c, day) for c in mine):
        reason = "the commitment had been withdrawn"
    else:
        reason = "signed or listed, but not bound on that date"
    return CommitmentStatus(who, what, day, False, (), reason)


def committed(
    state: str,
    instrument_or_norm: str,
    on: str | dt.date,
    *,
    kb: KnowledgeBase | None = None,
    level: Level = "bound",
) -> bool:
    """Was ``state`` certainly committed to an instrument, framework or norm on date ``on``?

    ``kb`` defaults to the shipped knowledge base. ``level="bound"`` (default) needs entry
    into force or joining; ``"signed"`` also counts a signature. Partial dates count from
    their last possible day (the conservative reading).
    """
    if kb is None:
        from normwatch.knowledge.load import shipped_kb

        kb = shipped_kb()
    return commitment_status(kb, state, instrument_or_norm, on, level).committed
