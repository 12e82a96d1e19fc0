"""A child's record: the page ``/children/{cp_id}`` and ``/api/v1/children/{cp_id}``.

Both need a reason for looking (``access.reasons``). Without a valid one the page shows
a form asking for it (a GET back to the same address) and the API answers 422; neither
is a look at the record, so neither is audited. With a reason, ``records.view`` decides
what the user may see and audits the look. A refusal (403) or an unknown ID (404) is
audited too: raised, it carries its entry, which the error handler writes again once
the request's unit of work has rolled back (``web.errors``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import ConfigDict
from starlette.responses import Response

from contactpoint.access import reasons
from contactpoint.access.auth import Current
from contactpoint.access.policy import Action
from contactpoint.access.reasons import MAX_OTHER, REASONS, Reason
from contactpoint.errors import InvalidValue
from contactpoint.feeds.sources import SOURCES
from contactpoint.records.view import (
    MAX_OVERRIDE_REASON,
    RecordView,
    may_override,
    override_shield,
)
from contactpoint.signposting import guard
from contactpoint.signposting.alerts import view_record
from contactpoint.web.api import Schema
from contactpoint.web.auth import CurrentUser
from contactpoint.web.deps import ReasonCode, ReasonDetail, SessionDep
from contactpoint.web.errors import error_response
from contactpoint.web.pages import FormPage, Page, PageDep

router = APIRouter()
SOURCE_TITLES = {name: source.title for name, source in SOURCES.items()}
# The signposting pages a record links to, for those the policy lets use them.
SIGNPOSTING = (
    Action.REGISTER_INVOLVEMENT,
    Action.SIGNPOST,
    Action.MANAGE_FLAGS,
    Action.SHIELD,
)


class _Read(Schema):
    model_config = ConfigDict(from_attributes=True)


class ProvenanceRead(_Read):
    """Which source said it and when it recorded it (else when its file arrived)."""

    source: str
    recorded_on: date | None
    received_on: date


class NameRead(_Read):
    given_names: str | None
    family_name: str | None
    provenance: ProvenanceRead | None


class DateRead(_Read):
    value: date | None
    provenance: ProvenanceRead | None


class TextRead(_Read):
    value: str
    provenance: ProvenanceRead | None


class IdentifierRead(_Read):
    scheme: str
    value: str
    provenance: ProvenanceRead


class AddressRead(_Read):
    kind: str
    address_line: str | None
    postcode: str | None
    la_code: str | None
    intends_to_return: bool | None
    provenance: ProvenanceRead


class CarerRead(_Read):
    given_names: str | None
    family_name: str | None
    relationship: str | None
    parental_responsibility: bool | None
    address_line: str | None
    postcode: str | None
    phone: str | None
    provenance: ProvenanceRead


class RegistrationRead(_Read):
    organisation_code: str
    organisation_name: str | None
    la_code: str | None
    start_date: date | None
    provenance: ProvenanceRead


class ServiceRead(_Read):
    service_type: str | None
    organisation: str | None
    practitioner_name: str | None
    practitioner_role: str | None
    practitioner_email: str | None
    practitioner_phone: str | None
    start_date: date | None
    lead_professional: bool
    early_help_assessment: bool
    sensitive: bool
    provenance: ProvenanceRead


class VulnerabilityRead(_Read):
    kind: str
    start_date: date | None
    end_date: date | None
    la_code: str | None
    la_name: str | None
    provenance: ProvenanceRead


class ChildRecordRead(_Read):
    """A child's record as the user may see it. ``address_history`` is present only for
    the owning authority's data managers; sensitive services only with consent."""

    cp_id: str
    disclosure: Literal["full"] = "full"
    shielded: bool
    merged_from: str | None
    overridden: bool
    status: str
    incomplete: bool
    responsible_la_code: str | None
    responsible_la_name: str | None
    name: NameRead
    former_names: list[NameRead]
    date_of_birth: DateRead
    gender: TextRead
    date_of_death: DateRead
    left_england_on: date | None
    identifiers: list[IdentifierRead]
    address: AddressRead | None
    address_history: list[AddressRead] | None
    carers: list[CarerRead]
    schools: list[RegistrationRead]
    gps: list[RegistrationRead]
    services: list[ServiceRead]
    vulnerabilities: list[VulnerabilityRead]


class TeamContactRead(_Read):
    """Whom to ask about a shielded record; ``national`` when the owning authority has
    no ContactPoint team contact on record (ask the national ContactPoint team)."""

    authority: str | None
    email: str | None
    phone: str | None
    national: bool


class ShieldedRecordRead(_Read):
    """A shielded record: only that it exists and whom to contact."""

    cp_id: str
    disclosure: Literal["exists_only"] = "exists_only"
    shielded: Literal[True] = True
    contact: TeamContactRead


def _look(session: SessionDep, user: Current, cp_id: str, why: Reason) -> RecordView:
    """The view; a refusal or an unknown ID is raised carrying its audit entry, which the
    error handler writes again once the request has rolled back (``web.errors``)."""
    return view_record(session, user.principal, cp_id, why, overrides=user.login.overrides)


