"""TAXII 2.1 read endpoints, mounted at ``/taxii2`` by :func:`normwatch.service.app.create_app`.

* ``GET /taxii2/`` — discovery; ``GET /taxii2/normwatch/`` — the API root;
* ``GET …/collections/`` and ``…/collections/{id}/`` — three read-only collections:
  ``incidents`` (campaigns with their victims, states, actors and source reports, from
  :func:`normwatch.interchange.stix.export_bundle`), ``groups`` (intrusion sets and the
  state bodies they are linked to) and ``assessments`` (one STIX ``note`` per incident
  carrying its Contract 3 assessment in a property extension);
* ``…/objects/`` (``limit``, ``next``, ``added_after``, ``match[id|type|version|spec_version]``),
  ``…/objects/{object_id}/``, ``…/objects/{object_id}/versions/`` and ``…/manifest/``.

Responses are ``application/taxii+json;version=2.1``; a request whose ``Accept`` names
neither that nor a wildcard gets 406. The objects endpoints also answer
``Accept: application/stix+json;version=2.1`` with a STIX bundle of the page.
Pagination is keyset-based: ``next`` encodes the (date added, id) of the page's last
object, so pages stay consistent while the store changes.

Each object's ``date_added`` is when the incident version it belongs to entered the store
(the build, or the publication of a draft). ``interchange`` stamps every object with a
fixed ``modified``; for an incident changed through the analyst workflow the campaign,
its report and its assessment note get the publication time as ``modified`` instead, so a
TAXII client sees a new version.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import os
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import Response

from normwatch.analysis.catalog import Catalog
from normwatch.service.media import preferred

MEDIA_TAXII = "application/taxii+json;version=2.1"
MEDIA_STIX = "application/stix+json;version=2.1"
ROOT = "normwatch"
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
_NS = uuid.UUID("3f0c6a1e-5b7d-4c8e-9a2f-6d1b0e4c7a55")
STARTED = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

router = APIRouter()


@dataclass(frozen=True)
class CollectionInfo:
    key: str
    title: str
    description: str

    @property
    def id(self) -> str:
        return str(uuid.uuid5(_NS, self.key))

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "description": self.description, "alias": self.key,
                "can_read": True, "can_write": False, "media_types": [MEDIA_STIX]}


COLLECTIONS = (
    CollectionInfo("incidents", "Incidents",
                   "State-linked cyber incidents as STIX 2.1 campaigns, with victims, states, actors and sources."),
    CollectionInfo("groups", "Threat-actor groups",
                   "Intrusion sets and the state bodies they are linked to, with the claims and their confidence."),
    CollectionInfo("assessments", "Assessments",
                   "One note per incident carrying its normwatch assessment (norms, law, red lines, responses)."),
)


def error_response(status: int, title: str, headers: dict[str, str] | None = None) -> Response:
    """A TAXII 2.1 error message."""
    body = {"title": title.splitlines()[0][:200] if title else "error", "description": title,
            "http_status": str(status)}
    return Response(json.dumps(body), status_code=status, media_type=MEDIA_TAXII, headers=headers)


def _taxii(body: dict[str, Any], headers: dict[str, str] | None = None, media: str = MEDIA_TAXII) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), media_type=media, headers=headers)


def _accepts(request: Request, *types: str) -> str:
    """The media type to answer with, or 406."""
    found = preferred(request.headers.get("accept"), types)
    if found is None:
        accept = request.headers.get("accept", "")
        raise HTTPException(406, f"the server answers {' or '.join(types)}, not {accept}")
    return found


# --- the objects of each collection ----------------------------------------------------------


@dataclass
class _Entry:
    date_added: str
    obj: dict[str, Any]

    @property
    def version(self) -> str:
        return str(self.obj.get("modified") or self.obj.get("created") or self.date_added)


def _ts(value: str) -> dt.datetime:
    text = value.strip().replace("Z", "+00:00")
    moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def _assessment_note(catalog: Catalog, incident_id: str, modified: str) -> dict[str, Any]:
    from normwatch.interchange.stix import EPOCH, IDENTITY_ID, stix_id

    item = catalog.assessment(incident_id)
    incident = catalog.incident(incident_id)
    breaches = [n["id"] for n in item["norms"] if n["verdict"] == "breach"]
    possible = [n["id"] for n in item["norms"] if n["verdict"] == "possible"]
    who = ", ".join(f"{r['state']} ({r['confidence']})" for r in item["responsible"]) or "no state attributed"
    lines = [
        f"Responsible: {who}.",
        f"Red line: {'yes' if item['red_line'] else 'no'}; tolerated espionage: "
        f"{'yes' if item['tolerated_espionage'] else 'no'}; intensity {item['intensity']}.",
        f"Norms breached: {', '.join(breaches) or 'none'}; possibly: {', '.join(possible) or 'none'}.",
        "Law: " + ", ".join(f"{q} {a}" for q, a in item["law"].items()) + ".",
    ]
    return {
        "type": "note", "spec_version": "2.1", "id": stix_id("note", f"assessment:{incident_id}"),
        "created_by_ref": IDENTITY_ID, "created": EPOCH, "modified": max(modified, EPOCH),
        "abstract": f"normwatch assessment of {incident.name}",
        "content": " ".join(lines), "authors": ["normwatch"],
        "object_refs": [stix_id("campaign", incident_id)],
        "extensions": {ASSESSMENT_EXTENSION: {
            "extension_type": "property-extension", "kb_version": catalog.kb.version,
            "rules_version": catalog.rules.version, "assessment": item,
        }},
    }


def _assessment_extension() -> dict[str, Any]:
    from normwatch.interchange.stix import EPOCH, IDENTITY_ID

    return {
        "type": "extension-definition", "spec_version": "2.1", "id": ASSESSMENT_EXTENSION,
        "created_by_ref": IDENTITY_ID, "created": EPOCH, "modified": EPOCH,
        "name": "normwatch assessment",
        "description": "The assessment of an incident (normwatch Contract 3): norms with verdicts and reasons, "
                       "law, red line, tolerated espionage, commitments breached, intensity, response options.",
        "schema": "https://github.com/normwatch/normwatch/blob/main/docs/service.md#taxii-21",
        "version": "1.0.0", "extension_types": ["property-extension"],
    }


def _ext_id() -> str:
    from normwatch.interchange.stix import stix_id

    return stix_id("extension-definition", "normwatch-assessment-v1")


ASSESSMENT_EXTENSION = _ext_id()


class _Contents:
    """The three collections' entries for one catalogue, sorted by (date added, id)."""

    def __init__(self, catalog: Catalog, rows: dict[str, dict[str, Any]]) -> None:
        from normwatch.interchange.stix import EPOCH, export_bundle, stix_id

        kb = catalog.kb
        incidents = list(catalog.incidents_by_start)
        built = min((r["created_at"] for r in rows.values()), default=STARTED)

        def added(incident_id: str) -> str:
            row = rows.get(incident_id)
            return str(row["updated_at"]) if row else STARTED

        def modified(incident_id: str) -> str:
            row = rows.get(incident_id)
            return str(row["updated_at"]) if row and int(row["revision"]) > 1 else EPOCH

        bundle = export_bundle(incidents, kb.groups, kb.bodies)
        objects = {o["id"]: o for o in bundle["objects"]}
        owner: dict[str, str] = {}
        for incident in incidents:
            report = objects.get(stix_id("report", incident.id))
            when = added(incident.id)
            for ref in [stix_id("report", incident.id), *(report or {}).get("object_refs", [])]:
                if ref in objects and (ref not in owner or when < owner[ref]):
                    owner[ref] = when
            for kind in ("campaign", "report"):
                ident = stix_id(kind, incident.id)
                if ident in objects and modified(incident.id) != EPOCH:
                    objects[ident] = {**objects[ident], "modified": modified(incident.id)}
        group_bundle = export_bundle([], kb.groups, kb.bodies)
        self.entries: dict[str, list[_Entry]] = {
            "incidents": sorted((_Entry(owner.get(i, built), o) for i, o in objects.items()),
                                key=lambda e: (e.date_added, e.obj["id"])),
            "groups": sorted((_Entry(built, o) for o in group_bundle["objects"]),
                             key=lambda e: (e.date_added, e.obj["id"])),
        }
        notes = [_Entry(built, bundle["objects"][0]), _Entry(built, _assessment_extension())]
        notes += [_Entry(added(i.id), _assessment_note(catalog, i.id, modified(i.id))) for i in incidents]
        self.entries["assessments"] = sorted(notes, key=lambda e: (e.date_added, e.obj["id"]))


