"""The new-incident form (``/incidents/new``): from the text of a news report to a draft
record, its assessment and its brief, and, with a write token, a draft in the review
workflow.

The page is one server-rendered form. Each button posts the whole form with an ``action``:
``extract`` fills the fields from the pasted text (each field shows the words it came
from), ``update`` assesses what the fields say now, ``download`` returns the brief, and
``submit`` saves the record as a pending draft. Nothing is saved without a valid token.
``preview`` is ``update`` as the page's script sends it while someone types: a record not
yet complete is then the normal state of the form, not a client error, so it is answered
200 with the fields still to fill.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from normwatch.errors import InputError, Problem, from_validation_error
from normwatch.knowledge.models import (
    OPERATIONS,
    SECTORS,
    ActorKind,
    Confidence,
    Incident,
    ResponseKind,
    SourceKind,
)
from normwatch.service.web.common import PageError, catalog_of, error_page, page

router = APIRouter()

MAX_FORM = 1_200_000
"""Bytes of one posted form: the extractor's 1 MB of text plus the fields."""

ROWS: dict[str, tuple[str, ...]] = {
    "targets": ("country", "sector", "entity"),
    "actors": ("name", "kind", "state"),
    "attributions": ("to", "by", "kind", "date", "confidence", "sources"),
    "responses": ("by", "kind", "date", "sources"),
}
"""The record's lists, each edited as rows of these fields (``targets.0.country`` …)."""

LISTED = {"by", "sources"}
"""Row fields that hold a list: names split at commas, URLs at white space."""

SCALARS = ("id", "name", "start", "disclosed", "end", "summary")
FLAGS = ("data_stolen", "data_published", "data_destroyed", "physical_damage", "indiscriminate")
COUNTS = ("injuries", "deaths", "economic_loss_usd")
SPARE_ROWS = 2
"""Empty rows offered under each list, so a field can be added without JavaScript."""

ACTIONS = ("extract", "update", "preview", "download", "submit")
FORMATS = ("md", "html", "pdf")


def _choices(literal: Any) -> tuple[str, ...]:
    return tuple(literal.__args__)


def vocabulary() -> dict[str, tuple[str, ...]]:
    """The values each field may take (Contract 1), offered in the form's menus."""
    return {
        "operation": OPERATIONS, "sector": SECTORS, "actor_kind": _choices(ActorKind),
        "source_kind": _choices(SourceKind), "confidence": _choices(Confidence),
        "response_kind": _choices(ResponseKind),
        "availability": ("none", "temporary", "lasting"),
        "scale": ("targeted", "national", "regional", "global"),
    }


async def read_form(request: Request) -> dict[str, list[str]]:
    """Every value of the posted form, by field name; PageError(400/413) when unreadable."""
    body = await request.body()
    if len(body) > MAX_FORM:
        raise PageError(413, f"the form is larger than {MAX_FORM // 1000} kB; paste a shorter text",
                        title="Too large")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("", "application/x-www-form-urlencoded"):
        raise PageError(400, f"unsupported form encoding {kind!r}; send application/x-www-form-urlencoded")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise PageError(400, "the form is not UTF-8 text") from None
    return parse_qs(text, keep_blank_values=True)


