"""Commands for organisations, users, the onboarding policy, machine tokens, the audit
trail and the demo accounts. Each parses, calls one service, prints; each change is
audited under the operator's name (``cli:<login>``)."""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import segno
import typer
from rich import box
from rich.table import Column, Table

from contactpoint import db
from contactpoint.access import accounts, credentials
from contactpoint.access.demo import create_demo_users
from contactpoint.audit import service as audit
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import Actor
from contactpoint.cli.console import (
    EXIT_REFUSED,
    err,
    operator,
    out,
    parse_date,
    reported_errors,
    unit_of_work,
)
from contactpoint.decommission import service as decommission
from contactpoint.feeds import tokens
from contactpoint.kinds.access import OrganisationKind, Role
from contactpoint.oversight import checkpoint
from contactpoint.review.service import resolve
from contactpoint.settings import get_settings
from contactpoint.tables.audit import AuditEntry

org_app = typer.Typer(
    help="Organisations: local authorities and national partners.", no_args_is_help=True
)
user_app = typer.Typer(
    help="User accounts: create, check, enrol, activate, suspend.", no_args_is_help=True
)
policy_app = typer.Typer(help="National and per-authority policy.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for source systems.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail: verify the chain, reports.", no_args_is_help=True)

Reason = Annotated[str, typer.Option("--reason", help="Why (recorded in the audit trail).")]


def _actor() -> Actor:
    return Actor(operator())


@org_app.command("create")
def org_create(
    code: str,
    name: str,
    kind: Annotated[
        OrganisationKind, typer.Option(help="What kind of organisation it is.")
    ] = OrganisationKind.LOCAL_AUTHORITY,
    la_code: Annotated[str | None, typer.Option(help="GSS code, e.g. E08000035.")] = None,
    team_email: Annotated[str | None, typer.Option(help="The ContactPoint team's e-mail.")] = None,
    team_phone: Annotated[str | None, typer.Option(help="The ContactPoint team's phone.")] = None,
) -> None:
    """Create an organisation."""
    with unit_of_work() as session, reported_errors():
        accounts.create_organisation(
            session, _actor(), code=code, name=name, kind=kind, la_code=la_code,
            team_email=team_email, team_phone=team_phone,
        )  # fmt: skip
    out.print(f"Organisation {code} created.")


@user_app.command("create")
def user_create(
    username: str,
    name: Annotated[str, typer.Option(help="The person's name as colleagues know it.")],
    email: Annotated[str, typer.Option(help="Their work e-mail address.")],
    org: Annotated[str, typer.Option(help="Organisation code.")],
    role: Annotated[list[Role], typer.Option(help="A role; repeat for more.")],
    job_title: Annotated[
        str | None, typer.Option(help="Their job title, e.g. Social Worker.")
    ] = None,
) -> None:
    """Create a pending account (refused while onboarding is closed)."""
    with unit_of_work() as session, reported_errors():
        accounts.create_user(
            session, _actor(), username=username, display_name=name, email=email,
            organisation_code=org, roles=role, job_title=job_title,
        )  # fmt: skip
    out.print(f"User {username} created; record training, vetting and the agreement next.")


@user_app.command("checks")
def user_checks(
    username: str,
    training: Annotated[str | None, typer.Option(help="Training completed (YYYY-MM-DD).")] = None,
    vetting: Annotated[str | None, typer.Option(help="Enhanced DBS check (YYYY-MM-DD).")] = None,
    agreement: Annotated[str | None, typer.Option(help="User agreement signed.")] = None,
) -> None:
    """Record training completion, the enhanced DBS check and the signed agreement."""
    days = {
        name: parse_date(value, f"--{name}") if value else None
        for name, value in (("training", training), ("vetting", vetting), ("agreement", agreement))
    }
    with unit_of_work() as session, reported_errors():
        account = accounts.user(session, username)
        accounts.record_checks(session, _actor(), account, **days)
    out.print(f"Checks recorded for {username}.")


@user_app.command("password")
def user_password(username: str) -> None:
    """Set a password (asked for twice, never echoed)."""
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        err.print("[bold red]Error:[/] the two passwords differ")
        raise typer.Exit(EXIT_REFUSED)
    with unit_of_work() as session, reported_errors():
        accounts.set_password(session, _actor(), accounts.user(session, username), first)
    out.print(f"Password set for {username}.")


