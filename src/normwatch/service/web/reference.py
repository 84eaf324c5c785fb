"""Reference pages: states (memberships, commitments, scorecard) and norms (rules, incidents)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from normwatch.errors import InputError
from normwatch.knowledge.countries import country_code, is_country
from normwatch.service.web.common import VERDICTS, PageError, catalog_of, error_page, page, views
from normwatch.service.web.listing import Column, csv_response, csv_url, number_key, read_sort, text_key, wants_csv

router = APIRouter(include_in_schema=False)


@router.get("/groups")
def groups_page(request: Request) -> Response:
    """Every threat-actor group, with aliases, sponsor and incidents."""
    from normwatch.analysis.browse import group_list

    try:
        sorting = read_sort(request, GROUP_COLUMNS, "incidents", "desc")
    except PageError as exc:
        return error_page(request, exc)
    rows = sorting.apply(group_list(catalog_of(request).kb))
    if wants_csv(request):
        return csv_response(rows, ("id", "name", "aliases", "sponsor", "incidents"), "groups")
    return page(request, "groups.html", {"groups": rows, "sort": sorting.state()}, title="Threat-actor groups",
                sorting=sorting, csv_href=csv_url(request))


GROUP_COLUMNS = {
    "name": Column(text_key("name")),
    "sponsor": Column(text_key("sponsor")),
    "incidents": Column(number_key("incidents"), "desc"),
}


@router.get("/groups/{group_id}")
def group_page(request: Request, group_id: str) -> Response:
    """One group: aliases, the dated claims tying it to states with their sources, incidents."""
    from normwatch.analysis.browse import group_profile
    from normwatch.errors import NotFound

    try:
        data = group_profile(catalog_of(request).kb, group_id)
    except NotFound:
        return error_page(request, PageError(404, f"There is no group with the id {group_id!r}."))
    return page(request, "group.html", data, title=data["name"])


def _stance_key(topic: str) -> Callable[[Mapping[str, Any]], Any]:
    def key(row: Mapping[str, Any]) -> Any:
        cell = row["topics"][topic]
        return cell["stance"] if cell else None
    return key


@router.get("/positions")
def positions_page(request: Request) -> Response:
    """Published positions on international law in cyberspace, topic by state."""
    from normwatch.analysis.browse import position_matrix
    from normwatch.knowledge.models import POSITION_TOPICS

    data = position_matrix(catalog_of(request).kb)
    # a topic sorts by its coded stance; a silent cell has none and comes last
    columns = {"name": Column(text_key("name"))} | {t: Column(_stance_key(t)) for t in POSITION_TOPICS}
    try:
        sorting = read_sort(request, columns, "name")
    except PageError as exc:
        return error_page(request, exc)
    data["authors"] = sorting.apply(data["authors"])
    if wants_csv(request):
        rows = [{"who": a["who"], "name": a["name"], "positions": a["positions"],
                 **{t: (c["stance"] if c else "") for t, c in a["topics"].items()}} for a in data["authors"]]
        return csv_response(rows, ("who", "name", *data["topics"], "positions"), "positions")
    data["sort"] = sorting.state()
    return page(request, "positions.html", data, title="National positions", sorting=sorting,
                csv_href=csv_url(request))


@router.get("/states")
def state_list(request: Request) -> Response:
    code = request.query_params.get("code", "").strip()
    if code:
        try:
            found = country_code(code, "code", "query")
        except InputError as exc:
            return error_page(request, PageError(400, str(exc)))
        return RedirectResponse(f"/states/{found}", status_code=303)
    try:
        sorting = read_sort(request, STATE_COLUMNS, "name")
    except PageError as exc:
        return error_page(request, exc)
    rows = sorting.apply(catalog_of(request).state_table())
    if wants_csv(request):
        return csv_response(rows, ("state", "name", "recorded_state", "attributed", "suffered", "commitments"),
                            "states")
    data = {"states": rows, "recorded": sum(r["recorded_state"] for r in rows), "sort": sorting.state()}
    return page(request, "states.html", data, title="States", sorting=sorting, csv_href=csv_url(request))


STATE_COLUMNS = {
    # UN members and observers first, as the caption reads, then other territories
    "name": Column(lambda r: (not r["recorded_state"], str(r["name"]).casefold())),
    "state": Column(text_key("state")),
    "attributed": Column(number_key("attributed"), "desc"),
    "suffered": Column(number_key("suffered"), "desc"),
    "commitments": Column(number_key("commitments"), "desc"),
}


def scorecard(request: Request, code: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The state's scorecard for the page, and the analytics summary row, both from the one
    :func:`normwatch.analysis.analytics.scorecard` (one definition of every count)."""
    from normwatch.analysis import analytics
    from normwatch.service.web.rankings import reason_parts

    catalog = catalog_of(request)
    card = analytics.scorecard(catalog.kb, code, catalog.rules)
    summary = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in card["summary"].to_dicts()[0].items()}
    norms = sorted(card["norms"].to_dicts(), key=lambda r: (-r["breaches"], r["norm"]))
    held = [c for c in card["commitments"].to_dicts() if c["committed_on_date"]]
    docs = analytics.assessments(catalog.kb, catalog.rules)
    page_card = {
        "incidents_attributed": summary["attributed"],
        "red_lines_crossed": summary["red_line_attributed"],
        "norm_breaches": {r["norm"]: r["breaches"] for r in norms if r["breaches"]},
        "own_commitment_breaches": summary["own_commitment_breaches"],
        "commitments_broken": [{**row, "state": code} for row in card["commitments_broken"].to_dicts()],
        # treaties and political commitments apart, by the instrument's own `binding` field
        "commitments_held": {
            "binding": summary["binding_on_date"], "political": summary["political_on_date"],
            "binding_kinds": sorted({c["kind"] for c in held if c["binding"]}),
            "political_kinds": sorted({c["kind"] for c in held if not c["binding"]}),
        },
        "red_lines": [
            {"incident": row["incident"], "name": row["name"], "start": row["start"],
             "confidence": row["confidence"],
             "reasons": [reason_parts(r)["text"] for r in docs[row["incident"]]["red_line_reasons"]]}
            for row in card["attributed"].to_dicts() if row["red_line"]
        ],
        "suffered": card["suffered"]["incident"].to_list(),
        "also_hit_own": card["also_hit_own"]["incident"].to_list(),
    }
    return page_card, summary


