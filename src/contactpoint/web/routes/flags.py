"""Data managers' signposting work: a child's vulnerability flags
(``/children/{cp_id}/flags``: list, set, end) and the requests for contact waiting to be
passed on (``/contact-requests``).

Both are for the data managers of the child's responsible authority; the services ask
the policy (MANAGE_FLAGS, PASS_ON_CONTACT) and audit every change. Setting a flag raises
any match signals it makes due. Flags, listed and set, for machines under ``/api/v1``.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from contactpoint.errors import InvalidValue
from contactpoint.signposting import brokered, flags, store
from contactpoint.tables.signposting import FlagKind, VulnerabilityFlag
from contactpoint.web.api import SIGNED_IN, WRITES, Schema
from contactpoint.web.auth import CheckedCall, CurrentUser
from contactpoint.web.deps import Done, RowId, SessionDep
from contactpoint.web.forms import date_values, sentence
from contactpoint.web.pages import FormPage, Page, PageDep

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["signposting"], responses=SIGNED_IN)
# The flags a data manager sets on a child (a pre-birth plan is set on the mother).
SETTABLE = (FlagKind.CHILD_PROTECTION_PLAN, FlagKind.LOOKED_AFTER)
LABELS = {"started_on": "The start date", "ended_on": "The end date"}


def _flags_page(
    page: Page,
    cp_id: str,
    *,
    done: str = "",
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    held = flags.flags_of_child(page.session, page.user.principal, cp_id)
    today = date.today()
    context = {
        "held": held,
        "labels": flags.LABELS,
        "settable": SETTABLE,
        "today": today,
        "values": values or {"kind": "", **date_values("started_on", today)},
        "done": done,
        "errors": errors or {},
    }
    return page.render("signposting/flags.html", context, 400 if errors else 200)


@router.get("/children/{cp_id}/flags", response_class=HTMLResponse)
def flags_page(page: PageDep, cp_id: str, done: Done = "") -> Response:
    return _flags_page(page, cp_id, done=done)


@router.post("/children/{cp_id}/flags", response_class=HTMLResponse)
def set_flag(page: FormPage, cp_id: str) -> Response:
    form = page.form
    values: dict[str, Any] = {"kind": form.value("kind")[:40], **form.date_parts("started_on")}
    errors: dict[str, str] = {}
    kind = next((k for k in SETTABLE if k.value == values["kind"]), None)
    if kind is None:
        errors["kind"] = "Choose the flag to set"
    try:
        started = form.day("started_on")
        if started is None:
            errors["started_on"] = "Enter the date the plan or period started"
    except InvalidValue as invalid:
        errors["started_on"] = sentence(invalid.reason, "started_on", LABELS)
    if errors or kind is None or started is None:
        return _flags_page(page, cp_id, values=values, errors=errors)
    try:
        flags.set_flag(page.session, page.user.principal, cp_id, kind, started)
    except InvalidValue as invalid:
        errors = {invalid.field: sentence(invalid.reason, invalid.field, LABELS)}
        return _flags_page(page, cp_id, values=values, errors=errors)
    return RedirectResponse(f"/children/{cp_id}/flags?done=set", status_code=303)


@router.post("/children/{cp_id}/flags/{flag_id}/end", response_class=HTMLResponse)
def end_flag(page: FormPage, cp_id: str, flag_id: RowId) -> Response:
    field = f"ended_on-{flag_id}"
    try:
        ended = page.form.day(field)
        if ended is None:
            raise InvalidValue(field, "", "enter the date the plan or period ended")
        flags.end_flag(page.session, page.user.principal, flag_id, ended)
    except InvalidValue as invalid:
        errors = {field: sentence(invalid.reason, "ended_on", LABELS)}
        return _flags_page(page, cp_id, errors=errors)
    return RedirectResponse(f"/children/{cp_id}/flags?done=flag_ended", status_code=303)


@router.get("/contact-requests", response_class=HTMLResponse)
def contact_requests_page(page: PageDep, done: Done = "") -> Response:
    """Requests for contact waiting for the user's authority to pass them on."""
    waiting = brokered.waiting(page.session, page.user.principal)
    return page.render("signposting/contact_requests.html", {"waiting": waiting, "done": done})


@router.get("/contact-requests/{request_id}")
def contact_request_link(request_id: RowId, _user: CurrentUser) -> Response:
    """Where a notification of a request points: the list, at that request."""
    return RedirectResponse(f"/contact-requests#request-{request_id}", status_code=303)


@router.post("/contact-requests/{request_id}/pass-on")
def pass_on(page: FormPage, request_id: RowId) -> Response:
    brokered.pass_on(page.session, page.user.principal, request_id)
    return RedirectResponse("/contact-requests?done=passed_on", status_code=303)


class FlagCreate(Schema):
    kind: Literal["child_protection_plan", "looked_after"]
    started_on: date


class ManagedFlagRead(Schema):
    id: int
    kind: str
    started_on: date
    ended_on: date | None
    la_code: str
    active: bool
    set_by: str


def _read(flag: VulnerabilityFlag, today: date) -> ManagedFlagRead:
    return ManagedFlagRead(
        id=flag.id, kind=flag.kind.value, started_on=flag.started_on, ended_on=flag.ended_on,
        la_code=flag.la_code, active=store.active_on(flag, today), set_by=flag.set_by,
    )  # fmt: skip


@api.get(
    "/children/{cp_id}/flags",
    summary="A child's vulnerability flags",
    responses={
        403: {"description": "Not a data manager of the responsible authority (audited)"},
        404: {"description": "No such child"},
    },
)
def flags_api(session: SessionDep, user: CurrentUser, cp_id: str) -> list[ManagedFlagRead]:
    """Every flag, latest start first: for the responsible authority's data managers."""
    held = flags.flags_of_child(session, user.principal, cp_id)
    today = date.today()
    return [_read(flag, today) for flag in held.flags]


@api.post(
    "/children/{cp_id}/flags",
    summary="Flag a child as vulnerable",
    status_code=201,
    responses={
        **WRITES,
        404: {"description": "No such child"},
        422: {"description": "A start date in the future"},
    },
)
def set_flag_api(
    session: SessionDep, user: CheckedCall, cp_id: str, body: FlagCreate
) -> ManagedFlagRead:
    """For the responsible authority's data managers; raises any match signals due."""
    flag = flags.set_flag(session, user.principal, cp_id, FlagKind(body.kind), body.started_on)
    return _read(flag, date.today())