def _one(form: dict[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[-1].strip()


def record_from_form(form: dict[str, list[str]]) -> dict[str, Any]:
    """The Contract 1 record the fields describe: empty fields and empty rows left out."""
    record: dict[str, Any] = {}
    for name in SCALARS:
        value = _one(form, name)
        if value:
            record[name] = value
    record["operation"] = [v for v in form.get("operation", []) if v.strip()]
    for list_name, fields in ROWS.items():
        numbers = sorted({int(m.group(1)) for key in form
                          if (m := re.fullmatch(rf"{list_name}\.(\d{{1,3}})\.\w+", key))})
        rows = []
        for n in numbers:
            row: dict[str, Any] = {}
            for field in fields:
                value = _one(form, f"{list_name}.{n}.{field}")
                if not value:
                    continue
                if field == "by" and list_name == "attributions":
                    row[field] = [part.strip() for part in value.split(",") if part.strip()]
                elif field == "sources":
                    row[field] = value.split()
                else:
                    row[field] = value
            if row:
                rows.append(row)
        if rows:
            record[list_name] = rows
    effects: dict[str, Any] = {}
    for flag in FLAGS:
        value = _one(form, f"effects.{flag}")
        if value in ("yes", "no"):
            effects[flag] = value == "yes"
    for name in ("availability", "scale"):
        if value := _one(form, f"effects.{name}"):
            effects[name] = value
    for name in COUNTS:
        if value := _one(form, f"effects.{name}"):
            try:
                effects[name] = float(value) if name == "economic_loss_usd" else int(value)
            except ValueError:
                effects[name] = value  # left for validation to name
    if effects:
        record["effects"] = effects
    sources = _one(form, "sources").split()
    if sources:
        record["sources"] = sources
    return record


def form_rows(record: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """The record's lists as form rows (lists joined back to text), plus empty spare rows."""
    rows: dict[str, list[dict[str, str]]] = {}
    for list_name, fields in ROWS.items():
        shown = []
        for item in record.get(list_name) or []:
            row = {}
            for field in fields:
                value = item.get(field, "") if isinstance(item, dict) else ""
                if isinstance(value, list):
                    value = ", ".join(value) if field == "by" else "\n".join(value)
                row[field] = "" if value is None else str(value)
            shown.append(row)
        rows[list_name] = shown + [dict.fromkeys(fields, "") for _ in range(SPARE_ROWS)]
    return rows


def effect_fields(record: dict[str, Any]) -> dict[str, str]:
    """The effects as the menus show them: yes/no/blank (unknown) and the chosen values."""
    effects = record.get("effects") or {}
    shown = {}
    for key, value in effects.items():
        if isinstance(value, bool):
            shown[key] = "yes" if value else "no"
        elif value is not None:
            shown[key] = str(value)
    return shown


def validate(record: dict[str, Any]) -> Incident:
    """The record as an Incident; InputError naming each field that is wrong."""
    try:
        return Incident.model_validate(record)
    except ValidationError as exc:
        raise InputError(from_validation_error("form", record.get("id") or "new incident", exc)) from None


def _evidence_key(path: str) -> str:
    """``targets[0].country`` and ``targets.0.country`` name the same field; the items of
    a plain list (``operation[0]``) are shown under the list's one field."""
    return re.sub(r"\[(\d+)\]", r".\1", re.sub(r"^(\w+)\[\d+\]$", r"\1", path))


def by_field(evidence: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The evidence keyed as the form names its fields."""
    shown: dict[str, list[dict[str, Any]]] = {}
    for path, items in evidence.items():
        shown.setdefault(_evidence_key(path), []).extend(items)
    return shown


def highlighted(text: str, evidence: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The text cut into plain and marked pieces: each marked piece names the fields it
    supports, so the reader sees which words filled which field."""
    spans: list[tuple[int, int, str]] = []
    for field, items in evidence.items():
        for item in items:
            start, end = int(item.get("start", 0)), int(item.get("end", 0))
            if 0 <= start < end <= len(text):
                spans.append((start, end, field))
    spans.sort()
    pieces: list[dict[str, Any]] = []
    at = 0
    for start, end, field in spans:
        if start < at:  # an overlapping span joins the piece already marked
            if pieces and pieces[-1]["fields"] is not None and end <= at:
                pieces[-1]["fields"].append(field)
            continue
        if start > at:
            pieces.append({"text": text[at:start], "fields": None})
        pieces.append({"text": text[start:end], "fields": [field]})
        at = end
    if at < len(text):
        pieces.append({"text": text[at:], "fields": None})
    return pieces


def _brief(request: Request, incident: Incident) -> dict[str, Any]:
    from normwatch.analysis.brief import brief

    catalog = catalog_of(request)
    return brief(incident, catalog.kb, catalog.rules, dt.date.today()).model_dump(mode="json")


def _download(incident: Incident, data: dict[str, Any], fmt: str) -> Response:
    from normwatch.publish.brief import brief_document
    from normwatch.publish.report import render

    body = render(brief_document(data), fmt)  # type: ignore[arg-type]
    media = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8",
             "pdf": "application/pdf"}[fmt]
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="brief-{incident.id}.{fmt}"'})


def _submit(request: Request, incident: Incident, form: dict[str, list[str]]) -> dict[str, Any]:
    """Save the record as a pending draft; PageError 401/403 when the token does not allow it."""
    from normwatch.service.store import Store, incident_json
    from normwatch.service.tokens import TokenRefused, authorize

    store: Store | None = getattr(request.app.state, "store", None)
    if store is None:
        raise PageError(503, "This server runs without a store; nothing was saved.", title="No store")
    try:
        info = authorize(store.verify_token, _one(form, "token"), "write")
    except TokenRefused as exc:
        raise PageError(exc.status, f"Saving a draft needs a token with the write scope: {exc.message}. "
                        "Nothing was saved.", title="Token refused") from None
    reason = _one(form, "reason") or "entered with the new-incident form"
    return store.submit(incident_json(incident), info.name, reason, request.app.state.reference_kb)


def _context(request: Request) -> dict[str, Any]:
    catalog = catalog_of(request)
    return {
        "title": "New incident",
        "vocabulary": vocabulary(),
        "states": sorted({t.country for i in catalog.kb.incidents for t in i.targets}
                         | {a.to for i in catalog.kb.incidents for a in i.attributions}),
        "groups": sorted({g.name for g in catalog.kb.groups}),
        "norm_titles": {n.id: n.title for f in catalog.kb.frameworks for n in f.norms},
        "formats": FORMATS,
    }


def _render(request: Request, record: dict[str, Any], text: str, status: int = 200,
            **data: Any) -> Response:
    evidence = data.get("evidence") or {}
    return page(request, "new-incident.html", {
        "record": record, "text": text, **data,
    }, status=status, rows=form_rows(record), effects=effect_fields(record),
        evidence=by_field(evidence),
        pieces=highlighted(text, evidence) if evidence else None, **_context(request))


@router.get("/incidents/new")
def new_incident_form(request: Request) -> Response:
    """The empty form: paste a text, or fill the fields yourself."""
    return _render(request, {}, "")


@router.post("/incidents/new")
async def new_incident_post(request: Request) -> Response:
    """One step of the form: extract, update, download or submit (see the module docstring)."""
    try:
        form = await read_form(request)
    except PageError as exc:
        return error_page(request, exc)
    action = _one(form, "action") or "update"
    if action not in ACTIONS:
        return error_page(request, PageError(400, f"unknown action {action!r}: use one of {', '.join(ACTIONS)}"))
    text = (form.get("text") or [""])[-1]
    if action == "extract":
        from normwatch.interchange.fromtext import draft_from_text

        try:
            drafted = draft_from_text(text, kb=catalog_of(request).kb)
        except InputError as exc:
            return _render(request, record_from_form(form), text, 400,
                           error="The text cannot be read", message=str(exc))
        found = drafted.model_dump(mode="json")
        record = found["incident"]
        return _render(request, record, text, evidence=found["evidence"], questions=found["questions"],
                       **_outcome(request, record))
    record = record_from_form(form)
    outcome = _outcome(request, record)
    if "problems" in outcome:
        if action == "preview":
            return _render(request, record, text, **outcome)
        return _render(request, record, text, 400, error="The record is not complete",
                       message="Fix the fields named below; nothing was saved.", **outcome)
    incident = validate(record)
    if action == "download":
        fmt = _one(form, "format") or "md"
        if fmt not in FORMATS:
            return error_page(request, PageError(400, f"unknown format {fmt!r}: use md, html or pdf"))
        return _download(incident, outcome["brief"], fmt)
    if action == "submit":
        try:
            saved = _submit(request, incident, form)
        except PageError as exc:
            return _render(request, record, text, exc.status, error=exc.title, message=exc.message, **outcome)
        except InputError as exc:
            return _render(request, record, text, 422, error="The draft was refused",
                           message=str(exc), **outcome)
        return _render(request, record, text, 201, saved=saved, **outcome)
    return _render(request, record, text, **outcome)


def _outcome(request: Request, record: dict[str, Any]) -> dict[str, Any]:
    """The brief of the record, or the problems that keep it from being assessed."""
    if not record:
        return {}
    try:
        incident = validate(record)
    except InputError as exc:
        return {"problems": [_problem(p) for p in exc.problems]}
    return {"brief": _brief(request, incident)}


def _problem(problem: Problem) -> dict[str, str]:
    return {"field": problem.field or "record", "message": problem.message}
