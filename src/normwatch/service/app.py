"""The web service: one FastAPI application serving the REST API, TAXII 2.1 and the web UI.

Each concern lives in its own module and contributes a router: :mod:`normwatch.service.api`
(REST, under ``/api``), :mod:`normwatch.service.taxii` (under ``/taxii2``) and
:mod:`normwatch.service.web` (the server-rendered UI, at ``/``). They all read through one
:class:`normwatch.analysis.catalog.Catalog`, kept on ``app.state.catalog``.

With a :class:`normwatch.service.store.Store` (``create_app(store=...)``, as ``normwatch serve``
does) the catalogue serves the store's published incidents; when the store changes (a
draft published here or by another process sharing the database) the catalogue is
rebuilt and swapped on ``app.state.catalog`` — checked at most once a second. Answers to
anonymous ``GET`` requests are kept per catalogue by :mod:`normwatch.service.cache`.

Errors never leak a traceback: API and TAXII errors are JSON (``{"error": …}``, TAXII's
error message under ``/taxii2``), anything unexpected is a 500 with an error id that is
also written to the server log.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from normwatch.analysis.catalog import Catalog
from normwatch.engine.rules import RuleSet
from normwatch.knowledge.load import KnowledgeBase
from normwatch.publish.document import style_hash

log = logging.getLogger("normwatch.service.app")
REFRESH_SECONDS = 1.0
MAX_BODY = 1024 * 1024
"""Largest request body accepted, in bytes (``NORMWATCH_MAX_BODY`` or ``create_app(max_body=…)``)."""
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_OPEN_WRITES = frozenset({"/api/whatif"})
"""Body-carrying API paths that need no token (nothing is saved)."""


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


async def _plain_error(send: Any, status: int, path: str, message: str,
                       headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Answer before the application runs: JSON under /api and /taxii2, text elsewhere."""
    if path.startswith(("/api", "/taxii2")):
        kind = b"application/taxii+json;version=2.1" if path.startswith("/taxii2") else b"application/json"
        fields = {"title": message, "http_status": str(status)} if path.startswith("/taxii2") else {"error": message}
        body = json.dumps(fields).encode()
    else:
        kind, body = b"text/plain; charset=utf-8", message.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


