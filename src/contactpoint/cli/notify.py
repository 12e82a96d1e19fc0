"""Commands for the e-mail outbox: send the due e-mails once, or keep sending them.

The web server sends them in the background as well (``email_send_interval_seconds``);
running both is safe: each e-mail is claimed by one sender at a time.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from contactpoint import db, migrate
from contactpoint.cli.console import out, reported_errors
from contactpoint.notify.catcher import LOOPBACK, catching
from contactpoint.notify.sender import SendReport, SmtpSettings, send_due
from contactpoint.settings import get_settings

notify_app = typer.Typer(help="Notifications: the e-mail outbox.", no_args_is_help=True)


@notify_app.command("catch")
def notify_catch(
    folder: Annotated[
        Path, typer.Option("--dir", help="The folder e-mails are delivered to.")
    ] = Path("var/mail"),
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="The port to listen on (127.0.0.1).")
    ] = 2525,
) -> None:
    """For the demo: an SMTP server on 127.0.0.1 that delivers every e-mail to a folder,
    one .eml file each, until stopped (Ctrl-C). Point CONTACTPOINT_SMTP_PORT at it."""
    with catching(folder, port):
        out.print(f"Catching e-mail on {LOOPBACK}:{port}: each one goes to {folder}/")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


@notify_app.command("send")
def notify_send(
    loop: Annotated[
        bool, typer.Option("--loop/--once", help="Keep sending until stopped (Ctrl-C).")
    ] = False,
    interval: Annotated[
        float, typer.Option(min=1, help="Seconds between rounds with --loop.")
    ] = 30.0,
    batch: Annotated[int, typer.Option(min=1, help="E-mails per SMTP connection.")] = 50,
) -> None:
    """Send the e-mails that are due over SMTP; print how many were sent, put back to
    retry, and given up."""
    engine = db.get_engine()
    with reported_errors():
        migrate.require_current(engine)
    smtp = SmtpSettings.from_settings(get_settings())
    if not loop:
        _print(_drain(engine, smtp, batch))
        return
    out.print(f"Sending due e-mails every {interval:g} s; Ctrl-C stops.")
    try:
        while True:
            report = _drain(engine, smtp, batch)
            if report.any:
                _print(report)
            time.sleep(interval)
    except KeyboardInterrupt:
        out.print("Stopped.")


def _drain(engine: Engine, smtp: SmtpSettings, batch: int) -> SendReport:
    """Batches until none is due or a batch sends nothing (the server is down)."""
    total = SendReport()
    while True:
        report = send_due(engine, smtp, batch=batch)
        total = SendReport(
            total.sent + report.sent, total.retried + report.retried, total.failed + report.failed
        )
        if report.sent == 0 or report.sent + report.retried + report.failed < batch:
            return total


def _print(report: SendReport) -> None:
    out.print(f"Sent {report.sent}, to retry {report.retried}, failed {report.failed}.")