class _ContentsCache:
    def __init__(self) -> None:
        self.owner: Catalog | None = None
        self.contents: _Contents | None = None


def _contents(request: Request) -> _Contents:
    state = request.app.state
    if not hasattr(state, "taxii_contents"):
        state.taxii_contents = _ContentsCache()
    cache: _ContentsCache = state.taxii_contents
    catalog: Catalog = state.catalog
    if cache.owner is not catalog or cache.contents is None:
        store = getattr(state, "store", None)
        rows = store.incident_rows() if store is not None else {}
        cache.contents, cache.owner = _Contents(catalog, rows), catalog
    return cache.contents


def _collection(collection_id: str) -> CollectionInfo:
    for item in COLLECTIONS:
        if collection_id in (item.id, item.key):
            return item
    raise HTTPException(404, f"no collection {collection_id!r}")


# --- filters and pagination -------------------------------------------------------------------


def _encode_next(entry: _Entry) -> str:
    return base64.urlsafe_b64encode(f"{entry.date_added}|{entry.obj['id']}".encode()).decode().rstrip("=")


def _decode_next(token: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise HTTPException(400, "next: not a value this server gave") from None
    added, sep, ident = raw.partition("|")
    if not sep:
        raise HTTPException(400, "next: not a value this server gave")
    return added, ident


def _select(
    entries: list[_Entry], added_after: str | None, ids: str | None, types: str | None, versions: str | None,
    spec_versions: str | None,
) -> list[_Entry]:
    found = entries
    if added_after:
        try:
            after = _ts(added_after)
        except ValueError:
            raise HTTPException(400, f"added_after: {added_after!r} is not a timestamp") from None
        found = [e for e in found if _ts(e.date_added) > after]
    if ids:
        wanted = set(ids.split(","))
        found = [e for e in found if e.obj["id"] in wanted]
    if types:
        kinds = set(types.split(","))
        found = [e for e in found if e.obj["type"] in kinds]
    if spec_versions:
        specs = set(spec_versions.split(","))
        found = [e for e in found if e.obj.get("spec_version", "2.1") in specs]
    if versions:
        chosen = set(versions.split(","))
        if not chosen & {"all", "last", "first"}:
            try:
                moments = {_ts(v) for v in chosen}
            except ValueError:
                raise HTTPException(400, "match[version]: use all, first, last or timestamps") from None
            found = [e for e in found if _ts(e.version) in moments]
    return found


def _page(found: list[_Entry], limit: int | None, next_: str | None) -> tuple[list[_Entry], bool]:
    if next_:
        added, ident = _decode_next(next_)
        found = [e for e in found if (e.date_added, e.obj["id"]) > (added, ident)]
    size = min(limit or DEFAULT_LIMIT, MAX_LIMIT)
    return found[:size], len(found) > size


def _range_headers(part: list[_Entry]) -> dict[str, str]:
    if not part:
        return {}
    return {"X-TAXII-Date-Added-First": part[0].date_added, "X-TAXII-Date-Added-Last": part[-1].date_added}


Limit = Annotated[int | None, Query(ge=0, le=100_000, description="Objects per page (at most 1000).")]
Next = Annotated[str | None, Query(alias="next", max_length=1000)]
AddedAfter = Annotated[str | None, Query(max_length=64)]
MatchId = Annotated[str | None, Query(alias="match[id]", max_length=10_000)]
MatchType = Annotated[str | None, Query(alias="match[type]", max_length=1000)]
MatchVersion = Annotated[str | None, Query(alias="match[version]", max_length=1000)]
MatchSpec = Annotated[str | None, Query(alias="match[spec_version]", max_length=100)]
CollectionId = Annotated[str, Path(max_length=100)]
ObjectId = Annotated[str, Path(max_length=300)]

TAXII_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {MEDIA_TAXII: {"schema": {"type": "object"}}}},
    "4XX": {"content": {MEDIA_TAXII: {"schema": {"type": "object"}}}},
}
OBJECTS_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {MEDIA_TAXII: {"schema": {"type": "object"}}, MEDIA_STIX: {"schema": {"type": "object"}}}},
    "4XX": {"content": {MEDIA_TAXII: {"schema": {"type": "object"}}}},
}


