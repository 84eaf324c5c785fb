"""The interactive API documentation at ``/docs``, served entirely by this application.

FastAPI's own ``/docs`` loads Swagger UI from a CDN, so it is blank without a network, and
its inline start-up script needs a relaxed Content-Security-Policy. Here the Swagger UI
files come from the ``swagger-ui-bundle`` package (Apache-2.0, the upstream Swagger UI
distribution) under ``/docs/static/``, and the few lines that start it are a same-origin
file too (``/docs/static/start.js``): the page runs under the UI's policy, with scripts
allowed from this origin only. ReDoc is not offered: no package ships its script.

The packaged Swagger UI (4.x) reads OpenAPI 3.0 and refuses FastAPI's 3.1 document, so the
page reads ``/docs/openapi.json``: the same document written in 3.0 terms (a type or
``null`` becomes ``nullable``, a list of examples its first ``example``). ``/openapi.json``
stays the 3.1 document for every other client.
"""

from __future__ import annotations

from functools import cache
from html import escape
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

router = APIRouter(include_in_schema=False)

ASSETS = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
"""The Swagger UI files the page uses (the package holds more: maps, other builds)."""

START = """\
// Starts Swagger UI on the OpenAPI document named by the page (a file, so that the
// page's Content-Security-Policy can forbid inline scripts).
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi"),
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]
  });
});
"""
"""The start-up script; ``validatorUrl: null`` keeps Swagger UI from calling its online validator."""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{title}</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/static/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-openapi="{openapi}"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script src="/docs/static/start.js"></script>
</body>
</html>
"""


@cache
def _folder() -> Path:
    from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]  # ships no type hints

    return Path(swagger_ui_path)


@cache
def _asset(name: str) -> bytes:
    return (_folder() / name).read_bytes()


def _schema_30(node: Any) -> Any:
    """One JSON-schema node (and everything under it) in OpenAPI 3.0 terms."""
    if isinstance(node, list):
        return [_schema_30(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _schema_30(v) for k, v in node.items()}
    for combinator in ("anyOf", "oneOf"):
        options = out.get(combinator)
        if isinstance(options, list) and {"type": "null"} in options:
            rest = [o for o in options if o != {"type": "null"}]
            del out[combinator]
            if len(rest) == 1 and "$ref" not in rest[0]:
                out = {**rest[0], **out}
            elif rest:
                # 3.0 ignores siblings of $ref, so a lone reference is wrapped in allOf
                out["allOf" if len(rest) == 1 else combinator] = rest
            out["nullable"] = True
    kind = out.get("type")
    if isinstance(kind, list):
        named = [t for t in kind if t != "null"]
        out["type"] = named[0] if len(named) == 1 else named
        if "null" in kind:
            out["nullable"] = True
    if isinstance(out.get("examples"), list):
        examples = out.pop("examples")
        if examples:
            out["example"] = examples[0]
    if "const" in out:
        out["enum"] = [out.pop("const")]
    return out


def openapi_30(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` (OpenAPI 3.1, as FastAPI writes it) as OpenAPI 3.0.3 for Swagger UI 4."""
    converted: dict[str, Any] = _schema_30({k: v for k, v in document.items()
                                            if k not in ("webhooks", "jsonSchemaDialect")})
    converted["openapi"] = "3.0.3"
    return converted


@router.get("/docs/openapi.json")
def docs_openapi(request: Request) -> JSONResponse:
    """The application's OpenAPI document in 3.0 terms, for the packaged Swagger UI."""
    return JSONResponse(openapi_30(request.app.openapi()))


@router.get("/docs")
def docs_page(request: Request) -> HTMLResponse:
    """Swagger UI on this application's OpenAPI document (in its 3.0 form)."""
    app = request.app
    html = _PAGE.format(title=escape(f"{app.title} {app.version}: REST API"),
                        openapi="/docs/openapi.json")
    return HTMLResponse(html)


@router.get("/docs/static/{name}")
def docs_asset(name: str) -> Response:
    """One Swagger UI file, from the installed package; 404 for anything else."""
    headers = {"Cache-Control": "public, max-age=86400"}
    if name == "start.js":
        return Response(START, media_type="text/javascript; charset=utf-8", headers=headers)
    if name not in ASSETS:
        return Response(f"no such documentation file: {name}", status_code=404,
                        media_type="text/plain; charset=utf-8")
    return Response(_asset(name), media_type=ASSETS[name], headers=headers)
