"""The home page, the charts page, the stylesheet and the friendly 404 for unknown addresses."""

from __future__ import annotations

from collections import Counter
from importlib import resources
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from normwatch.knowledge.countries import country_name
from normwatch.service.web.common import PageError, catalog_of, error_page, page, views
from normwatch.service.web.svg import Series, bars, columns

router = APIRouter(include_in_schema=False)

FIGURES = {
    "timeline": "Incidents over time, by responsible state",
    "heatmap": "Norms breached, by responsible state",
    "blocs": "Blocs of states compared",
    "delays": "Time from an incident's start to its first official attribution",
    "network": "Responsible states and the states they targeted",
}
"""The static figures of :mod:`normwatch.publish.plots` shown under the charts, with their alt text."""

STATIC = {"style.css": "text/css; charset=utf-8", "favicon.svg": "image/svg+xml",
          "new-incident.js": "text/javascript; charset=utf-8"}


@router.get("/methodology")
def methodology(request: Request) -> Response:
    """How facts are sourced, what the verdicts mean, and how far they agree with experts."""
    catalog = catalog_of(request)
    kb = catalog.kb
    sourced = [bool(c.sources) for i in kb.incidents for c in i.attributions]
    sourced += [bool(c.sources) for i in kb.incidents for c in i.responses]
    topics = [s for p in kb.positions for s in p.topics.values()]
    data = {
        "incidents": len(kb.incidents),
        "claims": len(sourced),
        "claims_sourced": sum(sourced),
        "positions": len(kb.positions),
        "topics": len(topics),
        "topics_unconfirmed": sum(1 for t in topics if t.unconfirmed),
        "kb_version": kb.version,
        # the definition of a red line is the rules' own clauses, so it cannot drift from them
        "red_line_clauses": [{"reason": c.reason, "when": c.when} for c in catalog.rules.red_line],
    }
    return page(request, "methodology.html", data, title="Methodology")


@router.get("/")
def home(request: Request) -> Response:
    catalog = catalog_of(request)
    kb = catalog.kb
    red = sum(catalog.red_lines.values())
    data = {
        "kb_version": kb.version,
        "rules_version": catalog.rules.version,
        "counts": {
            "incidents": len(kb.incidents),
            "red_line_incidents": red,
            "frameworks": len(kb.frameworks),
            "norms": len(kb.norms),
            "instruments": len(kb.instruments),
            "commitments": len(kb.commitments),
            "groups": len(kb.groups),
            "states": len(kb.states),
        },
        "latest": [catalog.summary(i) for i in catalog.incidents_by_start[:5]],
    }
    return page(request, "home.html", data, title="normwatch")


def plots_available() -> bool:
    """True when :mod:`normwatch.publish.plots` (and matplotlib) can be imported."""
    try:
        from normwatch.publish import plots  # noqa: F401
    except ImportError:
        return False
    return True


def chart_data(request: Request) -> dict[str, Any]:
    """The numbers behind the charts page (also its JSON twin)."""
    catalog = catalog_of(request)
    v = views(request)
    incidents = catalog.kb.incidents
    years = sorted({int(i.start[:4]) for i in incidents})
    span = [str(y) for y in range(years[0], years[-1] + 1)] if years else []
    red = Counter(i.start[:4] for i in incidents if catalog.red_lines[i.id])
    other = Counter(i.start[:4] for i in incidents if not catalog.red_lines[i.id])
    operations = Counter(op for i in incidents for op in i.operation)
    responsible = Counter(states[0] for states in v.responsible.values() if states)
    unattributed = sum(1 for states in v.responsible.values() if not states)
    victims = Counter(c for i in incidents for c in {t.country for t in i.targets})
    norms = [n for f in catalog.kb.frameworks for n in f.norms]
    return {
        "by_year": [{"year": y, "red_line": red[y], "other": other[y]} for y in span],
        "by_operation": dict(operations.most_common()),
        "by_responsible_state": dict(responsible.most_common(12)),
        "unattributed": unattributed,
        "by_victim_state": dict(victims.most_common(12)),
        "verdicts_by_norm": [
            {"norm": n.id, "title": n.title, **counts}
            for n in norms if (counts := v.verdict_counts(n.id)) is not None
        ],
        "figures": [
            {"name": name, "title": title, "svg": f"/charts/figures/{name}.svg"} for name, title in FIGURES.items()
        ] if plots_available() else [],
    }


@router.get("/charts")
def charts(request: Request) -> Response:
    data = chart_data(request)
    years = [row["year"] for row in data["by_year"]]
    per_year = columns(years, [
        Series("crossed a red line", [row["red_line"] for row in data["by_year"]], "series-red"),
        Series("no red line", [row["other"] for row in data["by_year"]], "series-calm"),
    ], "chart-years")
    ops = data["by_operation"]
    by_op = bars(list(ops), [Series("incidents", list(ops.values()), "series-calm")], "chart-ops", 130, 460)
    resp = data["by_responsible_state"]
    by_state = bars([country_name(c) for c in resp], [Series("incidents", list(resp.values()), "series-red")],
                    "chart-responsible", 130, 460)
    vic = data["by_victim_state"]
    by_victim = bars([country_name(c) for c in vic], [Series("incidents", list(vic.values()), "series-calm")],
                     "chart-victims", 130, 460)
    rows = data["verdicts_by_norm"]
    by_norm = bars([r["norm"] for r in rows], [
        Series("breach", [r["breach"] for r in rows], "series-breach"),
        Series("possible", [r["possible"] for r in rows], "series-possible"),
        Series("undetermined", [r["undetermined"] for r in rows], "series-undetermined"),
    ], "chart-norms", 150)
    svgs = {"years": per_year, "operations": by_op, "responsible": by_state, "victims": by_victim,
            "norms": by_norm}
    return page(request, "charts.html", data, title="Charts", svgs=svgs)


@router.get("/charts/figures/{name}.svg")
def figure(request: Request, name: str) -> Response:
    if name not in FIGURES or not plots_available():
        return error_page(request, PageError(404, f"There is no figure called {name!r}."))
    body = views(request).figure(name)
    return Response(body, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=600"})


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name not in STATIC:
        return JSONResponse({"detail": "Not Found"}, status_code=404)
    body = (resources.files("normwatch.service.web") / "static" / name).read_bytes()
    return Response(body, media_type=STATIC[name], headers={"Cache-Control": "public, max-age=3600"})


def not_found(request: Request, path: str) -> Response:
    """Any other address: a friendly 404 page."""
    if path.endswith("/") and path.strip("/"):
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"/{path.rstrip('/')}{query}", status_code=307)
    return error_page(request, PageError(404, f"There is no page at /{path}."))
