"""Signing in (username and password, then the code from an authenticator app) and
signing out.

A refused attempt is shown on the form again and the request still commits: the audit
entry and the failure count (towards lockout) must outlive the refusal.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from contactpoint.access import accounts, auth, credentials, throttle
from contactpoint.access.auth import SignInRefused
from contactpoint.errors import NotSignedIn
from contactpoint.web.auth import (
    CSRF_COOKIE,
    PENDING_COOKIE,
    SESSION_COOKIE,
    CheckedForm,
    check_pre_session_csrf,
    clear_cookie,
    pre_session_csrf,
    safe_next,
    set_cookie,
    start_page,
)
from contactpoint.web.deps import SessionDep, Templates

router = APIRouter(include_in_schema=False)
MAX_FIELD = 200


def _form(
    request: Request,
    templates: Templates,
    name: str,
    *,
    next_: str,
    error: str | None = None,
    status: int = 200,
    values: dict[str, str] | None = None,
) -> Response:
    token = pre_session_csrf(request)
    response = templates.TemplateResponse(
        request,
        name,
        {"next": safe_next(next_, ""), "error": error, "csrf_token": token, "values": values or {}},
        status_code=status,
    )
    set_cookie(response, CSRF_COOKIE, token)
    return response


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, templates: Templates, next: str = "") -> Response:
    return _form(request, templates, "signin/password.html", next_=next)


@router.post("/sign-in")
def sign_in(
    request: Request,
    session: SessionDep,
    templates: Templates,
    username: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    password: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    csrf_token: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    check_pre_session_csrf(request, csrf_token)
    if not username.strip() or not password:
        return _form(
            request,
            templates,
            "signin/password.html",
            next_=next,
            error="Enter your username and password",
            status=400,
            values={"username": username},
        )
    try:
        started = auth.sign_in(session, username.strip(), password, source=_source(request))
    except SignInRefused as refused:
        return _form(
            request,
            templates,
            "signin/password.html",
            next_=next,
            error=str(refused).capitalize(),
            status=401,
            values={"username": username},
        )
    response = RedirectResponse(
        f"/sign-in/code?{urlencode({'next': safe_next(next, '')})}", status_code=303
    )
    set_cookie(response, PENDING_COOKIE, started.token)
    return response


@router.get("/sign-in/code", response_class=HTMLResponse)
def code_form(request: Request, templates: Templates, next: str = "") -> Response:
    if not request.cookies.get(PENDING_COOKIE):
        return RedirectResponse("/sign-in", status_code=303)
    return _form(request, templates, "signin/code.html", next_=next)


@router.post("/sign-in/code")
def code(
    request: Request,
    session: SessionDep,
    templates: Templates,
    code: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    check_pre_session_csrf(request, csrf_token)
    pending = request.cookies.get(PENDING_COOKIE)
    if not pending:
        return RedirectResponse("/sign-in", status_code=303)
    if credentials.code_digits(code) is None:
        # Not a code at all ("12", a letter): ask for one; nothing to check or count.
        return _form(
            request,
            templates,
            "signin/code.html",
            next_=next,
            error="Enter the 6-digit code from your authenticator app",
            status=400,
        )
    try:
        signed_in = auth.second_factor(session, pending, code, source=_source(request))
    except SignInRefused as refused:  # a wrong code (a NotSignedIn, so caught first)
        return _form(
            request,
            templates,
            "signin/code.html",
            next_=next,
            error=str(refused).capitalize(),
            status=401,
        )
    except NotSignedIn:
        response: Response = RedirectResponse("/sign-in", status_code=303)
        clear_cookie(response, PENDING_COOKIE)
        return response
    roles = accounts.roles_of(session, signed_in.login.user_id)
    # The page asked for, or the user's own start page (their role's work). The front
    # door ("/", where a user who typed the service's address was sent from) asks for
    # no page in particular.
    asked = safe_next(next, "")
    response = RedirectResponse(
        asked if asked not in ("", "/") else start_page(roles), status_code=303
    )
    clear_cookie(response, PENDING_COOKIE)
    clear_cookie(response, CSRF_COOKIE)
    set_cookie(response, SESSION_COOKIE, signed_in.token)
    return response


@router.post("/sign-out")
def sign_out(request: Request, session: SessionDep, user: CheckedForm) -> Response:
    auth.sign_out(session, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/sign-in?signed_out=1", status_code=303)
    clear_cookie(response, SESSION_COOKIE)
    return response


def _source(request: Request) -> str:
    """The address an attempt comes from (behind a proxy, as ``X-Forwarded-For`` says
    when the proxy is trusted: ``access.throttle``)."""
    return request.client.host if request.client else throttle.UNKNOWN_SOURCE
