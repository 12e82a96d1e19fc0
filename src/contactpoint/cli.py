"""The ``contactpoint`` command: each command parses, calls one service, prints.

Exit codes: 0 done; 1 a file or request refused (nothing changed); 2 usage error;
3 loaded, but some rows were rejected into the exception report.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy.orm import Session

from contactpoint import db, migrate
from contactpoint.errors import ContactPointError, FileRefused, NotFound, UnknownSource
from contactpoint.feeds import control, pipeline
from contactpoint.settings import get_settings
from contactpoint.stats import index_counts

EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_ROWS_REJECTED = 3

app = typer.Typer(
    help="ContactPoint: the national index of children.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
feed_app = typer.Typer(
    help="Source feeds: load files, suspend and resume sources.", no_args_is_help=True
)
match_app = typer.Typer(
    help="Identity matching: models, explanations, export.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(feed_app, name="feed")
app.add_typer(match_app, name="match")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

# Each domain error's exit code; the first matching class in this order wins.
EXIT_CODES: tuple[tuple[type[ContactPointError], int], ...] = (
    (UnknownSource, EXIT_USAGE),
    (FileRefused, EXIT_REFUSED),
    (NotFound, EXIT_REFUSED),
    (ContactPointError, EXIT_REFUSED),
)


def fail(error: ContactPointError) -> NoReturn:
    code = next(code for kind, code in EXIT_CODES if isinstance(error, kind))
    err.print(f"[bold red]Error:[/] {error}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn domain errors into a message and the right exit code."""
    try:
        yield
    except ContactPointError as error:
        fail(error)


def progress_bars() -> Progress:
    return Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def operator() -> str:
    """Who is running the command, for the record of who did what."""
    try:
        return f"cli:{getpass.getuser()}"
    except OSError:
        return "cli:unknown"


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A transaction on the configured database, once its schema is known to be current."""
    with reported_errors():
        migrate.require_current(db.get_engine())
    with db.unit_of_work() as session:
        yield session


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema to the newest version."""
    engine = db.get_engine()
    migrate.upgrade(engine)
    out.print(f"Database at revision {migrate.head_revision(engine)}.")


