"""Who is asking: the session cookie, the signed-in user as a route dependency, and
CSRF checks.

The browser holds only a random session token (cookie ``cp_session``: HttpOnly,
SameSite=Strict, Secure when served over TLS); the session lives in the database
(``access.auth``). Every form that changes anything carries the session's CSRF token,
checked here; the sign-in forms, before any session exists, use a double-submit cookie.
The JSON API takes the same session cookie (state-changing calls need the CSRF token in
an ``X-CSRF-Token`` header) and answers 401, never a redirect.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import Annotated, TypeVar

from fastapi import Depends, Form, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from contactpoint.access import auth, credentials
from contactpoint.access.auth import Current
from contactpoint.access.policy import Action, decide
from contactpoint.errors import NotSignedIn, Refused
from contactpoint.kinds.access import Role
from contactpoint.settings import get_settings
from contactpoint.web.deps import SessionDep, request_unit

SESSION_COOKIE = "cp_session"
PENDING_COOKIE = "cp_pending"
CSRF_COOKIE = "cp_csrf"


class CsrfRefused(Refused):
    """A form or call without the right anti-forgery token."""


class NotAllowed(Refused):
    """The policy refused the action; the message says why in words the user may see."""


def set_cookie(response: Response, name: str, value: str, *, max_age: int | None = None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        secure=get_settings().secure_cookies,
        samesite="strict",
        path="/",
    )


def clear_cookie(response: Response, name: str) -> None:
    response.delete_cookie(
        name, path="/", httponly=True, secure=get_settings().secure_cookies, samesite="strict"
    )


def current_user(request: Request, session: SessionDep) -> Current:
    """The signed-in user, or ``NotSignedIn`` (a redirect to sign in, or a 401)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NotSignedIn("you are not signed in")
    found = auth.current(session, token)
    request.state.user = found
    return found


CurrentUser = Annotated[Current, Depends(current_user)]

T = TypeVar("T")


async def signed_in(request: Request, work: Callable[[Session, Current], T]) -> T:
    """For the busiest API route (search): what ``SessionDep`` and ``CurrentUser`` do —
    a unit of work, the signed-in user or ``NotSignedIn``, the commit — with ``work`` in
    between, all in one worker thread. A sync route with those dependencies is handed
    from the event loop to a thread three times (the user, the route, the commit), and
    under load each hand-off cost the server about a twentieth of a search's CPU
    (py-spy on bench/search_http.py; docs/benchmarks.md)."""

    def run() -> T:
        with request_unit(request) as session:
            return work(session, current_user(request, session))

    return await run_in_threadpool(run)


def check_csrf(user: Current, supplied: str | None) -> None:
    if not supplied or not secrets.compare_digest(supplied, user.csrf_token):
        raise CsrfRefused("this form has expired or did not come from this service: try again")


def form_csrf(user: CurrentUser, csrf_token: Annotated[str, Form()] = "") -> Current:
    """For routes handling a signed-in user's form: the user, once the token checks."""
    check_csrf(user, csrf_token)
    return user


CheckedForm = Annotated[Current, Depends(form_csrf)]


def header_csrf(request: Request, user: CurrentUser) -> Current:
    """For state-changing API calls made with the session cookie."""
    check_csrf(user, request.headers.get("X-CSRF-Token"))
    return user


CheckedCall = Annotated[Current, Depends(header_csrf)]


def pre_session_csrf(request: Request) -> str:
    """The double-submit token of the sign-in forms (set on the form's first display)."""
    return request.cookies.get(CSRF_COOKIE) or credentials.new_token()


def check_pre_session_csrf(request: Request, supplied: str) -> None:
    expected = request.cookies.get(CSRF_COOKIE)
    if not expected or not supplied or not secrets.compare_digest(expected, supplied):
        raise CsrfRefused("this form has expired: reload the page and try again")


def require(user: Current, action: Action) -> None:
    """Refuse (403) an action the policy does not allow this user, whatever the record."""
    verdict = decide(user.principal, action)
    if not verdict.allowed:
        raise NotAllowed(verdict.reason)


def safe_next(target: str | None, fallback: str = "/search") -> str:
    """Where to go after signing in: only a path on this service (else ``fallback``)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return fallback


# Each role's own start page, in this order for a user with several: the work each
# role comes to do (DESIGN §2), so nobody lands on a page their role may not see.
START_PAGES: tuple[tuple[Role, str], ...] = (
    (Role.PRACTITIONER, "/search"),
    (Role.KEY_PROFESSIONAL, "/search"),
    (Role.DATA_MANAGER, "/review"),
    (Role.USER_ADMIN, "/users"),
    (Role.NATIONAL_ADMIN, "/admin"),
    (Role.AUDITOR, "/audit"),
)


def start_page(roles: Iterable[Role]) -> str:
    """Where a user with ``roles`` lands after signing in when they asked for no page."""
    held = set(roles)
    return next((page for role, page in START_PAGES if role in held), "/inbox")
