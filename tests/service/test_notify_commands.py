"""The outbox from the command line (``contactpoint notify send``) and from the web
server's background sender, delivering to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from contactpoint import db
from contactpoint.cli import app
from contactpoint.kinds.access import Role
from contactpoint.notify.service import notify
from contactpoint.settings import get_settings
from contactpoint.web.app import create_app
from tests.mailbox import Mailbox, SmtpServer
from tests.people import active_user

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def smtp_server(committed_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """A running server that the configured settings send to."""
    server = SmtpServer(Mailbox())
    server.start()
    monkeypatch.setenv("CONTACTPOINT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CONTACTPOINT_SMTP_PORT", str(server.port))
    monkeypatch.setenv("CONTACTPOINT_SMTP_FROM", "ContactPoint <no-reply@cp.example>")
    get_settings.cache_clear()
    yield server
    server.stop()
    get_settings.cache_clear()


def queue_emails(*usernames: str) -> None:
    with db.unit_of_work() as session:
        for username in usernames:
            user = active_user(session, username, Role.PRACTITIONER)
            notify(session, user, "reminder", "Review your registration", "It ends soon.")


def test_notify_send_delivers_the_due_emails_and_counts_them(smtp_server: SmtpServer) -> None:
    queue_emails("ann.smith", "bob.jones")
    code, output = run("notify", "send")
    assert code == 0, output
    assert "Sent 2, to retry 0, failed 0." in output
    assert len(smtp_server.mailbox.received) == 2
    smtp_server.stop()
    queue_emails("cat.brown")
    code, output = run("notify", "send", "--once")
    assert code == 0, output
    assert "Sent 0, to retry 1, failed 0." in output


def test_notify_send_drains_the_outbox_in_batches(smtp_server: SmtpServer) -> None:
    queue_emails("ann.smith", "bob.jones", "cat.brown", "dan.white", "eve.green")
    code, output = run("notify", "send", "--batch", "2")
    assert code == 0, output
    assert "Sent 5, to retry 0, failed 0." in output
    counts = smtp_server.mailbox.count_by_message_id()
    assert len(counts) == 5 and set(counts.values()) == {1}


def test_notify_send_refuses_a_database_without_the_schema(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CONTACTPOINT_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    try:
        code, output = run("notify", "send")
    finally:
        db.get_engine.cache_clear()
        get_settings.cache_clear()
    assert code == 1
    assert "contactpoint db upgrade" in output


def test_the_web_server_sends_due_emails_in_the_background(
    smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTACTPOINT_EMAIL_SEND_INTERVAL_SECONDS", "1")
    get_settings.cache_clear()
    queue_emails("ann.smith")
    with TestClient(create_app()) as client:
        assert client.get("/healthz").status_code == 200
        deadline = time.monotonic() + 15
        while not smtp_server.mailbox.received and time.monotonic() < deadline:
            time.sleep(0.1)
    assert [email.to for email in smtp_server.mailbox.received] == [("ann.smith@example.org",)]
