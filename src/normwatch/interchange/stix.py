"""STIX 2.1 bundles in and out.

Export (:func:`export_bundle`)
    * an incident is a ``campaign`` (STIX 2.1's ``incident`` is a stub with no time
      properties and no defined relationships, while a campaign has ``first_seen``,
      ``last_seen``, ``objective`` and the standard ``attributed-to``, ``targets`` and
      ``originates-from`` relationships);
    * a threat-actor group is an ``intrusion-set``; a state body (GRU Unit 26165, …) a
      ``threat-actor`` of type ``nation-state``; the group is ``attributed-to`` the body;
    * a state is a ``location`` (country); a named victim an ``identity`` ``located-at``
      its country;
    * sources are ``external_references`` of the campaign and of one ``report`` per incident;
    * what STIX lacks (operation types, sectors, effects, attributions with claimant,
      kind and confidence, responses, related incidents, partial dates) travels in the
      property extension :data:`EXTENSION_ID`, so export then import is lossless.

    Identifiers are derived from ours (uuid5 of ``"<kind>:<id>"`` in :data:`NAMESPACE`, with
    the version bits set to 4, as the STIX validators expect UUIDv4 for SDOs), and every
    timestamp is fixed, so the same knowledge base always gives the same bundle.

Import (:func:`import_stix`)
    A streaming reader over ``json``'s C scanner reads the bundle one object at a time and
    keeps only what it maps; dicts are mapped directly, never through ``stix2`` objects.
    Campaigns and incidents become incidents, intrusion sets and threat actors become
    groups; everything else is counted in the mapping report with the reason.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from sys import intern
from typing import Any, TextIO, cast

from pydantic import ValidationError

from normwatch.errors import Problem, from_validation_error
from normwatch.interchange.importing import ImportResult, MappingReport
from normwatch.knowledge.countries import country_name, is_country
from normwatch.knowledge.models import Incident, State, StateBody, ThreatActor, is_url

NAMESPACE = uuid.UUID("8b3b6f3e-4a0e-5c57-9a5e-2f1d3c6b7a10")
EPOCH = "2024-01-01T00:00:00.000Z"
"""``created``/``modified`` of every exported object: output depends only on the data."""


def stix_id(kind: str, key: str) -> str:
    """A stable STIX id for one of our records (uuid5-derived, version bits 4)."""
    digest = uuid.uuid5(NAMESPACE, f"{kind}:{key}")
    return f"{kind}--{uuid.UUID(bytes=digest.bytes, version=4)}"


IDENTITY_ID = stix_id("identity", "normwatch")
EXTENSION_ID = stix_id("extension-definition", "normwatch-record-v1")
_EXT_TYPE = "property-extension"

_CONFIDENCE = {"high": 85, "medium": 50, "low": 15}

# Our sectors onto the STIX 2.1 industry-sector vocabulary (only where the match is good;
# the exact sector always travels in the extension).
_SECTOR_TO_STIX = {
    "government": "government-national", "military": "defense", "diplomacy": "government-national",
    "elections": "government-public-services", "energy": "energy", "water": "infrastructure-water",
    "health": "healthcare", "finance": "financial-services", "transport": "transportation",
    "telecom": "telecommunications", "internet-core": "infrastructure", "digital-provider": "technology",
    "industry": "manufacturing", "defense-industry": "defense", "civil-society": "non-profit",
    "education": "education", "chemical": "chemical", "nuclear": "infrastructure-nuclear",
    "food": "agriculture", "space": "aerospace",
}
_STIX_TO_SECTOR = {
    "government": "government", "government-national": "government", "government-local": "government",
    "government-regional": "government", "government-public-services": "government",
    "government-emergency-services": "government", "defense": "military", "energy": "energy",
    "utilities": "energy", "infrastructure-water": "water", "healthcare": "health",
    "pharmaceuticals": "health", "financial-services": "finance", "insurance": "finance",
    "transportation": "transport", "aerospace": "transport", "telecommunications": "telecom",
    "infrastructure": "internet-core", "technology": "digital-provider", "manufacturing": "industry",
    "automotive": "industry", "construction": "industry", "mining": "industry", "retail": "industry",
    "commercial": "industry", "hospitality-leisure": "industry", "non-profit": "civil-society",
    "education": "education", "chemical": "chemical", "infrastructure-nuclear": "nuclear",
    "agriculture": "food", "entertainment": "media", "infrastructure-dams": "water",
}
_ACTOR_TO_STIX = {
    "state": ["nation-state"], "state-sponsored": ["nation-state"], "criminal": ["crime-syndicate"],
    "hacktivist": ["activist"], "private-company": [], "unknown": ["unknown"],
}
_STIX_TO_ACTOR = {
    "nation-state": "state", "crime-syndicate": "criminal", "criminal": "criminal",
    "activist": "hacktivist", "hacker": "unknown", "unknown": "unknown",
}
_OBJECTIVE_WORDS = [
    ("ransom", "ransomware"), ("espionage", "espionage"), ("intelligence", "espionage"),
    ("intellectual property", "ip-theft"), ("ip theft", "ip-theft"), ("leak", "hack-and-leak"),
    ("election", "election-interference"), ("disinformation", "disinformation"),
    ("destruct", "destruction"), ("wiper", "destruction"), ("sabotage", "disruption"),
    ("disrupt", "disruption"), ("denial of service", "disruption"), ("financial", "financial-theft"),
    ("theft", "financial-theft"), ("pre-position", "pre-positioning"), ("supply chain", "supply-chain"),
    ("defac", "defacement"),
]


# --- export -------------------------------------------------------------------------------


def _alpha2(code: str) -> str:
    import pycountry

    country = pycountry.countries.get(alpha_3=code)
    return country.alpha_2 if country else code[:2]


def _alpha3(code: str) -> str | None:
    import pycountry

    country = pycountry.countries.get(alpha_2=code.upper()) if len(code) == 2 else None
    if country:
        return str(country.alpha_3)
    return code.upper() if len(code) == 3 and is_country(code.upper()) else None


def _timestamp(partial: str, last: bool = False) -> str:
    from normwatch.knowledge.dates import earliest, latest

    day = latest(partial) if last else earliest(partial)
    return f"{day.isoformat()}T00:00:00.000Z"


def _base(kind: str, key: str) -> dict[str, Any]:
    return {
        "type": kind, "spec_version": "2.1", "id": stix_id(kind, key),
        "created_by_ref": IDENTITY_ID, "created": EPOCH, "modified": EPOCH,
    }


def _ext(data: dict[str, Any]) -> dict[str, Any]:
    return {EXTENSION_ID: {"extension_type": _EXT_TYPE, **data}}


def _relationship(kind: str, source: str, target: str, **extra: Any) -> dict[str, Any]:
    rel = _base("relationship", f"{kind}:{source}:{target}:{extra.get('description')}:{extra.get('confidence')}")
    rel.update({"relationship_type": kind, "source_ref": source, "target_ref": target})
    rel.update({k: v for k, v in extra.items() if v is not None})
    return rel


def _sources(urls: Sequence[str]) -> list[dict[str, str]]:
    return [{"source_name": "source", "url": url} for url in urls]


class _Builder:
    def __init__(self, groups: Sequence[ThreatActor], bodies: Sequence[StateBody]) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.group_ids: dict[str, str] = {}
        for group in groups:
            for name in group.names():
                self.group_ids.setdefault(name.casefold(), stix_id("intrusion-set", group.id))
        self.victims: dict[tuple[str, str], set[str]] = defaultdict(set)

    def add(self, obj: dict[str, Any]) -> str:
        self.objects.setdefault(obj["id"], obj)
        return str(obj["id"])

    def location(self, code: str) -> str:
        loc = _base("location", code)
        loc.update({"name": country_name(code), "country": _alpha2(code)})
        return self.add(loc)

    def victim(self, entity: str, code: str, sector: str) -> str:
        key = f"{entity}|{code}"
        self.victims[(entity, code)].add(sector)
        ident = _base("identity", key)
        ident.update({"name": entity, "identity_class": "organization"})
        self.objects.setdefault(ident["id"], ident)
        self.add(_relationship("located-at", ident["id"], self.location(code)))
        return str(ident["id"])

    def finish_victims(self) -> None:
        for (entity, code), sectors in self.victims.items():
            mapped = sorted({_SECTOR_TO_STIX[s] for s in sectors if s in _SECTOR_TO_STIX})
            if mapped:
                self.objects[stix_id("identity", f"{entity}|{code}")]["sectors"] = mapped


def _incident_objects(b: _Builder, incident: Incident, exported: set[str]) -> None:
    camp = _base("campaign", incident.id)
    camp["name"] = incident.name
    if incident.summary:
        camp["description"] = incident.summary
    camp["first_seen"] = _timestamp(incident.start)
    if incident.end:
        camp["last_seen"] = _timestamp(incident.end, last=True)
    camp["objective"] = ", ".join(incident.operation)
    camp["external_references"] = [
        {"source_name": "normwatch", "external_id": incident.id}, *_sources(incident.sources)
    ]
    dump = incident.model_dump(mode="json", exclude_defaults=True)
    ext = {k: v for k, v in dump.items() if k not in {"name", "summary", "sources"}}
    camp["extensions"] = _ext({"record": "incident", **ext})
    cid = b.add(camp)
    refs = [cid]
    for target in incident.targets:
        if target.entity:
            tid = b.victim(target.entity, target.country, target.sector)
        else:
            tid = b.location(target.country)
        refs.append(b.add(_relationship("targets", cid, tid)))
        refs.append(tid)
    for attribution in incident.attributions:
        desc = (f"attributed by {', '.join(attribution.by)} ({attribution.kind})"
                + (f" on {attribution.date}" if attribution.date else ""))
        lid = b.location(attribution.to)
        refs.append(b.add(_relationship(
            "originates-from", cid, lid, description=desc,
            confidence=_CONFIDENCE[attribution.confidence],
        )))
        refs.append(lid)
    for actor in incident.actors:
        gid = b.group_ids.get(actor.name.casefold())
        if gid is None:
            ta = _base("threat-actor", f"actor:{actor.name.casefold()}")
            ta["name"] = actor.name
            types = _ACTOR_TO_STIX[actor.kind]
            if types:
                ta["threat_actor_types"] = types
            gid = b.add(ta)
        refs.append(b.add(_relationship("attributed-to", cid, gid)))
        refs.append(gid)
    for rel in incident.related:
        if rel.id in exported:
            refs.append(b.add(_relationship(
                "related-to", cid, stix_id("campaign", rel.id), description=rel.relation
            )))
    report = _base("report", incident.id)
    report.update({
        "name": f"Sources on {incident.name}",
        "published": EPOCH,
        "report_types": ["campaign"],
        "object_refs": sorted(set(refs)),
    })
    if incident.sources:
        report["external_references"] = _sources(incident.sources)
    b.add(report)


def _group_objects(b: _Builder, group: ThreatActor, bodies: dict[str, StateBody]) -> None:
    item = _base("intrusion-set", group.id)
    item["name"] = group.name
    if group.aliases:
        item["aliases"] = list(group.aliases)
    if group.summary:
        item["description"] = group.summary
    if group.first_seen:
        item["first_seen"] = _timestamp(group.first_seen)
    refs: list[dict[str, str]] = [{"source_name": "normwatch", "external_id": group.id}]
    if group.attack_id:
        refs.append({"source_name": "mitre-attack", "external_id": group.attack_id,
                     "url": f"https://attack.mitre.org/groups/{group.attack_id}/"})
    item["external_references"] = refs + _sources(group.sources)
    dump = group.model_dump(mode="json", exclude_defaults=True)
    item["extensions"] = _ext({"record": "group", **{k: v for k, v in dump.items()
                                                       if k not in {"name", "aliases", "summary", "sources"}}})
    gid = b.add(item)
    for link in group.links:
        desc = f"claimed by {', '.join(link.by)} ({link.kind})" + (f" on {link.date}" if link.date else "")
        b.add(_relationship("originates-from", gid, b.location(link.state), description=desc,
                            confidence=_CONFIDENCE[link.confidence]))
        if link.body and link.body in bodies:
            b.add(_relationship("attributed-to", gid, stix_id("threat-actor", f"body:{link.body}"),
                                description=desc, confidence=_CONFIDENCE[link.confidence]))


def _body_objects(b: _Builder, body: StateBody) -> None:
    ta = _base("threat-actor", f"body:{body.id}")
    ta.update({
        "name": body.name, "threat_actor_types": ["nation-state"],
        "external_references": [{"source_name": "normwatch", "external_id": body.id}, *_sources(body.sources)],
        "extensions": _ext({"record": "body", "id": body.id, "state": body.state, "kind": body.kind}),
    })
    tid = b.add(ta)
    b.add(_relationship("located-at", tid, b.location(body.state)))


def _preamble() -> list[dict[str, Any]]:
    identity = {
        "type": "identity", "spec_version": "2.1", "id": IDENTITY_ID, "created": EPOCH,
        "modified": EPOCH, "name": "normwatch", "identity_class": "system",
        "description": "normwatch knowledge base of cyber norms and state-linked cyber incidents.",
    }
    extension = {
        "type": "extension-definition", "spec_version": "2.1", "id": EXTENSION_ID,
        "created_by_ref": IDENTITY_ID, "created": EPOCH, "modified": EPOCH,
        "name": "normwatch record",
        "description": (
            "Carries the parts of a normwatch incident (Contract 1) or threat-actor group that "
            "STIX 2.1 has no property for."
        ),
        "schema": (
            "Property extension. On a campaign (record: incident): id, start, end (YYYY, YYYY-MM "
            "or YYYY-MM-DD), operation (list), targets ({country ISO3, sector, entity}), actors "
            "({name, kind, state}), attributions ({to, by, kind, date, confidence}), "
            "infrastructure (ISO3 list), effects, context, responses ({by, kind, date}), related "
            "({id, relation}), exactly as in normwatch Contract 1 (docs/interchange.md). On an "
            "intrusion-set (record: group): id, kind, attack_id, first_seen, links. On a "
            "threat-actor (record: body): id, state, kind."
        ),
        "version": "1.0.0",
        "extension_types": [_EXT_TYPE],
    }
    return [identity, extension]


def export_bundle(
    incidents: Sequence[Incident],
    groups: Sequence[ThreatActor] = (),
    bodies: Sequence[StateBody] = (),
    states: Sequence[State] = (),
) -> dict[str, Any]:
    """A STIX 2.1 bundle (as a dict) of incidents, groups, state bodies and states."""
    b = _Builder(groups, bodies)
    for obj in _preamble():
        b.add(obj)
    by_body = {body.id: body for body in bodies}
    for state in states:
        b.location(state.iso3)
    for body in bodies:
        _body_objects(b, body)
    for group in groups:
        _group_objects(b, group, by_body)
    exported = {i.id for i in incidents}
    for incident in incidents:
        _incident_objects(b, incident, exported)
    b.finish_victims()
    head = _preamble()
    rest = sorted((o for o in b.objects.values() if o["id"] not in {IDENTITY_ID, EXTENSION_ID}),
                  key=lambda o: (o["type"], o["id"]))
    key = ",".join(sorted(b.objects))
    return {"type": "bundle", "id": stix_id("bundle", key), "objects": head + rest}


def dump_bundle(bundle: dict[str, Any]) -> str:
    """Serialise a bundle, after the ``stix2`` library has checked every object.

    (``stix2``'s own pretty printer takes minutes on a few thousand objects, so the checked
    dict is written with ``json``; key order is ours and stable.)
    """
    import stix2

    stix2.parse(bundle, allow_custom=False)
    return json.dumps(bundle, indent=1, ensure_ascii=False) + "\n"


# --- import: streaming reader ------------------------------------------------------------

_TYPE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,248})[a-z0-9]$")
_ID = re.compile(r"^([a-z0-9][a-z0-9-]*[a-z0-9])--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                 r"[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_WS = re.compile(r"[ \t\n\r]*")
_SEP = re.compile(r"[ \t\n\r]*([,\]])[ \t\n\r]*")


class StixSyntaxError(ValueError):
    """The text is not a JSON STIX bundle."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"malformed JSON: line {line}, column {column}: {message}")


