"""Commands for a record's life and the service's end: the retention job, a later archive
age, a child leaving England, a new identity (close a record; trace it), an authority's
reports (children missing education, children with no GP), shielding, and decommissioning
(request, approve, export for a successor, run).

Commands on someone's behalf take ``--as USERNAME``: the policy decides what that
account may do, and the audit trail records the action as theirs.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from contactpoint import db, migrate
from contactpoint.cli.console import (
    acting_as,
    out,
    parse_date,
    progress_bars,
    reported_errors,
    unit_of_work,
)
from contactpoint.decommission import service as decommission
from contactpoint.records import departures, identity, lifecycle, reports, shielding
from contactpoint.settings import get_settings
from contactpoint.signposting.guard import child_by_cp_id
from contactpoint.tables.decommission import Stage

retention_app = typer.Typer(help="Retention: archive and purge records.", no_args_is_help=True)
decommission_app = typer.Typer(
    help="Decommission the service: four eyes, destruction, certificate.", no_args_is_help=True
)
identity_app = typer.Typer(
    help="A new identity (adoption, protection): close a record; trace one closed.",
    no_args_is_help=True,
)
departure_app = typer.Typer(
    help="A child leaving England: archived a year later unless they come back.",
    no_args_is_help=True,
)
report_app = typer.Typer(help="An authority's reports for its data managers.", no_args_is_help=True)
shield_app = typer.Typer(
    help="Shield a child's record, or lift the shield (the responsible authority's data"
    " managers, with a reason).",
    no_args_is_help=True,
)
AsUser = Annotated[str, typer.Option("--as", help="The account acting (policy decides).")]


@retention_app.command("run")
def retention_run(
    today: Annotated[
        str | None, typer.Option(help="Run as of this day (YYYY-MM-DD); default today.")
    ] = None,
) -> None:
    """Archive the records due (18th birthday or later archive age; a year after death),
    open those a year in the archive only for statutory enquiries, and purge those six
    years in the archive — all as of the run's day. Safe to run again; resumes a killed
    run."""
    day = parse_date(today, "--today") if today else date.today()
    engine = db.get_engine()
    with reported_errors():
        migrate.require_current(engine)
    with progress_bars() as bars, reported_errors():
        task = bars.add_task("purge", total=None)
        report = lifecycle.run_retention(
            engine, day, progress=lambda done, total: bars.update(task, completed=done, total=total)
        )
    out.print(
        f"Retention for {day}: {report.archived} archived, {report.statutory_only} now open"
        f" only for statutory enquiries, {report.purged} purged."
    )


@retention_app.command("archive-age")
def retention_archive_age(
    cp_id: str,
    age: Annotated[int, typer.Argument(help="The birthday the record moves to the archive.")],
    evidence: Annotated[str, typer.Option(help="How the young person consented.")],
    as_user: AsUser,
) -> None:
    """Keep a care leaver's record out of the archive until a later birthday (to 25)."""
    with unit_of_work() as session, reported_errors():
        lifecycle.set_archive_age(
            session, acting_as(session, as_user), child_by_cp_id(session, cp_id), age, evidence
        )
    out.print(f"{cp_id} moves to the archive at {age}.")


@departure_app.command("record")
def departure_record(
    cp_id: str,
    left_on: Annotated[str, typer.Option("--on", help="The day the child left (YYYY-MM-DD).")],
    reason: Annotated[str, typer.Option(help="How you know: a school, the family, a court.")],
    as_user: AsUser,
) -> None:
    """Record that a child left England (the responsible authority's data managers)."""
    day = parse_date(left_on, "--on")
    with unit_of_work() as session, reported_errors():
        child = child_by_cp_id(session, cp_id)
        departures.record_departure(
            session, acting_as(session, as_user), child, day, reason, date.today()
        )
    out.print(f"{cp_id} left England on {day}; archived a year later unless they come back.")


Reason = Annotated[str, typer.Option(help="Why: kept with the change, in the audit trail.")]


@shield_app.command("set")
def shield_set(cp_id: str, reason: Reason, as_user: AsUser) -> None:
    """Shield a child: practitioners then see only that the record exists."""
    _shield(cp_id, reason, as_user, shielded=True)


@shield_app.command("lift")
def shield_lift(cp_id: str, reason: Reason, as_user: AsUser) -> None:
    """Lift a child's shield (only when its reason has passed): practitioners everywhere
    then see the record in full."""
    _shield(cp_id, reason, as_user, shielded=False)


def _shield(cp_id: str, reason: str, as_user: str, *, shielded: bool) -> None:
    with unit_of_work() as session, reported_errors():
        shielding.set_shield(session, acting_as(session, as_user), cp_id, shielded, reason)
    out.print(f"{cp_id} is {'shielded' if shielded else 'no longer shielded'}.")


