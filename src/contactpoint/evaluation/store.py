"""What the evaluation reads from the index it loaded: clusters, review tasks, dates left out.

Queries only; the evaluation's service owns the transactions.
"""

from __future__ import annotations

from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.orm import Session

from contactpoint.evaluation.labelled import RowKey
from contactpoint.linkage.export import links
from contactpoint.tables.children import SourceRecord
from contactpoint.tables.feeds import FeedRun
from contactpoint.tables.review import ReviewStatus, ReviewTask


def table_names(engine: Engine) -> set[str]:
    """The tables in the database (its default schema)."""
    return set(inspect(engine).get_table_names())


def rows_loaded_before(session: Session) -> tuple[int, int]:
    """Feed runs and source records already in the index."""
    runs = session.scalar(select(func.count()).select_from(FeedRun)) or 0
    records = session.scalar(select(func.count()).select_from(SourceRecord)) or 0
    return runs, records


def clusters(session: Session) -> dict[RowKey, str]:
    """The ContactPoint ID of every source record's child: the index's clustering."""
    return {(source, record_id): cp_id for source, record_id, cp_id in links(session)}


def open_review_tasks(session: Session) -> int:
    """Review tasks no one has decided yet."""
    statement = (
        select(func.count()).select_from(ReviewTask).where(ReviewTask.status == ReviewStatus.OPEN)
    )
    return session.scalar(statement) or 0


def dates_of_birth_left_out(session: Session) -> int:
    """Source records whose file gave a date of birth that the loader left out (not a
    real date, in the future, or more than 25 years ago)."""
    rows = session.execute(select(SourceRecord.payload, SourceRecord.facts))
    return sum(
        1
        for payload, facts in rows
        if (payload.get("date_of_birth") or "").strip() and facts.get("date_of_birth") is None
    )
