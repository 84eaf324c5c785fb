"""Read-only views over the knowledge base, as plain data for the CLI, API and notebooks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from normwatch.errors import NotFound
from normwatch.knowledge.commitments import commitment_start, holds, member_on
from normwatch.knowledge.countries import country_name, is_country
from normwatch.knowledge.dates import to_date
from normwatch.knowledge.load import KnowledgeBase
from normwatch.knowledge.models import Commitment, Norm


def norm(kb: KnowledgeBase, norm_id: str) -> Norm:
    """The norm with this id (Contract 2), or NotFound."""
    try:
        return kb.norms[norm_id]
    except KeyError:
        raise NotFound("norm", norm_id, f"unknown norm {norm_id!r}; see `normwatch norms`") from None


def memberships(kb: KnowledgeBase, state: str, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Organisations the state belongs (or belonged) to, with dates; on a date, only current."""
    rows = []
    for org in kb.organisations:
        for member in org.members:
            if member.state != state:
                continue
            if on is not None:
                if not member_on(member, on):
                    continue
            rows.append({
                "organisation": org.id, "name": org.name, "joined": member.joined,
                "left": member.left, "unconfirmed": member.unconfirmed,
                "source": member.source or org.sources[0],
            })
    return rows


def _commitment_row(kb: KnowledgeBase, c: Commitment, on: dt.date) -> dict[str, Any]:
    instrument = kb.instrument_by_id.get(c.instrument)
    start = commitment_start(c, instrument) if instrument else None
    return {
        "instrument": c.instrument,
        "who": c.who,
        "is_state": c.state is not None,
        "signed": c.signed, "ratified": c.ratified, "mode": c.mode, "joined": c.joined,
        "in_force": c.in_force, "withdrawn": c.withdrawn,
        "committed_from": start.isoformat() if start else None,
        "committed_on_date": bool(instrument and holds(c, instrument, on)),
        "unconfirmed": c.unconfirmed, "note": c.note, "sources": list(c.sources),
    }


def state_profile(kb: KnowledgeBase, iso3: str, on: str | dt.date | None = None) -> dict[str, Any]:
    """A state's UN status, memberships and commitments (as on ``on``, default today)."""
    if not is_country(iso3.strip().upper()):
        raise NotFound("state", iso3, f"{iso3!r} is not an ISO 3166-1 alpha-3 country code")
    code = iso3.strip().upper()
    day = to_date(on) if on else dt.date.today()
    state = next((s for s in kb.states if s.iso3 == code), None)
    return {
        "state": code,
        "name": country_name(code),
        "un": state.un if state else None,
        "on": day.isoformat(),
        "memberships": memberships(kb, code),
        "commitments": [_commitment_row(kb, c, day) for c in kb.commitments_of(code)],
    }


def instrument_profile(
    kb: KnowledgeBase, instrument_id: str, on: str | dt.date | None = None
) -> dict[str, Any]:
    """An instrument, its parties and signatories, and how many were bound each year."""
    instrument = kb.instrument_by_id.get(instrument_id)
    if instrument is None:
        known = ", ".join(sorted(kb.instrument_by_id))
        raise NotFound("instrument", instrument_id, f"unknown instrument {instrument_id!r}; known: {known}")
    day = to_date(on) if on else dt.date.today()
    rows = [_commitment_row(kb, c, day) for c in kb.commitments_to(instrument_id)]
    starts = sorted(r["committed_from"][:4] for r in rows if r["committed_from"])
    by_year: dict[str, int] = {}
    for year in starts:
        by_year[year] = by_year.get(year, 0) + 1
    cumulative, running = {}, 0
    for year in sorted(by_year):
        running += by_year[year]
        cumulative[year] = running
    states = [r for r in rows if r["is_state"]]
    return {
        "instrument": instrument.model_dump(mode="json", exclude_none=True),
        "on": day.isoformat(),
        "counts": {
            "records": len(rows),
            "states": len(states),
            "states_committed_on_date": sum(r["committed_on_date"] for r in states),
            "others_committed_on_date": sum(
                r["committed_on_date"] for r in rows if not r["is_state"]
            ),
            "signatories_only": sum(
                1 for r in states if r["signed"] and not r["committed_from"]
            ),
        },
        "committed_by_year": cumulative,
        "commitments": rows,
    }


def sanctions_for(kb: KnowledgeBase, incident_id: str) -> list[dict[str, Any]]:
    """The sanctions listings that name ``incident_id`` among the acts they answer, oldest
    first: who imposed them, when, by which act, whom they list, and the sources."""
    found = []
    for regime in kb.sanctions:
        for listing in regime.listings:
            if incident_id in listing.incidents:
                found.append({
                    "regime": regime.id, "regime_name": regime.name, "by": regime.by,
                    "date": listing.date, "legal_act": listing.legal_act,
                    "listed": [item.name for item in listing.listed],
                    "sources": list(listing.sources), "unconfirmed": listing.unconfirmed,
                })
    return sorted(found, key=lambda row: str(row["date"]))


