"""The server-rendered web UI, mounted at / by normwatch.service.app.create_app.

Pages are split by kind: :mod:`.pages` (home, charts, stylesheet), :mod:`.incidents`
(list and incident page), :mod:`.newincident` (the new-incident form), :mod:`.reference`
(states and norms), :mod:`.rankings` and :mod:`.tools` (the evidence router and the
draft-norm what-if). Every page has a JSON twin
(``?format=json`` or ``Accept: application/json``); errors render a friendly page.
None of these routes appear in the OpenAPI document: the REST API is under ``/api``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.convertors import StringConvertor, register_url_convertor

from normwatch.service.web import incidents, newincident, pages, rankings, reference, tools

router = APIRouter(include_in_schema=False)
router.include_router(pages.router)
# before incidents: /incidents/new is not an incident id
router.include_router(newincident.router)
router.include_router(incidents.router)
router.include_router(reference.router)
router.include_router(rankings.router)
router.include_router(tools.router)


class _WebPath(StringConvertor):
    """Any path outside the API and TAXII prefixes (their own 404/405 handling stays theirs)."""

    regex = r"(?!(?:api|taxii2)(?:/|$)).*"


register_url_convertor("webpath", _WebPath())


@router.get("/{path:webpath}", include_in_schema=False)
def not_found(request: Request, path: str) -> Response:
    """Last route of all: any address nothing else answers gets a friendly 404."""
    return pages.not_found(request, path)


__all__ = ["router"]
