"""What every page of the web UI shares: templates, content negotiation, errors, caches.

Each page is built as plain data first (its JSON twin, served for ``?format=json`` or an
``Accept: application/json`` header) and then rendered through a Jinja2 template.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import ChainableUndefined, Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from normwatch.analysis.catalog import Catalog
from normwatch.engine.responsibility import responsible_states
from normwatch.engine.results import split_rules
from normwatch.knowledge.countries import country_name, is_country
from normwatch.knowledge.models import Incident
from normwatch.service.media import preferred

VERDICTS = ("breach", "possible", "undetermined", "not-engaged")
PER_PAGE = 25


class PageError(Exception):
    """A request the UI cannot answer: rendered as a friendly error page (or JSON)."""

    def __init__(self, status: int, message: str, title: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.title = title or {400: "Bad request", 404: "Not found"}.get(status, "Error")


def cname(code: str | None) -> str:
    """A country's name with its code, e.g. ``France (FRA)``; other names unchanged."""
    if not code:
        return ""
    return f"{country_name(code)} ({code})" if is_country(code) else code


def url(path: str, **params: Any) -> str:
    """``path`` with the non-empty query parameters appended."""
    query = {k: v for k, v in params.items() if v not in (None, "", False)}
    return f"{path}?{urlencode(query)}" if query else path


@cache
def reason(text: str) -> Markup:
    """A reason in words, its rule expression (``[rule: …]``) behind a disclosure."""
    words, rules = split_rules(text)
    if not rules:
        return Markup("{}").format(words)
    return Markup('{} <details class="rule"><summary>rule</summary><code>{}</code></details>').format(
        words, " ; ".join(rules))


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("normwatch.service.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=ChainableUndefined,  # a key left out of a record renders as nothing
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cname"] = cname
    env.filters["reason"] = reason
    env.globals["url"] = url
    env.globals["VERDICTS"] = VERDICTS
    return env


def wants_json(request: Request) -> bool:
    """``?format=json`` or an Accept header that prefers JSON over HTML."""
    fmt = request.query_params.get("format")
    if fmt in ("json", "html"):
        return fmt == "json"
    return preferred(request.headers.get("accept"), ("text/html", "application/json")) == "application/json"


def json_url(request: Request) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "format"]
    return f"{request.url.path}?{urlencode([*params, ('format', 'json')])}"


def page(
    request: Request, template: str, data: dict[str, Any], status: int = 200, **extra: Any
) -> Response:
    """The page's JSON twin, or its HTML rendering with ``data`` and ``extra``."""
    headers = {"Vary": "Accept"}
    if wants_json(request):
        return JSONResponse(data, status_code=status, headers=headers)
    from normwatch.publish.brief import Names

    catalog = getattr(request.app.state, "catalog", None)
    html = environment().get_template(template).render(
        data=data, request_path=request.url.path, json_href=json_url(request),
        names=Names(catalog.kb if catalog is not None else None), **extra
    )
    return HTMLResponse(html, status_code=status, headers=headers)


def error_page(request: Request, error: PageError) -> Response:
    data = {"error": error.title, "status": error.status, "message": error.message}
    return page(request, "error.html", data, status=error.status, title=error.title)


def catalog_of(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.catalog
    return catalog


# --- derived views of the catalogue, computed once per catalogue ----------------------------


@dataclass
class Views:
    """Tables the UI reads often: verdicts of every norm for every incident, facets, counts."""

    catalog: Catalog
    _figures: dict[str, bytes] = field(default_factory=dict)

    def figure(self, name: str) -> bytes:
        """One static catalogue figure of :mod:`normwatch.publish.plots` as SVG.

        All figures are rendered together, once per knowledge-base and rules version, and
        kept in the disk cache: every worker process and every later start serves them
        without drawing again (drawing them all takes seconds)."""
        if not self._figures:
            from normwatch.knowledge import diskcache

            kb, rules = self.catalog.kb, self.catalog.rules
            # the bloc figure counts commitments on today's date, so the day is in the key too
            key = f"{kb.version}-{rules.version}-{dt.date.today()}-" + diskcache.code_key("publish/plots")
            cached = diskcache.load("figures", key)
            if isinstance(cached, dict) and cached and all(isinstance(v, bytes) for v in cached.values()):
                self._figures.update(cached)
            else:
                from normwatch.publish import plots

                figures = plots.catalogue_figures(kb, rules)
                self._figures.update({k: plots.svg_text(f).encode("utf-8") for k, f in figures.items()})
                diskcache.save("figures", key, dict(self._figures))
        return self._figures[name]

    @cached_property
    def verdicts(self) -> dict[str, dict[str, str]]:
        """norm id -> incident id -> verdict (vectorised over the whole catalogue)."""
        from normwatch.engine.assessment import assessed_norms
        from normwatch.engine.columnar import addresses_of, assess_table, frame

        kb = self.catalog.kb
        norm_ids = sorted(assessed_norms(kb, self.catalog.rules))
        table = assess_table(frame(kb.incidents), self.catalog.rules, norm_ids, addresses_of(kb))
        ids = table["id"].to_list()
        return {n: dict(zip(ids, table[n].to_list(), strict=True)) for n in norm_ids}

    @cached_property
    def facets(self) -> dict[str, list[Any]]:
        """The values the incident filters offer, taken from the catalogue."""
        incidents = self.catalog.kb.incidents
        return {
            "years": sorted({int(i.start[:4]) for i in incidents}, reverse=True),
            "responsible": sorted({a.to for i in incidents for a in i.attributions}, key=country_name),
            "victims": sorted({t.country for i in incidents for t in i.targets}, key=country_name),
            "sectors": sorted({t.sector for i in incidents for t in i.targets}),
            "operations": sorted({op for i in incidents for op in i.operation}),
        }

    @cached_property
    def responsible(self) -> dict[str, list[str]]:
        """incident id -> responsible states (strongest first)."""
        return {i.id: [r.state for r in responsible_states(i)] for i in self.catalog.kb.incidents}

    def attributed_to(self, state: str) -> list[Incident]:
        return [i for i in self.catalog.incidents_by_start if state in self.responsible[i.id]]

    def verdict_counts(self, norm_id: str) -> dict[str, int] | None:
        """Verdicts per kind; None for a norm the rules do not assess (never zeros)."""
        if norm_id not in self.verdicts:
            return None
        counts = Counter(self.verdicts[norm_id].values())
        return {v: counts.get(v, 0) for v in VERDICTS}


_VIEWS: dict[int, Views] = {}


def views(request: Request) -> Views:
    catalog = catalog_of(request)
    found = _VIEWS.get(id(catalog))
    if found is None or found.catalog is not catalog:
        if len(_VIEWS) > 8:
            _VIEWS.clear()
        found = _VIEWS[id(catalog)] = Views(catalog)
    return found


def parse_int(value: str | None, name: str, low: int | None = None, high: int | None = None) -> int | None:
    """An optional whole number from a query parameter; PageError(400) when it is not one."""
    if value is None or not value.strip():
        return None
    try:
        number = int(value.strip())
    except ValueError:
        raise PageError(400, f"{name}: {value!r} is not a whole number") from None
    if (low is not None and number < low) or (high is not None and number > high):
        raise PageError(400, f"{name}: {number} is out of range")
    return number


def today() -> str:
    return dt.date.today().isoformat()
