"""``contactpoint feed``: load files, suspend and resume sources."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import TaskID
from rich.table import Table

from contactpoint.cli.console import (
    EXIT_ROWS_REJECTED,
    err,
    operator,
    out,
    parse_date,
    progress_bars,
    reported_errors,
    unit_of_work,
)
from contactpoint.feeds import control, pipeline
from contactpoint.settings import get_settings

feed_app = typer.Typer(
    help="Source feeds: load files, suspend and resume sources.", no_args_is_help=True
)


@feed_app.command("load")
def feed_load(
    source: Annotated[str, typer.Argument(help="Source name, e.g. gro-births.")],
    file: Annotated[Path, typer.Argument(help="The CSV file to load.")],
    strict: Annotated[bool, typer.Option(help="Refuse the whole file if any row is bad.")] = False,
    today: Annotated[
        str | None, typer.Option(help="Treat this day (YYYY-MM-DD) as today when checking dates.")
    ] = None,
) -> None:
    """Load one source file: all of it in one transaction, or nothing."""
    settings = get_settings()
    when = parse_date(today, "--today") if today else None
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
                waiting=lambda: err.print(
                    "Waiting for another load or relink into this index to finish…"
                ),
            )
    run = result.run
    reports = settings.var_dir / "reports"
    if result.already_loaded:
        out.print(
            f"{file.name} was already loaded from {run.source} as run {run.id}"
            f" on {run.started_at:%Y-%m-%d %H:%M}; nothing changed."
        )
        if (run.rejected or run.rows_with_warnings) and not pipeline.report_path(
            run, reports
        ).exists():  # lost to a crash after the load committed
            out.print(f"Its exception report, written again: {_report(run.id, reports)}")
        return
    out.print(
        f"Run {run.id} ({run.source}, {file.name}): read {run.rows_read}, new children"
        f" {run.new_children}, linked {run.linked}, updated {run.updated}, unchanged"
        f" {run.unchanged}, rejected {run.rejected}, loaded with values left out"
        f" {run.rows_with_warnings}."
    )
    if run.for_review:
        out.print(f"{run.for_review} review task(s) raised for a data manager.")
    if run.children_joined:
        out.print(
            f"{run.children_joined} pair(s) of children already indexed were shown by a row"
            " to be one child and merged (`contactpoint merges` lists them; unmerge undoes)."
        )
    if result.ignored_columns:
        out.print(f"Ignored unknown column(s): {', '.join(result.ignored_columns)}.")
    if result.errors or result.warnings:
        report_path = _report(run.id, reports)
        if run.rows_with_warnings:
            err.print(
                f"{run.rows_with_warnings} row(s) loaded with an invalid value left out;"
                f" exception report: {report_path}"
            )
        if result.errors:
            err.print(f"{run.rejected} row(s) rejected; exception report: {report_path}")
        raise typer.Exit(EXIT_ROWS_REJECTED)


def _report(run_id: int, directory: Path) -> Path:
    with reported_errors(), unit_of_work(read_only=True) as session:
        return pipeline.write_exception_report(session, run_id, directory)


@feed_app.command("report")
def feed_report(
    run_id: Annotated[int, typer.Argument(help="The run, as `feed load` named it.")],
) -> None:
    """Write a run's exception report again, from the database."""
    out.print(f"Wrote {_report(run_id, get_settings().var_dir / 'reports')}.")


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
def feed_status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON, for scripts.")] = False,
) -> None:
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
