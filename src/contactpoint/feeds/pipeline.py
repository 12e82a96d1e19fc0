"""Loading one feed file: parse, validate, standardise, link and store, in one transaction.

``load_file`` never commits; run it inside ``db.unit_of_work`` so that a refused file,
or any failure part way, leaves the database exactly as it was.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
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
from contactpoint.feeds.files import Hashed, digest_of, opened
from contactpoint.feeds.ingest import Incoming, IngestCounts, Progress, ingest
from contactpoint.feeds.parse import RawRow, check_csv, parse_csv, read_rows
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
# Rows read, checked, matched and written at a time: a load's memory is bounded by this,
# not by the file (measured in docs/benchmarks.md).
LOAD_CHUNK = 50_000


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
    """Parse a file held in memory and validate every row: the rows that load, refusals
    and warnings. ``oldest_age_years`` is lifted only to evaluate the matcher on adults'
    data."""
    parsed = parse_csv(data, file_name=file_name, columns=source.columns)
    checked = standardise(
        source, parsed.rows, today=today, oldest_age_years=oldest_age_years, progress=progress
    )
    return replace(checked, ignored_columns=parsed.ignored_columns)


def standardise(
    source: Source,
    rows: Sequence[RawRow],
    *,
    today: date,
    oldest_age_years: int = OLDEST_PLAUSIBLE_AGE_YEARS,
    progress: Progress | None = None,
    done_before: int = 0,
    total: int | None = None,
) -> Standardised:
    """Validate rows (of a file, or a chunk of one: ``done_before`` rows of ``total``
    came before them). A refused row's warnings are reported with its refusals, as
    refusals: none of it loaded."""
    good: list[Incoming] = []
    errors: list[RowError] = []
    warnings: list[RowError] = []
    total = len(rows) if total is None else total
    for done, raw in enumerate(rows, start=done_before):
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
        progress("check", done_before + len(rows), total)
    return Standardised(good, errors, warnings, ())


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
    chunk_rows: int = LOAD_CHUNK,
) -> LoadResult:
    """Load one file from one source; raise ``FileRefused`` if it cannot be loaded whole.
    The load takes the index's turn first (``turns.take``; ``waiting`` is told if another
    load or relink has it), so two loads never decide rows against an index without the
    other's children, and the same file sent twice at once is "already loaded".

    The file is never held whole. It is read for its digest, then to check its
    structure (a broken file is refused before anything is written), then
    ``chunk_rows`` rows at a time, each chunk validated, matched and written before the
    next is read (and hashed again: a file rewritten meanwhile is refused) — all in the
    caller's one transaction, so the load is still whole or nothing."""
    source = get_source(source_name)
    file_name = path.name
    turns.take(session, waiting)
    control.ensure_accepting(session, source.name, file_name)
    digest = digest_of(path)
    previous = session.scalar(
        select(FeedRun).where(FeedRun.source == source.name, FeedRun.file_sha256 == digest)
    )
    if previous is not None:
        return LoadResult(previous, already_loaded=True)

    started = datetime.now(UTC)
    with opened(path) as stream:
        layout = check_csv(stream, file_name=file_name, columns=source.columns)
    # A savepoint: a file refused part way leaves the session as it was, whatever the
    # caller then does with its transaction (nothing is recorded as delivered, so a
    # corrected file can then be sent).
    with session.begin_nested():
        run = FeedRun(
            source=source.name,
            file_name=file_name,
            file_sha256=digest,
            status=FeedRunStatus.LOADED,
            started_at=started,
            loaded_by=loaded_by,
            rows_read=layout.rows,
            new_children=0,
            linked=0,
            updated=0,
            unchanged=0,
            rejected=0,
        )
        session.add(run)
        session.flush()
        chunks = _Chunks(session, source, run, layout.rows, progress)
        with opened(path) as stream:
            lines = Hashed(stream)
            rows = read_rows(lines, file_name=file_name, columns=source.columns)
            while chunk := list(itertools.islice(rows, chunk_rows)):
                checked = standardise(
                    source,
                    chunk,
                    today=today or date.today(),
                    oldest_age_years=oldest_age_years,
                    progress=progress,
                    done_before=chunks.read,
                    total=layout.rows,
                )
                # Under --strict a bad row refuses the file: the rows after it are only
                # checked, so that the refusal counts them all.
                loading = not (strict and (chunks.problems or checked.errors or checked.warnings))
                chunks.take(checked, len(chunk), thresholds or configured_thresholds(), loading)
        if lines.hexdigest() != digest:
            # Read twice: what was loaded must be the delivery the digest names.
            raise FileRefused(file_name, "the file changed while it was being loaded")
        chunks.refuse_if_bad(file_name, strict)
    errors, warnings = chunks.errors, chunks.warnings
    run.status = FeedRunStatus.LOADED_WITH_EXCEPTIONS if chunks.problems else FeedRunStatus.LOADED
    run.rejected = chunks.refused_lines
    run.rows_with_warnings = len({w.line for w in warnings})
    counts = chunks.counts
    run.new_children = sum(c.new_children for c in counts)
    run.for_review = sum(c.for_review for c in counts)
    run.children_joined = sum(c.joined for c in counts)
    run.linked = sum(c.linked for c in counts)
    run.updated = sum(c.updated for c in counts)
    run.unchanged = sum(c.unchanged for c in counts)
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
        for refused, group in ((True, errors), (False, warnings))
        for e in group
    )
    session.flush()
    return LoadResult(run, False, errors, layout.ignored_columns, warnings)


class _Chunks:
    """A file's chunks as they are checked and loaded: what each found, kept for the
    run's figures and its exception report."""

    def __init__(
        self, session: Session, source: Source, run: FeedRun, total: int, progress: Progress | None
    ) -> None:
        self.session, self.source, self.run = session, source, run
        self.total, self.progress = total, progress
        self.read = 0
        self.errors: list[RowError] = []
        self.warnings: list[RowError] = []
        self.counts: list[IngestCounts] = []

    @property
    def problems(self) -> list[RowError]:
        return sorted(self.errors + self.warnings, key=lambda e: e.line)

    @property
    def refused_lines(self) -> int:
        return len({e.line for e in self.errors})

    def take(self, checked: Standardised, rows: int, thresholds: Thresholds, loading: bool) -> None:
        """Note a chunk's problems and, if ``loading``, match and write its sound rows."""
        before = self.read
        self.read += rows
        self.errors.extend(checked.errors)
        self.warnings.extend(checked.warnings)
        if loading and checked.rows:
            self.counts.append(
                ingest(
                    self.session,
                    source=self.source.name,
                    feed_run_id=self.run.id,
                    rows=checked.rows,
                    thresholds=thresholds,
                    progress=_in_file(self.progress, before, self.total),
                )
            )

    def refuse_if_bad(self, file_name: str, strict: bool) -> None:
        """Refuse the file if no row could be loaded, or under ``strict`` any row was bad."""
        problems = self.problems
        if self.refused_lines == self.total:
            first = problems[0]
            raise FileRefused(
                file_name,
                f"no row could be loaded ({self.refused_lines} refused);"
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


def _in_file(progress: Progress | None, before: int, total: int) -> Progress | None:
    """A chunk's progress as the file's: its rows matched are counted after the rows
    of the chunks before it (writing and golden records are the chunk's own steps)."""
    if progress is None:
        return None

    def report(stage: str, done: int, of: int) -> None:
        if stage == "match":
            progress(stage, before + done, total)
        else:
            progress(stage, done, of)

    return report


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
