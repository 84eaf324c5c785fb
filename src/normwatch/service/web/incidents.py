"""The incident list (filters, search, pagination) and the incident page (assessment, brief)."""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from normwatch.analysis.brief import crisis_channels, precedents
from normwatch.analysis.browse import sanctions_for
from normwatch.analysis.catalog import IncidentFilter
from normwatch.errors import InputError
from normwatch.knowledge.countries import country_code
from normwatch.knowledge.models import OPERATIONS, SECTORS
from normwatch.service.web.common import PER_PAGE, PageError, catalog_of, error_page, page, parse_int, url, views
from normwatch.service.web.listing import Column, csv_response, csv_url, read_sort, text_key, wants_csv

router = APIRouter(include_in_schema=False)

def _country_param(value: str | None, name: str) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return country_code(value, name, "query")
    except InputError as exc:
        raise PageError(400, str(exc)) from None


def _choice(value: str | None, name: str, allowed: tuple[str, ...]) -> str | None:
    if value is None or not value.strip():
        return None
    if value.strip() not in allowed:
        raise PageError(400, f"{name}: {value!r} is not one of {', '.join(allowed)}")
    return value.strip()


def read_filter(params: dict[str, str]) -> IncidentFilter:
    """The incident filter from query parameters; PageError(400) on a bad value."""
    red = params.get("red_line", "").strip().lower()
    if red not in ("", "yes", "no", "true", "false"):
        raise PageError(400, f"red_line: {params['red_line']!r} is not yes or no")
    q = params.get("q", "").strip()
    if len(q) > 200:
        raise PageError(400, "q: the search text is longer than 200 characters")
    return IncidentFilter(
        q=q or None,
        year=parse_int(params.get("year"), "year", 1900, 2100),
        responsible=_country_param(params.get("responsible"), "responsible"),
        victim=_country_param(params.get("victim"), "victim"),
        sector=_choice(params.get("sector"), "sector", SECTORS),
        operation=_choice(params.get("operation"), "operation", OPERATIONS),
        red_line=None if not red else red in ("yes", "true"),
    )


def _filter_values(where: IncidentFilter) -> dict[str, Any]:
    red = None if where.red_line is None else ("yes" if where.red_line else "no")
    return {
        "q": where.q, "year": where.year, "responsible": where.responsible, "victim": where.victim,
        "sector": where.sector, "operation": where.operation, "red_line": red,
    }


def _plain(value: Any) -> Any:
    """An effect as a person reads it: yes/no, and large numbers with separators."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
    return value


def _first(values: list[Any]) -> Any:
    return values[0] if values else None


INCIDENT_COLUMNS = {
    "start": Column(lambda r: r["start"], "desc"),
    "name": Column(text_key("name")),
    "operation": Column(lambda r: _first(r["operation"])),
    "victims": Column(lambda r: tuple(r["victims"]) or None),
    "responsible": Column(lambda r: tuple(x["state"] for x in r["responsible"]) or None),
    "red_line": Column(lambda r: r["red_line"], "desc"),
}
"""The sortable columns of the incident list (the table's headers)."""
INCIDENT_CSV = ("id", "name", "start", "operation", "victims", "sectors", "responsible", "red_line")


def _csv_row(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "responsible": [f"{r['state']} ({r['confidence']})" for r in row["responsible"]]}


@router.get("/incidents")
def incident_list(request: Request) -> Response:
    try:
        params = dict(request.query_params)
        where = read_filter(params)
        number = parse_int(params.get("page"), "page", 1) or 1
        sorting = read_sort(request, INCIDENT_COLUMNS, "start", "desc", keep=_filter_values(where))
    except PageError as exc:
        return error_page(request, exc)
    catalog = catalog_of(request)
    found, total = catalog.incidents(where, limit=len(catalog.kb.incidents), offset=0)
    ordered = sorting.apply(catalog.summary(i) for i in found)
    if wants_csv(request):
        chosen = ordered[(number - 1) * PER_PAGE:number * PER_PAGE] if "page" in params else ordered
        return csv_response([_csv_row(r) for r in chosen], INCIDENT_CSV, "incidents")
    rows = ordered[(number - 1) * PER_PAGE:number * PER_PAGE]
    pages = max(1, math.ceil(total / PER_PAGE))
    if number > pages:
        # An empty page past the end looks like "no incidents": say which pages exist.
        return error_page(request, PageError(
            404, f"There is no page {number}: this list has {pages} page{'s' if pages > 1 else ''}."))
    filters = _filter_values(where)
    data = {
        "filters": filters,
        "total": total, "page": number, "pages": pages, "per_page": PER_PAGE,
        "sort": sorting.state(),
        "incidents": rows,
    }
    kept = {**filters, **sorting.params()}
    nav = {
        "prev": url("/incidents", **kept, page=number - 1) if number > 1 else None,
        "next": url("/incidents", **kept, page=number + 1) if number < pages else None,
    }
    active = any(v is not None for v in filters.values())
    return page(request, "incidents.html", data, title="Incidents", facets=views(request).facets,
                nav=nav, active=active, sorting=sorting, csv_href=csv_url(request))


@router.get("/incidents/{incident_id}")
def incident_page(request: Request, incident_id: str) -> Response:
    catalog = catalog_of(request)
    incident = catalog.kb.incident_by_id.get(incident_id)
    if incident is None:
        return error_page(request, PageError(404, f"There is no incident with the id {incident_id!r}."))
    assessment = catalog.assessment(incident_id)
    record = incident.model_dump(mode="json", exclude_none=True)
    # Oldest claim first (records keep the order they were written in); undated ones last.
    record["attributions"] = sorted(
        record.get("attributions", []), key=lambda a: (a.get("date") is None, a.get("date") or "")
    )
    data = {
        "incident": record,
        "assessment": assessment,
        "precedents": precedents(incident, catalog.kb),
        "channels": crisis_channels(catalog.kb, incident),
        "sanctions": sanctions_for(catalog.kb, incident_id),
    }
    known = set(catalog.kb.incident_by_id)
    norms = catalog.kb.norms
    engaged = [n for n in assessment["norms"] if n["verdict"] != "not-engaged"]
    quiet = [n for n in assessment["norms"] if n["verdict"] == "not-engaged"]
    effects = {k: _plain(v) for k, v in incident.effects.model_dump().items() if v is not None}
    return page(request, "incident.html", data, title=incident.name, norms=norms, engaged=engaged,
                quiet=quiet, known=known, effects=effects)