@router.get("/states/{code}")
def state_page(request: Request, code: str) -> Response:
    from normwatch.analysis.browse import sanctioned_states

    catalog = catalog_of(request)
    iso3 = code.strip().upper()
    if not is_country(iso3):
        return error_page(request, PageError(404, f"{code!r} is not an ISO 3166-1 alpha-3 country code."))
    if iso3 != code:
        return RedirectResponse(f"/states/{iso3}", status_code=307)
    profile = catalog.state(iso3)
    card, summary = scorecard(request, iso3)
    suffered, also_hit_own = set(card["suffered"]), set(card["also_hit_own"])
    v = views(request)
    groups = [
        {"id": g.id, "name": g.name, "aliases": g.aliases} for g in catalog.kb.groups if g.sponsor == iso3
    ]
    data = {
        **profile,
        "scorecard": card,
        "analytics": summary,
        "attributed": [catalog.summary(i) for i in v.attributed_to(iso3)],
        # one definition of "suffered" (the scorecard's): targets hit by incidents the state
        # is itself held responsible for are listed apart
        "suffered": [catalog.summary(i) for i in catalog.incidents_by_start if i.id in suffered],
        "also_hit_own": [catalog.summary(i) for i in catalog.incidents_by_start if i.id in also_hit_own],
        "groups": groups,
        "sanctioned": sanctioned_states(catalog.kb).get(iso3, []),
    }
    instruments = {i.id: i.name for i in catalog.kb.instruments}
    return page(request, "state.html", data, title=f"{profile['name']} ({iso3})", instruments=instruments)


