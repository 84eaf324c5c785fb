"""Interactive tools: the cross-border evidence router (Contract 4) and the draft-norm what-if."""

from __future__ import annotations

import dataclasses
import json
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import Response

from normwatch.analysis.whatif import read_draft, whatif
from normwatch.errors import InputError
from normwatch.evidence.router import DATA_CATEGORIES, route
from normwatch.service.web.common import PageError, catalog_of, error_page, page, today
from normwatch.service.web.svg import Series, columns

router = APIRouter(include_in_schema=False)

ROUTE_FIELDS = (
    "requesting", "holder", "provider_home", "offender", "data", "urgent", "on",
    "provider_offers_eu", "organised_crime",
)
_FLAGS = ("urgent", "provider_offers_eu", "organised_crime")
MAX_BODY = 64 * 1024


def _countries(request: Request) -> list[dict[str, str]]:
    from normwatch.knowledge.countries import country_name

    return sorted(
        ({"code": s.iso3, "name": country_name(s.iso3)} for s in catalog_of(request).kb.states),
        key=lambda c: c["name"],
    )


@router.get("/route")
def route_page(request: Request) -> Response:
    params = request.query_params
    form = {k: params.get(k, "").strip() for k in ROUTE_FIELDS}
    for flag in _FLAGS:
        form[flag] = "yes" if params.get(flag, "").lower() in ("1", "yes", "true", "on") else ""
    extra: dict[str, Any] = {"title": "Evidence router", "form": form, "categories": DATA_CATEGORIES,
             "countries": _countries(request), "today": today()}
    asked = any(form[k] for k in ("requesting", "holder", "data"))
    if not asked:
        data: dict[str, Any] = {"question": None, "channels": [], "gaps": [], "jurisdiction": []}
        return page(request, "route.html", data, **extra)
    try:
        answer = route(
            form["requesting"], form["holder"], form["data"],
            provider_home=form["provider_home"] or None, offender=form["offender"] or None,
            urgent=bool(form["urgent"]), on=form["on"] or None,
            provider_offers_eu=bool(form["provider_offers_eu"]),
            organised_crime=bool(form["organised_crime"]), kb=catalog_of(request).kb,
        ).model_dump(mode="json")
    except ValueError as exc:
        data = {"error": "The question cannot be answered as asked", "status": 400, "message": str(exc)}
        return page(request, "route.html", data, status=400, **extra)
    return page(request, "route.html", answer, **extra)


def _example() -> str:
    return (resources.files("normwatch.service.web") / "templates" / "draft-example.yaml").read_text(encoding="utf-8")


async def _form(request: Request) -> dict[str, str]:
    """The fields of a POSTed form (URL-encoded) or JSON object; PageError(400) when unreadable."""
    body = await request.body()
    if len(body) > MAX_BODY:
        raise PageError(400, f"the form is larger than {MAX_BODY // 1024} KiB")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise PageError(400, "the form is not UTF-8 text") from None
    if kind == "application/json":
        try:
            raw = json.loads(text or "{}")
        except json.JSONDecodeError as exc:
            raise PageError(400, f"malformed JSON: {exc.msg}") from None
        except ValueError as exc:  # e.g. an integer longer than Python converts (4,300 digits)
            raise PageError(400, f"unreadable JSON: {str(exc).splitlines()[0][:120]}") from None
        if not isinstance(raw, dict):
            raise PageError(400, "expected a JSON object with the keys draft, against and instrument")
        return {k: str(v) for k, v in raw.items() if v is not None}
    if kind not in ("", "application/x-www-form-urlencoded"):
        raise PageError(400, f"unsupported form encoding {kind!r}; send application/x-www-form-urlencoded")
    return {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}


def run_draft(request: Request, text: str, against: str | None, instrument: str) -> dict[str, Any]:
    """The what-if result for a pasted draft; PageError(400) naming what is wrong with it."""
    catalog = catalog_of(request)
    if not text.strip():
        raise PageError(400, "draft: paste a draft rule (YAML) first")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "draft.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            draft = read_draft(path, catalog.rules)
        except InputError as exc:
            problems = [str(dataclasses.replace(p, file="draft")) for p in exc.problems]
            raise PageError(400, "; ".join(problems)) from None
    if not draft.norm.strip():
        raise PageError(400, "draft: field norm: give the draft norm an id, e.g. draft:healthcare")
    try:
        return whatif(draft, catalog.kb, catalog.rules, against, instrument).model_dump(mode="json")
    except KeyError as exc:
        raise PageError(400, str(exc).strip("'\"")) from None


async def _whatif(request: Request, fields: dict[str, str] | None) -> Response:
    catalog = catalog_of(request)
    norms = [{"id": n.id, "title": n.title} for f in catalog.kb.frameworks for n in f.norms]
    instruments = [{"id": i.id, "name": i.name} for i in catalog.kb.instruments]
    form = {"draft": _example(), "against": "un-gge-2015:13f", "instrument": "paris-call"}
    extra: dict[str, Any] = {"title": "What-if: test a draft norm", "norms": norms, "instruments": instruments}
    if fields is None:
        data: dict[str, Any] = {"result": None}
        return page(request, "whatif.html", data, form=form, **extra)
    form = {
        "draft": fields.get("draft", ""), "against": fields.get("against", "").strip(),
        "instrument": fields.get("instrument", "").strip() or "paris-call",
    }
    try:
        result = run_draft(request, form["draft"], form["against"] or None, form["instrument"])
    except PageError as exc:
        data = {"error": exc.title, "status": exc.status, "message": exc.message}
        return page(request, "whatif.html", data, status=exc.status, form=form, **extra)
    years = sorted({int(i.start[:4]) for i in catalog.kb.incidents})
    span = [str(y) for y in range(years[0], years[-1] + 1)] if years else []
    covered = [result["by_year"].get(y, 0) for y in span]
    chart = columns(span, [Series("incidents covered", covered, "series-breach")], "whatif-years")
    return page(request, "whatif.html", {"result": result}, form=form, year_chart=chart, **extra)


@router.get("/whatif")
async def whatif_form(request: Request) -> Response:
    params = request.query_params
    fields = {k: params[k] for k in ("draft", "against", "instrument") if k in params}
    return await _whatif(request, fields if "draft" in fields else None)


@router.post("/whatif")
async def whatif_run(request: Request) -> Response:
    try:
        fields = await _form(request)
    except PageError as exc:
        return error_page(request, exc)
    return await _whatif(request, fields)