@user_app.command("enrol")
def user_enrol(
    username: str,
    code: Annotated[str | None, typer.Option(help="A code from the app, to confirm.")] = None,
) -> None:
    """Start two-factor enrolment (prints the QR code), or confirm it with --code."""
    with unit_of_work() as session, reported_errors():
        account = accounts.user(session, username)
        if code:
            accounts.confirm_totp_enrolment(session, _actor(), account, code)
            out.print(f"Two-factor authentication enrolled for {username}.")
            return
        secret = accounts.begin_totp_enrolment(session, _actor(), account)
    segno.make(credentials.totp_uri(secret, username), error="m").terminal(compact=True)
    out.print(
        "Scan the code with an authenticator app, then confirm it:"
        f" contactpoint user enrol {username} --code CODE"
    )


@user_app.command("activate")
def user_activate(username: str) -> None:
    """Activate (and certify for another period) an account that has every check."""
    with unit_of_work() as session, reported_errors():
        account = accounts.user(session, username)
        accounts.activate(session, _actor(), account)
        until = account.certified_until
    out.print(f"{username} is active until {until}.")


@user_app.command("suspend")
def user_suspend(username: str, reason: Reason) -> None:
    """Suspend an account: it cannot sign in, and its sessions end."""
    with unit_of_work() as session, reported_errors():
        accounts.suspend(session, _actor(), accounts.user(session, username), reason)
    out.print(f"{username} is suspended.")


@user_app.command("list")
def user_list() -> None:
    """Every account with its organisation, roles and state."""
    with unit_of_work() as session:
        listed = accounts.every_account(session)
        readiness = {found.account.id: accounts.readiness(found.account) for found in listed}
    by_organisation: dict[str, list[accounts.Managed]] = {}
    for found in listed:
        heading = f"{found.organisation.name} ({found.organisation.code})"
        by_organisation.setdefault(heading, []).append(found)
    for heading, members in by_organisation.items():
        # The username is what every other command takes: never cut. The rest, in one
        # column, wraps to any terminal's width.
        table = Table(
            Column("username", no_wrap=True), "account",
            title=heading, title_justify="left", box=box.SIMPLE,
        )  # fmt: skip
        for found in members:
            account = found.account
            state = account.status.value
            if account.certified_until:
                state += f", certified until {account.certified_until}"
            lines = [account.display_name, f"{', '.join(sorted(found.roles))} · {state}"]
            if missing := readiness[account.id].missing:
                lines.append(f"needs {', '.join(missing)}")
            table.add_row(account.username, "\n".join(lines))
        out.print(table)


@policy_app.command("onboarding")
def policy_onboarding(
    state: Annotated[str, typer.Argument(help="open or closed")],
    reason: Reason,
    org: Annotated[str | None, typer.Option(help="One authority (default: national).")] = None,
) -> None:
    """Open or close onboarding of new users, nationally or for one authority."""
    if state not in ("open", "closed"):
        err.print("[bold red]Error:[/] STATE is open or closed")
        raise typer.Exit(2)
    with unit_of_work() as session, reported_errors():
        accounts.set_onboarding(
            session, _actor(), open_=state == "open", reason=reason, organisation_code=org
        )
    out.print(f"Onboarding of new users is {state} ({org or 'nationally'}).")


@token_app.command("create")
def token_create(
    name: str,
    org: Annotated[str, typer.Option(help="The source system's organisation code.")],
    scope: Annotated[
        list[str], typer.Option(help="A scope, feeds:SOURCE (e.g. feeds:gro-births); repeat.")
    ],
    days: Annotated[int, typer.Option(min=1, max=730)] = 365,
) -> None:
    """Create an API token (printed once; only its hash is kept)."""
    with unit_of_work() as session, reported_errors():
        token = tokens.create_api_token(
            session, _actor(), name=name, organisation_code=org, scopes=scope, days=days
        )
    out.print(token)


@audit_app.command("verify")
def audit_verify(
    checkpoints: Annotated[
        list[str] | None,
        typer.Option(
            "--checkpoint",
            help="A checkpoint the chain must still hold: its line, the e-mail that brought"
            " it, or a file holding either. Repeat for more.",
        ),
    ] = None,
) -> None:
    """Seal what has been committed, then check the whole chain (and that it still holds
    each checkpoint given); exit 1 naming the first entry that does not fit."""
    with reported_errors():
        wanted = [checkpoint.parse(_text_or_file(given)) for given in checkpoints or ()]
    with unit_of_work() as session:
        destroyed = decommission.destroyed_trail(session)
    if destroyed is not None:  # nothing is left to verify but the certified head
        out.print(destroyed.message)
        if not destroyed.head_kept:
            raise typer.Exit(EXIT_REFUSED)
        return
    with unit_of_work() as session:
        audit.seal_pending(db.get_engine(), wait=True)  # before the session reads
        result = audit.verify(session)
        problems = [(held, checkpoint.problem(session, held)) for held in wanted]
    if not result.intact:
        err.print(f"[bold red]Broken:[/] {result.describe()}")
        raise typer.Exit(EXIT_REFUSED)
    out.print(f"Audit trail intact: {result.entries} entries.")
    if result.unsealed:
        out.print(f"{result.unsealed} entries written meanwhile are not yet sealed.")
    for held, problem in problems:
        taken = f"the checkpoint at position {held.position} of {held.at:%d %B %Y %H:%M} UTC"
        if problem:
            err.print(f"[bold red]Broken:[/] the chain does not hold {taken}: {problem}")
        else:
            out.print(f"The chain holds {taken}.")
    if any(problem for _held, problem in problems):
        raise typer.Exit(EXIT_REFUSED)