CSP = ("default-src 'self'; img-src 'self' data:; "
       f"style-src 'self' {style_hash()}; style-src-attr 'unsafe-inline'; "
       "script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
"""The pages need no script and no third party; inline style attributes size the SVG charts,
and an HTML brief or report (a file that must stand alone) keeps its one inline stylesheet,
allowed by its hash and no other."""
SCRIPTED_CSP = CSP.replace("script-src 'none'", "script-src 'self'")
"""Pages that run a script file served here: /docs (Swagger UI, normwatch.service.docs) and
the new-incident form (its small live update): scripts from this origin only, nothing
inline, nothing from another site."""
SCRIPTED = ("/docs", "/incidents/new")


class _SecurityHeaders:
    """ASGI middleware: security headers on every answer."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        scripted = any(path == page or path.startswith(page + "/") for page in SCRIPTED)

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
                            (b"x-frame-options", b"DENY")]
                headers.append((b"content-security-policy", (SCRIPTED_CSP if scripted else CSP).encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class _Limits:
    """ASGI middleware: bounded request bodies, and the token checked before a write body is read.

    The body is read here, at most ``max_body`` bytes, before any parsing (answer 413 past
    that), so no route can be made to buffer or parse more. A body-carrying API request
    other than the open what-if needs a valid token, checked from the headers alone; the
    route still checks the token's scope.
    """

    def __init__(self, app: Any, owner: Any, max_body: int) -> None:
        self.app = app
        self.owner = owner
        self.max_body = max_body

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        too_large = f"the request body is larger than {self.max_body} bytes"
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            await _plain_error(send, 413, path, too_large)
            return
        # every API write is a POST; other methods fall through to the router's 405
        if scope["method"] == "POST" and path.startswith("/api/") and path.rstrip("/") not in _OPEN_WRITES:
            problem = await self._token_problem(headers.get("authorization", ""))
            if problem:
                await _plain_error(send, 401, path, problem, [(b"www-authenticate", b"Bearer")])
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await _plain_error(send, 413, path, too_large)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _token_problem(self, authorization: str) -> str:
        store = getattr(self.owner.state, "store", None)
        if store is None:
            return ""  # the route answers 503: this server keeps no drafts
        kind, _, credentials = authorization.partition(" ")
        if kind.lower() != "bearer" or not credentials.strip():
            return "this needs an API token: send `Authorization: Bearer <token>`"
        from starlette.concurrency import run_in_threadpool

        if await run_in_threadpool(store.verify_token, credentials.strip()) is None:
            return "invalid or revoked API token"
        return ""


def _install_errors(app: Any) -> None:
    from fastapi import HTTPException, Request
    from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, PlainTextResponse, Response
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from normwatch.errors import Conflict, InputError, NormwatchError, NotFound
    from normwatch.service import taxii

    def _allowed(request: Request) -> list[str]:
        """Every method some API route allows on this path, from the OpenAPI document
        (routers are nested, so the application's own route list does not hold them)."""
        from starlette.routing import compile_path

        methods: set[str] = set()
        for path, operations in request.app.openapi().get("paths", {}).items():
            if compile_path(path)[0].match(request.url.path):
                methods |= {m.upper() for m in operations}
        if "GET" in methods:
            methods.add("HEAD")
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
        # a body that is not JSON at all is a 400; JSON with wrong values is a 422
        status = 400 if any(item.get("type") == "json_invalid" for item in exc.errors()) else 422
        message = f"{first['record']} {first['field']}: {first['message']}".strip()
        if _is(request, "/taxii2"):
            return taxii.error_response(400, message)
        if _is(request, "/api"):
            return JSONResponse({"error": message, "problems": problems}, status_code=status)
        return await request_validation_exception_handler(request, exc)

    async def on_normwatch(request: Request, exc: Exception) -> Response:
        """normwatch's own errors, mapped once: unknown id 404, conflict 409, bad input or
        any other refusal 422."""
        from normwatch.service.web.common import PageError, error_page

        status = 404 if isinstance(exc, NotFound) else 409 if isinstance(exc, Conflict) else 422
        message = str(exc)
        if _is(request, "/taxii2"):
            return taxii.error_response(status, message)
        if _is(request, "/api"):
            body: dict[str, Any] = {"error": message}
            if isinstance(exc, InputError):
                body["problems"] = [{"record": p.record, "field": p.field, "message": p.message}
                                    for p in exc.problems]
            return JSONResponse(body, status_code=status)
        return error_page(request, PageError(400 if status == 422 else status, message))

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
    app.add_exception_handler(NormwatchError, on_normwatch)
    app.add_exception_handler(Exception, on_error)


@contextlib.asynccontextmanager
async def _lifespan(app: Any) -> AsyncIterator[None]:
    from starlette.concurrency import run_in_threadpool

    from normwatch.engine.cel import warm_up

    await run_in_threadpool(warm_up)  # so that the first anonymous what-if answers as fast as the rest
    yield


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
    (:class:`normwatch.service.store.Store`) is given, else to the shipped knowledge base and rules.
    ``kb`` and ``rules`` are the reference data the store's incidents are read with
    (default: the shipped ones).
    """
    from fastapi import FastAPI

    from normwatch._version import __version__
    from normwatch.service import api, docs, taxii, web

    if kb is None or rules is None:
        from normwatch.engine.rules import shipped_rules
        from normwatch.knowledge.load import load_kb

        kb = kb or (catalog.kb if catalog is not None and store is None else load_kb())
        rules = rules or (catalog.rules if catalog is not None else shipped_rules())
    if catalog is None:
        catalog = store.catalog(kb, rules) if store is not None else Catalog(kb, rules)
    app = FastAPI(
        lifespan=_lifespan,
        docs_url=None,  # served offline by normwatch.service.docs
        redoc_url=None,
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

    from normwatch.service.cache import ResponseCache, configured_bytes

    # innermost, so that it sees the catalogue the refresh below has just swapped in
    app.add_middleware(ResponseCache, owner=app, max_bytes=configured_bytes(settings.get("cache_bytes")))
    app.add_middleware(_Refresh, owner=app)
    limit = settings.get("max_body") or int(os.environ.get("NORMWATCH_MAX_BODY", MAX_BODY))
    app.add_middleware(_Limits, owner=app, max_body=int(limit))
    app.add_middleware(_SecurityHeaders)
    app.include_router(api.router, prefix="/api", tags=["api"])
    app.include_router(taxii.router, prefix="/taxii2", tags=["taxii"])
    app.include_router(docs.router)
    app.include_router(web.router)
    return app


def serve(host: str = "127.0.0.1", port: int = 8000, url: str | None = None,
          log_level: str = "info", workers: int = 1) -> None:
    """Open (and if needed build) the store, then serve the application with uvicorn.

    With ``workers`` > 1, uvicorn runs that many processes on the one port; each opens the
    same store (built once, here, before they start) and picks up the others' writes as
    any servers sharing a database do.
    """
    import uvicorn

    from normwatch.service.cache import configured_bytes
    from normwatch.service.store import open_store

    configured_bytes()  # a bad NORMWATCH_RESPONSE_CACHE is one error line here, not one traceback per worker
    store = open_store(url)
    if workers <= 1:
        uvicorn.run(create_app(store=store), host=host, port=port, log_level=log_level)
        return
    store.close()
    if url:
        os.environ["NORMWATCH_DATABASE_URL"] = url  # the workers' factory reads it
    uvicorn.run("normwatch.service.app:app_from_environment", factory=True, host=host, port=port,
                log_level=log_level, workers=workers)


def app_from_environment() -> Any:
    """Application factory for ``uvicorn --factory normwatch.service.app:app_from_environment``."""
    from normwatch.service.store import open_store

    return create_app(store=open_store())