# --- endpoints -------------------------------------------------------------------------------------


def _root_url(request: Request) -> str:
    """The API root's absolute URL (TAXII needs one): the configured base URL, else the
    address the server listens on — never the client's ``Host`` header."""
    path = request.app.url_path_for("taxii_api_root")
    base = str(request.app.state.settings.get("base_url") or os.environ.get("NORMWATCH_BASE_URL", ""))
    if not base:
        host, port = request.scope.get("server") or ("127.0.0.1", 8000)
        base = f"{request.url.scheme}://{host}:{port}"
    return base.rstrip("/") + str(path)


@router.get("/", summary="TAXII 2.1 discovery", response_class=Response, responses=TAXII_RESPONSE)
async def taxii_discovery(request: Request) -> Response:
    _accepts(request, MEDIA_TAXII)
    root = _root_url(request)
    return _taxii({
        "title": "normwatch TAXII 2.1",
        "description": "Read-only STIX 2.1 feed of normwatch incidents, threat-actor groups and assessments.",
        "default": root, "api_roots": [root],
    })


@router.get(f"/{ROOT}/", summary="TAXII 2.1 API root", response_class=Response, responses=TAXII_RESPONSE)
async def taxii_api_root(request: Request) -> Response:
    _accepts(request, MEDIA_TAXII)
    return _taxii({"title": "normwatch", "description": "normwatch knowledge base and assessments",
                   "versions": [MEDIA_TAXII], "max_content_length": 0})


