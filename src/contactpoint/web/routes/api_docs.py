"""The API documentation page (Swagger UI) at ``/api/docs``, without inline script, and
the OpenAPI document it reads — both for signed-in users only, like every page but
signing in and the health checks: the map of an internal service's API is no one
else's business.

FastAPI's built-in page starts Swagger UI with an inline script, which our
Content-Security-Policy refuses; this page loads a small script file instead. Swagger UI
itself is served from ``static/swagger-ui/``, installed from npm by ``make install``:
the service loads nothing from other origins.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from contactpoint.web.auth import CurrentUser
from contactpoint.web.pages import PageDep
from contactpoint.web.security import DOCS_PATH

router = APIRouter()

OPENAPI_URL = "/api/openapi.json"
SWAGGER_UI = "/static/swagger-ui"


@router.get(DOCS_PATH, response_class=HTMLResponse, include_in_schema=False)
def api_docs(page: PageDep) -> Response:
    return page.render("api/docs.html", {"swagger": SWAGGER_UI, "openapi_url": OPENAPI_URL})


@router.get(OPENAPI_URL, include_in_schema=False)
def openapi_document(request: Request, _user: CurrentUser) -> dict[str, Any]:
    document: dict[str, Any] = request.app.openapi()
    return document