class _Buffer:
    """A window on a text stream: read in chunks, forget what has been consumed."""

    CHUNK = 1 << 20

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.text = ""
        self.eof = False
        self.lines = 0  # newlines in the text already forgotten
        self.column = 0  # characters after the last forgotten newline

    def fill(self) -> bool:
        if self.eof:
            return False
        data = self.stream.read(self.CHUNK)
        if not data:
            self.eof = True
            return False
        self.text += data
        return True

    def forget(self, pos: int) -> int:
        """Drop text before ``pos`` once a chunk's worth is consumed; return the new ``pos``."""
        if pos < self.CHUNK:
            return pos
        gone = self.text[:pos]
        newline = gone.rfind("\n")
        self.lines += gone.count("\n")
        self.column = pos - newline - 1 if newline >= 0 else self.column + pos
        self.text = self.text[pos:]
        return 0

    def error(self, message: str, pos: int) -> StixSyntaxError:
        head = self.text[:pos]
        newline = head.rfind("\n")
        column = pos - newline if newline >= 0 else self.column + pos + 1
        return StixSyntaxError(message, self.lines + head.count("\n") + 1, column)


def iter_bundle(stream: TextIO, top: dict[str, Any]) -> Iterator[Any]:
    """Yield the members of a bundle's ``objects`` one at a time; other keys go to ``top``.

    The stream is read a chunk at a time, and only one object is ever held as a Python
    value: memory stays bounded by the chunk and the largest object, whatever the bundle's
    size. The caller decides what to keep.
    """
    decoder = json.JSONDecoder()
    buf = _Buffer(stream)

    def ws(pos: int) -> int:
        while True:
            match = _WS.match(buf.text, pos)
            pos = match.end() if match else pos
            if pos < len(buf.text) or not buf.fill():
                return pos

    def char(pos: int) -> str:
        while pos >= len(buf.text):
            if not buf.fill():
                raise buf.error("unexpected end of data (truncated file?)", pos)
        return buf.text[pos]

    # The C scanner behind ``raw_decode``, without its Python wrapper (one call per object).
    scan: Callable[[str, int], tuple[Any, int]] = cast(Any, decoder).scan_once

    def value(pos: int) -> tuple[Any, int]:
        while True:
            try:
                found, end = scan(buf.text, pos)
            except StopIteration as stop:  # no value starts at pos
                if buf.fill():
                    continue
                raise buf.error("expected a value", stop.value) from None
            except json.JSONDecodeError as exc:
                if buf.fill():
                    continue  # the value may run on into the next chunk
                raise buf.error(exc.msg, exc.pos) from None
            except RecursionError:
                raise buf.error("nested too deeply", pos) from None
            if end == len(buf.text) and buf.fill():
                continue  # a number cut at the chunk's edge
            return found, end

    pos = ws(0)
    if char(pos) != "{":
        raise buf.error("expected a JSON object (a STIX bundle)", pos)
    pos = ws(pos + 1)
    if char(pos) == "}":
        pos += 1
    else:
        while True:
            if char(pos) != '"':
                raise buf.error("expected a property name in double quotes", pos)
            key, pos = value(pos)
            pos = ws(pos)
            if char(pos) != ":":
                raise buf.error("expected ':'", pos)
            pos = ws(pos + 1)
            if key in top:
                raise buf.error(f"duplicate key {key!r}", pos)
            if key == "objects" and char(pos) == "[":
                top[key] = True
                pos = ws(pos + 1)
                if char(pos) == "]":
                    pos += 1
                else:
                    while True:
                        obj, pos = value(pos)
                        yield obj
                        pos = buf.forget(pos)
                        sep = _SEP.match(buf.text, pos)
                        if sep is not None and sep.end() < len(buf.text):
                            if sep.group(1) == ",":  # the common case, without a refill
                                pos = sep.end()
                                continue
                            pos = sep.end(1)
                            break
                        pos = ws(pos)
                        c = char(pos)
                        if c == "]":
                            pos += 1
                            break
                        if c != ",":
                            raise buf.error("expected ',' or ']'", pos)
                        pos = ws(pos + 1)
            else:
                top[key], pos = value(pos)
            pos = ws(pos)
            c = char(pos)
            if c == "}":
                pos += 1
                break
            if c != ",":
                raise buf.error("expected ',' or '}'", pos)
            pos = ws(pos + 1)
    pos = ws(pos)
    if pos != len(buf.text):
        raise buf.error("extra data after the bundle", pos)


