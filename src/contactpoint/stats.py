"""What the index holds: the counts ``contactpoint stats`` and the home page show, and
the figures by day the administration console charts.

Feed deliveries and review decisions are dated, so their figures by day are derived.
What the index holds on a day — records per source, children, incomplete records — is
not: the daily jobs keep a snapshot of the counts (``take_snapshot``, one row a day,
counts only, no personal data), and the console charts those with today's counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from contactpoint.feeds.sources import SOURCES
from contactpoint.kinds.children import ChildStatus
from contactpoint.tables.children import Child, SourceRecord
from contactpoint.tables.feeds import FeedRun
from contactpoint.tables.review import ReviewStatus, ReviewTask
from contactpoint.tables.stats import IndexSnapshot


def index_counts(session: Session) -> dict[str, Any]:
    """Children by status, source records by source, feed runs by source.

    A child merged into another is counted as ``merged``, not in the total.
    """
    by_status = dict(
        session.execute(select(Child.status, func.count()).group_by(Child.status)).all()
    )
    records = dict(
        session.execute(
            select(SourceRecord.source, func.count()).group_by(SourceRecord.source)
        ).all()
    )
    runs = dict(
        session.execute(select(FeedRun.source, func.count()).group_by(FeedRun.source)).all()
    )
    incomplete = session.scalar(select(func.count()).where(Child.incomplete.is_(True))) or 0
    return {
        "children": {
            "total": sum(n for status, n in by_status.items() if status != ChildStatus.MERGED),
            **{status.value: by_status.get(status, 0) for status in ChildStatus},
            "incomplete": incomplete,
        },
        "source_records": {
            "total": sum(records.values()),
            **{name: records.get(name, 0) for name in SOURCES},
        },
        "feed_runs": {
            "total": sum(runs.values()),
            **{name: runs.get(name, 0) for name in SOURCES},
        },
    }


@dataclass(frozen=True, slots=True)
class DayFigures:
    """One day of the index's figures: what the feeds delivered, what people decided,
    and the review queue at the day's end."""

    day: date
    rows: int
    new_children: int
    linked: int
    for_review: int
    rejected: int
    decided_linked: int
    decided_apart: int
    queue: int
    # How many days the oldest task still open at the day's end had waited.
    oldest_waiting_days: int


def figures_by_day(session: Session, days: int = 14, today: date | None = None) -> list[DayFigures]:
    """The last ``days`` days' figures, oldest first, derived from the feed runs and the
    review tasks as stored (days in UTC)."""
    last = today or datetime.now(UTC).date()
    first = last - timedelta(days=days - 1)
    start = datetime.combine(first, time(), UTC)
    runs = session.execute(
        select(
            FeedRun.started_at, FeedRun.rows_read, FeedRun.new_children, FeedRun.linked,
            FeedRun.for_review, FeedRun.rejected,
        ).where(FeedRun.started_at >= start)
    ).all()  # fmt: skip
    tasks = session.execute(
        select(ReviewTask.created_at, ReviewTask.decided_at, ReviewTask.status).where(
            or_(ReviewTask.decided_at.is_(None), ReviewTask.decided_at >= start)
        )
    ).all()
    delivered: dict[date, list[int]] = {}
    for started, *counts in runs:
        totals = delivered.setdefault(_utc(started).date(), [0] * 5)
        for index, value in enumerate(counts):
            totals[index] += value
    result = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        end = datetime.combine(day + timedelta(days=1), time(), UTC)
        waiting = [
            _utc(created)
            for created, decided, _ in tasks
            if _utc(created) < end and (decided is None or _utc(decided) >= end)
        ]
        decided_today = [
            status
            for _, decided, status in tasks
            if decided is not None and _utc(decided).date() == day
        ]
        rows, new, linked, review, rejected = delivered.get(day, [0] * 5)
        result.append(
            DayFigures(
                day=day, rows=rows, new_children=new, linked=linked, for_review=review,
                rejected=rejected,
                decided_linked=decided_today.count(ReviewStatus.LINKED),
                decided_apart=decided_today.count(ReviewStatus.KEPT_APART),
                queue=len(waiting),
                oldest_waiting_days=(end - min(waiting)).days if waiting else 0,
            )
        )  # fmt: skip
    return result


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive timestamps; the database writes them in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def current_figures(session: Session) -> dict[str, Any]:
    """The counts a snapshot keeps, as they are now."""
    open_tasks = session.scalar(select(func.count()).where(ReviewTask.status == ReviewStatus.OPEN))
    return {**index_counts(session), "review_open": open_tasks or 0}


def take_snapshot(session: Session, day: date, figures: dict[str, Any] | None = None) -> None:
    """Keep today's counts (taken again the same day, the later counts stand): the
    ``figures`` counted beforehand, or counted now."""
    session.execute(delete(IndexSnapshot).where(IndexSnapshot.day == day))
    counted = figures if figures is not None else current_figures(session)
    session.add(IndexSnapshot(day=day, figures=counted))
    session.flush()


def snapshots(
    session: Session, days: int, today: date, now: dict[str, Any]
) -> list[tuple[date, dict[str, Any]]]:
    """The last ``days`` days' snapshots, oldest first, ending with ``now`` (today's
    ``current_figures``); days with no snapshot (the service was not running) are left
    out."""
    first = today - timedelta(days=days - 1)
    kept = session.execute(
        select(IndexSnapshot.day, IndexSnapshot.figures)
        .where(IndexSnapshot.day >= first, IndexSnapshot.day < today)
        .order_by(IndexSnapshot.day)
    ).all()
    return [*((day, figures) for day, figures in kept), (today, now)]
