"""Commands for signposting (DESIGN §7): the daily housekeeping of involvements, and a
child's vulnerability flags. Setting and ending a flag is done on behalf of a named data
manager of the child's responsible authority (``--as``): the policy decides, and the
audit trail records the change as theirs."""

from __future__ import annotations

import enum
from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from contactpoint.audit import service as audit
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import Actor
from contactpoint.cli.console import (
    acting_as,
    operator,
    out,
    parse_date,
    reported_errors,
    unit_of_work,
)
from contactpoint.signposting import flags, involvement, store
from contactpoint.signposting.guard import child_by_cp_id
from contactpoint.tables.signposting import FlagKind, VulnerabilityFlag

signposting_app = typer.Typer(
    help="Signposting: involvements and their daily housekeeping.", no_args_is_help=True
)
flag_app = typer.Typer(
    help="Vulnerability flags: child protection plans and looked-after children.",
    no_args_is_help=True,
)

AsUser = Annotated[
    str,
    typer.Option(
        "--as",
        metavar="USERNAME",
        help="The data manager acting (the policy checks them; audited as theirs).",
    ),
]


class SettableKind(enum.StrEnum):
    """The flags set on a child (a pre-birth plan is set on the mother, in the web app)."""

    CHILD_PROTECTION_PLAN = FlagKind.CHILD_PROTECTION_PLAN.value
    LOOKED_AFTER = FlagKind.LOOKED_AFTER.value


@signposting_app.command("housekeeping")
def signposting_housekeeping(
    today: Annotated[
        str | None, typer.Option(help="The day to run for (YYYY-MM-DD); default today.")
    ] = None,
) -> None:
    """Remind practitioners whose involvement lapses soon, lapse those not renewed, and
    purge those no longer visible. The server does this daily; running it again on the
    same day changes nothing more."""
    day = parse_date(today, "--today") if today else date.today()
    with unit_of_work() as session:
        done = involvement.housekeeping(session, day)
    out.print(f"Reminded {done.reminded}, lapsed {done.lapsed}, purged {done.purged}.")


@flag_app.command("set")
def flag_set(
    cp_id: str,
    kind: Annotated[SettableKind, typer.Option(help="Which flag.")],
    start: Annotated[str, typer.Option(help="The plan or period began (YYYY-MM-DD).")],
    as_user: AsUser,
) -> None:
    """Flag a child as vulnerable, for a data manager of its responsible authority."""
    started_on = parse_date(start, "--start")
    with unit_of_work() as session, reported_errors():
        flag = flags.set_flag(
            session, acting_as(session, as_user), cp_id, FlagKind(kind.value), started_on
        )
        flag_id = flag.id
    out.print(f"Flag {flag_id} set on {cp_id}: {flags.LABELS[FlagKind(kind.value)]} from {start}.")


@flag_app.command("end")
def flag_end(
    flag_id: int,
    on: Annotated[str, typer.Option("--on", help="The day it ended (YYYY-MM-DD).")],
    as_user: AsUser,
) -> None:
    """End a flag, for a data manager of the child's responsible authority."""
    ended_on = parse_date(on, "--on")
    with unit_of_work() as session, reported_errors():
        flags.end_flag(session, acting_as(session, as_user), flag_id, ended_on)
    out.print(f"Flag {flag_id} ended on {on}.")


@flag_app.command("list")
def flag_list(cp_id: str) -> None:
    """Every flag of a child, latest first (the look is audited under your login)."""
    today = date.today()
    with unit_of_work() as session, reported_errors():
        child = child_by_cp_id(session, cp_id)
        found = store.flags_of(session, [child.id]).get(child.id, [])
        audit.record(session, Actor(operator()), AuditAction.FLAG_LIST, child_id=child.id)
        table = Table("flag", "kind", "from", "to", "authority", "set by", "now")
        for flag in found:
            table.add_row(
                str(flag.id), flags.LABELS[flag.kind], str(flag.started_on),
                str(flag.ended_on or ""), flag.la_code, flag.set_by, _state(flag, today),
            )  # fmt: skip
    if not found:
        out.print(f"{child.cp_id} has no flags.")
        return
    out.print(table)


def _state(flag: VulnerabilityFlag, today: date) -> str:
    if store.active_on(flag, today):
        return "active"
    # Ended, but key professionals still see it for ``flag_visible_days``.
    return "ended (shown)" if store.visible_on(flag, today) else "ended"