@router.get("/norms")
def norm_list(request: Request) -> Response:
    try:
        sorting = read_sort(request, NORM_COLUMNS, None)
    except PageError as exc:
        return error_page(request, exc)
    catalog = catalog_of(request)
    v = views(request)
    frameworks: list[dict[str, Any]] = [
        {
            "id": f.id, "name": f.name, "adopted": f.adopted, "by": f.by, "binding": f.binding,
            "addresses": list(f.addresses),
            "norms": sorting.apply(
                {"id": n.id, "title": n.title, "paragraph": n.paragraph, "verdicts": v.verdict_counts(n.id),
                 "annotates": n.annotates}
                for n in f.norms
            ),
        }
        for f in catalog.kb.frameworks
    ]
    if wants_csv(request):
        rows = [{"framework": f["id"], **n, **{k: (n["verdicts"] or {}).get(k) for k in VERDICTS}}
                for f in frameworks for n in f["norms"]]
        return csv_response(rows, ("framework", "id", "title", "paragraph", *VERDICTS[:3], "annotates"), "norms")
    return page(request, "norms.html", {"frameworks": frameworks, "sort": sorting.state()}, title="Norms",
                sorting=sorting, csv_href=csv_url(request))


def _natural(text: str) -> tuple[Any, ...]:
    """``13f`` after ``9``: digits compare as numbers."""
    import re

    return tuple(int(p) if p.isdigit() else p.casefold() for p in re.split(r"(\d+)", text))


def _verdict_key(verdict: str) -> Column:
    return Column(lambda r: r["verdicts"][verdict] if r["verdicts"] else None, "desc")


NORM_COLUMNS = {
    "norm": Column(lambda r: _natural(r["id"])),
    "paragraph": Column(lambda r: _natural(r["paragraph"]) if r["paragraph"] else None),
    "breach": _verdict_key("breach"),
    "possible": _verdict_key("possible"),
    "undetermined": _verdict_key("undetermined"),
}
"""Norms sort within their framework; without ``sort`` they keep the framework's order."""


@router.get("/norms/{norm_id}")
def norm_page(request: Request, norm_id: str) -> Response:
    catalog = catalog_of(request)
    kb = catalog.kb
    try:
        norm = kb.norms[norm_id]
    except KeyError:
        return error_page(request, PageError(404, f"There is no norm with the id {norm_id!r}."))
    framework = kb.framework_of[norm_id]
    addresses = "all-actors" if "non-state-actors" in framework.addresses else "states"
    rule = catalog.rules.norms.get(norm_id)
    default = catalog.rules.responsibility[addresses]
    effective = None
    if rule is not None:
        effective = {
            "engaged": [c.model_dump() for c in rule.engaged],
            "not_engaged": rule.not_engaged,
            "breach": {"when": rule.breach or default.breach,
                       "reason": rule.breach_reason or default.breach_reason},
            "possible": {"when": rule.possible or default.possible,
                         "reason": rule.possible_reason or default.possible_reason},
            "responsibility_from": "norm" if rule.breach else f"framework ({addresses})",
        }
    verdicts = views(request).verdicts.get(norm_id, {})
    listed = [
        {**catalog.summary(i), "verdict": verdicts[i.id]}
        for i in catalog.incidents_by_start if verdicts.get(i.id) in ("breach", "possible")
    ]
    crosswalk = [{"id": c, "title": kb.norms[c].title if c in kb.norms else c} for c in norm.crosswalk]
    # Norms elsewhere that point at this one count as crosswalk too.
    crosswalk += [
        {"id": other.id, "title": other.title}
        for other in kb.norms.values()
        if norm_id in other.crosswalk and other.id not in norm.crosswalk
    ]
    data = {
        "norm": norm.model_dump(mode="json", exclude_none=True),
        "framework": {"id": framework.id, "name": framework.name, "adopted": framework.adopted,
                      "addresses": addresses},
        "crosswalk": crosswalk,
        "rule": effective,
        "rules_version": catalog.rules.version,
        "verdicts": {v: sum(1 for x in verdicts.values() if x == v) for v in VERDICTS} if verdicts else None,
        "incidents": listed,
    }
    return page(request, "norm.html", data, title=f"{norm.id}: {norm.title}")
