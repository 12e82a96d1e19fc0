"""Registering involvement with a child, and the user's own involvements (DESIGN §7).

``/children/{cp_id}/involvement`` asks the policy first (REGISTER_INVOLVEMENT: anyone
who may read the record in full), so a refused user never sees the form; the form is
filled in from the user's account. ``signposting.involvement`` checks every value and
refuses a second active registration of one service: both are shown on the form, with
nothing changed. ``/involvements`` lists the user's own, with "Renew" and "End";
``/involvements/{id}`` is where a reminder's e-mail leads. Ending another's is for the
owning authority's data managers only: the service asks the policy. The same, for
machines, under ``/api/v1``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import Field
from starlette.responses import Response

from contactpoint.access.policy import Action
from contactpoint.errors import InvalidValue
from contactpoint.signposting import guard, involvement
from contactpoint.signposting.involvement import InvolvementRefused
from contactpoint.web.api import SIGNED_IN, WRITES, Schema
from contactpoint.web.auth import CheckedCall
from contactpoint.web.deps import Done, RowId, SessionDep
from contactpoint.web.forms import date_values, sentence
from contactpoint.web.pages import FormPage, Page, PageDep

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["signposting"], responses=SIGNED_IN)

TEXT_FIELDS = (
    "service_type", "organisation", "practitioner_name", "practitioner_role", "email",
    "phone", "consent_evidence",
)  # fmt: skip
LABELS = {
    "service_type": "The service", "organisation": "The organisation",
    "practitioner_name": "Your name", "practitioner_role": "Your role",
    "email": "Email address", "phone": "Telephone number",
    "started_on": "The date you started", "consent_evidence": "How consent was given",
    "reason": "The reason",
}  # fmt: skip
LIMITS = {
    "service_type": 100, "organisation": 200, "practitioner_name": 200,
    "practitioner_role": 200, "email": 200, "phone": 30, "consent_evidence": 1000,
}  # fmt: skip
REQUIRED = {
    "service_type": "Enter the service you work with the child in",
    "organisation": "Enter your organisation",
    "practitioner_name": "Enter your name",
}
# Where the service names a field its own way, and the GOV.UK words for some refusals.
FIELD_OF = {"telephone number": "phone"}
CHOICES = ("lead_professional", "early_help_assessment")


def _message(invalid: InvalidValue) -> tuple[str, str]:
    """The form field an ``InvalidValue`` is about, and what the form says there."""
    name = FIELD_OF.get(invalid.field, invalid.field)
    if name == "email" and invalid.reason.startswith("give"):
        return name, "Enter an email address or a telephone number"
    if name == "email":
        return name, "Enter an email address in the correct format, like name@example.org"
    if name == "phone":
        return name, "Enter a telephone number, like 0113 496 0000"
    if name == "started_on" and "future" in invalid.reason:
        return name, "The date you started must be today or in the past"
    return name, sentence(invalid.reason, name, LABELS)


def _register_page(
    page: Page,
    cp_id: str,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    refusal: str | None = None,
    status: int = 200,
) -> Response:
    context = {"cp_id": cp_id, "values": values, "errors": errors or {}, "refusal": refusal}
    return page.render("signposting/register.html", context, status)


@router.get("/children/{cp_id}/involvement", response_class=HTMLResponse)
def register_form(page: PageDep, cp_id: str) -> Response:
    session, user = page.session, page.user
    child = guard.check(
        session,
        user.principal,
        Action.REGISTER_INVOLVEMENT,
        cp_id,
        overrides=user.login.overrides,
    )
    me = guard.person(session, user.principal)
    values = {
        "service_type": "",
        "organisation": me.organisation.name,
        "practitioner_name": me.user.display_name,
        "practitioner_role": me.user.job_title or "",
        "email": me.user.email,
        "phone": me.user.phone or "",
        "consent_evidence": "",
        "choices": [],
        **date_values("started_on", date.today()),
    }
    return _register_page(page, child.cp_id, values)


@router.post("/children/{cp_id}/involvement", response_class=HTMLResponse)
def register(page: FormPage, cp_id: str) -> Response:
    form, user = page.form, page.user
    values: dict[str, Any] = {name: form.value(name) for name in TEXT_FIELDS}
    values |= form.date_parts("started_on")
    values["choices"] = [choice for choice in form.values("choices") if choice in CHOICES]
    errors = {
        name: f"{LABELS[name]} must be {LIMITS[name]} characters or fewer"
        for name in TEXT_FIELDS
        if len(values[name]) > LIMITS[name]
    }
    errors |= {name: text for name, text in REQUIRED.items() if not values[name]}
    started: date | None = None
    try:
        started = form.day("started_on")
        if started is None:
            errors["started_on"] = "Enter the date you started working with the child"
    except InvalidValue as invalid:
        errors["started_on"] = sentence(invalid.reason, "started_on", LABELS)
    if errors or started is None:
        return _register_page(page, cp_id, values, errors, status=400)
    details = involvement.InvolvementCreate(
        service_type=values["service_type"],
        organisation=values["organisation"],
        practitioner_name=values["practitioner_name"],
        started_on=started,
        practitioner_role=values["practitioner_role"] or None,
        email=values["email"] or None,
        phone=values["phone"] or None,
        lead_professional="lead_professional" in values["choices"],
        early_help_assessment="early_help_assessment" in values["choices"],
        consent_evidence=values["consent_evidence"] or None,
    )
    try:
        made = involvement.register(
            page.session, user.principal, cp_id, details, overrides=user.login.overrides
        )
    except InvalidValue as invalid:
        name, text = _message(invalid)
        return _register_page(page, cp_id, values, {name: text}, status=400)
    except InvolvementRefused as refused:
        return _register_page(page, cp_id, values, refusal=sentence(str(refused)), status=409)
    return RedirectResponse(f"/involvements/{made.id}?done=registered", status_code=303)


@router.get("/involvements", response_class=HTMLResponse)
def involvements_page(page: PageDep) -> Response:
    """The user's own involvements: active ones (to renew or end), then past ones."""
    found = involvement.mine(page.session, page.user.principal)
    return page.render("signposting/involvements.html", {"involvements": found})


