"""Shielding a child (``/children/{cp_id}/shield``): whether the child is shielded, who
changed it, when and why, and the form to shield the child or lift the shield — for
the data managers of the responsible authority (``records.shielding`` asks the policy
and audits every change). The same for machines under ``/api/v1``.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import Field
from starlette.responses import Response

from contactpoint.errors import InvalidValue
from contactpoint.records import shielding
from contactpoint.web.api import SIGNED_IN, WRITES, Schema
from contactpoint.web.auth import CheckedCall, CurrentUser
from contactpoint.web.deps import Done, SessionDep
from contactpoint.web.forms import sentence
from contactpoint.web.pages import FormPage, Page, PageDep

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["shielding"], responses=SIGNED_IN)
LABELS = {"reason": "The reason"}


def _page(
    page: Page,
    cp_id: str,
    *,
    done: str = "",
    reason: str = "",
    errors: dict[str, str] | None = None,
) -> Response:
    held = shielding.state(page.session, page.user.principal, cp_id)
    context = {"held": held, "done": done, "reason": reason, "errors": errors or {}}
    return page.render("records/shield.html", context, 400 if errors else 200)


@router.get("/children/{cp_id}/shield", response_class=HTMLResponse)
def shield_page(page: PageDep, cp_id: str, done: Done = "") -> Response:
    return _page(page, cp_id, done=done)


@router.post("/children/{cp_id}/shield", response_class=HTMLResponse)
def change_shield(page: FormPage, cp_id: str) -> Response:
    reason = page.value("reason")[: shielding.MAX_REASON + 1]
    shielded = page.value("shielded") == "yes"
    try:
        shielding.set_shield(page.session, page.user.principal, cp_id, shielded, reason)
    except InvalidValue as invalid:
        errors = {"reason": sentence(invalid.reason, "reason", LABELS)}
        return _page(page, cp_id, reason=reason, errors=errors)
    done = "shielded" if shielded else "unshielded"
    return RedirectResponse(f"/children/{cp_id}/shield?done={done}", status_code=303)


class ShieldChangeRead(Schema):
    shielded: bool
    by: str
    at: datetime
    reason: str


class ShieldRead(Schema):
    cp_id: str
    shielded: bool
    history: list[ShieldChangeRead]


class ShieldUpdate(Schema):
    shielded: bool
    reason: str = Field(min_length=1, max_length=shielding.MAX_REASON)


def _read(held: shielding.ShieldState) -> ShieldRead:
    return ShieldRead(
        cp_id=held.cp_id,
        shielded=held.shielded,
        history=[
            ShieldChangeRead(shielded=c.shielded, by=c.by, at=c.at, reason=c.reason)
            for c in held.history
        ],
    )


@api.get(
    "/children/{cp_id}/shield",
    summary="Whether a child is shielded, and who changed it",
    responses={
        403: {"description": "Not a data manager of the responsible authority (audited)"},
        404: {"description": "No such child"},
    },
)
def shield_api(session: SessionDep, user: CurrentUser, cp_id: str) -> ShieldRead:
    """For the responsible authority's data managers."""
    return _read(shielding.state(session, user.principal, cp_id))


@api.put(
    "/children/{cp_id}/shield",
    summary="Shield a child, or lift the shield",
    responses={
        **WRITES,
        404: {"description": "No such child"},
        409: {"description": "Already so, or no live record to shield"},
    },
)
def set_shield_api(
    session: SessionDep, user: CheckedCall, cp_id: str, body: ShieldUpdate
) -> ShieldRead:
    """For the responsible authority's data managers, with a reason (audited)."""
    return _read(shielding.set_shield(session, user.principal, cp_id, body.shielded, body.reason))
