"""Errors to HTTP, in one place: a status for each domain error, a page or JSON for each.

Routes never catch domain errors. Whatever they raise arrives here: requests under
``/api/`` get ``{"detail": ...}``; everything else gets a GOV.UK error page. A domain
error's message is written for people (``contactpoint.errors``), so it is shown as is;
an unexpected error shows nothing of itself and is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import Message, Receive, Scope, Send

from contactpoint import db
from contactpoint.access import auth as auth_service
from contactpoint.audit import service as audit
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import Actor, Refusal
from contactpoint.children.store import child_id_of
from contactpoint.errors import (
    Conflict,
    ContactPointError,
    Invalid,
    NotFound,
    NotSignedIn,
    Refused,
    Unavailable,
)
from contactpoint.logs import REQUEST_ID
from contactpoint.oversight.analytics import raise_alerts
from contactpoint.search.practitioner import TooManySearches
from contactpoint.web.auth import SESSION_COOKIE
from contactpoint.web.middleware import HttpMiddleware
from contactpoint.web.security import DOCS_PATH, apply_security_headers

log = logging.getLogger(__name__)

# Each category's status (``contactpoint.errors``); the first matching class wins. Too
# many searches is a refusal with a status of its own (it says when to try again).
STATUS_CODES: tuple[tuple[type[ContactPointError], int], ...] = (
    (NotSignedIn, 401),
    (TooManySearches, 429),
    (Refused, 403),
    (NotFound, 404),
    (Conflict, 409),
    (Invalid, 422),
    (Unavailable, 503),
    (ContactPointError, 400),
)

PAGE_TITLES = {
    400: "There is a problem with your request",
    401: "You need to sign in",
    403: "You do not have permission to do this",
    404: "Page not found",
    405: "This page cannot be used that way",
    409: "This cannot be done at the moment",
    429: "Too many searches in a minute",
    422: "There is a problem with the information given",
    503: "Sorry, the service is unavailable",
}
SERVICE_PROBLEM = "Sorry, there is a problem with the service"


def status_for(error: ContactPointError) -> int:
    return next(status for kind, status in STATUS_CODES if isinstance(error, kind))


def is_api(request: Request) -> bool:
    """A request answered in JSON: under ``/api/``, but for the documentation page."""
    return request.url.path.startswith("/api/") and request.url.path != DOCS_PATH


def error_response(
    request: Request,
    status: int,
    message: str | None,
    headers: Mapping[str, str] | None = None,
    *,
    reference: str | None = None,
    saved: bool = False,
) -> Response:
    """JSON for the API, otherwise the GOV.UK error page for ``status``. A server error
    carries the request's ``reference`` (the id its log lines carry) and says whether
    the request's changes were ``saved`` before it failed."""
    if is_api(request):
        body: dict[str, Any] = {"detail": message or HTTPStatus(status).phrase}
        if reference:
            body |= {"reference": reference, "saved": saved}
        return JSONResponse(body, status_code=status, headers=headers)
    templates = request.app.state.templates
    context: dict[str, Any] = {
        "title": PAGE_TITLES.get(status, SERVICE_PROBLEM),
        "message": message,
        "status": status,
        "reference": reference,
        "saved": saved,
    }
    if status == 404:
        name = "errors/404.html"
    elif status >= 500 and status != 503:
        name = "errors/500.html"
    else:
        name = "errors/error.html"
    response: Response = templates.TemplateResponse(
        request, name, context, status_code=status, headers=headers
    )
    return response


# Refusals written to the audit trail by the handler (their request's own transaction
# was rolled back): anything refused for who is asking.
AUDITED_REFUSALS = (Refused, NotSignedIn)


def _audit_refusal(request: Request, error: ContactPointError) -> None:
    """One audit entry for a refused request, in a transaction of its own. A request with
    no session cookie at all that is sent to sign in is not a refusal worth recording."""
    if isinstance(error, NotSignedIn) and not (
        is_api(request) or request.cookies.get(SESSION_COOKIE)
    ):
        return
    current = getattr(request.state, "user", None)
    actor = current.actor if current is not None else Actor("(not signed in)")
    route = getattr(request.scope.get("route"), "path", None) or "(no route)"
    with db.unit_of_work() as session:
        # The entry the refusing service wrote (rolled back with the request), else one
        # naming the request.
        refusal = error.audit if isinstance(error.audit, Refusal) else None
        audit.record_refusal(
            session,
            refusal
            or Refusal(
                actor,
                AuditAction.REFUSED,
                # The child the refused request named, for the child's subject access.
                child_id=_child_named(request, session),
                reason=str(error),
                details={"method": request.method, "route": route, "status": status_for(error)},
            ),
        )
        if isinstance(error, TooManySearches):
            # At once, not the next day: the auditors are told while it happens.
            raise_alerts(session, [error.alert], datetime.now(UTC))


