"""The REST API, mounted at ``/api`` by :func:`normwatch.service.app.create_app`.

Reads are open; writes (drafts, publishing) need an API token in ``Authorization: Bearer``
with the right scope (``write`` submits drafts, ``admin`` publishes or rejects them).
JSON everywhere; tabular resources also answer CSV (``?format=csv`` or ``Accept: text/csv``).
Lists are paginated with ``limit``/``offset`` and carry ``total`` and a ``next`` link.
Assessments follow Contract 3 and routes Contract 4 of docs/contracts.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Security
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from normwatch.analysis.catalog import Catalog, IncidentFilter
from normwatch.engine.results import AssessmentDocument
from normwatch.errors import InputError, NotFound, Problem
from normwatch.evidence.answer import RouteAnswer
from normwatch.knowledge.countries import CountryCode, country_codes, country_name, is_country
from normwatch.knowledge.models import Incident, Operation, Sector
from normwatch.service.media import preferred
from normwatch.service.store import Store, incident_json
from normwatch.service.tokens import Scope, TokenInfo, TokenRefused, authorize

# --- response and request models (they shape /openapi.json) --------------------------------


class ProblemOut(BaseModel):
    record: str = ""
    field: str = ""
    message: str


class ErrorOut(BaseModel):
    """Every error: a one-line message, and for bad input the problems, each naming a field."""

    error: str
    problems: list[ProblemOut] | None = None


class Paging(BaseModel):
    """Where a page sits in its list, and links to its neighbours."""

    total: int
    limit: int
    offset: int
    count: int
    next: str | None
    prev: str | None


class Page(Paging):
    """One page of a list."""

    items: list[dict[str, Any]]


class DraftIn(BaseModel):
    """A new incident or a change to a published one (Contract 1), and why."""

    model_config = ConfigDict(extra="forbid")
    incident: Incident = Field(description="The whole incident record (Contract 1 of docs/contracts.md).")
    reason: Annotated[str, Field(min_length=1, max_length=4000, description="Why: sources, what changed.")]


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Field(min_length=1, max_length=4000, description="Why it is published or rejected.")]


class WhatIfIn(BaseModel):
    """A draft rule (the format of rules/norms.yaml plus ``addresses``) as a mapping or YAML text."""

    model_config = ConfigDict(extra="forbid")
    rule: dict[str, Any] | Annotated[str, Field(max_length=100_000)]
    against: Annotated[str | None, Field(max_length=100)] = None
    instrument: Annotated[str, Field(max_length=100)] = "paris-call"


class AssessmentPage(AssessmentDocument, Paging):
    """One page of assessments: the Contract 3 document plus the paging fields."""


def _json_model(model: type[BaseModel], csv: bool = False) -> dict[int | str, dict[str, Any]]:
    """A 200 answer named by its model in the OpenAPI document (optionally also CSV)."""
    answer: dict[str, Any] = {"model": model, "description": "JSON" + (", or CSV when asked" if csv else "")}
    if csv:
        answer["content"] = {"text/csv": {"schema": {"type": "string"}}}
    return {200: answer}


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorOut} for code in codes}


CSV_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "JSON, or CSV when asked"},
}

def _known_parameters(request: Request) -> None:
    """Refuse a query parameter the endpoint does not take: a mistyped filter
    (``?responsibel=RUS``) would otherwise be ignored and answer the whole list."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    known: set[str] = set()
    waiting = [dependant] if dependant is not None else []
    while waiting:  # the endpoint's own parameters and those of its dependencies
        current = waiting.pop()
        known |= {param.alias for param in current.query_params}
        waiting += current.dependencies
    if dependant is None:
        return
    unknown = sorted({name for name in request.query_params if name not in known})
    if unknown:
        takes = ", ".join(sorted(known)) or "none"
        raise HTTPException(400, f"unknown query parameter {unknown[0]!r}; this endpoint takes: {takes}")


