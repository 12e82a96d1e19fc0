"""Brokered contact (DESIGN §7): where a sensitive service is involved with a child and
no consent to share it is recorded, a practitioner may still ask to be put in touch. The
request goes to the responsible authority's data managers, who pass it on to the
service; the requester learns only that it was passed on, never which service. Audited
end to end.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.access.policy import Action, Principal, RecordState, decide
from contactpoint.access.state import record_state
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import Actor, record
from contactpoint.errors import AccessRefused, Conflict, InvalidValue, NotFound
from contactpoint.kinds.children import ChildStatus
from contactpoint.notify.message import valid_address
from contactpoint.notify.service import email_only, notify
from contactpoint.signposting import store
from contactpoint.signposting.alerts import data_managers
from contactpoint.signposting.guard import allowed, child_by_cp_id, person
from contactpoint.tables.access import Organisation, User
from contactpoint.tables.children import Child
from contactpoint.tables.signposting import ContactRequest, Involvement

MAX_MESSAGE = 1000
KIND = "contact_request"


class ContactRequestRefused(Conflict):
    """A request for contact that cannot be made or passed on."""


def _undisclosed(session: Session, child_id: int, today: date) -> list[Involvement]:
    held = store.involvements_of(session, [child_id]).get(child_id, [])
    active = [i for i in held if store.is_active(i, today)]
    shareable = store.shareable(session, {child_id: active})
    return [i for i in active if i.id not in shareable]


def request_contact(
    session: Session,
    principal: Principal,
    cp_id: str,
    message: str,
    *,
    today: date | None = None,
    overrides: Collection[int] = (),
) -> ContactRequest:
    """Ask the responsible authority to put the user in touch with a service involved
    that the user may not be told of."""
    today = today or date.today()
    text = message.strip()
    if not text:
        raise InvalidValue("message", "", "say why you need to be in touch")
    if len(text) > MAX_MESSAGE:
        raise InvalidValue("message", "", f"use at most {MAX_MESSAGE} characters")
    child = child_by_cp_id(session, cp_id)
    state = allowed(session, principal, Action.REQUEST_CONTACT, child, overrides=overrides)
    if not _undisclosed(session, child.id, today):
        raise ContactRequestRefused(
            "every service involved with this child that you may know of is shown to you:"
            " contact it directly"
        )
    request = ContactRequest(
        child_id=child.id, requester_id=principal.user_id, message=text, la_code=state.la_code
    )
    session.add(request)
    session.flush()
    for manager in _managers_of(session, state.la_code):
        notify(
            session,
            manager,
            KIND,
            "A request for contact to pass on",
            f"A practitioner asks to be put in touch with a service involved with {child.cp_id}"
            " that they may not be told of. Pass the request on to the service.",
            f"/contact-requests/{request.id}",
        )
    record(
        session,
        Actor(principal.username, principal.user_id),
        AuditAction.CONTACT_REQUEST,
        child_id=child.id,
        details={"contact_request_id": request.id},
    )
    return request


def _managers_of(session: Session, la_code: str | None) -> list[User]:
    organisation = session.scalar(select(Organisation).where(Organisation.la_code == la_code))
    return data_managers(session, organisation.id) if organisation else []


def open_requests(session: Session, principal: Principal) -> list[ContactRequest]:
    """Requests waiting for the user's authority's data managers: refused
    (``AccessRefused``) to anyone policy would not let pass on a request about one of
    the authority's children, and each request is one the user may pass on."""
    own_child = RecordState(ChildStatus.ACTIVE, la_code=principal.la_code)
    verdict = decide(principal, Action.PASS_ON_CONTACT, own_child)
    if not verdict.allowed:
        raise AccessRefused(verdict.reason)
    found = session.scalars(
        select(ContactRequest)
        .where(ContactRequest.la_code == principal.la_code, ContactRequest.passed_on_at.is_(None))
        .order_by(ContactRequest.id)
    ).all()
    return [
        request
        for request in found
        if decide(
            principal, Action.PASS_ON_CONTACT, record_state(session, request.child_id)
        ).allowed
    ]


@dataclass(frozen=True, slots=True)
class WaitingRequest:
    """A request for contact as the data managers passing it on see it."""

    request: ContactRequest
    cp_id: str
    requester: str
    organisation: str


def waiting(session: Session, principal: Principal) -> list[WaitingRequest]:
    """``open_requests`` with the child's ContactPoint ID and who asks, from where."""
    shown = []
    for request in open_requests(session, principal):
        child = session.get(Child, request.child_id)
        requester = session.get(User, request.requester_id)
        assert child is not None and requester is not None  # foreign keys
        organisation = session.get(Organisation, requester.organisation_id)
        assert organisation is not None
        shown.append(
            WaitingRequest(request, child.cp_id, requester.display_name, organisation.name)
        )
    return shown


def pass_on(
    session: Session, principal: Principal, request_id: int, *, today: date | None = None
) -> ContactRequest:
    """A data manager of the responsible authority passes the request to each service
    involved that the requester may not know of; the requester is told only that it was
    passed on."""
    today = today or date.today()
    request = session.get(ContactRequest, request_id)
    if request is None:
        raise NotFound(f"there is no request for contact {request_id}")
    child = session.get(Child, request.child_id)
    assert child is not None
    allowed(session, principal, Action.PASS_ON_CONTACT, child)
    if request.passed_on_at is not None:
        raise ContactRequestRefused(f"request {request_id} was passed on already")
    requester = session.get(User, request.requester_id)
    assert requester is not None
    me = person(session, principal)
    services = _undisclosed(session, child.id, today)
    for service in services:
        body = (
            f"{requester.display_name} ({requester.email}, {requester.phone or 'no telephone'})"
            f" asks to be in touch about {child.cp_id}: {request.message}"
        )
        user = session.get(User, service.user_id) if service.user_id else None
        link = "/inbox"  # the notification itself holds the request
        if user is not None:
            notify(session, user, KIND, "A practitioner asks to be in touch", body, link)
        elif service.email and valid_address(service.email):
            email_only(session, service.email, KIND, link)
    notify(
        session,
        requester,
        "contact_passed_on",
        "Your request for contact was passed on",
        f"{me.organisation.name} passed your request about {child.cp_id} on. The service"
        " will contact you if it can.",
        f"/children/{child.cp_id}",
    )
    request.passed_on_at = datetime.now(UTC)
    request.passed_on_by = principal.username
    session.flush()
    record(
        session,
        Actor(principal.username, principal.user_id),
        AuditAction.CONTACT_PASS_ON,
        child_id=child.id,
        details={"contact_request_id": request.id, "services": len(services)},
    )
    return request
