"""The web application factory: ``uvicorn contactpoint.web.app:create_app --factory``.

Nothing is built at import. ``create_app`` wires the pieces: security headers on every
response, the decommissioned gate (``decommissioned``: once the service is switched off,
every request gets one page), error handling in one place (``errors``), static files,
one router per concept, and the background work (``background``: the e-mail sender,
signposting's housekeeping and retention). GOV.UK Frontend's stylesheet asks for its
fonts and images at ``/assets/...``, so its ``assets`` folder is served there; its CSS
and JavaScript, and our own files, are under ``/static/``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from contactpoint.web.background import background_work
from contactpoint.web.decommissioned import Decommissioned
from contactpoint.web.errors import Failures, register_error_handlers
from contactpoint.web.replica import WrittenPosition
from contactpoint.web.requestlog import RequestLog
from contactpoint.web.routes import (
    admin,
    api_docs,
    audit_analytics,
    audit_reports,
    feeds_api,
    flags,
    health,
    home,
    inbox,
    involvements,
    records,
    reports,
    review,
    search,
    shielding,
    signin,
    signposting,
    subject_access,
    users,
)
from contactpoint.web.security import SecurityHeaders
from contactpoint.web.templating import SERVICE_NAME, build_templates

STATIC = Path(__file__).parent / "static"


def create_app() -> FastAPI:
    """A new application; the database comes from the settings on first request."""
    app = FastAPI(
        title=f"{SERVICE_NAME} API",
        summary="England's national index of children",
        version="1",
        openapi_url=None,  # served by routes.api_docs, to signed-in users only
        docs_url=None,
        redoc_url=None,
        lifespan=background_work,
    )
    app.state.templates = build_templates()
    # Innermost, so the decommissioned page still gets the security headers and nonce.
    app.add_middleware(Decommissioned)
    app.add_middleware(WrittenPosition)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(Failures)
    app.add_middleware(RequestLog)
    register_error_handlers(app)

    # check_dir=False: the app starts before `make install` has fetched GOV.UK Frontend.
    app.mount("/assets", StaticFiles(directory=STATIC / "govuk" / "assets", check_dir=False))
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")

    app.include_router(health.router)
    app.include_router(signin.router)
    app.include_router(audit_reports.router)
    app.include_router(audit_analytics.router)
    app.include_router(search.router)
    app.include_router(search.api)
    app.include_router(records.router)
    app.include_router(subject_access.router)
    app.include_router(reports.router)
    for concept in (involvements, signposting, flags, shielding, inbox):
        app.include_router(concept.router)
        app.include_router(concept.api)
    app.include_router(users.router)
    app.include_router(admin.router)
    app.include_router(review.router)
    app.include_router(feeds_api.router)
    app.include_router(home.router)
    app.include_router(home.api)
    app.include_router(api_docs.router)
    return app