router = APIRouter(responses=_errors(400, 422, 500), dependencies=[Depends(_known_parameters)])
bearer = HTTPBearer(
    auto_error=False,
    description="API token from `normwatch token create --name NAME --scope write|admin`.",
)

Format = Annotated[Literal["json", "csv"] | None, Query(alias="format", description="json (default) or csv")]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Rows to skip.")]
Country = Annotated[str | None, Query(pattern=r"^[A-Za-z]{3}$", description="ISO 3166-1 alpha-3 code.")]


def _iso_day(value: Any) -> Any:
    """Only ``YYYY-MM-DD`` is a date here (pydantic would also take a number as a timestamp)."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("expected a date YYYY-MM-DD")
    return value


Day = Annotated[dt.date | None, BeforeValidator(_iso_day), Query(description="Date YYYY-MM-DD (default today).")]


_CODES = sorted(country_codes())
State = CountryCode
"""A country code that must exist (the schema lists them, so generated values are valid)."""
Ident = Annotated[str, Path(min_length=1, max_length=200)]
DraftId = Annotated[int, Path(ge=1, le=2**31 - 1)]


# --- plumbing --------------------------------------------------------------------------------


def catalog_of(request: Request) -> Catalog:
    found: Catalog = request.app.state.catalog
    return found


def store_of(request: Request) -> Store:
    store: Store | None = getattr(request.app.state, "store", None)
    if store is None:
        raise HTTPException(503, "this server runs without a store: start it with `normwatch serve`")
    return store


class _Encoded:
    """Encoded JSON responses per catalogue (cleared when the catalogue is replaced)."""

    def __init__(self) -> None:
        self.owner: Catalog | None = None
        self.data: dict[str, bytes] = {}

    def get(self, catalog: Catalog, key: str, make: Callable[[], Any]) -> bytes:
        if self.owner is not catalog:
            self.owner, self.data = catalog, {}
        found = self.data.get(key)
        if found is None:
            found = self.data[key] = json.dumps(make(), ensure_ascii=False).encode()
        return found


def _encoded(request: Request) -> _Encoded:
    state = request.app.state
    if not hasattr(state, "api_encoded"):
        state.api_encoded = _Encoded()
    cache: _Encoded = state.api_encoded
    return cache


def json_bytes(body: bytes, status: int = 200) -> Response:
    return Response(content=body, status_code=status, media_type="application/json")


def _wants_csv(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "csv"
    return preferred(request.headers.get("accept"), ("application/json", "text/csv")) == "text/csv"


def _cell(value: Any) -> str:
    from normwatch.interchange.tabular import csv_cell

    return csv_cell(value)


def csv_response(rows: Iterable[dict[str, Any]], columns: Sequence[str], name: str) -> Response:
    from normwatch.interchange.tabular import write_csv

    buffer = io.StringIO()
    write_csv(rows, columns, buffer)
    return Response(
        content=buffer.getvalue(), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{name}.csv"'},
    )


def link(request: Request, path: str, query: str = "") -> str:
    """A link to this server: the configured base URL (``NORMWATCH_BASE_URL``) or a
    relative one, never built from the client's ``Host`` header."""
    base = str(request.app.state.settings.get("base_url") or os.environ.get("NORMWATCH_BASE_URL", ""))
    return base.rstrip("/") + path + (f"?{query}" if query else "")


def _offset_link(request: Request, offset: int) -> str:
    url = request.url.include_query_params(offset=offset)
    return link(request, url.path, url.query)


def page(request: Request, items: list[dict[str, Any]], total: int, limit: int, offset: int) -> dict[str, Any]:
    nxt = _offset_link(request, offset + limit) if offset + limit < total else None
    prev = _offset_link(request, max(0, offset - limit)) if offset > 0 else None
    return {"total": total, "limit": limit, "offset": offset, "count": len(items), "next": nxt, "prev": prev,
            "items": items}