@app.command()
def synth(
    children: Annotated[int, typer.Option(min=1, help="How many children.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 1,
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for the files.")] = Path(
        "var/synth"
    ),
    as_of: Annotated[
        str | None,
        typer.Option(help="Date the population is drawn at (YYYY-MM-DD); default today."),
    ] = None,
) -> None:
    """Generate a synthetic population and one file per source, with its ground truth."""
    from contactpoint.synth import generate

    when = _parse_date(as_of, "--as-of") if as_of else date.today()
    with progress_bars() as bars:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(stage, total=total)
            bars.update(tasks[stage], completed=done, total=total)

        summary = generate(out_dir, children=children, seed=seed, as_of=when, progress=report)
    out.print(f"Wrote {out_dir}: {json.dumps(dict(summary.rows))}")


@feed_app.command("load")
def feed_load(
    source: Annotated[str, typer.Argument(help="Source name, e.g. gro-births.")],
    file: Annotated[Path, typer.Argument(help="The CSV file to load.")],
    strict: Annotated[bool, typer.Option(help="Refuse the whole file if any row is bad.")] = False,
    today: Annotated[
        str | None, typer.Option(help="Treat this date as today when checking dates.")
    ] = None,
) -> None:
    """Load one source file: all of it in one transaction, or nothing."""
    settings = get_settings()
    when = _parse_date(today, "--today") if today else None
    with reported_errors(), progress_bars() as bars:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            label = f"{source} {stage}"
            if label not in tasks:
                tasks[label] = bars.add_task(label, total=total)
            bars.update(tasks[label], completed=done, total=total)

        with unit_of_work() as session:
            result = pipeline.load_file(
                session,
                source_name=source,
                path=file,
                loaded_by=operator(),
                strict=strict,
                today=when,
                progress=report,
            )
    run = result.run
    if result.already_loaded:
        out.print(
            f"{file.name} was already loaded from {run.source} as run {run.id}"
            f" on {run.started_at:%Y-%m-%d %H:%M}; nothing changed."
        )
        return
    out.print(
        f"Run {run.id} ({run.source}, {file.name}): read {run.rows_read}, new children"
        f" {run.new_children}, linked {run.linked}, updated {run.updated}, unchanged"
        f" {run.unchanged}, rejected {run.rejected}."
    )
    if run.for_review:
        out.print(f"{run.for_review} review task(s) raised for a data manager.")
    if result.ignored_columns:
        out.print(f"Ignored unknown column(s): {', '.join(result.ignored_columns)}.")
    if result.errors:
        report_path = pipeline.write_exception_report(result, settings.var_dir / "reports")
        err.print(f"{run.rejected} row(s) rejected; exception report: {report_path}")
        raise typer.Exit(EXIT_ROWS_REJECTED)


@feed_app.command("suspend")
def feed_suspend(
    source: str, reason: Annotated[str | None, typer.Option(help="Why, for the record.")] = None
) -> None:
    """Refuse a source's files from now on (scaled-down mode)."""
    with reported_errors(), unit_of_work() as session:
        control.suspend(session, source, by=operator(), reason=reason)
    out.print(f"{source} is suspended: its files will be refused.")


@feed_app.command("resume")
def feed_resume(
    source: str, reason: Annotated[str | None, typer.Option(help="Why, for the record.")] = None
) -> None:
    """Accept a suspended source's files again."""
    with reported_errors(), unit_of_work() as session:
        control.resume(session, source, by=operator(), reason=reason)
    out.print(f"{source} is accepted again.")


@feed_app.command("status")
def feed_status(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Each source: accepted or suspended, and its deliveries."""
    with unit_of_work() as session:
        states = control.status(session)
    if as_json:
        print(json.dumps([_status_json(s) for s in states], indent=2))
        return
    table = Table("source", "state", "since", "by", "files loaded", "last loaded")
    for s in states:
        table.add_row(
            s.source,
            "[red]suspended[/]" if s.suspended else "accepted",
            f"{s.changed_at:%Y-%m-%d %H:%M}" if s.changed_at else "",
            s.changed_by or "",
            str(s.runs),
            f"{s.last_run_at:%Y-%m-%d %H:%M}" if s.last_run_at else "",
        )
    out.print(table)


@match_app.command("export")
def match_export(
    out_file: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
) -> None:
    """Write source,record_id,cp_id for every source record."""
    from contactpoint.linkage.export import export_links

    with unit_of_work() as session:
        count = export_links(session, out_file)
    out.print(f"Wrote {count} links to {out_file}.")


@app.command()
def stats(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Counts of what the index holds."""
    with unit_of_work() as session:
        counts = index_counts(session)
    if as_json:
        print(json.dumps(counts, indent=2))
        return
    for section, values in counts.items():
        table = Table(section.replace("_", " "), "count")
        for key, value in values.items():
            table.add_row(key, f"{value:,}")
        out.print(table)


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
) -> None:
    """Serve the web application."""
    import uvicorn

    out.print(f"ContactPoint is at http://{host}:{port}/ (health: /healthz). Ctrl-C stops it.")
    uvicorn.run("contactpoint.web.app:create_app", factory=True, host=host, port=port)


def _parse_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        err.print(f"[bold red]Error:[/] {option} must be a date YYYY-MM-DD")
        raise typer.Exit(EXIT_USAGE) from None


def _status_json(s: control.SourceStatus) -> dict[str, object]:
    return {
        "source": s.source,
        "suspended": s.suspended,
        "changed_at": s.changed_at.isoformat() if s.changed_at else None,
        "changed_by": s.changed_by,
        "reason": s.reason,
        "continues_when_scaled_down": s.continues_when_scaled_down,
        "files_loaded": s.runs,
        "last_loaded_at": s.last_run_at.isoformat() if s.last_run_at else None,
    }
