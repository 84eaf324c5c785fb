"""The rankings page: states by breaches of their own commitments, or by every high-confidence
breach finding, each row opening its incidents with the claims and their sources.

A thin layer over :func:`normwatch.analysis.rankings.rankings`: the page, its JSON twin
(``?format=json``) and its CSV (``/rankings.csv`` or ``?format=csv``) all come from one call.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from normwatch.analysis.rankings import RANK_BY, Rankings, rankings, rankings_csv
from normwatch.engine.results import split_rules
from normwatch.service.web.common import PageError, catalog_of, error_page, page

router = APIRouter(include_in_schema=False)

TITLES = {
    "own": "States by breaches of their own commitments",
    "all": "States by high-confidence breach findings",
}


def reason_parts(reason: str) -> dict[str, str]:
    """A reason as its words and the rule behind it (``[rule: …]``), shown apart on the page."""
    text, rules = split_rules(reason)
    return {"text": text, "rule": " ; ".join(rules)}


def _ranking(request: Request) -> Rankings:
    by = request.query_params.get("by", "own").strip().lower() or "own"
    if by not in RANK_BY:
        raise PageError(400, f"by: {by!r} is not a ranking; use own or all")
    catalog = catalog_of(request)
    return rankings(catalog.kb, catalog.rules, by)


def _csv(result: Rankings) -> Response:
    return Response(
        rankings_csv(result), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="normwatch-rankings-{result.by}.csv"'},
    )


@router.get("/rankings.csv")
def rankings_csv_file(request: Request) -> Response:
    """The ranking as CSV, one row per state (``?by=own`` or ``all``)."""
    try:
        return _csv(_ranking(request))
    except PageError as exc:
        return error_page(request, exc)


@router.get("/rankings")
def rankings_page(request: Request) -> Response:
    """States ranked by breaches; each row opens the incidents, claims and sources behind it."""
    try:
        result = _ranking(request)
    except PageError as exc:
        return error_page(request, exc)
    if request.query_params.get("format") == "csv":
        return _csv(result)
    data = result.model_dump(mode="json")
    why: dict[str, list[dict[str, str]]] = {
        x.id: [reason_parts(r) for r in x.red_line_reasons] for row in result.rows for x in row.incidents
    }
    extra: dict[str, Any] = {"why": why, "heading": TITLES[result.by], "other": "all" if result.by == "own" else "own"}
    return page(request, "rankings.html", data, title=TITLES[result.by], **extra)


__all__ = ["reason_parts", "router"]