def _paged(request: Request, body: dict[str, Any]) -> Response:
    links = [f'<{body[rel]}>; rel="{rel}"' for rel in ("next", "prev") if body.get(rel)]
    response = json_bytes(json.dumps(body, ensure_ascii=False).encode())
    if links:
        response.headers["Link"] = ", ".join(links)
    response.headers["X-Total-Count"] = str(body["total"])
    return response


def unprocessable(problems: list[Problem]) -> HTTPException:
    return HTTPException(422, detail={
        "error": str(InputError(problems)),
        "problems": [{"record": p.record, "field": p.field, "message": p.message} for p in problems],
    })


def _require(scope: Scope) -> Callable[..., TokenInfo]:
    def check_token(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
    ) -> TokenInfo:
        store = store_of(request)
        try:
            return authorize(store.verify_token, credentials.credentials if credentials else None, scope)
        except TokenRefused as exc:
            challenge = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
            raise HTTPException(exc.status, exc.message, headers=challenge) from None

    return check_token


Reader = Annotated[TokenInfo, Depends(_require("read"))]
"""Any valid token: drafts (with their authors) and the audit log (with token names) are
not published data, so they are not open to anonymous readers (docs/service.md)."""
Writer = Annotated[TokenInfo, Depends(_require("write"))]
Admin = Annotated[TokenInfo, Depends(_require("admin"))]


# --- index --------------------------------------------------------------------------------


@router.get("/health", summary="Liveness (the load benchmark's baseline)")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("", summary="What this API serves", include_in_schema=True)
async def index(request: Request) -> dict[str, Any]:
    catalog = catalog_of(request)
    base = link(request, "/api")
    return {
        "kb_version": catalog.kb.version,
        "rules_version": catalog.rules.version,
        "incidents": len(catalog.kb.incidents),
        "store": getattr(request.app.state, "store", None) is not None,
        "openapi": link(request, "/openapi.json"),
        "resources": {name: f"{base}/{name}" for name in (
            "incidents", "assessments", "norms", "rules", "states", "scorecards", "blocs", "instruments", "groups",
            "routes", "rankings",
            "briefs", "whatif", "drafts", "audit", "tables")},
    }


# --- incidents and assessments ------------------------------------------------------------------


def _filter(
    q: Annotated[str | None, Query(max_length=200, description="Words in id, name, summary or actors.")] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100, description="Year the incident started.")] = None,
    responsible: Country = None,
    victim: Country = None,
    sector: Annotated[Sector | None, Query(description="Targeted sector.")] = None,
    operation: Annotated[Operation | None, Query(description="Operation type.")] = None,
    red_line: Annotated[bool | None, Query(description="Only incidents that cross (or not) a red line.")] = None,
) -> IncidentFilter:
    return IncidentFilter(q=q, year=year, responsible=responsible, victim=victim, sector=sector,
                          operation=operation, red_line=red_line)


Filter = Annotated[IncidentFilter, Depends(_filter)]
INCIDENT_COLUMNS = ("id", "name", "start", "operation", "victims", "sectors", "responsible", "red_line")


@router.get("/incidents", summary="Incidents (filters, search, pagination)", response_model=Page,
            responses=CSV_CONTENT)
async def list_incidents(
    request: Request, where: Filter, limit: Limit = 50, offset: Offset = 0, fmt: Format = None
) -> Response:
    catalog = catalog_of(request)
    if _wants_csv(request, fmt):
        found, _ = catalog.incidents(where, limit=1_000_000)
        rows = [catalog.summary(i) for i in found]
        for row in rows:
            row["responsible"] = [r["state"] for r in row["responsible"]]
        return csv_response(rows, INCIDENT_COLUMNS, "incidents")
    found, total = catalog.incidents(where, limit, offset)
    return _paged(request, page(request, [catalog.summary(i) for i in found], total, limit, offset))


