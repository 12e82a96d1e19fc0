"""The review queue for data managers: ``/review`` lists the open tasks matching raised
(oldest first), ``/review/{task_id}`` shows the pair side by side — each child's golden
record and the source records behind it — with the field-by-field explanation of the
match weight, and asks "Link these records" or "Keep apart", with a reason.
``/children/{cp_id}/merges`` is a child's merge history, where a merge can be undone.

Who may do this (``Action.REVIEW_MATCHES``) is asked here for every page and again by
``review.casework``, which makes each decision and audits it. A decision someone else
made first, or one the index refuses (``DecisionRefused``), is shown on the page as a
problem (409) with nothing changed; a missing reason is shown at its field (400).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from contactpoint.access.auth import Current
from contactpoint.access.policy import Action
from contactpoint.errors import DecisionRefused
from contactpoint.review import casework
from contactpoint.web.auth import CurrentUser, require
from contactpoint.web.deps import Done, SessionDep, Templates
from contactpoint.web.forms import PostedForm, sentence

router = APIRouter(include_in_schema=False)
MAX_REASON = 500


def _render(
    request: Request, templates: Templates, name: str, context: dict[str, Any], status: int
) -> Response:
    response: Response = templates.TemplateResponse(request, name, context, status_code=status)
    return response


def _reason(form: PostedForm) -> tuple[str, dict[str, str]]:
    reason = form.value("reason")
    if not reason:
        return reason, {"reason": "Enter the reason for your decision"}
    if len(reason) > MAX_REASON:
        return reason, {"reason": f"The reason must be {MAX_REASON} characters or fewer"}
    return reason, {}


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive timestamps; the database writes them in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _within(number: int) -> int:
    """A task or merge id as the database can look it up (else no such thing: 0)."""
    return number if 0 < number < 2**31 else 0


@router.get("/review", response_class=HTMLResponse)
def queue_page(
    request: Request,
    session: SessionDep,
    templates: Templates,
    user: CurrentUser,
    done: Done = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    require(user, Action.REVIEW_MATCHES)
    found = casework.queue(session, user.principal, page=page)
    now = datetime.now(UTC)
    waiting = [(task, (now - _utc(task.created_at)).days) for task in found.tasks]
    context = {"tasks": waiting, "queue": found, "total": found.total, "done": done}
    return _render(request, templates, "review/queue.html", context, 200)


def _task_page(
    request: Request,
    session: SessionDep,
    templates: Templates,
    user: Current,
    task_id: int,
    errors: dict[str, str] | None = None,
    refusal: str | None = None,
    reason: str = "",
) -> Response:
    pair = casework.compare(session, user.principal, _within(task_id))
    context = {"pair": pair, "errors": errors or {}, "refusal": refusal, "reason": reason}
    status = 409 if refusal else 400 if errors else 200
    return _render(request, templates, "review/task.html", context, status)


@router.get("/review/{task_id}", response_class=HTMLResponse)
def task_page(
    request: Request, session: SessionDep, templates: Templates, user: CurrentUser, task_id: int
) -> Response:
    require(user, Action.REVIEW_MATCHES)
    return _task_page(request, session, templates, user, task_id)


@router.post("/review/{task_id}/{decision}")
def decide(
    request: Request,
    session: SessionDep,
    templates: Templates,
    user: CurrentUser,
    form: PostedForm,
    task_id: int,
    decision: str,
) -> Response:
    """``decision`` is ``link`` (the same child) or ``keep-apart`` (different children)."""
    require(user, Action.REVIEW_MATCHES)
    if decision not in ("link", "keep-apart"):
        return _task_page(
            request, session, templates, user, task_id, {"reason": "Choose a decision"}
        )
    reason, errors = _reason(form)
    if errors:
        return _task_page(request, session, templates, user, task_id, errors, reason=reason)
    make = casework.link if decision == "link" else casework.keep_apart
    try:
        make(session, user.principal, _within(task_id), reason)
    except DecisionRefused as refused:
        return _task_page(
            request, session, templates, user, task_id, refusal=sentence(str(refused))
        )
    done = "linked" if decision == "link" else "kept_apart"
    return RedirectResponse(f"/review?done={done}", status_code=303)


def _merges_page(
    request: Request,
    session: SessionDep,
    templates: Templates,
    user: Current,
    cp_id: str,
    done: str = "",
    errors: dict[str, str] | None = None,
    refusal: str | None = None,
) -> Response:
    child, merges = casework.merges_of(session, user.principal, cp_id)
    context = {
        "child": child,
        "merges": merges,
        "done": done,
        "errors": errors or {},
        "refusal": refusal,
    }
    status = 409 if refusal else 400 if errors else 200
    return _render(request, templates, "review/merges.html", context, status)


@router.get("/children/{cp_id}/merges", response_class=HTMLResponse)
def merges_page(
    request: Request,
    session: SessionDep,
    templates: Templates,
    user: CurrentUser,
    cp_id: str,
    done: Done = "",
) -> Response:
    require(user, Action.REVIEW_MATCHES)
    return _merges_page(request, session, templates, user, cp_id, done)


@router.post("/children/{cp_id}/merges/{merge_id}/unmerge")
def unmerge(
    request: Request,
    session: SessionDep,
    templates: Templates,
    user: CurrentUser,
    form: PostedForm,
    cp_id: str,
    merge_id: int,
) -> Response:
    require(user, Action.REVIEW_MATCHES)
    reason, errors = _reason(form)
    if errors:
        field = {f"reason-{merge_id}": errors["reason"]}
        return _merges_page(request, session, templates, user, cp_id, errors=field)
    try:
        casework.undo_merge(session, user.principal, _within(merge_id), reason)
    except DecisionRefused as refused:
        return _merges_page(
            request, session, templates, user, cp_id, refusal=sentence(str(refused))
        )
    target = f"/children/{quote(cp_id, safe='')}/merges?done=unmerged"
    return RedirectResponse(target, status_code=303)
