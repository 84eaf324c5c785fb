"""The web service: one FastAPI application serving the REST API, TAXII 2.1 and the web UI.

Each concern lives in its own module and contributes a router: :mod:`normwatch.api`
(REST, under ``/api``), :mod:`normwatch.taxii` (under ``/taxii2``) and
:mod:`normwatch.web` (the server-rendered UI, at ``/``). They all read through one
:class:`normwatch.catalog.Catalog`, kept on ``app.state.catalog``.
"""

from __future__ import annotations

from typing import Any

from .catalog import Catalog


def create_app(catalog: Catalog | None = None, **settings: Any) -> Any:
    """Build the application (catalog defaults to the shipped knowledge base and rules)."""
    from fastapi import FastAPI

    from . import __version__, api, taxii, web

    if catalog is None:
        from . import load_kb
        from .rules import shipped_rules

        catalog = Catalog(load_kb(), shipped_rules())
    app = FastAPI(
        title="normwatch",
        version=__version__,
        description="Norms as code for cyberspace: incidents, assessments, norms, states and routes.",
    )
    app.state.catalog = catalog
    app.state.settings = settings
    app.include_router(api.router, prefix="/api")
    app.include_router(taxii.router, prefix="/taxii2")
    app.include_router(web.router)
    return app
