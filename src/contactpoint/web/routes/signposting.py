"""The signposting question (DESIGN §7): ``/signposting/{cp_id}`` — is anyone else
working with this child? — and asking to be put in touch with a service one may not be
told of.

Only key professionals may ask (the policy's SIGNPOST), so the page asks the policy
before it asks for a reason; like a record view, the answer needs a reason and is
audited with it (``signposting.query.signpost``). It shows the child's flags, the other
key and lead professionals (current and past) with how to reach them, the child's last
25 contacts from outside the responsible authority where the policy allows, and — when
a sensitive service is held that the user may not be told of — a form to ask the
responsible authority to pass a request on. The same, for machines, under
``/api/v1``: the answer, and the request for contact.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import Field
from starlette.responses import Response

from contactpoint.access import reasons
from contactpoint.access.policy import Action
from contactpoint.access.reasons import MAX_OTHER, REASONS
from contactpoint.errors import InvalidValue
from contactpoint.signposting import alerts, brokered, guard
from contactpoint.signposting.brokered import MAX_MESSAGE
from contactpoint.signposting.query import signpost
from contactpoint.web.api import SIGNED_IN, WRITES, Schema
from contactpoint.web.auth import CheckedCall, CurrentUser
from contactpoint.web.deps import ReasonCode, ReasonDetail, SessionDep
from contactpoint.web.pages import FormPage, Page, PageDep

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["signposting"], responses=SIGNED_IN)
QUESTION = "Why do you need to know who else is involved with this child?"


@router.get("/signposting/{cp_id}", response_class=HTMLResponse)
def signposting_page(
    page: PageDep, cp_id: str, reason: ReasonCode = None, reason_detail: ReasonDetail = None
) -> Response:
    return _page(page, cp_id, reason, reason_detail)


@router.post("/signposting/{cp_id}", response_class=HTMLResponse)
def signposting_page_posted(
    page: FormPage,
    cp_id: str,
    reason: Annotated[str | None, Form(max_length=60)] = None,
    reason_detail: Annotated[str | None, Form(max_length=MAX_OTHER + 100)] = None,
) -> Response:
    """The same page reached by the reason form: the reason stays out of the address."""
    return _page(page, cp_id, reason, reason_detail, posted=True)


def _page(
    page: Page, cp_id: str, reason: str | None, reason_detail: str | None, *, posted: bool = False
) -> Response:
    session, user = page.session, page.user
    overrides = user.login.overrides
    child = guard.check(session, user.principal, Action.SIGNPOST, cp_id, overrides=overrides)
    try:
        why = reasons.reason(reason, reason_detail)
    except InvalidValue as problem:
        asked = posted or reason is not None or reason_detail is not None
        context: dict[str, Any] = {
            "cp_id": child.cp_id,
            "reasons": REASONS,
            "chosen": reason or "",
            "detail": reason_detail or "",
            "error": _problem(problem) if asked else None,
            "error_field": problem.field,
            "question": QUESTION,
            "button": "Show who is involved",
            "action": f"/signposting/{child.cp_id}",
        }
        return page.render("records/reason.html", context, 422 if asked else 200)
    answer = signpost(session, user.principal, child.cp_id, why, overrides=overrides)
    allowed = guard.may(
        session, user.principal, child.cp_id, [Action.VIEW_ACCESS_HISTORY], overrides=overrides
    )
    contacts = (
        alerts.recent_contacts(session, user.principal, child.cp_id, overrides=overrides)
        if Action.VIEW_ACCESS_HISTORY in allowed
        else None
    )
    return page.render(
        "signposting/answer.html",
        {"answer": answer, "contacts": contacts, "why": why, "max_message": MAX_MESSAGE},
    )


def _problem(problem: InvalidValue) -> str:
    if problem.field == "reason":
        return "Choose a reason for asking who else is involved"
    return problem.reason[:1].upper() + problem.reason[1:]


@router.post("/signposting/{cp_id}/contact-request", response_class=HTMLResponse)
def request_contact(page: FormPage, cp_id: str) -> Response:
    """Ask the responsible authority to pass a request for contact on to a service the
    user may not be told of."""
    message = page.value("message")
    user = page.user
    try:
        brokered.request_contact(
            page.session, user.principal, cp_id, message, overrides=user.login.overrides
        )
    except InvalidValue as invalid:
        error = (
            "Enter why you need to be in touch"
            if not message
            else invalid.reason[:1].upper() + invalid.reason[1:]
        )
        return page.render(
            "signposting/contact.html",
            {
                "cp_id": cp_id,
                "message": message[: MAX_MESSAGE + 100],
                "error": error,
                "max_message": MAX_MESSAGE,
            },
            400,
        )
    return RedirectResponse(f"/signposting/{cp_id}/requested", status_code=303)


@router.get("/signposting/{cp_id}/requested", response_class=HTMLResponse)
def contact_requested(page: PageDep, cp_id: str) -> Response:
    """Told after asking: the request went to the responsible authority."""
    user = page.user
    child = guard.check(
        page.session, user.principal, Action.REQUEST_CONTACT, cp_id, overrides=user.login.overrides
    )
    return page.render("signposting/requested.html", {"cp_id": child.cp_id})


class FlagRead(Schema):
    kind: str
    started_on: date
    ended_on: date | None
    la_code: str
    active: bool


class ProfessionalRead(Schema):
    involvement_id: int
    name: str
    role: str | None
    organisation: str
    service_type: str
    email: str | None
    phone: str | None
    since: date
    lead_professional: bool
    key_professional: bool
    ended_on: date | None


class ContactEventRead(Schema):
    at: datetime
    who: str
    organisation: str
    action: str
    reason: str | None


class SignpostingRead(Schema):
    """Who else is involved. ``recent_contacts`` is null where the policy does not show
    them; ``undisclosed`` counts services the user may not be told of (ask for contact)."""

    cp_id: str
    flagged: bool
    flags: list[FlagRead]
    current: list[ProfessionalRead]
    past: list[ProfessionalRead]
    undisclosed: int
    recent_contacts: list[ContactEventRead] | None


class ContactRequestCreate(Schema):
    message: str = Field(max_length=MAX_MESSAGE + 100)


class ContactRequestRead(Schema):
    id: int
    cp_id: str
    created_at: datetime


@api.get(
    "/children/{cp_id}/signposting",
    summary="Who else is involved with a child",
    responses={
        403: {"description": "Not a key professional, or the record is not open to you (audited)"},
        404: {"description": "No such child"},
        422: {"description": "No reason, or not a valid reason"},
    },
)
def signposting_api(
    session: SessionDep,
    user: CurrentUser,
    cp_id: str,
    reason: ReasonCode = None,
    reason_detail: ReasonDetail = None,
) -> SignpostingRead:
    """For key professionals: flags, the other key and lead professionals (current and
    past) and how to reach them, and the last 25 contacts from outside the responsible
    authority. Audited with ``reason`` (one of the reasons for access; ``other`` needs
    ``reason_detail``)."""
    why = reasons.reason(reason, reason_detail)
    overrides = user.login.overrides
    answer = signpost(session, user.principal, cp_id, why, overrides=overrides)
    allowed = guard.may(
        session, user.principal, answer.cp_id, [Action.VIEW_ACCESS_HISTORY], overrides=overrides
    )
    contacts = None
    if Action.VIEW_ACCESS_HISTORY in allowed:
        contacts = [
            ContactEventRead.model_validate(c, from_attributes=True)
            for c in alerts.recent_contacts(
                session, user.principal, answer.cp_id, overrides=overrides
            )
        ]
    return SignpostingRead(
        cp_id=answer.cp_id,
        flagged=answer.flagged,
        flags=[FlagRead.model_validate(f, from_attributes=True) for f in answer.flags],
        current=[ProfessionalRead.model_validate(c, from_attributes=True) for c in answer.current],
        past=[ProfessionalRead.model_validate(c, from_attributes=True) for c in answer.past],
        undisclosed=answer.undisclosed,
        recent_contacts=contacts,
    )


@api.post(
    "/children/{cp_id}/contact-requests",
    summary="Ask to be put in touch with a service you may not be told of",
    status_code=201,
    responses={
        **WRITES,
        404: {"description": "No such child"},
        409: {"description": "Every service involved is shown to you: contact it directly"},
    },
)
def request_contact_api(
    session: SessionDep, user: CheckedCall, cp_id: str, body: ContactRequestCreate
) -> ContactRequestRead:
    """The request goes to the responsible authority's data managers, who pass it on;
    you are told (in your inbox) once they have, never which service it went to."""
    made = brokered.request_contact(
        session, user.principal, cp_id, body.message, overrides=user.login.overrides
    )
    child = guard.child_by_cp_id(session, cp_id)
    return ContactRequestRead(id=made.id, cp_id=child.cp_id, created_at=made.created_at)