def _incident(catalog: Catalog, incident_id: str) -> Incident:
    return catalog.incident(incident_id)  # NotFound answers 404 (service.app maps errors)


@router.get("/incidents/{incident_id}", summary="One incident (Contract 1)", responses=_errors(404))
async def get_incident(request: Request, incident_id: Ident) -> Response:
    catalog = catalog_of(request)
    incident = _incident(catalog, incident_id)
    return json_bytes(_encoded(request).get(catalog, f"incident:{incident.id}", lambda: incident_json(incident)))


def _document(catalog: Catalog, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"kb_version": catalog.kb.version, "rules_version": catalog.rules.version, "assessments": items}


@router.get("/incidents/{incident_id}/assessment", summary="Assessment of one incident (Contract 3)",
            responses={**_json_model(AssessmentDocument), **_errors(404)})
@router.get("/assessments/{incident_id}", summary="Assessment of one incident (Contract 3)",
            responses={**_json_model(AssessmentDocument), **_errors(404)})
async def get_assessment(request: Request, incident_id: Ident) -> Response:
    catalog = catalog_of(request)
    incident = _incident(catalog, incident_id)
    body = _encoded(request).get(
        catalog, f"assessment:{incident.id}", lambda: _document(catalog, [catalog.assessment(incident.id)]))
    return json_bytes(body)


@router.get("/assessments", summary="Assessments of many incidents (Contract 3, paginated)",
            responses={**_json_model(AssessmentPage, csv=True), **_errors(404)})
async def list_assessments(
    request: Request, where: Filter,
    ids: Annotated[str | None, Query(max_length=10_000, description="Comma-separated incident ids.")] = None,
    limit: Limit = 50, offset: Offset = 0, fmt: Format = None,
) -> Response:
    catalog = catalog_of(request)
    if ids:
        wanted = [i.strip() for i in ids.split(",") if i.strip()]
        unknown = [i for i in wanted if i not in catalog.kb.incident_by_id]
        if unknown:
            raise HTTPException(404, f"unknown incident {unknown[0]!r}")
        chosen = [i for i in catalog.incidents_by_start if i.id in set(wanted) and where.matches(
            i, catalog.red_lines[i.id])]
    else:
        chosen, _ = catalog.incidents(where, limit=1_000_000)
    if _wants_csv(request, fmt):
        # the tidy table of `normwatch export --format assessments-csv`: one row per incident x norm
        from normwatch.interchange.tabular import assessment_tables

        table = assessment_tables(catalog.assessment(i.id) for i in chosen)["assessments"]
        return csv_response(table.rows, table.spec.column_names, "assessments")
    part = chosen[offset:offset + limit]
    body = _document(catalog, [catalog.assessment(i.id) for i in part])
    paging = page(request, [], len(chosen), limit, offset)
    body.update({k: v for k, v in paging.items() if k != "items"})
    return _paged(request, body)


def _tidy_tables(catalog: Catalog) -> dict[str, Any]:
    from normwatch.interchange.tabular import assessment_tables, incident_tables

    incidents = sorted(catalog.kb.incidents, key=lambda i: i.id)
    return {**incident_tables(incidents), **assessment_tables(catalog.assessment(i.id) for i in incidents)}


@router.get("/tables", summary="The tidy tables: one per relation, with their columns and CSV links")
async def list_tables(request: Request) -> dict[str, Any]:
    from normwatch.interchange.tabular import TABLES

    catalog = catalog_of(request)
    return {"kb_version": catalog.kb.version, "rules_version": catalog.rules.version, "tables": [
        {"name": spec.name, "row": spec.row, "key": list(spec.key),
         "columns": [c.model_dump(exclude_none=True) for c in spec.columns],
         "csv": link(request, f"/api/tables/{spec.name}.csv")} for spec in TABLES.values()]}


@router.get("/tables/{name}.csv", summary="One tidy table as CSV (docs/interchange.md)",
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"},
                       **_errors(404)})
