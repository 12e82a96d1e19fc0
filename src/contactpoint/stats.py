"""What the index holds: the counts ``contactpoint stats`` and the home page show."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contactpoint.children.models import Child, ChildStatus, SourceRecord
from contactpoint.feeds.models import FeedRun
from contactpoint.feeds.sources import SOURCES


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
