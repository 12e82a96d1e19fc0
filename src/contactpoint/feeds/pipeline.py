"""Loading one feed file: parse, validate, standardise, link and store, in one transaction.

``load_file`` never commits; run it inside ``db.unit_of_work`` so that a refused file,
or any failure part way, leaves the database exactly as it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint import spreadsheets
from contactpoint.errors import FileRefused, NotFound
from contactpoint.feeds import control
from contactpoint.feeds.fields import (
    OLDEST_PLAUSIBLE_AGE_YEARS,
    RowError,
    RowInvalid,
    RowReader,
)
from contactpoint.feeds.ingest import Incoming, Progress, ingest
from contactpoint.feeds.parse import parse_csv
from contactpoint.feeds.sources import Source, get_source
from contactpoint.linkage import turns
from contactpoint.matching.decide import Thresholds
from contactpoint.settings import get_settings
from contactpoint.signposting import feed as signposting_feed
from contactpoint.signposting import flags
from contactpoint.tables.feeds import FeedRun, FeedRunException, FeedRunStatus

# What a source's rows set going once they are in, in the load's transaction (session,
# feed run id, today): a birth registration carries a flag over from the record it
# joins; children's services rows become involvements and flags. Kept here, not in the
# sources, so a source stays a pure description of a file.
AFTER_LOAD: dict[str, Callable[[Session, int, date], object]] = {
    "gro-births": flags.carry_over,
    "la-childrens-services": signposting_feed.apply,
}

# Rows checked between two reports of progress.
CHECK_CHUNK = 2000


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
    """What a load did. ``already_loaded``: these exact bytes were loaded before.

    ``errors``: problems that refused their row; ``warnings``: values left out of rows
    that loaded without them."""

    run: FeedRun
    already_loaded: bool
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()
    warnings: list[RowError] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Standardised:
    """A file's rows after validation: those that load, refusals and warnings."""

    rows: list[Incoming]
    errors: list[RowError]
    warnings: list[RowError]
    ignored_columns: tuple[str, ...]

    @property
    def refused_lines(self) -> int:
        return len({e.line for e in self.errors})

    @property
    def warned_lines(self) -> int:
        return len({w.line for w in self.warnings})


