"""Loading one feed file: parse, validate, standardise, link and store, in one transaction.

``load_file`` never commits; run it inside ``db.unit_of_work`` so that a refused file,
or any failure part way, leaves the database exactly as it was.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.children.service import Incoming, Progress, ingest
from contactpoint.errors import FileRefused
from contactpoint.feeds import control
from contactpoint.feeds.fields import RowError, RowInvalid, RowReader
from contactpoint.feeds.models import FeedRun, FeedRunException, FeedRunStatus
from contactpoint.feeds.parse import parse_csv
from contactpoint.feeds.sources import Source, get_source
from contactpoint.matching.decide import Thresholds
from contactpoint.settings import get_settings


def configured_thresholds() -> Thresholds:
    """The match thresholds from the settings."""
    settings = get_settings()
    return Thresholds(
        link=settings.match_link_threshold,
        review=settings.match_review_threshold,
        margin=settings.match_margin,
    )


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What a load did. ``already_loaded``: these exact bytes were loaded before."""

    run: FeedRun
    already_loaded: bool
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()


def standardise_rows(
    source: Source, data: bytes, *, file_name: str, today: date
) -> tuple[list[Incoming], list[RowError], tuple[str, ...]]:
    """Parse the file and validate every row: the rows that load, and every row error."""
    parsed = parse_csv(data, file_name=file_name, columns=source.columns)
    good: list[Incoming] = []
    errors: list[RowError] = []
    for raw in parsed.rows:
        reader = RowReader(raw.line, raw.cells, today=today)
        try:
            good.append(Incoming(raw.cells, source.standardise(reader)))
        except RowInvalid as invalid:
            errors.extend(invalid.errors)
    return good, errors, parsed.ignored_columns


def load_file(
    session: Session,
    *,
    source_name: str,
    path: Path,
    loaded_by: str,
    strict: bool = False,
    today: date | None = None,
    thresholds: Thresholds | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    """Load one file from one source; raise ``FileRefused`` if it cannot be loaded whole."""
    source = get_source(source_name)
    file_name = path.name
    control.ensure_accepting(session, source.name, file_name)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise FileRefused(file_name, f"cannot be read ({error.strerror})") from None
    digest = hashlib.sha256(data).hexdigest()
    previous = session.scalar(
        select(FeedRun).where(FeedRun.source == source.name, FeedRun.file_sha256 == digest)
    )
    if previous is not None:
        return LoadResult(previous, already_loaded=True)

    started = datetime.now(UTC)
    rows, errors, ignored = standardise_rows(
        source, data, file_name=file_name, today=today or date.today()
    )
    if errors and strict:
        first = errors[0]
        bad_lines = len({e.line for e in errors})
        raise FileRefused(
            file_name,
            f"{bad_lines} row(s) are invalid and --strict refuses the file;"
            f" first: {first.field} {first.reason}",
            row=first.line,
        )
    run = FeedRun(
        source=source.name,
        file_name=file_name,
        file_sha256=digest,
        status=FeedRunStatus.LOADED_WITH_EXCEPTIONS if errors else FeedRunStatus.LOADED,
        started_at=started,
        loaded_by=loaded_by,
        rows_read=len(rows) + len({e.line for e in errors}),
        new_children=0,
        linked=0,
        updated=0,
        unchanged=0,
        rejected=len({e.line for e in errors}),
    )
    session.add(run)
    session.flush()
    counts = ingest(
        session,
        source=source.name,
        feed_run_id=run.id,
        rows=rows,
        thresholds=thresholds or configured_thresholds(),
        progress=progress,
    )
    run.new_children = counts.new_children
    run.for_review = counts.for_review
    run.children_joined = counts.joined
    run.linked = counts.linked
    run.updated = counts.updated
    run.unchanged = counts.unchanged
    if source.after_load is not None:
        source.after_load(session, run.id, today or date.today())
    session.add_all(
        FeedRunException(
            feed_run_id=run.id, line=e.line, record_id=e.record_id, field=e.field, reason=e.reason
        )
        for e in errors
    )
    session.flush()
    return LoadResult(run, False, errors, ignored)


def write_exception_report(result: LoadResult, directory: Path) -> Path:
    """Write the run's rejected rows as CSV (line, record_id, field, reason)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"feed-run-{result.run.id}-{result.run.source}-exceptions.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "record_id", "field", "reason"])
        for error in result.errors:
            writer.writerow([error.line, error.record_id or "", error.field, error.reason])
    return path