_ACTOR_TYPES = {"intrusion-set", "threat-actor"}
_COMMON = {"type", "id", "name", "created_by_ref", "external_references", "extensions"}
_KEEP: dict[str, frozenset[str]] = {
    kind: frozenset(_COMMON | extra)
    for kind, extra in {
        "campaign": {"description", "first_seen", "last_seen", "objective"},
        "incident": {"description", "first_seen", "last_seen", "objective"},
        "intrusion-set": {"description", "aliases", "first_seen", "revoked", "x_mitre_deprecated"},
        "threat-actor": {"description", "aliases", "first_seen", "revoked", "x_mitre_deprecated",
                         "threat_actor_types"},
        "identity": {"sectors"},
        "location": {"country"},
        "report": {"object_refs"},
    }.items()
}
_NO_EXTRA: dict[str, Any] = {}


@dataclass
class StixIndex:
    """What the reader kept of a bundle."""

    seen: list[tuple[str, str, str | None]] = field(default_factory=list)
    """(id, type, name) of every object, in bundle order."""
    kept: dict[str, dict[str, Any]] = field(default_factory=dict)
    relationships: list[tuple[str, str, str, str, dict[str, Any]]] = field(default_factory=list)
    """(id, relationship_type, source_ref, target_ref, extra) of every relationship."""
    types: Counter[str] = field(default_factory=Counter)