def standardise_rows(
    source: Source,
    data: bytes,
    *,
    file_name: str,
    today: date,
    oldest_age_years: int = OLDEST_PLAUSIBLE_AGE_YEARS,
    progress: Progress | None = None,
) -> Standardised:
    """Parse the file and validate every row: the rows that load, refusals and warnings.

    A refused row's warnings are reported with its refusals, as refusals: none of it
    loaded. ``oldest_age_years`` is lifted only to evaluate the matcher on adults' data."""
    parsed = parse_csv(data, file_name=file_name, columns=source.columns)
    good: list[Incoming] = []
    errors: list[RowError] = []
    warnings: list[RowError] = []
    total = len(parsed.rows)
    for done, raw in enumerate(parsed.rows):
        if progress and done % CHECK_CHUNK == 0:
            progress("check", done, total)
        reader = RowReader(raw.line, raw.cells, today=today, oldest_age_years=oldest_age_years)
        try:
            good.append(Incoming(raw.cells, source.standardise(reader)))
        except RowInvalid as invalid:
            errors.extend(invalid.errors)
            errors.extend(reader.warnings)
        else:
            warnings.extend(reader.warnings)
    if progress:
        progress("check", total, total)
    return Standardised(good, errors, warnings, parsed.ignored_columns)


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
    oldest_age_years: int = OLDEST_PLAUSIBLE_AGE_YEARS,
    waiting: Callable[[], None] | None = None,
) -> LoadResult:
    """Load one file from one source; raise ``FileRefused`` if it cannot be loaded whole.
    The load takes the index's turn first (``turns.take``; ``waiting`` is told if another
    load or relink has it), so two loads never decide rows against an index without the
    other's children, and the same file sent twice at once is "already loaded"."""
    source = get_source(source_name)
    file_name = path.name
    turns.take(session, waiting)
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
    checked = standardise_rows(
        source,
        data,
        file_name=file_name,
        today=today or date.today(),
        oldest_age_years=oldest_age_years,
        progress=progress,
    )
    problems = sorted(checked.errors + checked.warnings, key=lambda e: e.line)
    if not checked.rows and checked.errors:
        # Nothing is recorded as delivered: a corrected file can then be sent.
        first = problems[0]
        raise FileRefused(
            file_name,
            f"no row could be loaded ({checked.refused_lines} refused);"
            f" first: {first.field} {first.reason}",
            row=first.line,
        )
    if problems and strict:
        first = problems[0]
        bad_lines = len({e.line for e in problems})
        raise FileRefused(
            file_name,
            f"{bad_lines} row(s) have invalid values and --strict refuses the file;"
            f" first: {first.field} {first.reason}",
            row=first.line,
        )
    run = FeedRun(
        source=source.name,
        file_name=file_name,
        file_sha256=digest,
        status=FeedRunStatus.LOADED_WITH_EXCEPTIONS if problems else FeedRunStatus.LOADED,
        started_at=started,
        loaded_by=loaded_by,
        rows_read=len(checked.rows) + checked.refused_lines,
        new_children=0,
        linked=0,
        updated=0,
        unchanged=0,
        rejected=checked.refused_lines,
        rows_with_warnings=checked.warned_lines,
    )
    session.add(run)
    session.flush()
    counts = ingest(
        session,
        source=source.name,
        feed_run_id=run.id,
        rows=checked.rows,
        thresholds=thresholds or configured_thresholds(),
        progress=progress,
    )
    run.new_children = counts.new_children
    run.for_review = counts.for_review
    run.children_joined = counts.joined
    run.linked = counts.linked
    run.updated = counts.updated
    run.unchanged = counts.unchanged
    after_load = AFTER_LOAD.get(source.name)
    if after_load is not None:
        after_load(session, run.id, today or date.today())
    session.add_all(
        FeedRunException(
            feed_run_id=run.id,
            line=e.line,
            record_id=e.record_id,
            field=e.field,
            reason=e.reason,
            refused=refused,
        )
        for refused, group in ((True, checked.errors), (False, checked.warnings))
        for e in group
    )
    session.flush()
    return LoadResult(run, False, checked.errors, checked.ignored_columns, checked.warnings)


def report_path(run: FeedRun, directory: Path) -> Path:
    """Where run ``run``'s exception report is written."""
    return directory / f"feed-run-{run.id}-{run.source}-exceptions.csv"


def write_exception_report(session: Session, run_id: int, directory: Path) -> Path:
    """Write run ``run_id``'s row problems as CSV (line, record_id, field, reason,
    outcome) from the database, where the load kept them (``feed_run_exceptions``):
    ``refused`` rows were not loaded; ``loaded without value`` rows were. The load's
    caller writes it once the load has committed, and ``contactpoint feed report``
    (or the same file sent again) writes it again, so a crash between the commit and
    the file loses nothing for good."""
    run = session.get(FeedRun, run_id)
    if run is None:
        raise NotFound(f"no feed run with id {run_id}")
    problems = session.scalars(
        select(FeedRunException)
        .where(FeedRunException.feed_run_id == run_id)
        .order_by(FeedRunException.line, FeedRunException.id)
    )
    directory.mkdir(parents=True, exist_ok=True)
    path = report_path(run, directory)
    written = path.with_name(f".{path.name}.writing")
    with written.open("w", encoding="utf-8", newline="") as handle:
        writer = spreadsheets.writer(handle)
        writer.writerow(["line", "record_id", "field", "reason", "outcome"])
        for problem in problems:
            outcome = "refused" if problem.refused else "loaded without value"
            writer.writerow(
                [problem.line, problem.record_id or "", problem.field, problem.reason, outcome]
            )
    written.replace(path)  # whole or not at all
    return path
