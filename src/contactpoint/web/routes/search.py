"""Search: the page (a POST form with its CSRF token — works without JavaScript, and
keeps names, dates and reasons out of addresses, history and logs) and
``GET /api/v1/children`` for machines and scripts.

Both need a signed-in user whose role includes searching, and a reason for access; both
go through ``search.practitioner.find_children``, which applies the policy to every
result and audits the search.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.responses import Response

from contactpoint.access.auth import Current
from contactpoint.access.policy import Action, Disclosure
from contactpoint.access.reasons import REASONS, reason
from contactpoint.errors import InvalidValue, InvalidValues, SearchTooBroad
from contactpoint.search.practitioner import Findings, find_children
from contactpoint.search.query import TYPED_FIELDS, typed_query
from contactpoint.web.api import Schema
from contactpoint.web.auth import require, signed_in
from contactpoint.web.pages import FormPage, PageDep

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["children"])

Text = Annotated[str, Field(max_length=300)]


class Criteria(BaseModel):
    """What a search asks, by the fields' own names (``search.query.TYPED_FIELDS``), and
    the reason for access (``reason``). Other fields are ignored: a form posts its CSRF
    token too."""

    reason_code: str = Field(alias="reason", max_length=40)
    given_names: Text = ""
    family_name: Text = ""
    date_of_birth: Text = ""
    born_from: Text = ""
    born_to: Text = ""
    gender: Text = ""
    postcode: Text = ""
    address: Text = ""
    identifier: Text = ""
    reason_detail: str = Field("", max_length=600)


class FormCriteria(Criteria):
    """The form's criteria: a missing reason is told at its field with any other
    problem, not refused as a bad request."""

    reason_code: str = Field("", alias="reason", max_length=40)


@router.get("/search", response_class=HTMLResponse)
def search_form(page: PageDep) -> Response:
    require(page.user, Action.SEARCH)
    values = dict.fromkeys((*TYPED_FIELDS, "reason", "reason_detail"), "")
    return page.render(
        "search/search.html", {"values": values, "reasons": REASONS, "errors": {}, "found": None}
    )


@router.post("/search", response_class=HTMLResponse)
def search_page(page: FormPage, criteria: Annotated[FormCriteria, Form()]) -> Response:
    """A search from the form: a POST, so the criteria and the reason stay out of the
    address bar, browser history and every log."""
    user = page.user
    require(user, Action.SEARCH)
    values = criteria.model_dump(by_alias=True)
    context: dict[str, Any] = {"values": values, "reasons": REASONS, "errors": {}, "found": None}
    # Every problem at once — the criteria's and the reason's — each at its field.
    errors: dict[str, str] = {}
    try:
        query = typed_query(values)
    except InvalidValue as invalid:
        errors |= plain_errors(invalid)
    try:
        why = reason(criteria.reason_code, criteria.reason_detail)
    except InvalidValue as invalid:
        errors |= plain_errors(invalid)
    if errors:
        context["errors"] = errors
        return page.render("search/search.html", context, 400)
    context["found"] = find_children(page.session, user.principal, user.actor, query, why)
    return page.render("search/search.html", context)


# The form's fields as its labels say them, for messages.
LABELS = {
    "given_names": "Given names", "family_name": "Family name",
    "date_of_birth": "Date of birth", "born_from": "Born on or after",
    "born_to": "Born on or before", "gender": "Gender", "postcode": "Postcode",
    "address": "Address", "reason": "The reason",
}  # fmt: skip
_INTERNAL = re.compile(r"\b(" + "|".join(name for name in LABELS if "_" in name) + r")\b")


def plain_errors(invalid: InvalidValue) -> dict[str, str]:
    """Each problem of a search as a sentence at its field, in the words of the form."""
    problems = invalid.problems if isinstance(invalid, InvalidValues) else (invalid,)
    return dict(_plain(problem) for problem in problems)


def _plain(problem: InvalidValue) -> tuple[str, str]:
    if isinstance(problem, SearchTooBroad):
        wanted = [LABELS[name].lower() for name in problem.helpful]
        if not problem.given:
            return "given_names", (
                "Enter what you know about the child: a name with a date of birth or"
                " postcode, both names, or an NHS number, UPN or ContactPoint ID"
            )
        add = f"add the {_either(wanted)}, or" if wanted else "give a name with a date of birth"
        return problem.given[0], (
            f"Your search is too broad to find a child: {add} an NHS number, UPN or ContactPoint ID"
        )
    reason = _INTERNAL.sub(lambda name: LABELS[name.group(1)].lower(), problem.reason)
    if problem.field == "identifier" and ": " in reason:
        kind, why = reason.split(": ", 1)  # "NHS number: must be 10 digits"
        return "identifier", f"The {kind} {why}"
    label = LABELS.get(problem.field)
    if label and reason.split(" ", 1)[0] in ("is", "must", "contains"):
        return problem.field, f"{label} {reason}"
    return problem.field, reason[:1].upper() + reason[1:]


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


class ContactRead(Schema):
    authority: str
    email: str | None
    phone: str | None


class ChildFoundRead(Schema):
    """A child found. A shielded record shows only its ID, that it is shielded, and whom
    to contact."""

    cp_id: str
    shielded: bool
    why: str
    given_names: str | None = None
    family_name: str | None = None
    date_of_birth: str | None = None
    gender: str | None = None
    postcode_district: str | None = None
    authority: str | None = None
    deceased: bool = False
    contact: ContactRead | None = None


class SearchRead(Schema):
    outcome: str
    results: list[ChildFoundRead]
    narrow_by: list[str]
    message: str


@api.get("/children", summary="Search for children")
async def search_api(request: Request, criteria: Annotated[Criteria, Query()]) -> SearchRead:
    """Match a partial record against the index: at most 20 children, best first, or
    ``too_many`` with the fields that would narrow the search. ``reason`` is one of the
    reasons for access (``other`` needs ``reason_detail``). Answers 401 without a
    signed-in session."""

    def work(session: Session, user: Current) -> SearchRead:
        require(user, Action.SEARCH)
        why = reason(criteria.reason_code, criteria.reason_detail)
        query = typed_query(criteria.model_dump())
        return _read(find_children(session, user.principal, user.actor, query, why))

    return await signed_in(request, work)


def _read(found: Findings) -> SearchRead:
    return SearchRead(
        outcome="too_many" if found.too_many else "results",
        results=[
            ChildFoundRead(
                cp_id=f.cp_id,
                shielded=f.disclosure is Disclosure.EXISTS_ONLY,
                why=f.reason,
                given_names=f.given_names,
                family_name=f.family_name,
                date_of_birth=f.date_of_birth.isoformat() if f.date_of_birth else None,
                gender=f.gender,
                postcode_district=f.postcode_district,
                authority=f.authority,
                deceased=f.deceased,
                contact=ContactRead(**asdict(f.contact)) if f.contact else None,
            )
            for f in found.findings
        ],
        narrow_by=list(found.narrow_by),
        message=found.message,
    )
