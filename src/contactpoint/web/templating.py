"""The Jinja environment: our templates first, then GOV.UK Frontend's macros.

``templates/`` in this package is searched first; any name starting
``govuk_frontend_jinja/`` comes from the ``govuk-frontend-jinja`` package, so pages write
``{% from "govuk_frontend_jinja/components/table/macro.html" import govukTable %}`` and
``base.html`` extends ``govuk_frontend_jinja/template.html``. Autoescaping is always on.
"""

from __future__ import annotations

from typing import Any

from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from contactpoint.access.auth import Current
from contactpoint.access.policy import Action, decide
from contactpoint.notify.service import unread_count
from contactpoint.web import plain
from contactpoint.web.security import csp_nonce
from contactpoint.web.words import audit_action, count, govuk_date, govuk_datetime, phone

SERVICE_NAME = "ContactPoint"


# The service's pages: (path, label, the action whose permission shows the link).
# Those who search may read records, and so register involvement with children.
PAGES = (
    ("/search", "Search", Action.SEARCH),
    ("/involvements", "Your involvements", Action.SEARCH),
    ("/review", "Review matches", Action.REVIEW_MATCHES),
    ("/reports", "Reports", Action.AUTHORITY_REPORTS),
    # Passed on by the same people: the authority's data managers (PASS_ON_CONTACT is
    # decided per request, on its child; the menu asks who the authority's managers are).
    ("/contact-requests", "Contact requests", Action.AUTHORITY_REPORTS),
    ("/users", "Users", Action.MANAGE_USERS),
    ("/admin", "Administration", Action.CONTROL_FEEDS),
    ("/audit", "Audit trail", Action.READ_AUDIT),
    ("/", "What the index holds", None),
)


def page_context(request: Request) -> dict[str, Any]:
    """Values every page needs: the nonce for GOV.UK Frontend's inline script, the
    signed-in user (if any), the pages their roles open and their inbox, with how many
    notifications are unread (counted while the request's unit of work is open; an
    error page, rendered after it closed, shows the inbox without a count)."""
    user: Current | None = getattr(request.state, "user", None)
    navigation = [
        {"href": path, "text": label, "current": request.url.path == path}
        for path, label, action in PAGES
        if user is not None and (action is None or decide(user.principal, action).allowed)
    ]
    session: Session | None = getattr(request.state, "session", None)
    if user is not None:
        unread = unread_count(session, user.user) if session is not None else 0
        navigation.insert(
            -1,
            {
                "href": "/inbox",
                "html": inbox_label(unread),
                "current": request.url.path == "/inbox",
            },
        )
    return {"cspNonce": csp_nonce(request), "user": user, "navigation": navigation}


def inbox_label(unread: int) -> Markup:
    """The menu's "Inbox (2)", read aloud as "Inbox (2) unread" (the words seen come first)."""
    if not unread:
        return Markup("Inbox")
    return Markup('Inbox ({})<span class="govuk-visually-hidden"> unread</span>').format(unread)


def build_environment() -> Environment:
    loader = ChoiceLoader(
        [
            PackageLoader("contactpoint.web", "templates"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    environment = Environment(loader=loader, autoescape=True)
    environment.globals["serviceName"] = SERVICE_NAME
    environment.filters["count"] = count
    environment.filters["govuk_date"] = govuk_date
    environment.filters["govuk_datetime"] = govuk_datetime
    environment.filters["phone"] = phone
    environment.filters["audit_action"] = audit_action
    environment.filters["plain_label"] = plain.label
    environment.filters["plain_text"] = plain.text
    return environment


def build_templates() -> Jinja2Templates:
    """The templates of one application (built by ``create_app``, never at import)."""
    return Jinja2Templates(env=build_environment(), context_processors=[page_context])
