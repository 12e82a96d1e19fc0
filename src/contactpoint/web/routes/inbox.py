"""The inbox: the user's notifications, newest first, and the match signals they were
told in, each with a form to record who coordinates (DESIGN §7).

Opening a notification marks it read (a POST with the CSRF token) and goes on to where
it points; only one's own notifications can be marked (``notify.service`` refuses the
rest, 403). Recording who coordinates is for those told in the signal: the service asks
the policy. The unread count in every page's navigation is ``templating.page_context``. The same,
for machines, under ``/api/v1``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import Field
from starlette.responses import Response

from contactpoint.errors import InvalidValue
from contactpoint.notify import service as notify
from contactpoint.signposting import signals
from contactpoint.signposting.signals import contact_line
from contactpoint.web.api import SIGNED_IN, WRITES, Schema
from contactpoint.web.auth import CheckedCall, CurrentUser, safe_next
from contactpoint.web.deps import Done, RowId, SessionDep
from contactpoint.web.pages import FormPage, Page, PageDep

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["signposting"], responses=SIGNED_IN)


def _inbox(page: Page, *, done: str = "", errors: dict[str, str] | None = None) -> Response:
    session, user = page.session, page.user
    context = {
        "notifications": notify.inbox(session, user.user),
        "unread": notify.unread_count(session, user.user),
        "signals": signals.signals_for(session, user.principal),
        "contact_line": contact_line,
        "done": done,
        "errors": errors or {},
    }
    return page.render("inbox/index.html", context, 400 if errors else 200)


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(page: PageDep, done: Done = "") -> Response:
    return _inbox(page, done=done)


@router.post("/inbox/{notification_id}/read")
def open_notification(page: FormPage, notification_id: RowId) -> Response:
    """Mark the notification read, then go where it points (or back to the inbox)."""
    found = notify.mark_read(page.session, page.user.user, notification_id)
    target = safe_next(found.link) if page.value("then") == "open" and found.link else "/inbox"
    return RedirectResponse(target, status_code=303)


@router.post("/signals/{signal_id}/coordinate", response_class=HTMLResponse)
def coordinate(page: FormPage, signal_id: RowId) -> Response:
    """Record whose involvement coordinates, from among those told in the signal."""
    chosen = page.value("coordinator")
    field = f"coordinator-{signal_id}"
    if not (chosen.isascii() and chosen.isdigit() and len(chosen) < 10):
        return _inbox(page, errors={field: "Choose who coordinates"})
    try:
        signals.coordinate(page.session, page.user.principal, signal_id, int(chosen))
    except InvalidValue:
        errors = {field: "Choose one of the practitioners told in this signal"}
        return _inbox(page, errors=errors)
    return RedirectResponse("/inbox?done=coordinated", status_code=303)


class NotificationRead(Schema):
    id: int
    kind: str
    subject: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None


class SignalMemberRead(Schema):
    """One practitioner told in a signal, and how to reach them."""

    involvement_id: int
    practitioner_name: str
    practitioner_role: str | None
    organisation: str
    service_type: str
    email: str | None
    phone: str | None
    since: date
    lead_professional: bool


class SignalRead(Schema):
    id: int
    kind: Literal["child", "family"]
    cp_id: str
    created_at: datetime
    members: list[SignalMemberRead]
    coordinator_involvement_id: int | None
    coordinated_at: datetime | None


class InboxRead(Schema):
    unread: int
    notifications: list[NotificationRead]
    signals: list[SignalRead]


class CoordinateCreate(Schema):
    coordinator_involvement_id: int = Field(ge=1, le=2_147_483_647)


def _signal(found: signals.SignalRead) -> SignalRead:
    members = [
        SignalMemberRead(
            involvement_id=m.id,
            practitioner_name=m.practitioner_name,
            practitioner_role=m.practitioner_role,
            organisation=m.organisation,
            service_type=m.service_type,
            email=m.email,
            phone=m.phone,
            since=m.started_on,
            lead_professional=m.lead_professional,
        )
        for m in found.members
    ]
    return SignalRead(
        id=found.id,
        kind=found.kind.value,
        cp_id=found.cp_id,
        created_at=found.created_at,
        members=members,
        coordinator_involvement_id=found.coordinator_id,
        coordinated_at=found.coordinated_at,
    )


@api.get("/inbox", summary="Your notifications and match signals")
def inbox_api(session: SessionDep, user: CurrentUser) -> InboxRead:
    """Notifications newest first (at most 50) and the signals you were told in."""
    return InboxRead(
        unread=notify.unread_count(session, user.user),
        notifications=[
            NotificationRead.model_validate(n, from_attributes=True)
            for n in notify.inbox(session, user.user)
        ],
        signals=[_signal(s) for s in signals.signals_for(session, user.principal)],
    )


@api.post(
    "/inbox/{notification_id}/read",
    summary="Mark a notification read",
    responses={
        403: {"description": "Someone else's notification, or no CSRF token (audited)"},
        404: {"description": "No such notification"},
    },
)
def mark_read_api(
    session: SessionDep, user: CheckedCall, notification_id: RowId
) -> NotificationRead:
    found = notify.mark_read(session, user.user, notification_id)
    return NotificationRead.model_validate(found, from_attributes=True)


@api.post(
    "/signals/{signal_id}/coordinate",
    summary="Record who coordinates",
    responses={
        **WRITES,
        404: {"description": "No such signal"},
        422: {"description": "Not one of those told in the signal"},
    },
)
def coordinate_api(
    session: SessionDep, user: CheckedCall, signal_id: RowId, body: CoordinateCreate
) -> SignalRead:
    """For those told in the signal: whose involvement coordinates, from among them."""
    done = signals.coordinate(session, user.principal, signal_id, body.coordinator_involvement_id)
    return _signal(done)