@decommission_app.command("request")
def decommission_request(as_user: AsUser) -> None:
    """Ask for the service to be decommissioned (a national administrator)."""
    with unit_of_work() as session, reported_errors():
        decommission.request(session, acting_as(session, as_user))
    out.print("Decommissioning asked for: two national administrators must approve.")


@decommission_app.command("approve")
def decommission_approve(as_user: AsUser) -> None:
    """Approve decommissioning; two different national administrators must."""
    with unit_of_work() as session, reported_errors():
        found = decommission.approve(session, acting_as(session, as_user))
    out.print(f"Approved ({len(found.approved_by)} of 2).")


@decommission_app.command("export")
def decommission_export(
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for the CSV files.")],
) -> None:
    """Before destruction: key professionals and flags for a successor service."""
    with unit_of_work() as session, reported_errors():
        written = decommission.export_for_successor(session, out_dir)
    for path in written:
        out.print(f"Wrote {path}")


@decommission_app.command("run")
def decommission_run(
    as_user: AsUser,
    confirm: Annotated[
        str, typer.Option(help=f"Type exactly: {decommission.CONFIRMATION}", prompt=True)
    ],
) -> None:
    """Destroy all personal data for good and write the destruction certificate."""
    engine = db.get_engine()
    with reported_errors():
        migrate.require_current(engine)
    with unit_of_work() as session, reported_errors():
        found = decommission.current(session)
        # Resuming a killed run (or asked again once done: the service says so) needs
        # no account: the accounts may be gone by then.
        begun = found is not None and found.stage in (Stage.DESTROYING, Stage.DONE)
        principal = None if begun else acting_as(session, as_user)
    with reported_errors():
        certificate = decommission.run(engine, principal, confirm)
    path = _write_certificate(certificate, None)
    out.print(f"Decommissioned. The certificate is in {path}:")
    out.print_json(data=certificate)


@decommission_app.command("certificate")
def decommission_certificate(
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Where to write it (default: var/).")
    ] = None,
) -> None:
    """Write the destruction certificate again, from the database."""
    with unit_of_work() as session, reported_errors():
        certificate = decommission.certificate(session)
    out.print(f"Wrote {_write_certificate(certificate, out_file)}.")


def _write_certificate(certificate: dict[str, object], where: Path | None) -> Path:
    path = where or get_settings().var_dir / "decommission-certificate.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(certificate, indent=2, sort_keys=True), encoding="utf-8")
    return path


@report_app.command("missing-education")
def report_missing_education(
    as_user: AsUser,
    today: Annotated[
        str | None, typer.Option(help="As of this day (YYYY-MM-DD); default today.")
    ] = None,
) -> None:
    """The authority's children of compulsory school age with no school registration."""
    day = parse_date(today, "--today") if today else date.today()
    with unit_of_work() as session, reported_errors():
        _print(reports.missing_education(session, acting_as(session, as_user), day))


@report_app.command("no-gp")
def report_no_gp(as_user: AsUser) -> None:
    """The authority's children registered with no GP practice."""
    with unit_of_work() as session, reported_errors():
        _print(reports.no_gp(session, acting_as(session, as_user)))


def _print(listed: list[reports.Listed]) -> None:
    table = Table("ContactPoint ID", "Name", "Date of birth")
    for child in listed:
        name = " ".join(part for part in (child.given_names, child.family_name) if part)
        table.add_row(child.cp_id, name, str(child.date_of_birth or ""))
    out.print(table)
    out.print(f"{len(listed)} children.")


@identity_app.command("close")
def identity_close(
    cp_id: str,
    reason: Annotated[str, typer.Option(help="Why: an adoption order, protection.")],
    as_user: AsUser,
    new: Annotated[str | None, typer.Option(help="The child's new record, if held.")] = None,
) -> None:
    """Close a record for a new identity: shown to nobody, never joined to the new one."""
    with unit_of_work() as session, reported_errors():
        identity.close_for_new_identity(session, acting_as(session, as_user), cp_id, reason, new)
    out.print(f"{cp_id} is closed; only the national team can trace it.")


@identity_app.command("trace")
def identity_trace(cp_id: str, as_user: AsUser) -> None:
    """The new record a closed one leads to (the national team only; audited)."""
    with unit_of_work() as session, reported_errors():
        traced = identity.trace(session, acting_as(session, as_user), cp_id)
    out.print(
        f"{traced.closed_cp_id} was closed by {traced.by} on {traced.at:%d %B %Y}"
        f" ({traced.reason}); new record: {traced.new_cp_id or 'not named'}"
    )