@router.get(f"/{ROOT}/collections/", summary="TAXII 2.1 collections", response_class=Response,
            responses=TAXII_RESPONSE)
async def taxii_collections(request: Request) -> Response:
    _accepts(request, MEDIA_TAXII)
    return _taxii({"collections": [c.as_json() for c in COLLECTIONS]})


@router.get(f"/{ROOT}/collections/{{collection_id}}/", summary="One TAXII 2.1 collection",
            response_class=Response, responses=TAXII_RESPONSE)
async def taxii_collection(request: Request, collection_id: CollectionId) -> Response:
    _accepts(request, MEDIA_TAXII)
    return _taxii(_collection(collection_id).as_json())


def _objects_body(part: list[_Entry], more: bool, media: str) -> dict[str, Any]:
    if media == MEDIA_STIX:
        from normwatch.interchange.stix import stix_id

        key = ",".join(e.obj["id"] for e in part)
        return {"type": "bundle", "id": stix_id("bundle", key), "objects": [e.obj for e in part]}
    body = _envelope(part, more)
    if part:
        body["objects"] = [e.obj for e in part]
    return body


def _envelope(part: list[_Entry], more: bool) -> dict[str, Any]:
    """The pagination keys of a TAXII page: ``more``, and ``next`` when there is more."""
    body: dict[str, Any] = {"more": more}
    if more and part:
        body["next"] = _encode_next(part[-1])
    return body


