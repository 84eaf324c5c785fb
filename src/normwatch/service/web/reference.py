"""Reference pages: states (memberships, commitments, scorecard) and norms (rules, incidents)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from normwatch.errors import InputError
from normwatch.knowledge.countries import country_code, is_country
from normwatch.service.web.common import VERDICTS, PageError, catalog_of, error_page, page, views

router = APIRouter(include_in_schema=False)


@router.get("/groups")
def groups_page(request: Request) -> Response:
    """Every threat-actor group, with aliases, sponsor and incidents."""
    from normwatch.analysis.browse import group_list

    rows = group_list(catalog_of(request).kb)
    return page(request, "groups.html", {"groups": rows}, title="Threat-actor groups")


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


@router.get("/positions")
def positions_page(request: Request) -> Response:
    """Published positions on international law in cyberspace, topic by state."""
    from normwatch.analysis.browse import position_matrix

    data = position_matrix(catalog_of(request).kb)
    return page(request, "positions.html", data, title="National positions")


@router.get("/states")
def state_list(request: Request) -> Response:
    code = request.query_params.get("code", "").strip()
    if code:
        try:
            found = country_code(code, "code", "query")
        except InputError as exc:
            return error_page(request, PageError(400, str(exc)))
        return RedirectResponse(f"/states/{found}", status_code=303)
    rows = catalog_of(request).state_table()
    data = {"states": rows, "recorded": sum(r["recorded_state"] for r in rows)}
    return page(request, "states.html", data, title="States")


def scorecard(request: Request, code: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The state's scorecard for the page, and the analytics summary row, both from the one
    :func:`normwatch.analysis.analytics.scorecard` (one definition of every count)."""
    from normwatch.analysis import analytics

    catalog = catalog_of(request)
    card = analytics.scorecard(catalog.kb, code, catalog.rules)
    summary = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in card["summary"].to_dicts()[0].items()}
    norms = sorted(card["norms"].to_dicts(), key=lambda r: (-r["breaches"], r["norm"]))
    page_card = {
        "incidents_attributed": summary["attributed"],
        "red_lines_crossed": summary["red_line_attributed"],
        "norm_breaches": {r["norm"]: r["breaches"] for r in norms if r["breaches"]},
        "own_commitment_breaches": summary["own_commitment_breaches"],
        "commitments_broken": [{**row, "state": code} for row in card["commitments_broken"].to_dicts()],
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
    v = views(request)
    groups = [
        {"id": g.id, "name": g.name, "aliases": g.aliases} for g in catalog.kb.groups if g.sponsor == iso3
    ]
    data = {
        **profile,
        "scorecard": card,
        "analytics": summary,
        "attributed": [catalog.summary(i) for i in v.attributed_to(iso3)],
        "suffered": [catalog.summary(i) for i in v.suffered_by(iso3)],
        "groups": groups,
        "sanctioned": sanctioned_states(catalog.kb).get(iso3, []),
    }
    instruments = {i.id: i.name for i in catalog.kb.instruments}
    return page(request, "state.html", data, title=f"{profile['name']} ({iso3})", instruments=instruments)


@router.get("/norms")
def norm_list(request: Request) -> Response:
    catalog = catalog_of(request)
    v = views(request)
    frameworks = [
        {
            "id": f.id, "name": f.name, "adopted": f.adopted, "by": f.by, "binding": f.binding,
            "addresses": list(f.addresses),
            "norms": [
                {"id": n.id, "title": n.title, "paragraph": n.paragraph, "verdicts": v.verdict_counts(n.id),
                 "annotates": n.annotates}
                for n in f.norms
            ],
        }
        for f in catalog.kb.frameworks
    ]
    return page(request, "norms.html", {"frameworks": frameworks}, title="Norms")


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