def sanctioned_states(kb: KnowledgeBase) -> dict[str, list[dict[str, Any]]]:
    """For each state, the listings that name persons or entities acting for it."""
    out: dict[str, list[dict[str, Any]]] = {}
    for regime in kb.sanctions:
        for listing in regime.listings:
            for state in sorted({item.state for item in listing.listed if item.state}):
                out.setdefault(state, []).append({
                    "regime": regime.id, "by": regime.by, "date": listing.date,
                    "legal_act": listing.legal_act, "incidents": list(listing.incidents),
                    "listed": [i.name for i in listing.listed if i.state == state],
                    "sources": list(listing.sources),
                })
    return out


def position_matrix(kb: KnowledgeBase) -> dict[str, Any]:
    """The topic × author matrix of published positions on international law in cyberspace:
    for each state or group, per topic, the latest position's coded stance with its
    document, date, paragraph and source (``None`` where every position is silent)."""
    from normwatch.knowledge.models import POSITION_TOPICS

    authors: dict[str, list[Any]] = {}
    for position in sorted(kb.positions, key=lambda p: str(p.date), reverse=True):
        authors.setdefault(position.who, []).append(position)
    rows = []
    for who, positions in sorted(authors.items()):
        cells: dict[str, Any] = {}
        for topic in POSITION_TOPICS:
            found = next(((p, p.topics[topic]) for p in positions if topic in p.topics), None)
            if found is None:
                cells[topic] = None
                continue
            position, stance = found
            cells[topic] = {
                "stance": stance.stance, "paragraph": stance.paragraph, "summary": stance.summary,
                "position": position.id, "title": position.title, "date": position.date,
                "source": stance.source or position.url,
                "unconfirmed": stance.unconfirmed or position.unconfirmed,
            }
        name = country_name(who) if is_country(who) else (
            kb.organisation_by_id[who].name if who in kb.organisation_by_id else who)
        rows.append({"who": who, "name": name, "positions": [p.id for p in positions], "topics": cells})
    return {"topics": list(POSITION_TOPICS), "authors": rows}


def group_profile(kb: KnowledgeBase, group_id: str) -> dict[str, Any]:
    """One threat-actor group: names, the dated claims that tie it to states (each with its
    source, oldest first), the sanctions naming it and the catalogue incidents it appears in."""
    group = kb.group_by_id.get(group_id)
    if group is None:
        raise NotFound("group", group_id)
    links = sorted(group.links, key=lambda link: str(link.date or ""))
    incidents = [
        i for i in kb.incidents if any(kb.find_group(a.name) is group for a in i.actors)
    ]
    listings = [
        {"regime": r.name, "date": listing.date, "legal_act": listing.legal_act,
         "listed": [x.name for x in listing.listed if group.id in x.groups], "sources": list(listing.sources)}
        for r in kb.sanctions for listing in r.listings
        if any(group.id in x.groups for x in listing.listed)
    ]
    return {
        "id": group.id, "name": group.name, "aliases": list(group.aliases), "kind": group.kind,
        "attack_id": group.attack_id, "first_seen": group.first_seen, "summary": group.summary,
        "sponsor": group.sponsor,
        "claims": [
            {"state": link.state, "state_name": country_name(link.state), "body": link.body,
             "by": list(link.by), "kind": link.kind, "confidence": link.confidence,
             "date": link.date, "source": link.source, "unconfirmed": link.unconfirmed}
            for link in links
        ],
        "incidents": [
            {"id": i.id, "name": i.name, "start": i.start}
            for i in sorted(incidents, key=lambda i: (i.start, i.id))
        ],
        "sanctions": sorted(listings, key=lambda row: str(row["date"])),
        "sources": list(group.sources),
    }


def group_list(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """Every group with its aliases, sponsor state and number of catalogue incidents."""
    counts: dict[str, int] = {}
    for incident in kb.incidents:
        for gid in {g.id for a in incident.actors if (g := kb.find_group(a.name)) is not None}:
            counts[gid] = counts.get(gid, 0) + 1
    return sorted(
        ({"id": g.id, "name": g.name, "aliases": list(g.aliases), "sponsor": g.sponsor,
          "incidents": counts.get(g.id, 0)} for g in kb.groups),
        key=lambda row: (-int(row["incidents"]), str(row["name"]).casefold()),
    )