def _text_or_file(given: str) -> str:
    """The text given, or the file it names."""
    if checkpoint.FORMAT in given:
        return given
    try:
        return Path(given).read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise checkpoint.CheckpointInvalid(
            f"'{given[:80]}' is neither a checkpoint nor a file that can be read ({error.strerror})"
        ) from None


@audit_app.command("checkpoint")
def audit_checkpoint(
    send: Annotated[
        bool, typer.Option("--send", help="E-mail it to every active auditor too.")
    ] = False,
) -> None:
    """Seal what has been committed and print a signed checkpoint of the chain's head,
    to keep outside the database (the web server e-mails one to auditors each day)."""
    audit.seal_pending(db.get_engine(), wait=True)
    with unit_of_work() as session:
        taken = checkpoint.take(session, datetime.now(UTC))
        if taken is None:
            err.print("Nothing is sealed in the audit trail yet: no checkpoint to take.")
            raise typer.Exit(EXIT_REFUSED)
        sent = checkpoint.send_to_auditors(session, taken) if send else None
    out.print(taken.line, highlight=False)
    if taken.signature == checkpoint.UNSIGNED:
        err.print("Unsigned: set CONTACTPOINT_AUDIT_CHECKPOINT_KEY to sign checkpoints.")
    if sent is not None:
        out.print(f"E-mailed to {sent} auditors.")


def _print_entries(entries: list[AuditEntry], as_json: bool) -> None:
    rows = [
        {
            "id": e.id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
            "outcome": e.outcome, "child_id": e.child_id, "reason": e.reason,
        }
        for e in entries
    ]  # fmt: skip
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table("id", "at", "actor", "action", "outcome", "reason")
    for row in rows:
        table.add_row(
            *(str(row[k] or "") for k in ("id", "at", "actor", "action", "outcome", "reason"))
        )
    out.print(table)


@audit_app.command("child")
def audit_child(
    cp_id: str,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON, for scripts.")] = False,
) -> None:
    """Who searched for or looked at a child (newest first)."""
    with unit_of_work() as session, reported_errors():
        child = resolve(session, cp_id)
        entries = audit.accesses_to_child(session, child.id)
        audit.record(session, _actor(), AuditAction.AUDIT_CHILD_REPORT, child_id=child.id)
    _print_entries(entries, as_json)


@audit_app.command("user")
def audit_user(
    username: str,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON, for scripts.")] = False,
) -> None:
    """What a user did (newest first)."""
    with unit_of_work() as session:
        entries = audit.actions_of_user(session, username)
        audit.record(
            session, _actor(), AuditAction.AUDIT_USER_REPORT, details={"username": username}
        )
    _print_entries(entries, as_json)


def demo_code(username: str) -> None:
    """The current two-factor code of a demo account (refused in production)."""
    if get_settings().environment == "production":
        err.print("[bold red]Error:[/] demo codes are not available in production")
        raise typer.Exit(EXIT_REFUSED)
    with unit_of_work() as session, reported_errors():
        secret = accounts.user(session, username).totp_secret
    if not secret:
        err.print(f"[bold red]Error:[/] {username} has no authenticator enrolled")
        raise typer.Exit(EXIT_REFUSED)
    out.print(credentials.current_totp(secret))


def demo_users() -> None:
    """Create one demo user per role (not in production) and say how to sign in."""
    password = "demo-" + credentials.new_token()[:12]
    with unit_of_work() as session, reported_errors():
        made = create_demo_users(session, password)
    table = Table("role", "username")
    for user in made:
        table.add_row(user.role.value, user.username)
    out.print(table)
    out.print(f"Password of every demo user (new on each run): {password}")
    out.print("Two-factor code for a user: contactpoint demo code USERNAME")
