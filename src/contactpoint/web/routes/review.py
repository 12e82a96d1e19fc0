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
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from contactpoint.access.policy import Action
from contactpoint.errors import DecisionRefused
from contactpoint.review import casework
from contactpoint.web.auth import require
from contactpoint.web.deps import Done
from contactpoint.web.forms import sentence
from contactpoint.web.pages import FormPage, Page, PageDep

router = APIRouter(include_in_schema=False)
MAX_REASON = 500


def _reason(page: Page) -> tuple[str, dict[str, str]]:
    reason = page.value("reason")
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
    page: PageDep,
    done: Done = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> Response:
    require(page.user, Action.REVIEW_MATCHES)
    found = casework.queue(page.session, page.user.principal, page=page_number)
    now = datetime.now(UTC)
    waiting = [(task, (now - _utc(task.created_at)).days) for task in found.tasks]
    context = {"tasks": waiting, "queue": found, "total": found.total, "done": done}
    return page.render("review/queue.html", context)


def _task_page(
    page: Page,
    task_id: int,
    errors: dict[str, str] | None = None,
    refusal: str | None = None,
    reason: str = "",
) -> Response:
    pair = casework.compare(page.session, page.user.principal, _within(task_id))
    context = {"pair": pair, "errors": errors or {}, "refusal": refusal, "reason": reason}
    return page.render("review/task.html", context, 409 if refusal else 400 if errors else 200)


@router.get("/review/{task_id}", response_class=HTMLResponse)
def task_page(page: PageDep, task_id: int) -> Response:
    require(page.user, Action.REVIEW_MATCHES)
    return _task_page(page, task_id)


@router.post("/review/{task_id}/{decision}")
def decide(page: FormPage, task_id: int, decision: str) -> Response:
    """``decision`` is ``link`` (the same child) or ``keep-apart`` (different children)."""
    require(page.user, Action.REVIEW_MATCHES)
    if decision not in ("link", "keep-apart"):
        return _task_page(page, task_id, {"reason": "Choose a decision"})
    reason, errors = _reason(page)
    if errors:
        return _task_page(page, task_id, errors, reason=reason)
    make = casework.link if decision == "link" else casework.keep_apart
    try:
        make(page.session, page.user.principal, _within(task_id), reason)
    except DecisionRefused as refused:
        return _task_page(page, task_id, refusal=sentence(str(refused)))
    done = "linked" if decision == "link" else "kept_apart"
    return RedirectResponse(f"/review?done={done}", status_code=303)


def _merges_page(
    page: Page,
    cp_id: str,
    done: str = "",
    errors: dict[str, str] | None = None,
    refusal: str | None = None,
) -> Response:
    child, merges = casework.merges_of(page.session, page.user.principal, cp_id)
    context = {
        "child": child,
        "merges": merges,
        "done": done,
        "errors": errors or {},
        "refusal": refusal,
    }
    return page.render("review/merges.html", context, 409 if refusal else 400 if errors else 200)


@router.get("/children/{cp_id}/merges", response_class=HTMLResponse)
def merges_page(page: PageDep, cp_id: str, done: Done = "") -> Response:
    require(page.user, Action.REVIEW_MATCHES)
    return _merges_page(page, cp_id, done)


@router.post("/children/{cp_id}/merges/{merge_id}/unmerge")
def unmerge(page: FormPage, cp_id: str, merge_id: int) -> Response:
    require(page.user, Action.REVIEW_MATCHES)
    reason, errors = _reason(page)
    if errors:
        return _merges_page(page, cp_id, errors={f"reason-{merge_id}": errors["reason"]})
    try:
        casework.undo_merge(page.session, page.user.principal, _within(merge_id), reason)
    except DecisionRefused as refused:
        return _merges_page(page, cp_id, refusal=sentence(str(refused)))
    target = f"/children/{quote(cp_id, safe='')}/merges?done=unmerged"
    return RedirectResponse(target, status_code=303)
