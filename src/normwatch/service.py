"""The web service: one FastAPI application serving the REST API, TAXII 2.1 and the web UI.

Each concern lives in its own module and contributes a router: :mod:`normwatch.api`
(REST, under ``/api``), :mod:`normwatch.taxii` (under ``/taxii2``) and
:mod:`normwatch.web` (the server-rendered UI, at ``/``). They all read through one
:class:`normwatch.catalog.Catalog`, kept on ``app.state.catalog``.

With a :class:`normwatch.store.Store` (``create_app(store=...)``, as ``normwatch serve``
does) the catalogue serves the store's published incidents; when the store changes (a
draft published here or by another process sharing the database) the catalogue is
rebuilt and swapped on ``app.state.catalog`` — checked at most once a second.

Errors never leak a traceback: API and TAXII errors are JSON (``{"error": …}``, TAXII's
error message under ``/taxii2``), anything unexpected is a 500 with an error id that is
also written to the server log.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Any

from .catalog import Catalog
from .kb import KnowledgeBase
from .rules import RuleSet

log = logging.getLogger("normwatch.service")
REFRESH_SECONDS = 1.0


def refresh_catalog(app: Any, force: bool = False) -> bool:
    """Swap in a new catalogue if the store changed since the last one; True if swapped."""
    state = app.state
    store = getattr(state, "store", None)
    if store is None:
        return False
    now = time.monotonic()
    if not force and now - state.catalog_checked < REFRESH_SECONDS:
        return False
    with state.catalog_lock:
        state.catalog_checked = now
        generation = store.generation()
        if generation == state.catalog_generation and not force:
            return False
        state.catalog = store.catalog(state.reference_kb, state.catalog.rules)
        state.catalog_generation = generation
        return True


class _Refresh:
    """ASGI middleware: before a request, pick up store changes made elsewhere (throttled)."""

    def __init__(self, app: Any, owner: Any) -> None:
        self.app = app
        self.owner = owner

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and getattr(self.owner.state, "store", None) is not None:
            if time.monotonic() - self.owner.state.catalog_checked >= REFRESH_SECONDS:
                try:
                    refresh_catalog(self.owner)
                except Exception:  # a database hiccup must not fail reads of the current catalogue
                    log.exception("could not refresh the catalogue from the store")
        await self.app(scope, receive, send)


def _install_errors(app: Any) -> None:
    from fastapi import HTTPException, Request
    from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, PlainTextResponse, Response
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from . import taxii

    def _allowed(request: Request) -> list[str]:
        """Every method some API route allows on this path (Starlette names only the first route's)."""
        methods: set[str] = set()
        for route in request.app.routes:
            regex = getattr(route, "path_regex", None)
            path = getattr(route, "path", "")
            if regex is not None and path.startswith("/api") and regex.match(request.url.path):
                methods |= set(getattr(route, "methods", None) or ())
        return sorted(methods)

    def _is(request: Request, prefix: str) -> bool:
        path: str = request.url.path
        return path == prefix or path.startswith(prefix + "/")

    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        if _is(request, "/taxii2"):
            return taxii.error_response(exc.status_code, str(exc.detail), getattr(exc, "headers", None))
        if _is(request, "/api"):
            body = exc.detail if isinstance(exc.detail, dict) else {"error": str(exc.detail)}
            headers = dict(getattr(exc, "headers", None) or {})
            if exc.status_code == 405:
                headers["Allow"] = ", ".join(_allowed(request))
            return JSONResponse(body, status_code=exc.status_code, headers=headers or None)
        return await http_exception_handler(request, exc)

    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for item in exc.errors():
            loc = [str(p) for p in item.get("loc", ())]
            where = loc[0] if loc else ""
            problems.append({"record": where, "field": ".".join(loc[1:]),
                             "message": str(item.get("msg", "invalid value"))})
        first = problems[0] if problems else {"record": "", "field": "", "message": "invalid input"}
        message = f"{first['record']} {first['field']}: {first['message']}".strip()
        if _is(request, "/taxii2"):
            return taxii.error_response(400, message)
        if _is(request, "/api"):
            return JSONResponse({"error": message, "problems": problems}, status_code=422)
        return await request_validation_exception_handler(request, exc)

    async def on_error(request: Request, exc: Exception) -> Response:
        ident = uuid.uuid4().hex[:12]
        log.error("error %s on %s %s", ident, request.method, request.url.path, exc_info=exc)
        message = f"internal error (id {ident}); the server log has the details"
        if _is(request, "/taxii2"):
            return taxii.error_response(500, message)
        if _is(request, "/api"):
            return JSONResponse({"error": message}, status_code=500)
        return PlainTextResponse(message, status_code=500)

    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_invalid)
    app.add_exception_handler(Exception, on_error)


def create_app(
    catalog: Catalog | None = None,
    *,
    store: Any = None,
    kb: KnowledgeBase | None = None,
    rules: RuleSet | None = None,
    **settings: Any,
) -> Any:
    """Build the application.

    ``catalog`` defaults to the store's published incidents when a ``store``
    (:class:`normwatch.store.Store`) is given, else to the shipped knowledge base and rules.
    ``kb`` and ``rules`` are the reference data the store's incidents are read with
    (default: the shipped ones).
    """
    from fastapi import FastAPI

    from . import __version__, api, taxii, web

    if kb is None or rules is None:
        from . import load_kb
        from .rules import shipped_rules

        kb = kb or (catalog.kb if catalog is not None and store is None else load_kb())
        rules = rules or (catalog.rules if catalog is not None else shipped_rules())
    if catalog is None:
        catalog = store.catalog(kb, rules) if store is not None else Catalog(kb, rules)
    app = FastAPI(
        title="normwatch",
        version=__version__,
        description=(
            "Norms as code for cyberspace: incidents, assessments, norms, states and routes. "
            "Reads are open; writes need an API token (`Authorization: Bearer …`). "
            "TAXII 2.1 is served under /taxii2/."
        ),
    )
    app.state.catalog = catalog
    app.state.reference_kb = kb
    app.state.settings = settings
    app.state.store = store
    app.state.catalog_lock = threading.Lock()
    app.state.catalog_checked = time.monotonic()
    app.state.catalog_generation = store.generation() if store is not None else 0
    _install_errors(app)
    app.add_middleware(_Refresh, owner=app)
    app.include_router(api.router, prefix="/api", tags=["api"])
    app.include_router(taxii.router, prefix="/taxii2", tags=["taxii"])
    app.include_router(web.router)
    return app


def serve(host: str = "127.0.0.1", port: int = 8000, url: str | None = None,
          log_level: str = "info") -> None:
    """Open (and if needed build) the store, then serve the application with uvicorn."""
    import uvicorn

    from .store import open_store

    store = open_store(url)
    app = create_app(store=store)
    uvicorn.run(app, host=host, port=port, log_level=log_level)


def app_from_environment() -> Any:
    """Application factory for ``uvicorn --factory normwatch.service:app_from_environment``."""
    from .store import open_store

    return create_app(store=open_store())