def _check_object(obj: Any, index: int, file: str) -> Problem:
    """The problem with an object that failed the reader's fast check."""
    if not isinstance(obj, dict):
        return Problem(file, f"objects.{index}", "", "expected a STIX object (a JSON mapping)")
    kind, ident = obj.get("type"), obj.get("id")
    label = ident if isinstance(ident, str) and len(ident) <= 300 else f"objects.{index}"
    if not isinstance(kind, str) or not _TYPE.match(kind):
        return Problem(file, label, "type", "missing or malformed STIX type")
    if not isinstance(ident, str) or not (m := _ID.match(ident)) or m.group(1) != kind:
        return Problem(file, label, "id", f"expected an id of the form {kind}--<uuid>")
    return Problem(file, label, "name", "expected a string")


def read_bundle(
    stream: TextIO | str, file: str, listing: bool = False
) -> tuple[StixIndex, list[Problem]]:
    """Stream a bundle's objects into a :class:`StixIndex`; problems name object and field.

    With ``listing``, the (id, type, name) of every object is kept in ``seen`` (for
    comparisons); an import does not need it. Kept objects keep only the keys the mapping
    reads, so that memory follows what is mapped, not the size of the bundle.
    """
    if isinstance(stream, str):
        stream = io.StringIO(stream)
    index = StixIndex()
    problems: list[Problem] = []
    top: dict[str, Any] = {}
    ids: set[str] = set()
    seen, relationships, kept, types = index.seen, index.relationships, index.kept, index.types
    id_match = _ID.match
    try:
        for number, obj in enumerate(iter_bundle(stream, top)):
            # The fast path: a mapping whose id is well formed and agrees with its type.
            ident: Any
            kind: Any
            name: Any
            if type(obj) is dict:
                ident = obj.get("id")
                kind = obj.get("type")
                m = id_match(ident) if type(ident) is str else None
                name = obj.get("name")
                ok = m is not None and m.group(1) == kind and (name is None or type(name) is str)
            else:
                ok = False
            if not ok:
                problems.append(_check_object(obj, number, file))  # says what is wrong
                if len(problems) >= 50:
                    break
                continue
            ids.add(ident)  # versions of one object share an id; the last one read is kept
            kind = intern(kind)
            types[kind] += 1
            if listing:
                seen.append((ident, kind, name))
            if kind == "relationship":
                rtype, src, dst = obj.get("relationship_type"), obj.get("source_ref"), obj.get("target_ref")
                # A ref that is not a well-formed id of the bundle is caught as dangling below.
                if type(rtype) is str and type(src) is str and type(dst) is str:
                    extra = {k: obj[k] for k in ("created_by_ref", "confidence") if k in obj} or _NO_EXTRA
                    relationships.append((ident, intern(rtype), src, dst, extra))
                else:
                    key = next(k for k, v in (("relationship_type", rtype), ("source_ref", src),
                                              ("target_ref", dst)) if type(v) is not str)
                    problems.append(Problem(file, ident, key, "missing or not a string"))
            elif kind in _KEEP:
                keys = _KEEP[kind]
                kept[ident] = {k: v for k, v in obj.items() if k in keys}
    except StixSyntaxError as exc:
        return index, [Problem(file, "", "", str(exc))]
    except UnicodeDecodeError as exc:
        return index, [Problem(file, "", "", f"not UTF-8 text ({exc.reason})")]
    except OSError as exc:
        return index, [Problem(file, "", "", f"cannot read file: {exc.strerror or exc}")]
    if not problems:
        if top.get("type") != "bundle":
            problems.append(Problem(file, "", "type", 'a STIX bundle needs "type": "bundle"'))
        if "objects" not in top:
            problems.append(Problem(file, "", "objects", "a STIX bundle needs a list of objects"))
        elif top["objects"] is not True:
            problems.append(Problem(file, "", "objects", "expected a list of objects"))
    if not problems:
        for ident, _, src, dst, _ in index.relationships:
            for key, ref in (("source_ref", src), ("target_ref", dst)):
                if ref not in ids:
                    problems.append(Problem(file, ident, key, f"dangling reference to {ref} (not in the bundle)"))
    return index, problems