def _child_named(request: Request, session: Session) -> int | None:
    cp_id = request.path_params.get("cp_id")
    return child_id_of(session, cp_id) if isinstance(cp_id, str) else None


async def domain_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ContactPointError)
    if error.audit is not None or isinstance(error, AUDITED_REFUSALS):
        await run_in_threadpool(_audit_refusal, request, error)
    if isinstance(error, NotSignedIn):
        if is_api(request):
            return error_response(
                request, 401, str(error), {"WWW-Authenticate": 'Cookie realm="ContactPoint"'}
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?{urlencode({'next': target})}", status_code=303)
    return error_response(request, status_for(error), str(error))


async def http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    # Starlette's own errors carry only the status phrase: the page says it better.
    message = None if error.detail == HTTPStatus(error.status_code).phrase else error.detail
    return error_response(request, error.status_code, message, error.headers)


# Routes that answer before anyone signs in (their own checks settle who is asking).
OPEN_PREFIXES = ("/sign-in", "/api/v1/feeds/", "/healthz", "/readyz", "/metrics")


def _not_signed_in(request: Request) -> NotSignedIn | None:
    """Why the request has no signed-in user, if it has none."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return NotSignedIn("you are not signed in")
    try:
        with db.unit_of_work() as session:
            auth_service.current(session, token)
    except NotSignedIn as missing:
        return missing
    return None


async def invalid_request(request: Request, error: Exception) -> Response:
    """Who is asking is settled before what is asked (security review S16): a request
    that is not valid, from someone not signed in, is a 401 (or the sign-in page), so
    no route's parameters can be probed anonymously."""
    assert isinstance(error, RequestValidationError)
    if not request.url.path.startswith(OPEN_PREFIXES):
        missing = await run_in_threadpool(_not_signed_in, request)
        if missing is not None:
            return await domain_error(request, missing)
    if is_api(request):
        return await request_validation_exception_handler(request, error)
    return error_response(request, 400, "Check the web address: part of it is not valid.")


# How long a client is asked to wait when the database cannot be reached.
RETRY_AFTER_SECONDS = 30
UNAVAILABLE = "The service cannot reach its database just now. Try again in a minute."


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` is the database being out of reach (down, restarting, the
    connection cut), not a fault of the request or the service."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, (OperationalError, InterfaceError))


async def unexpected_error(request: Request, error: Exception) -> Response:
    """The 500 page — or 503 with ``Retry-After`` when the database is out of reach. It
    is sent from outside the middleware, so it adds the headers itself, the request's id
    among them: the one thing a user can report that finds the log line. One log line
    per failure, naming the route's template (never the path: it can hold a ContactPoint
    ID) and what failed without its values; the traceback only at debug level. The
    connection is closed after it (``Connection: close``), as the server does."""
    route = getattr(request.scope.get("route"), "path", None) or "(no route)"
    unavailable = database_unavailable(error)
    what = "the database is unavailable" if unavailable else "unexpected error"
    log.error("%s on %s %s: %s", what, request.method, route, db.describe_error(error))
    log.debug("the failure's traceback", exc_info=error)
    request_id = REQUEST_ID.get()
    saved = getattr(request.state, "committed", False)
    headers = {"Connection": "close"}
    if unavailable:
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response = error_response(
        request,
        503 if unavailable else 500,
        UNAVAILABLE if unavailable else None,
        headers,
        reference=request_id,
        saved=saved,
    )
    apply_security_headers(request, response.headers)
    if request_id:
        response.headers["X-Request-ID"] = request_id
    return response


class Failures(HttpMiddleware):
    """Unexpected errors answered inside the request log (so their status is logged and
    counted) and never raised on: raised to the server, a failure was logged twice and
    the client's kept-alive connection dropped without a word ("connection reset by
    peer" on its next request). An error after the answer has begun is raised on."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as error:
            if started:
                raise
            response = await unexpected_error(Request(scope, receive), error)
            del response.headers["x-request-id"]  # the request log, outside, adds it
            await response(scope, receive, send)


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ContactPointError, domain_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(Exception, unexpected_error)
