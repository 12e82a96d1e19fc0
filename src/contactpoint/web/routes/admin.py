"""The administration console, ``/admin``, for national administrators: each source's
state and latest deliveries with Suspend and Resume (the scaled-down mode), the national
onboarding switch, each organisation's cap on key professionals, and the index's
figures over time as charts (each with a table of the same numbers).

Every page and form needs ``Action.CONTROL_FEEDS`` (``ConsolePage``, ``ConsoleForm``);
the services check again what they change (``feeds.control.change``,
``access.key_professionals.set_cap``) and audit it. A form posts its CSRF token; on
success the browser goes back to ``/admin`` with a success banner, and a problem
re-shows the page with an error summary (status 400), changing nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from contactpoint import stats
from contactpoint.access import accounts, caps, key_professionals
from contactpoint.access.policy import Action
from contactpoint.errors import InvalidValue
from contactpoint.feeds import control
from contactpoint.feeds.sources import SOURCES
from contactpoint.web.auth import require
from contactpoint.web.charts import Series, bar_chart, line_chart
from contactpoint.web.deps import Done
from contactpoint.web.forms import sentence
from contactpoint.web.pages import Page, requiring

router = APIRouter(include_in_schema=False)
MAX_REASON = 500
DAYS = 14
ConsolePage = Annotated[Page, Depends(requiring(Action.CONTROL_FEEDS))]
ConsoleForm = Annotated[Page, Depends(requiring(Action.CONTROL_FEEDS, posted=True))]


def _label(day: date) -> str:
    return f"{day.day} {day:%b}"


def _charts(
    days: list[stats.DayFigures], held: list[tuple[date, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Each chart: its heading, the SVG, and the table of the same numbers."""
    labels = [_label(d.day) for d in days]
    per_day = (
        ("Rows received", [d.rows for d in days]),
        ("New children", [d.new_children for d in days]),
        ("Linked", [d.linked for d in days]),
        ("For review", [d.for_review for d in days]),
        ("Rejected", [d.rejected for d in days]),
    )
    decisions = (
        ("Linked by a data manager", [d.decided_linked for d in days]),
        ("Kept apart", [d.decided_apart for d in days]),
    )
    queue = (
        ("Open tasks", [d.queue for d in days]),
        ("Oldest task’s wait in days", [d.oldest_waiting_days for d in days]),
    )
    # What the index held each day (the daily snapshots, and today's counts).
    held_labels = [_label(day) for day, _ in held]
    per_source = [
        (source.title, [figures["source_records"].get(name, 0) for _, figures in held])
        for name, source in SOURCES.items()
    ]
    quality = (
        ("Children", [figures["children"]["total"] for _, figures in held]),
        ("Incomplete records", [figures["children"]["incomplete"] for _, figures in held]),
    )
    span = f"the last {len(days)} days"
    return [
        _chart("Source records per source", span, held_labels, per_source, bar=False),
        _chart("Children and incomplete records", span, held_labels, quality, bar=False),
        _chart("Rows received from the feeds each day", span, labels, per_day, bar=True),
        _chart("Match decisions each day", span, labels, decisions, bar=True),
        _chart("Review queue at the end of each day", span, labels, queue, bar=False),
    ]  # fmt: skip


def _chart(title: str, span: str, labels: list[str], series: Any, *, bar: bool) -> dict[str, Any]:
    lines = [Series(name, values) for name, values in series]
    described = "; ".join(_described(labels, one) for one in lines)
    draw = bar_chart if bar else line_chart
    return {
        "title": title,
        "svg": draw(title, f"{title}, {span}. {described}", labels, lines),
        "head": ["Day", *[one.name for one in lines]],
        "rows": [
            [label, *[one.values[index] for one in lines]] for index, label in enumerate(labels)
        ],
    }


def _described(labels: list[str], one: Series) -> str:
    """A series read out: "New children: 1 Nov 3, 2 Nov 0"."""
    pairs = zip(labels, one.values, strict=True)
    return f"{one.name}: " + ", ".join(f"{label} {value}" for label, value in pairs)


def _page(console: Page, done: str = "", errors: dict[str, str] | None = None) -> Response:
    session = console.session
    counts = stats.current_figures(session)
    today = datetime.now(UTC).date()
    context = {
        "sources": control.status(session),
        "runs": control.recent_runs(session),
        "national_open": accounts.onboarding_open(session, None),
        "caps": caps.caps(session),
        "counts": counts,
        "charts": _charts(
            stats.figures_by_day(session, DAYS, today),
            stats.snapshots(session, DAYS, today, counts),
        ),
        "done": done,
        "errors": errors or {},
        "max_reason": MAX_REASON,
    }
    return console.render("admin/index.html", context, 400 if errors else 200)


def _reason(console: Page, field: str) -> tuple[str, dict[str, str]]:
    reason = console.value("reason")
    if not reason:
        return reason, {field: "Enter the reason for the change"}
    if len(reason) > MAX_REASON:
        return reason, {field: f"The reason must be {MAX_REASON} characters or fewer"}
    return reason, {}


def _done(what: str) -> Response:
    return RedirectResponse(f"/admin?done={what}", status_code=303)


@router.get("/admin", response_class=HTMLResponse)
def admin_page(console: ConsolePage, done: Done = "") -> Response:
    return _page(console, done)


@router.post("/admin/feeds/{source}/{change}")
def change_feed(console: ConsoleForm, source: str, change: str) -> Response:
    """Suspend or resume a source (``change`` is ``suspend`` or ``resume``)."""
    if change not in ("suspend", "resume") or source not in SOURCES:
        return _page(console, errors={"feeds": "Choose a source and whether to suspend it"})
    reason, errors = _reason(console, f"reason-{source}")
    if errors:
        return _page(console, errors=errors)
    suspended = change == "suspend"
    control.change(
        console.session, console.user.principal, source, suspended=suspended, reason=reason
    )
    return _done("suspended" if suspended else "resumed")


@router.post("/admin/onboarding")
def set_onboarding(console: ConsoleForm) -> Response:
    require(console.user, Action.SET_NATIONAL_POLICY)
    reason, errors = _reason(console, "onboarding-reason")
    if errors:
        return _page(console, errors=errors)
    accounts.set_onboarding(
        console.session, console.user.actor, open_=console.value("open") == "yes", reason=reason
    )
    return _done("onboarding")


@router.post("/admin/caps/{code}")
def set_cap(console: ConsoleForm, code: str) -> Response:
    """An organisation's cap on key professionals; blank for the national cap."""
    field = f"cap-{code}"
    text = console.value("cap")
    cap: int | None = None
    if text:
        if not (text.isascii() and text.isdigit()) or len(text) > 4:
            return _page(console, errors={field: "Enter the cap as a whole number, like 5"})
        cap = int(text)
    try:
        key_professionals.set_cap(console.session, console.user.principal, code, cap)
    except InvalidValue as invalid:
        return _page(console, errors={field: sentence(invalid.reason, "cap", {"cap": "The cap"})})
    return _done("cap")