def _versions_of(request: Request, info: CollectionInfo, object_id: str) -> list[_Entry]:
    """Every stored version of one object of a collection; 404 when there is none."""
    entries = [e for e in _contents(request).entries[info.key] if e.obj["id"] == object_id]
    if not entries:
        raise HTTPException(404, f"no object {object_id!r} in collection {info.key}")
    return entries


@router.get(f"/{ROOT}/collections/{{collection_id}}/objects/", summary="TAXII 2.1 objects (paginated)",
            response_class=Response, responses=OBJECTS_RESPONSE)
def taxii_objects(
    request: Request, collection_id: CollectionId, limit: Limit = None, next_: Next = None,
    added_after: AddedAfter = None, match_id: MatchId = None, match_type: MatchType = None,
    match_version: MatchVersion = None, match_spec_version: MatchSpec = None,
) -> Response:
    media = _accepts(request, MEDIA_TAXII, MEDIA_STIX)
    info = _collection(collection_id)
    entries = _contents(request).entries[info.key]
    found = _select(entries, added_after, match_id, match_type, match_version, match_spec_version)
    part, more = _page(found, limit, next_)
    return _taxii(_objects_body(part, more, media), _range_headers(part), media)


@router.get(f"/{ROOT}/collections/{{collection_id}}/objects/{{object_id}}/", summary="One TAXII 2.1 object",
            response_class=Response, responses=OBJECTS_RESPONSE)
def taxii_object(
    request: Request, collection_id: CollectionId, object_id: ObjectId, limit: Limit = None,
    next_: Next = None, added_after: AddedAfter = None, match_version: MatchVersion = None,
    match_spec_version: MatchSpec = None,
) -> Response:
    media = _accepts(request, MEDIA_TAXII, MEDIA_STIX)
    info = _collection(collection_id)
    entries = _versions_of(request, info, object_id)
    found = _select(entries, added_after, None, None, match_version, match_spec_version)
    part, more = _page(found, limit, next_)
    return _taxii(_objects_body(part, more, media), _range_headers(part), media)


@router.get(f"/{ROOT}/collections/{{collection_id}}/objects/{{object_id}}/versions/",
            summary="Versions of one TAXII 2.1 object", response_class=Response, responses=TAXII_RESPONSE)
def taxii_versions(
    request: Request, collection_id: CollectionId, object_id: ObjectId, limit: Limit = None,
    next_: Next = None, added_after: AddedAfter = None, match_spec_version: MatchSpec = None,
) -> Response:
    _accepts(request, MEDIA_TAXII)
    info = _collection(collection_id)
    entries = _versions_of(request, info, object_id)
    found = _select(entries, added_after, None, None, None, match_spec_version)
    part, more = _page(found, limit, next_)
    body = {**_envelope(part, more), "versions": [e.version for e in part]}
    return _taxii(body, _range_headers(part))


@router.get(f"/{ROOT}/collections/{{collection_id}}/manifest/", summary="TAXII 2.1 manifest (paginated)",
            response_class=Response, responses=TAXII_RESPONSE)
def taxii_manifest(
    request: Request, collection_id: CollectionId, limit: Limit = None, next_: Next = None,
    added_after: AddedAfter = None, match_id: MatchId = None, match_type: MatchType = None,
    match_version: MatchVersion = None, match_spec_version: MatchSpec = None,
) -> Response:
    _accepts(request, MEDIA_TAXII)
    info = _collection(collection_id)
    found = _select(_contents(request).entries[info.key], added_after, match_id, match_type, match_version,
                    match_spec_version)
    part, more = _page(found, limit, next_)
    body = _envelope(part, more)
    if part:
        body["objects"] = [{"id": e.obj["id"], "date_added": e.date_added, "version": e.version,
                            "media_type": MEDIA_STIX} for e in part]
    return _taxii(body, _range_headers(part))
