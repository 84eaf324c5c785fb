"""Whole-knowledge-base checks that one record alone cannot make.

Schema errors are found while loading (:mod:`normwatch.knowledge.load`); this module adds duplicate
ids, references between records, date sanity and sourcing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Hashable, Iterable
from typing import TypeVar

from normwatch.errors import Problem
from normwatch.knowledge.countries import is_country
from normwatch.knowledge.dates import earliest, latest
from normwatch.knowledge.load import KnowledgeBase
from normwatch.knowledge.models import Commitment, Incident


def check(kb: KnowledgeBase, today: dt.date | None = None) -> list[Problem]:
    """Every problem in ``kb``: those found while loading, then cross-record ones."""
    today = today or dt.date.today()
    problems = list(kb.problems)
    problems += _duplicates(kb)
    problems += _frameworks(kb)
    problems += _organisations(kb)
    problems += _instruments(kb)
    problems += _commitments(kb, today)
    problems += _groups(kb)
    problems += _incidents(kb, today)
    problems += _positions(kb)
    problems += _sanctions(kb)
    return problems


def check_remembered(kb: KnowledgeBase, today: dt.date | None = None) -> list[Problem]:
    """:func:`check`, with a clean result remembered in the disk cache per knowledge-base
    version, day (a date in the future is a problem) and checking code: a command run twice
    on the same files checks them once."""
    from normwatch.knowledge import diskcache

    today = today or dt.date.today()
    key = f"{kb.version}-{today.isoformat()}-" + diskcache.code_key(
        "knowledge/check", "knowledge/load", "knowledge/models", "knowledge/countries", "knowledge/dates")
    if kb.version and diskcache.load("check", key) == "clean":
        return []
    problems = check(kb, today)
    if not problems and kb.version:
        diskcache.save("check", key, "clean")
    return problems


def _sanctions(kb: KnowledgeBase) -> list[Problem]:
    found = []
    known_groups = set(kb.group_by_id) | set(kb.body_by_id)
    for regime in kb.sanctions:
        file = _file(kb, "sanctions", regime.id)
        for n, listing in enumerate(regime.listings):
            for ident in listing.incidents:
                if ident not in kb.incident_by_id:
                    found.append(Problem(file, regime.id, f"listings.{n}.incidents",
                                         f"unknown incident {ident!r}"))
            for m, listed in enumerate(listing.listed):
                for group in listed.groups:
                    if group not in known_groups:
                        found.append(Problem(file, regime.id, f"listings.{n}.listed.{m}.groups",
                                             f"unknown group or state body {group!r}"))
    return found


def _positions(kb: KnowledgeBase) -> list[Problem]:
    found = []
    for position in kb.positions:
        if position.party is not None and position.party not in kb.organisation_by_id:
            file = _file(kb, "positions", position.id)
            found.append(
                Problem(file, position.id, "party", f"unknown organisation {position.party!r}")
            )
    return found


def _file(kb: KnowledgeBase, kind: str, key: str) -> str:
    return kb.origin.get(f"{kind}:{key}", kind)


H = TypeVar("H", bound=Hashable)


def _dupes(ids: Iterable[H]) -> list[H]:
    return [key for key, count in Counter(ids).items() if count > 1]


def _duplicates(kb: KnowledgeBase) -> list[Problem]:
    found = []
    families = {
        "frameworks": [f.id for f in kb.frameworks],
        "states": [s.iso3 for s in kb.states],
        "organisations": [o.id for o in kb.organisations],
        "instruments": [i.id for i in kb.instruments],
        "bodies": [b.id for b in kb.bodies],
        "groups": [g.id for g in kb.groups],
        "incidents": [i.id for i in kb.incidents] + [a for i in kb.incidents for a in i.aliases],
        "positions": [p.id for p in kb.positions],
        "sanctions": [r.id for r in kb.sanctions],
    }
    for kind, ids in families.items():
        for key in _dupes(ids):
            found.append(Problem(_file(kb, kind, key), key, "id", f"duplicate {kind[:-1]} id"))
    norm_ids = [n.id for fw in kb.frameworks for n in fw.norms]
    for key in _dupes(norm_ids):
        fw = kb.framework_of[key]
        found.append(Problem(_file(kb, "frameworks", fw.id), key, "id", "duplicate norm id"))
    pairs = [(c.instrument, c.state, c.party) for c in kb.commitments if not c.withdrawn]
    for instrument, state, party in _dupes(pairs):
        who = state or party or ""
        file = _file(kb, "commitments", f"{instrument}:{who}")
        field = "state" if state else "party"
        found.append(Problem(file, who, field, f"duplicate commitment to {instrument}"))
    return found


def _frameworks(kb: KnowledgeBase) -> list[Problem]:
    found = []
    for fw in kb.frameworks:
        file = _file(kb, "frameworks", fw.id)
        for norm in fw.norms:
            if not norm.id.startswith(fw.id + ":"):
                found.append(
                    Problem(file, norm.id, "id", f"a norm of {fw.id} must have an id {fw.id}:…")
                )
            if norm.annotates is not None and norm.annotates not in kb.norms:
                found.append(Problem(file, norm.id, "annotates", f"unknown norm {norm.annotates!r}"))
            for other in norm.crosswalk:
                if other not in kb.norms:
                    found.append(Problem(file, norm.id, "crosswalk", f"unknown norm {other!r}"))
                elif other == norm.id:
                    found.append(Problem(file, norm.id, "crosswalk", "a norm cannot cross to itself"))
                elif norm.id not in kb.norms[other].crosswalk:
                    found.append(
                        Problem(
                            file, norm.id, "crosswalk",
                            f"{other} does not list {norm.id} back: the crosswalk must be symmetric",
                        )
                    )
    return found


def _organisations(kb: KnowledgeBase) -> list[Problem]:
    found = []
    for org in kb.organisations:
        file = _file(kb, "organisations", org.id)
        spans: dict[str, list[tuple[dt.date, dt.date]]] = {}
        for member in org.members:
            start = earliest(member.joined)
            end = latest(member.left) if member.left else dt.date.max
            for other_start, other_end in spans.get(member.state, []):
                if start <= other_end and other_start <= end:
                    found.append(
                        Problem(file, member.state, "joined",
                                f"overlapping memberships of {member.state} in {org.id}")
                    )
            spans.setdefault(member.state, []).append((start, end))
    return found


def _instruments(kb: KnowledgeBase) -> list[Problem]:
    found = []
    frameworks = {fw.id for fw in kb.frameworks}
    for item in kb.instruments:
        file = _file(kb, "instruments", item.id)
        for fw in item.carries:
            if fw not in frameworks:
                found.append(Problem(file, item.id, "carries", f"unknown framework {fw!r}"))
        if item.entry_into_force and latest(item.entry_into_force) < earliest(item.adopted):
            found.append(
                Problem(file, item.id, "entry_into_force", "entry into force before adoption")
            )
    return found


def _commitment_dates(c: Commitment, today: dt.date) -> list[tuple[str, str]]:
    """(field, message) pairs for dates out of order in one commitment."""
    wrong = []
    order = [("signed", c.signed), ("ratified", c.ratified), ("in_force", c.in_force)]
    known = [(name, value) for name, value in order if value]
    for (first_name, first), (second_name, second) in zip(known, known[1:], strict=False):
        if latest(second) < earliest(first):
            wrong.append((second_name, f"{second_name} {second} is before {first_name} {first}"))
    start = c.in_force or c.ratified or c.joined or c.signed
    if c.withdrawn and start and latest(c.withdrawn) < earliest(start):
        wrong.append(("withdrawn", f"withdrawn {c.withdrawn} is before {start}"))
    for name in ("signed", "ratified", "joined", "in_force", "withdrawn"):
        value = getattr(c, name)
        if value and earliest(value) > today:
            wrong.append((name, f"{name} {value} is in the future"))
    if not any((c.signed, c.ratified, c.joined, c.in_force)):
        wrong.append(("signed", "a commitment needs at least one date"))
    return wrong


def _commitments(kb: KnowledgeBase, today: dt.date) -> list[Problem]:
    found = []
    for c in kb.commitments:
        file = _file(kb, "commitments", f"{c.instrument}:{c.who}")
        instrument = kb.instrument_by_id.get(c.instrument)
        if instrument is None:
            found.append(Problem(file, c.who, "instrument", f"unknown instrument {c.instrument!r}"))
            continue
        for name, message in _commitment_dates(c, today):
            found.append(Problem(file, c.who, name, message))
        if c.in_force and instrument.entry_into_force:
            if latest(c.in_force) < earliest(instrument.entry_into_force):
                found.append(
                    Problem(file, c.who, "in_force",
                            f"in force {c.in_force} before the instrument itself "
                            f"({instrument.entry_into_force})")
                )
        first = c.signed or c.ratified or c.joined
        if first and latest(first) < earliest(instrument.adopted):
            found.append(
                Problem(file, c.who, "signed", f"{first} is before the instrument was adopted")
            )
    return found


def _groups(kb: KnowledgeBase) -> list[Problem]:
    found = []
    for group in kb.groups:
        file = _file(kb, "groups", group.id)
        for alias, count in Counter(a.casefold() for a in group.names()).items():
            if count > 1:
                found.append(Problem(file, group.id, "aliases", f"alias {alias!r} listed twice"))
        for index, link in enumerate(group.links):
            if link.body is None:
                continue
            body = kb.body_by_id.get(link.body)
            if body is None:
                found.append(
                    Problem(file, group.id, f"links.{index}.body", f"unknown body {link.body!r}")
                )
            elif body.state != link.state:
                found.append(
                    Problem(file, group.id, f"links.{index}.body",
                            f"{link.body} belongs to {body.state}, not {link.state}")
                )
    return found


UNSOURCED = ("a claim needs its own sources: the URLs that state this claim "
             "(a claim no source states is left out)")


def _incident(kb: KnowledgeBase, incident: Incident, today: dt.date) -> list[tuple[str, str]]:
    wrong = []
    start = earliest(incident.start)
    if start > today:
        wrong.append(("start", f"start {incident.start} is in the future"))
    if not incident.sources:
        wrong.append(("sources", "a catalogue incident needs at least one source URL"))
    for i, item in enumerate(incident.attributions):
        states = [who for who in item.by if is_country(who)]
        if item.kind != "government" and states:
            # A state speaking is a government attribution; a press or vendor claim names its outlet.
            wrong.append((f"attributions.{i}.by",
                          f"{', '.join(states)} is a state: a {item.kind} attribution names the outlet or firm"))
        if not item.sources:
            wrong.append((f"attributions.{i}.sources", UNSOURCED))
        if item.date and latest(item.date) < start:
            wrong.append((f"attributions.{i}.date",
                          f"attribution dated {item.date} is before the incident ({incident.start})"))
    for i, response in enumerate(incident.responses):
        if not response.sources:
            wrong.append((f"responses.{i}.sources", UNSOURCED))
        if response.date and latest(response.date) < start:
            wrong.append((f"responses.{i}.date",
                          f"response dated {response.date} is before the incident ({incident.start})"))
    attributed = {a.to for a in incident.attributions}
    for i, actor in enumerate(incident.actors):
        if actor.state and actor.state not in attributed:
            wrong.append((f"actors.{i}.state",
                          f"{actor.state} is not named by any attribution of this incident"))
        if actor.kind == "state-sponsored" and kb.groups and kb.find_group(actor.name) is None:
            wrong.append((f"actors.{i}.name", f"unknown group {actor.name!r} (not in groups.yaml)"))
    for i, rel in enumerate(incident.related):
        if rel.id == incident.id:
            wrong.append((f"related.{i}.id", "an incident cannot relate to itself"))
        elif rel.id not in kb.incident_by_id:
            wrong.append((f"related.{i}.id", f"unknown incident {rel.id!r}"))
    return wrong


def _incidents(kb: KnowledgeBase, today: dt.date) -> list[Problem]:
    found = []
    for incident in kb.incidents:
        file = _file(kb, "incidents", incident.id)
        for name, message in _incident(kb, incident, today):
            found.append(Problem(file, incident.id, name, message))
    return found
