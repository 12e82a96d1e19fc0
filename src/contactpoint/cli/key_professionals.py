"""Commands for key professionals (DESIGN §2, §7), the only users of signposting: a
user administrator appoints and releases them within their organisation's cap, and a
national administrator sets the cap. Each acts through a named account (``--as``):
the policy decides, and the audit trail records the change as theirs."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from contactpoint.access import accounts, caps, key_professionals
from contactpoint.cli.console import EXIT_USAGE, acting_as, err, out, reported_errors, unit_of_work
from contactpoint.tables.access import Organisation

key_professional_app = typer.Typer(
    help="Key professionals: the named users of signposting, capped per organisation.",
    no_args_is_help=True,
)


AsAdmin = Annotated[
    str,
    typer.Option(
        "--as", metavar="USERNAME", help="The user administrator acting (audited as theirs)."
    ),
]
AsNationalAdmin = Annotated[
    str,
    typer.Option(
        "--as", metavar="USERNAME", help="The national administrator acting (audited as theirs)."
    ),
]


@key_professional_app.command("appoint")
def key_professional_appoint(username: str, as_user: AsAdmin) -> None:
    """Name a user a key professional of their organisation, within its cap."""
    with unit_of_work() as session, reported_errors():
        key_professionals.appoint(session, acting_as(session, as_user), username)
    out.print(f"{username} is a key professional.")


@key_professional_app.command("release")
def key_professional_release(username: str, as_user: AsAdmin) -> None:
    """A user is no longer a key professional (their account stays as it is)."""
    with unit_of_work() as session, reported_errors():
        key_professionals.release(session, acting_as(session, as_user), username)
    out.print(f"{username} is no longer a key professional.")


@key_professional_app.command("list")
def key_professional_list(
    org: Annotated[str | None, typer.Option(help="One organisation's code.")] = None,
) -> None:
    """The key professionals of every organisation (or one), with each one's cap."""
    with unit_of_work() as session, reported_errors():
        only = accounts.organisation(session, org) if org else None
        found = key_professionals.appointed(session, only)
        organisations = [only] if only else sorted({o for o, _u, _r in found}, key=_name)
        counts = [(o, caps.named(session, o), caps.cap_of(o)) for o in organisations]
    table = Table("organisation", "username", "name", "e-mail", "appointed")
    for organisation, user, role in found:
        table.add_row(
            organisation.code, user.username, user.display_name, user.email,
            f"{role.granted_at:%Y-%m-%d}",
        )  # fmt: skip
    if found:
        out.print(table)
    for organisation, named, cap in counts:
        out.print(f"{organisation.name} ({organisation.code}): {named} of {cap} named.")
    if not caps:
        out.print("No organisation names a key professional.")


def _name(organisation: Organisation) -> str:
    return organisation.name


def org_cap(
    code: str,
    as_user: AsNationalAdmin,
    cap: Annotated[
        int | None, typer.Argument(metavar="N", help="How many key professionals it may name.")
    ] = None,
    national: Annotated[
        bool, typer.Option("--national", help="Follow the national cap (key_professional_cap).")
    ] = False,
) -> None:
    """Set how many key professionals an organisation may name, or (--national) let it
    follow the national cap."""
    if (cap is None) == (not national):
        err.print("[bold red]Error:[/] give either N or --national")
        raise typer.Exit(EXIT_USAGE)
    with unit_of_work() as session, reported_errors():
        organisation = key_professionals.set_cap(session, acting_as(session, as_user), code, cap)
        now = caps.cap_of(organisation)
    follows = " (the national cap)" if cap is None else ""
    out.print(f"{code} may name {now} key professionals{follows}.")
