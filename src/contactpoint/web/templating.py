"""The Jinja environment: our templates first, then GOV.UK Frontend's macros.

``templates/`` in this package is searched first; any name starting
``govuk_frontend_jinja/`` comes from the ``govuk-frontend-jinja`` package, so pages write
``{% from "govuk_frontend_jinja/components/table/macro.html" import govukTable %}`` and
``base.html`` extends ``govuk_frontend_jinja/template.html``. Autoescaping is always on.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from contactpoint.access.auth import Current
from contactpoint.access.policy import Action, decide
from contactpoint.notify.service import unread_count
from contactpoint.web.security import csp_nonce

SERVICE_NAME = "ContactPoint"
LONDON = ZoneInfo("Europe/London")


def count(value: int) -> str:
    """A count with thousands separators: 12,345."""
    return f"{value:,}"


def govuk_date(value: date | datetime | None) -> str:
    """A date as GOV.UK writes it: 6 August 2010."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _in_london(value)
    return f"{value.day} {value:%B %Y}"


def govuk_time(value: datetime) -> str:
    """A time as GOV.UK writes it: 9am, 12:15pm, midday, midnight."""
    value = _in_london(value)
    if value.hour == 0 and value.minute == 0:
        return "midnight"
    if value.hour == 12 and value.minute == 0:
        return "midday"
    hour = value.hour % 12 or 12
    minutes = f":{value.minute:02d}" if value.minute else ""
    return f"{hour}{minutes}{'am' if value.hour < 12 else 'pm'}"


def govuk_datetime(value: datetime | None) -> str:
    """6 August 2010 at 12:15pm, in UK time."""
    if value is None:
        return ""
    return f"{govuk_date(value)} at {govuk_time(value)}"


def phone(value: str | None) -> str:
    """A telephone number as people write it: 0113 496 0123 for a UK number, +33 1 23
    45 67 89 for another country's; as given when it is not one."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_possible_number(number):
        return value
    national = number.country_code == 44
    style = phonenumbers.PhoneNumberFormat
    return phonenumbers.format_number(number, style.NATIONAL if national else style.INTERNATIONAL)


# What an audit entry's action code means, in words (others: the code's words).
ACTIONS = {
    "record.view": "Looked at a record",
    "record.override": "Opened a record in an emergency",
    "search": "Searched",
    "refused": "Refused",
    "subject_access": "Subject access report",
    "sign_in.password": "Signed in (password)",
    "sign_in.code": "Signed in (code)",
    "sign_out": "Signed out",
    "review.queue": "Looked at the review queue",
    "review.link": "Linked records",
    "review.keep_apart": "Kept records apart",
    "child.shield": "Shielded a record",
    "child.unshield": "Lifted a shield",
    "child.archive": "Moved a record to the archive",
    "child.purge": "Destroyed a record",
    "involvement.register": "Registered involvement",
    "flag.set": "Set a flag",
    "flag.end": "Ended a flag",
    "contact.alert": "Contact alert",
    "feed.load": "Loaded a feed file",
}


def audit_action(code: str) -> str:
    """An audit action code in words: "record.view" is "Looked at a record"."""
    if code in ACTIONS:
        return ACTIONS[code]
    words = code.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _in_london(value: datetime) -> datetime:
    # SQLite hands back naive timestamps; the database writes them in UTC.
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(LONDON)


# The service's pages: (path, label, the action whose permission shows the link).
# Those who search may read records, and so register involvement with children.
PAGES = (
    ("/search", "Search", Action.SEARCH),
    ("/involvements", "Your involvements", Action.SEARCH),
    ("/review", "Review matches", Action.REVIEW_MATCHES),
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
    return environment


def build_templates() -> Jinja2Templates:
    """The templates of one application (built by ``create_app``, never at import)."""
    return Jinja2Templates(env=build_environment(), context_processors=[page_context])