def _involvement_page(
    page: Page,
    involvement_id: RowId,
    *,
    done: str = "",
    error: str | None = None,
    reason: str = "",
) -> Response:
    one = involvement.shown(page.session, page.user.principal, involvement_id)
    context = {"one": one, "done": done, "error": error, "reason": reason}
    return page.render("signposting/involvement.html", context, 400 if error else 200)


@router.get("/involvements/{involvement_id}", response_class=HTMLResponse)
def involvement_page(page: PageDep, involvement_id: RowId, done: Done = "") -> Response:
    return _involvement_page(page, involvement_id, done=done)


@router.post("/involvements/{involvement_id}/end", response_class=HTMLResponse)
def end_involvement(page: FormPage, involvement_id: RowId) -> Response:
    reason = page.value("reason")
    try:
        involvement.end(page.session, page.user.principal, involvement_id, reason)
    except InvalidValue:
        error = "Enter why the involvement ends, in 200 characters or fewer"
        return _involvement_page(page, involvement_id, error=error, reason=reason[:300])
    return RedirectResponse(f"/involvements/{involvement_id}?done=ended", status_code=303)


@router.post("/involvements/{involvement_id}/renew")
def renew_involvement(page: FormPage, involvement_id: RowId) -> Response:
    involvement.renew(page.session, page.user.principal, involvement_id)
    return RedirectResponse(f"/involvements/{involvement_id}?done=renewed", status_code=303)


class InvolvementCreate(Schema):
    """Registering the user's involvement with a child: who they are, how to reach them
    (an e-mail address or a telephone number, or both), the service and since when."""

    service_type: str = Field(max_length=100)
    organisation: str = Field(max_length=200)
    practitioner_name: str = Field(max_length=200)
    practitioner_role: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=30)
    started_on: date
    lead_professional: bool = False
    early_help_assessment: bool = False
    consent_evidence: str | None = Field(
        default=None,
        max_length=1000,
        description="For a sexual health, mental health or substance misuse service (and"
        " only then, required): how the young person's consent to record it was given.",
    )


class InvolvementRead(Schema):
    id: int
    cp_id: str
    service_type: str
    organisation: str
    practitioner_name: str
    practitioner_role: str | None
    email: str | None
    phone: str | None
    started_on: date
    lead_professional: bool
    early_help_assessment: bool
    sensitive: bool
    active: bool
    active_until: date
    ended_on: date | None
    end_reason: str | None


class InvolvementEndCreate(Schema):
    reason: str = Field(max_length=300, description="Why it ends, in at most 200 characters.")


def _read(one: involvement.InvolvementShown) -> InvolvementRead:
    found = one.involvement
    return InvolvementRead(
        id=found.id, cp_id=one.cp_id, service_type=found.service_type,
        organisation=found.organisation, practitioner_name=found.practitioner_name,
        practitioner_role=found.practitioner_role, email=found.email, phone=found.phone,
        started_on=found.started_on, lead_professional=found.lead_professional,
        early_help_assessment=found.early_help_assessment, sensitive=found.sensitive,
        active=one.active, active_until=found.active_until, ended_on=found.ended_on,
        end_reason=found.end_reason,
    )  # fmt: skip


@api.post(
    "/children/{cp_id}/involvements",
    summary="Register your involvement with a child",
    status_code=201,
    responses={
        **WRITES,
        404: {"description": "No such child"},
        409: {"description": "Already registered for this service"},
        422: {"description": "A value is not valid (the field is named)"},
    },
)
def register_api(
    session: SessionDep, user: CheckedCall, cp_id: str, body: InvolvementCreate
) -> InvolvementRead:
    """Raises match signals (inbox and e-mail) when the child, or a brother or sister,
    is flagged and others are involved; a registration from outside a flagged child's
    responsible authority is a contact that tells the child's social worker."""
    details = involvement.InvolvementCreate(**body.model_dump())
    made = involvement.register(
        session, user.principal, cp_id, details, overrides=user.login.overrides
    )
    return _read(involvement.shown(session, user.principal, made.id))


@api.post(
    "/involvements/{involvement_id}/end",
    summary="End an involvement",
    responses={
        **WRITES,
        404: {"description": "No such involvement"},
        409: {"description": "Ended already"},
    },
)
def end_api(
    session: SessionDep, user: CheckedCall, involvement_id: RowId, body: InvolvementEndCreate
) -> InvolvementRead:
    """Your own; or, for the owning authority's data managers, anyone's."""
    involvement.end(session, user.principal, involvement_id, body.reason)
    return _read(involvement.shown(session, user.principal, involvement_id))


@api.post(
    "/involvements/{involvement_id}/renew",
    summary="Renew your involvement",
    responses={
        **WRITES,
        404: {"description": "No such involvement"},
        409: {"description": "No longer active: register again"},
    },
)
def renew_api(session: SessionDep, user: CheckedCall, involvement_id: RowId) -> InvolvementRead:
    """Keep your own active involvement active for another full period."""
    involvement.renew(session, user.principal, involvement_id)
    return _read(involvement.shown(session, user.principal, involvement_id))