def _problem(problem: InvalidValue) -> str:
    """The form's error message, as GOV.UK words them."""
    if problem.field == "reason":
        return "Choose a reason for looking at this record"
    return problem.reason[:1].upper() + problem.reason[1:]


@router.get("/children/{cp_id}", response_class=HTMLResponse, include_in_schema=False)
def record_page(
    page: PageDep, cp_id: str, reason: ReasonCode = None, reason_detail: ReasonDetail = None
) -> Response:
    return _page(page, cp_id, reason, reason_detail)


@router.post("/children/{cp_id}", response_class=HTMLResponse, include_in_schema=False)
def record_page_posted(
    page: FormPage,
    cp_id: str,
    reason: Annotated[str | None, Form(max_length=60)] = None,
    reason_detail: Annotated[str | None, Form(max_length=MAX_OTHER + 100)] = None,
) -> Response:
    """The same page reached by the reason form or a search result's button: the reason
    travels in the request body, so it stays out of addresses, history and logs."""
    return _page(page, cp_id, reason, reason_detail)


@router.post("/children/{cp_id}/override", response_class=HTMLResponse, include_in_schema=False)
def override(
    page: FormPage,
    cp_id: str,
    override_reason: Annotated[str, Form(max_length=MAX_OVERRIDE_REASON + 100)] = "",
    reason: Annotated[str | None, Form(max_length=60)] = None,
    reason_detail: Annotated[str | None, Form(max_length=MAX_OTHER + 100)] = None,
) -> Response:
    """Break glass: a key professional opens a shielded record, saying why. The override
    lasts for this session and is flagged in the audit trail; then the record is shown."""
    user = page.user
    try:
        user.login.overrides = override_shield(
            page.session, user.principal, cp_id, override_reason, list(user.login.overrides)
        )
    except InvalidValue as problem:
        return error_response(page.request, 422, _problem(problem))
    return _page(page, cp_id, reason, reason_detail)


def _page(page: Page, cp_id: str, reason: str | None, reason_detail: str | None) -> Response:
    session, user = page.session, page.user
    try:
        why = reasons.reason(reason, reason_detail)
    except InvalidValue as problem:
        asked = reason is not None or reason_detail is not None
        context: dict[str, Any] = {
            "cp_id": cp_id,
            "reasons": REASONS,
            "chosen": reason or "",
            "detail": reason_detail or "",
            "error": _problem(problem) if asked else None,
            "error_field": problem.field,
        }
        return page.render("records/reason.html", context, 422 if asked else 200)
    shown = _look(session, user, cp_id, why)
    # What else the page offers (each asks the policy again when it is done).
    offered = (
        frozenset()
        if shown.shielded
        else guard.may(session, user.principal, cp_id, SIGNPOSTING, overrides=user.login.overrides)
    )
    return page.render(
        "records/view.html",
        {
            "view": shown,
            "record": shown.record,
            "sources": SOURCE_TITLES,
            "why": why,
            "can_override": shown.shielded and may_override(session, user.principal, cp_id),
            "may": {action.value for action in offered},
        },
    )


@router.get(
    "/api/v1/children/{cp_id}",
    summary="A child's record",
    tags=["children"],
    response_model=ChildRecordRead | ShieldedRecordRead,
    responses={
        401: {"description": "Not signed in"},
        403: {"description": "The access policy refused the look (audited)"},
        404: {"description": "No child with this ContactPoint ID (audited)"},
        422: {"description": "No reason, or not a valid reason, for looking"},
    },
)
def record_api(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    cp_id: str,
    reason: ReasonCode = None,
    reason_detail: ReasonDetail = None,
) -> Any:
    """The child's record with the provenance of every value, or only whom to contact
    if it is shielded from you. ``reason`` is one of the reasons for access; ``other``
    needs ``reason_detail``. Every call is audited with the reason."""
    why = reasons.reason(reason, reason_detail)
    shown = _look(session, user, cp_id, why)
    if shown.record is None:
        return ShieldedRecordRead(
            cp_id=shown.cp_id, contact=TeamContactRead.model_validate(shown.contact)
        )
    full = shown.record
    history = full.address_history if shown.address_history_shown else None
    return ChildRecordRead.model_validate(
        {
            "cp_id": full.cp_id,
            "shielded": full.shielded,
            "merged_from": shown.merged_from,
            "overridden": shown.overridden,
            "status": full.status.value,
            "incomplete": full.incomplete,
            "responsible_la_code": full.responsible_la_code,
            "responsible_la_name": full.responsible_la_name,
            "name": full.name,
            "former_names": full.former_names,
            "date_of_birth": full.date_of_birth,
            "gender": full.gender,
            "date_of_death": full.date_of_death,
            "left_england_on": full.left_england_on,
            "identifiers": full.identifiers,
            "address": full.address,
            "address_history": history,
            "carers": full.carers,
            "schools": full.schools,
            "gps": full.gps,
            "services": full.services,
            "vulnerabilities": full.vulnerabilities,
        },
        from_attributes=True,
    )