# --- import: mapping ------------------------------------------------------------------------


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")
    return slug[:80].strip("-") or "unnamed"


def _date(value: Any) -> str | None:
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}", value):
        return value[:10]
    return None


def _urls(obj: dict[str, Any]) -> list[str]:
    refs = obj.get("external_references")
    found: list[str] = []
    if isinstance(refs, list):
        for ref in refs:
            if isinstance(ref, dict) and isinstance(ref.get("url"), str) and ref["url"] not in found:
                found.append(ref["url"])
    return found


def _our_id(obj: dict[str, Any]) -> str | None:
    refs = obj.get("external_references")
    if isinstance(refs, list):
        for ref in refs:
            if isinstance(ref, dict) and ref.get("source_name") == "normwatch":
                value = ref.get("external_id")
                return value if isinstance(value, str) else None
    return None


def _extension(obj: dict[str, Any], file: str, problems: list[Problem]) -> dict[str, Any] | None:
    exts = obj.get("extensions")
    if exts is None:
        return None
    if not isinstance(exts, dict):
        problems.append(Problem(file, obj["id"], "extensions", "expected a mapping"))
        return None
    data = exts.get(EXTENSION_ID)
    if data is None:
        return None
    if not isinstance(data, dict):
        problems.append(Problem(file, obj["id"], f"extensions.{EXTENSION_ID}", "expected a mapping"))
        return None
    return {k: v for k, v in data.items() if k not in {"extension_type", "record"}}


