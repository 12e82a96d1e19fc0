"""Export of links: which child (ContactPoint ID) every source record belongs to."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint import spreadsheets
from contactpoint.tables.children import Child, SourceRecord


def links(session: Session) -> Iterator[tuple[str, str, str]]:
    """``(source, record_id, cp_id)`` for every source record, in a stable order."""
    rows = session.execute(
        select(SourceRecord.source, SourceRecord.record_id, Child.cp_id)
        .join(Child, Child.id == SourceRecord.child_id)
        .order_by(SourceRecord.source, SourceRecord.record_id)
        .execution_options(yield_per=10_000)
    )
    yield from ((source, record_id, cp_id) for source, record_id, cp_id in rows)


def export_links(session: Session, path: Path) -> int:
    """Write the links as CSV (``source,record_id,cp_id``); the number of rows written."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = spreadsheets.writer(handle)
        writer.writerow(["source", "record_id", "cp_id"])
        for row in links(session):
            writer.writerow(row)
            count += 1
    return count
