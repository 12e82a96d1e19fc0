"""What every command shares: consoles, exit codes, errors, progress bars, sessions.

Exit codes: 0 done; 1 a file or request refused (nothing changed); 2 usage error;
3 loaded, but some rows were rejected or loaded with a value left out (exception report);
4 the database is unavailable (cannot be reached, or the connection was lost: whatever
the command was doing was rolled back — run it again); 5 an internal error (a fault of
the service: one line, and the traceback only with ``--debug``).
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy import make_url
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from contactpoint import db, migrate
from contactpoint.access.auth import acting_for
from contactpoint.access.policy import Principal
from contactpoint.decommission.service import Decommissioned, decommissioned
from contactpoint.errors import (
    ContactPointError,
    UnknownSource,
)
from contactpoint.settings import get_settings

EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_ROWS_REJECTED = 3
EXIT_UNAVAILABLE = 4
EXIT_INTERNAL = 5

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

# Each domain error's exit code; the first matching class in this order wins. A source
# name the service does not know is a mistake in the command line; every other category
# (invalid, not found, refused, conflict: ``contactpoint.errors``) refuses the command.
EXIT_CODES: tuple[tuple[type[ContactPointError], int], ...] = (
    (UnknownSource, EXIT_USAGE),
    (ContactPointError, EXIT_REFUSED),
)


def run(app: typer.Typer, argv: list[str]) -> int:
    """Run the command line ``argv`` and return its exit code. A failure that is not the
    input's is one line on standard error with its own code, and no traceback (a
    traceback may hold a value) unless ``--debug`` is given."""
    debug = "--debug" in argv
    try:
        app([a for a in argv if a != "--debug"], standalone_mode=True)
    except SystemExit as stop:  # how click ends every command, well or not
        if stop.code is None:
            return 0
        return stop.code if isinstance(stop.code, int) else EXIT_REFUSED
    except (OperationalError, InterfaceError) as error:
        if debug:
            raise
        original = getattr(error, "orig", None)
        # The driver's words of a connection failure (never a statement or its values).
        why = (str(original).strip().splitlines() or [""])[0] if original else ""
        err.print(
            f"[bold red]Error:[/] the database is unavailable ({why or type(error).__name__});"
            " what the command was doing was rolled back: run it again when it is back",
            highlight=False,
        )
        return EXIT_UNAVAILABLE
    except Exception as error:
        if debug:
            raise
        err.print(
            f"[bold red]Error:[/] an internal error ({type(error).__name__}); what the command"
            " was doing was rolled back. Run it again with --debug for the traceback.",
            highlight=False,
        )
        return EXIT_INTERNAL
    return 0


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


def acting_as(session: Session, username: str) -> Principal:
    """The named account as policy sees it, for a command run on its behalf
    (``access.auth.acting_for``)."""
    return acting_for(session, username, date.today())


@contextmanager
def unit_of_work(*, read_only: bool = False) -> Iterator[Session]:
    """A transaction on the configured database, once its schema is known to be current
    (``read_only``: one that only reads, taking no write lock on SQLite)."""
    with reported_errors():
        migrate.require_current(db.get_engine())
    with db.unit_of_work(read_only=read_only) as session:
        yield session


def refuse_if_decommissioned() -> None:
    """Exit 1 if the service has been decommissioned (``decommission.decommissioned``).
    With no database or no schema yet there is nothing to refuse: the command itself
    then says what is wrong (``--help`` needs no database at all)."""
    url = make_url(get_settings().database_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return  # no database yet (and `--help` must not make one)
    try:
        engine = db.get_engine()
        migrate.require_current(engine)
        with db.unit_of_work(engine, read_only=True) as session:
            closed = decommissioned(session)
    except (SQLAlchemyError, ContactPointError, OSError):
        return
    if closed:
        fail(Decommissioned())


def fail_usage(message: str) -> NoReturn:
    """The command was asked for wrongly: say how, exit 2."""
    err.print(f"[bold red]Error:[/] {message}")
    raise typer.Exit(EXIT_USAGE)


def parse_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail_usage(f"{option} must be a date YYYY-MM-DD")