def _str_field(obj: dict[str, Any], key: str, file: str, problems: list[Problem]) -> str | None:
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    problems.append(Problem(file, obj["id"], key, "expected a string"))
    return None


_EMPTY_LISTS: dict[type[Any], tuple[str, ...]] = {
    Incident: ("actors", "attributions", "infrastructure", "responses", "related", "sources"),
    ThreatActor: ("aliases", "links"),
}


class _Mapper:
    def __init__(self, index: StixIndex, file: str, report: MappingReport) -> None:
        self.index = index
        self.file = file
        self.report = report
        self.problems: list[Problem] = []
        self.out: dict[str, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
        for _rid, rtype, src, dst, extra in index.relationships:
            self.out[src].append((rtype, dst, extra))
        self.sources_of: dict[str, list[str]] = defaultdict(list)
        for obj in index.kept.values():
            if obj["type"] == "report" and isinstance(obj.get("object_refs"), list):
                for ref in obj["object_refs"]:
                    if isinstance(ref, str):
                        self.sources_of[ref].extend(_urls(obj))
        self.derived: Counter[str] = Counter()

    def unique(self, base: str) -> str:
        """A derived id, numbered when two foreign objects would get the same one."""
        self.derived[base] += 1
        return base if self.derived[base] == 1 else f"{base}-{self.derived[base]}"

    def country_of(self, ident: str) -> str | None:
        obj = self.index.kept.get(ident)
        if obj is None:
            return None
        if obj["type"] == "location":
            code = obj.get("country")
            return _alpha3(code) if isinstance(code, str) else None
        for rtype, dst, _ in self.out.get(ident, []):
            if rtype in {"located-at", "originates-from"}:
                found = self.country_of(dst) if dst != ident else None
                if found:
                    return found
        return None

    def validate(self, model: type[Any], data: dict[str, Any], label: str) -> Any:
        # Fresh empty values given explicitly spare pydantic a deep copy of each default.
        for name in _EMPTY_LISTS.get(model, ()):
            data.setdefault(name, [])
        if model is Incident:
            data.setdefault("effects", {})
            context = data.setdefault("context", {})
            if isinstance(context, dict):
                context.setdefault("parties", [])
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            self.problems.extend(from_validation_error(self.file, label, exc))
            return None

    def incident(self, obj: dict[str, Any]) -> Incident | None:
        label = obj["id"]
        name = _str_field(obj, "name", self.file, self.problems)
        summary = _str_field(obj, "description", self.file, self.problems)
        ext = _extension(obj, self.file, self.problems)
        sources = _urls(obj) or []
        for url in self.sources_of.get(label, []):
            if url not in sources:
                sources.append(url)
        if ext is not None:
            data = {**ext, "name": name, "sources": sources}
            if summary is not None:
                data["summary"] = summary
            return self.validate(Incident, data, str(ext.get("id", label)))  # type: ignore[no-any-return]
        return self.derive_incident(obj, name, summary, sources)

    def derive_incident(
        self, obj: dict[str, Any], name: str | None, summary: str | None, sources: list[str]
    ) -> Incident | None:
        kind = obj["type"]
        if not name:
            self.report.skip(f"{kind} without a name")
            return None
        start = _date(obj.get("first_seen"))
        if start is None:
            self.report.skip(f"{kind} without first_seen (no start date)")
            return None
        objective = obj.get("objective") if isinstance(obj.get("objective"), str) else ""
        text = f"{objective} {summary or ''}".casefold()
        operations = sorted({op for word, op in _OBJECTIVE_WORDS if word in text})
        targets: list[dict[str, Any]] = []
        actors: list[dict[str, Any]] = []
        attributions: list[dict[str, Any]] = []
        for rtype, dst, extra in self.out.get(obj["id"], []):
            target = self.index.kept.get(dst)
            if rtype == "targets":
                if target is None or target["type"] not in {"identity", "location"}:
                    self.report.miss("targets relationship to", dst.split("--")[0])
                    continue
                country = self.country_of(dst)
                sectors = target.get("sectors") if target["type"] == "identity" else None
                mapped = [_STIX_TO_SECTOR[s] for s in sectors or [] if isinstance(s, str) and s in _STIX_TO_SECTOR]
                for s in sectors or []:
                    if isinstance(s, str) and s not in _STIX_TO_SECTOR:
                        self.report.miss("identity.sectors", s)
                if country is None or not mapped:
                    self.report.miss("target", "no country" if country is None else "no sector")
                    continue
                entity = target.get("name") if target["type"] == "identity" else None
                targets.append({"country": country, "sector": mapped[0],
                                **({"entity": entity} if isinstance(entity, str) else {})})
            elif rtype == "attributed-to" and target is not None and target["type"] in _ACTOR_TYPES:
                actor_name = target.get("name")
                if isinstance(actor_name, str):
                    types = target.get("threat_actor_types") or []
                    akind = next((_STIX_TO_ACTOR[t] for t in types if t in _STIX_TO_ACTOR), "unknown")
                    if target["type"] == "intrusion-set":
                        akind = "unknown"
                    actors.append({"name": actor_name, "kind": akind})
            elif rtype == "originates-from":
                country = self.country_of(dst)
                claimant = self.index.kept.get(str(extra.get("created_by_ref") or obj.get("created_by_ref")))
                if country is None or claimant is None or not isinstance(claimant.get("name"), str):
                    self.report.miss("originates-from", "no country or no claimant (created_by_ref)")
                    continue
                conf = extra.get("confidence")
                level = "low"
                if isinstance(conf, int) and not isinstance(conf, bool):
                    level = "high" if conf >= 70 else "medium" if conf >= 30 else "low"
                sectors = claimant.get("sectors") or []
                akind = "government" if any(str(s).startswith("government") for s in sectors) else "industry"
                attributions.append({"to": country, "by": [claimant["name"]], "kind": akind, "confidence": level})
        if not operations:
            self.report.skip(f"{kind}: no operation type in objective/description")
            return None
        if not targets:
            self.report.skip(f"{kind}: no target with a country and a sector")
            return None
        data: dict[str, Any] = {
            "id": _our_id(obj) or self.unique(_slug(f"{name}-{start[:4]}")), "name": name, "start": start,
            "operation": operations, "targets": targets, "actors": actors,
            "attributions": attributions, "sources": sources,
        }
        end = _date(obj.get("last_seen"))
        if end and end >= start:
            data["end"] = end
        if summary:
            data["summary"] = summary
        return self.validate(Incident, data, obj["id"])  # type: ignore[no-any-return]

    def group(self, obj: dict[str, Any]) -> ThreatActor | None:
        name = _str_field(obj, "name", self.file, self.problems)
        summary = _str_field(obj, "description", self.file, self.problems)
        ext = _extension(obj, self.file, self.problems)
        kind = obj["type"]
        if ext is not None and kind == "threat-actor":
            self.report.skip("threat-actor of a normwatch state body (bodies are not imported)")
            return None
        aliases = obj.get("aliases")
        if aliases is not None and not (isinstance(aliases, list) and all(isinstance(a, str) for a in aliases)):
            self.problems.append(Problem(self.file, obj["id"], "aliases", "expected a list of strings"))
            return None
        alias_list = [a for a in aliases or [] if a != name]
        if ext is not None:
            data = {**ext, "name": name, "aliases": alias_list, "sources": _sources_plain(obj)}
            if summary is not None:
                data["summary"] = summary
            return self.validate(ThreatActor, data, str(ext.get("id", obj["id"])))  # type: ignore[no-any-return]
        if obj.get("revoked") is True or obj.get("x_mitre_deprecated") is True:
            self.report.skip(f"{kind} revoked or deprecated")
            return None
        if not name:
            self.report.skip(f"{kind} without a name")
            return None
        urls = [u for u in _urls(obj) if is_url(u)]
        if not urls:
            self.report.skip(f"{kind} without a source URL")
            return None
        attack_id = None
        for ref in obj.get("external_references") or []:
            if isinstance(ref, dict) and ref.get("source_name") == "mitre-attack":
                eid = ref.get("external_id")
                if isinstance(eid, str) and re.match(r"^G\d{4}$", eid):
                    attack_id = eid
        types = obj.get("threat_actor_types") if kind == "threat-actor" else None
        akind = next((_STIX_TO_ACTOR[t] for t in types or [] if t in _STIX_TO_ACTOR), "unknown")
        seen: set[str] = {name.casefold()}
        unique = []
        for alias in alias_list:
            if alias.casefold() not in seen:
                seen.add(alias.casefold())
                unique.append(alias)
        data = {"id": _our_id(obj) or self.unique(_slug(name)), "name": name, "aliases": unique, "kind": akind,
                "sources": urls}
        if attack_id:
            data["attack_id"] = attack_id
        first = _date(obj.get("first_seen"))
        if first:
            data["first_seen"] = first
        if summary:
            data["summary"] = summary
        for rtype, _, _ in self.out.get(obj["id"], []):
            if rtype in {"attributed-to", "originates-from"}:
                self.report.miss(f"{kind} link to a state", f"{rtype} (no claimant, kind or confidence)")
        return self.validate(ThreatActor, data, obj["id"])  # type: ignore[no-any-return]


def _sources_plain(obj: dict[str, Any]) -> list[str]:
    refs = obj.get("external_references") or []
    return [r["url"] for r in refs if isinstance(r, dict) and r.get("source_name") == "source"
            and isinstance(r.get("url"), str)]


_USED_BY_MAPPING = {"identity", "location", "report", "relationship", "extension-definition",
                    "marking-definition"}


def map_bundle(index: StixIndex, file: str) -> tuple[ImportResult, list[Problem]]:
    """Map the kept objects of a bundle onto incidents and groups."""
    report = MappingReport(source=file, rows=sum(index.types.values()))
    mapper = _Mapper(index, file, report)
    result = ImportResult(report=report)
    for obj in index.kept.values():
        kind = obj["type"]
        if kind in {"campaign", "incident"}:
            incident = mapper.incident(obj)
            if incident is not None:
                result.incidents.append(incident)
        elif kind in {"intrusion-set", "threat-actor"}:
            group = mapper.group(obj)
            if group is not None:
                result.groups.append(group)
    for kind, count in sorted(index.types.items()):
        if kind not in _KEEP.keys() | _USED_BY_MAPPING:
            report.skipped[f"{kind}: no place in an incident or group record"] += count
    used = Counter(rtype for _, rtype, _, _, _ in index.relationships)
    for rtype, count in used.items():
        if rtype not in {"targets", "attributed-to", "originates-from", "located-at", "related-to"}:
            report.unmapped.setdefault("relationship_type", Counter())[rtype] = count
    report.loaded = len(result.incidents) + len(result.groups)
    return result, mapper.problems


def import_stix(path: Path) -> tuple[ImportResult, list[Problem]]:
    """Read and map one STIX 2.1 bundle file (nothing is written)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            index, problems = read_bundle(stream, str(path))
    except OSError as exc:
        return ImportResult(report=MappingReport(source=str(path))), [
            Problem(str(path), "", "", f"cannot read file: {exc.strerror}")
        ]
    if problems:
        return ImportResult(report=MappingReport(source=str(path))), problems
    return map_bundle(index, str(path))


def import_stix_text(text: str, file: str) -> tuple[ImportResult, list[Problem]]:
    """Map a bundle given as text."""
    index, problems = read_bundle(text, file)
    if problems:
        return ImportResult(report=MappingReport(source=file)), problems
    return map_bundle(index, file)