async def get_table(request: Request, name: Annotated[str, Path(min_length=1, max_length=100)]) -> Response:
    from normwatch.interchange.tabular import INCIDENT_TABLES, TABLES, incident_tables

    catalog = catalog_of(request)
    if name not in TABLES:
        raise HTTPException(404, f"unknown table {name!r}; see /api/tables")
    if name in INCIDENT_TABLES:  # no assessments needed
        table = incident_tables(sorted(catalog.kb.incidents, key=lambda i: i.id))[name]
    else:
        table = _tidy_tables(catalog)[name]
    return csv_response(table.rows, table.spec.column_names, name)


@router.get("/briefs/{incident_id}", summary="Crisis brief of an incident (json, md, html or pdf)",
            responses={**_errors(404), 200: {"content": {
                "text/markdown": {"schema": {"type": "string"}}, "text/html": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
def get_brief(
    request: Request, incident_id: Ident, on: Day = None,
    fmt: Annotated[Literal["json", "md", "html", "pdf"], Query(alias="format")] = "json",
) -> Response:
    from normwatch.analysis.brief import brief
    from normwatch.publish.brief import brief_document
    from normwatch.publish.document import to_html, to_markdown

    catalog = catalog_of(request)
    incident = _incident(catalog, incident_id)
    data = brief(incident, catalog.kb, catalog.rules, on).model_dump(mode="json")
    if fmt == "md":
        return PlainTextResponse(to_markdown(brief_document(data, catalog.kb)),
                                 media_type="text/markdown; charset=utf-8")
    if fmt == "html":
        return HTMLResponse(to_html(brief_document(data, catalog.kb)))
    if fmt == "pdf":
        from normwatch.publish.report import render

        return Response(render(brief_document(data, catalog.kb), "pdf"), media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="brief-{incident.id}.pdf"'})
    return json_bytes(json.dumps(data, ensure_ascii=False).encode())


# --- reference data ------------------------------------------------------------------------------


@router.get("/norms", summary="Norms of every framework", responses=CSV_CONTENT)
async def list_norms(
    request: Request,
    framework: Annotated[str | None, Query(max_length=100)] = None,
    tag: Annotated[str | None, Query(max_length=100)] = None,
    fmt: Format = None,
) -> Response:
    kb = catalog_of(request).kb
    rows = [{**n.model_dump(mode="json", exclude_none=True), "framework": kb.framework_of[n.id].id}
            for n in kb.norms.values()
            if (framework is None or kb.framework_of[n.id].id == framework) and (tag is None or tag in n.tags)]
    if _wants_csv(request, fmt):
        return csv_response(rows, ("id", "framework", "title", "paragraph", "tags", "summary"), "norms")
    return json_bytes(json.dumps(rows, ensure_ascii=False).encode())


@router.get("/norms/{norm_id}", summary="One norm", responses=_errors(404))
async def get_norm(request: Request, norm_id: Ident) -> dict[str, Any]:
    kb = catalog_of(request).kb
    item = kb.norms.get(norm_id)
    if item is None:
        raise HTTPException(404, f"unknown norm {norm_id!r}")
    return {**item.model_dump(mode="json", exclude_none=True), "framework": kb.framework_of[item.id].id}


@router.get("/rules", summary="The rules: one per norm, with the rules version")
async def list_rules(request: Request) -> dict[str, Any]:
    rules = catalog_of(request).rules
    return {"rules_version": rules.version, "norms": [r.model_dump(mode="json") for r in rules.norms.values()]}


@router.get("/rules/{norm_id}", summary="The rule of one norm", responses=_errors(404))
async def get_rule(request: Request, norm_id: Ident) -> dict[str, Any]:
    rules = catalog_of(request).rules
    item = rules.norms.get(norm_id)
    if item is None:
        raise HTTPException(404, f"no rule for {norm_id!r}")
    return {"rules_version": rules.version, **item.model_dump(mode="json")}


@router.get("/states", summary="States (UN members and observers)", responses=CSV_CONTENT)
async def list_states(request: Request, fmt: Format = None) -> Response:
    kb = catalog_of(request).kb
    states = sorted(kb.states, key=lambda s: s.iso3)
    rows = [{"state": s.iso3, "name": country_name(s.iso3), "un": s.un} for s in states]
    if _wants_csv(request, fmt):
        return csv_response(rows, ("state", "name", "un"), "states")
    return json_bytes(json.dumps(rows, ensure_ascii=False).encode())


@router.get("/states/{iso3}", summary="A state's memberships and commitments on a date", responses=_errors(404))
async def get_state(request: Request, iso3: Annotated[str, Path(min_length=1, max_length=10)], on: Day = None) -> Any:
    try:
        return catalog_of(request).state(iso3, on)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except ValueError as exc:
        raise unprocessable([Problem("query", "", "on", str(exc))]) from None


@router.get("/instruments", summary="Instruments (treaties, calls, agreements…)", responses=CSV_CONTENT)
async def list_instruments(request: Request, fmt: Format = None) -> Response:
    kb = catalog_of(request).kb
    rows = [i.model_dump(mode="json", exclude_none=True) for i in kb.instruments]
    if _wants_csv(request, fmt):
        return csv_response(rows, ("id", "name", "kind", "binding", "adopted", "entry_into_force"), "instruments")
    return json_bytes(json.dumps(rows, ensure_ascii=False).encode())


@router.get("/instruments/{instrument_id}", summary="An instrument and its parties over time",
            responses=_errors(404))
async def get_instrument(request: Request, instrument_id: Ident, on: Day = None) -> Any:
    try:
        return catalog_of(request).instrument(instrument_id, on)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except ValueError as exc:
        raise unprocessable([Problem("query", "", "on", str(exc))]) from None


def _group_json(group: Any) -> dict[str, Any]:
    return {**group.model_dump(mode="json", exclude_none=True), "sponsor": group.sponsor}


@router.get("/groups", summary="Threat-actor groups", responses=CSV_CONTENT)
async def list_groups(request: Request, state: Country = None, fmt: Format = None) -> Response:
    kb = catalog_of(request).kb
    rows = [_group_json(g) for g in kb.groups
            if state is None or any(link.state == state.upper() for link in g.links)]
    if _wants_csv(request, fmt):
        return csv_response(rows, ("id", "name", "aliases", "sponsor", "attack_id", "kind"), "groups")
    return json_bytes(json.dumps(rows, ensure_ascii=False).encode())


@router.get("/groups/{group_id}", summary="One group, by id, name or alias", responses=_errors(404))
async def get_group(request: Request, group_id: Ident) -> dict[str, Any]:
    item = catalog_of(request).kb.find_group(group_id)
    if item is None:
        raise HTTPException(404, f"unknown group {group_id!r}")
    return _group_json(item)


@router.get("/scorecards/{iso3}", summary="A state's accountability record (scorecard)", responses=_errors(404))
def get_scorecard(
    request: Request, iso3: Annotated[str, Path(min_length=1, max_length=10)], on: Day = None
) -> dict[str, Any]:
    from normwatch.analysis.analytics import scorecard

    catalog = catalog_of(request)
    if not is_country(iso3.upper()):
        raise HTTPException(404, f"{iso3!r} is not an ISO 3166-1 alpha-3 country code")
    try:
        card = scorecard(catalog.kb, iso3.upper(), catalog.rules, on)
    except (KeyError, ValueError) as exc:
        raise HTTPException(404, str(exc).strip("'\"")) from None
    return {key: table.to_dicts() for key, table in card.items()}


@router.get("/blocs", summary="Blocs compared: composition, commitments, incidents (one row per bloc)",
            responses=CSV_CONTENT)
def list_blocs(request: Request, on: Day = None, since: Day = None, fmt: Format = None) -> Response:
    from normwatch.analysis.analytics import bloc_comparison

    catalog = catalog_of(request)
    rows = bloc_comparison(catalog.kb, on=on, rules=catalog.rules, since=since).to_dicts()
    if _wants_csv(request, fmt):
        return csv_response(rows, list(rows[0]) if rows else ["bloc"], "blocs")
    return json_bytes(json.dumps(rows, ensure_ascii=False, default=str).encode())


@router.get("/rankings", summary="States ranked by breaches of their own commitments (by=own) or by every "
                                 "high-confidence breach finding (by=all)", responses=CSV_CONTENT)
def get_rankings(
    request: Request,
    by: Annotated[Literal["own", "all"], Query(description="own (default) or all")] = "own",
    fmt: Format = None,
) -> Response:
    from normwatch.analysis.rankings import rankings, rankings_csv

    catalog = catalog_of(request)
    result = rankings(catalog.kb, catalog.rules, by)
    if _wants_csv(request, fmt):
        return Response(content=rankings_csv(result), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'inline; filename="rankings-{by}.csv"'})
    return json_bytes(result.model_dump_json().encode())


ROUTE_COLUMNS = ("id", "applicable", "typical_time", "legal_basis", "summary", "data_covered", "effect",
                 "urgent_capable", "via")


@router.get("/routes", summary="Cross-border evidence channels (Contract 4)",
            responses=_json_model(RouteAnswer, csv=True))
def get_route(
    request: Request,
    requesting: Annotated[State, Query(description="State that wants the data (ISO3).",
                                       json_schema_extra={"enum": _CODES})],
    holder: Annotated[State, Query(description="State where the data is (ISO3).",
                                   json_schema_extra={"enum": _CODES})],
    data: Annotated[Literal["subscriber", "traffic", "content"], Query(description="Data category.")],
    provider_home: Annotated[State | None, Query(json_schema_extra={"enum": _CODES})] = None,
    offender: Annotated[State | None, Query(json_schema_extra={"enum": _CODES})] = None,
    urgent: bool = False,
    on: Day = None,
    provider_offers_eu: Annotated[bool, Query(description="The provider offers services in the EU.")] = False,
    organised_crime: Annotated[bool, Query(description="An organised criminal group is involved.")] = False,
    fmt: Format = None,
) -> Response:
    from normwatch.evidence.router import route

    try:
        answer = route(requesting, holder, data, provider_home, offender, urgent, on,
                       provider_offers_eu, organised_crime,
                       kb=catalog_of(request).kb).model_dump(mode="json")
    except InputError as exc:
        raise unprocessable([dataclasses.replace(p, file="query") for p in exc.problems]) from None
    if _wants_csv(request, fmt):
        return csv_response(answer["channels"], ROUTE_COLUMNS, "routes")
    return json_bytes(json.dumps(answer, ensure_ascii=False).encode())


# --- what-if ---------------------------------------------------------------------------------


def _rule_data(rule: dict[str, Any] | str) -> Any:
    from normwatch.knowledge.yamlread import parse_yaml

    if isinstance(rule, dict):
        return rule
    data, problems = parse_yaml(rule, "rule")
    if problems:
        raise unprocessable(problems)
    return data


@router.post("/whatif", summary="Run a draft norm over the whole catalogue (no token needed: nothing is saved)",
             responses=_errors(404))
def post_whatif(request: Request, body: WhatIfIn) -> Response:
    from normwatch.analysis.whatif import draft_from_data, whatif

    catalog = catalog_of(request)
    data = _rule_data(body.rule)
    try:
        draft = draft_from_data(data, catalog.rules, "rule")
    except InputError as exc:
        raise unprocessable(exc.problems) from None
    try:
        result = whatif(draft, catalog.kb, catalog.rules, body.against, body.instrument).model_dump(mode="json")
    except NotFound:
        raise
    except (ValueError, TypeError) as exc:
        raise unprocessable([Problem("rule", draft.norm, "", str(exc))]) from None
    return json_bytes(json.dumps(result, ensure_ascii=False).encode())


# --- the analyst workflow: drafts, review, audit ------------------------------------------------


def _draft_out(catalog: Catalog, draft: dict[str, Any]) -> dict[str, Any]:
    incident = Incident.model_validate(draft["data"])
    return {"draft": {k: v for k, v in draft.items() if k != "data"}, "incident": draft["data"],
            "assessment": catalog.assess_new(incident)}


@router.post("/drafts", status_code=201, summary="Submit a new incident or a change as a draft (token: write)",
             responses=_errors(401, 403, 503))
def post_draft(request: Request, body: DraftIn, token: Writer) -> dict[str, Any]:
    store = store_of(request)
    catalog = catalog_of(request)
    try:
        draft = store.submit(incident_json(body.incident), token.name, body.reason, request.app.state.reference_kb)
    except InputError as exc:
        raise unprocessable(exc.problems) from None
    return _draft_out(catalog, draft)


@router.get("/drafts", summary="Drafts, newest first (token: any scope)", response_model=Page,
            responses=_errors(401, 503))
def list_drafts(
    request: Request,
    token: Reader,
    status: Annotated[Literal["pending", "published", "rejected"] | None, Query()] = None,
    limit: Limit = 50, offset: Offset = 0,
) -> Response:
    rows, total = store_of(request).drafts(status, limit, offset)
    items = [{k: v for k, v in r.items() if k != "data"} | {"name": r["data"].get("name")} for r in rows]
    return _paged(request, page(request, items, total, limit, offset))


@router.get("/drafts/{draft_id}", summary="One draft, with the assessment it would get (token: any scope)",
            responses=_errors(401, 404, 503))
def get_draft(request: Request, draft_id: DraftId, token: Reader) -> dict[str, Any]:
    return _draft_out(catalog_of(request), store_of(request).draft(draft_id))


def _review(action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    return action()  # Missing answers 404, Conflict 409, other refusals 422 (service.app)


@router.post("/drafts/{draft_id}/publish", summary="Publish a draft (token: admin)",
             responses=_errors(401, 403, 404, 409, 503))
def publish_draft(request: Request, draft_id: DraftId, body: ReviewIn, token: Admin) -> dict[str, Any]:
    from normwatch.service.app import refresh_catalog

    store = store_of(request)
    state = request.app.state
    result = _review(lambda: store.publish(
        draft_id, token.name, body.reason, state.reference_kb, state.catalog.rules))
    refresh_catalog(request.app, force=True)
    return result


@router.post("/drafts/{draft_id}/reject", summary="Reject a draft (token: admin)",
             responses=_errors(401, 403, 404, 409, 503))
def reject_draft(request: Request, draft_id: DraftId, body: ReviewIn, token: Admin) -> dict[str, Any]:
    store = store_of(request)
    return {"draft": _review(lambda: store.reject(draft_id, token.name, body.reason))}


AUDIT_COLUMNS = ("id", "at", "who", "action", "target", "what", "why")


@router.get("/audit", summary="Audit log: who, when, what, why, newest first (token: any scope)",
            response_model=Page, responses={**CSV_CONTENT, **_errors(401, 503)})
def list_audit(
    request: Request,
    token: Reader,
    target: Annotated[str | None, Query(max_length=200, description="An incident id, draft:N or token:NAME.")] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50, offset: Offset = 0, fmt: Format = None,
) -> Response:
    store = store_of(request)
    if _wants_csv(request, fmt):
        rows, _ = store.audit_log(1_000_000, 0, target, action)
        return csv_response(rows, AUDIT_COLUMNS, "audit")
    rows, total = store.audit_log(limit, offset, target, action)
    return _paged(request, page(request, rows, total, limit, offset))
