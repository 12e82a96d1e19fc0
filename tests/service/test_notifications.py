"""The inbox and the e-mail outbox, on each database, delivered to a real SMTP server
(aiosmtpd): every e-mail arrives exactly once, whatever happens to the server or to a
sender part way."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from contactpoint import db
from contactpoint.errors import InvalidValue
from contactpoint.kinds.access import Role
from contactpoint.notify.catcher import caught
from contactpoint.notify.sender import SendReport, SmtpSettings, claim_due, send_due
from contactpoint.notify.service import (
    NotificationRefused,
    inbox,
    mark_read,
    notify,
    unread_count,
)
from contactpoint.settings import get_settings
from contactpoint.tables.notify import EmailStatus, Notification, OutboxEmail
from tests.mailbox import Mailbox, SmtpServer, free_port
from tests.people import active_user

CP_ID = "CP-1234-5678-9"


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer(Mailbox())
    server.start()
    yield server
    server.stop()


def queue_emails(engine: Engine, usernames: list[str], each: int = 1) -> list[str]:
    """Notify each user ``each`` times, committed; their addresses."""
    with db.unit_of_work(engine) as session:
        for username in usernames:
            user = active_user(session, username, Role.PRACTITIONER)
            for number in range(each):
                notify(session, user, "reminder", f"Reminder {number}", "Review.", f"/{CP_ID}")
    return [f"{username}@example.org" for username in usernames]


def outbox(engine: Engine) -> list[OutboxEmail]:
    with db.unit_of_work(engine) as session:
        return list(session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def aware(moment: datetime | None) -> datetime:
    """SQLite hands back UTC without its zone."""
    assert moment is not None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def assert_each_arrived_exactly_once(engine: Engine, mailbox: Mailbox) -> None:
    rows = outbox(engine)
    assert mailbox.count_by_message_id() == {row.message_id: 1 for row in rows}
    assert {row.status for row in rows} == {EmailStatus.SENT}


def test_the_inbox_counts_unread_notifications_and_marks_them_read(session: Session) -> None:
    ann = active_user(session, "ann.smith", Role.PRACTITIONER)
    first = notify(session, ann, "reminder", "Review your registration", "It ends soon.")
    second = notify(session, ann, "match_signal", "Someone else works with a child", "…")
    assert unread_count(session, ann) == 2
    assert [found.id for found in inbox(session, ann)] == [second.id, first.id]
    read = mark_read(session, ann, first.id)
    assert read.read_at is not None
    assert unread_count(session, ann) == 1
    assert mark_read(session, ann, first.id).read_at == read.read_at
    assert [found.id for found in inbox(session, ann, limit=1)] == [second.id]


def test_another_users_notification_cannot_be_marked_read(session: Session) -> None:
    ann = active_user(session, "ann.smith", Role.PRACTITIONER)
    bob = active_user(session, "bob.jones", Role.PRACTITIONER)
    bobs = notify(session, bob, "reminder", "Review your registration", "It ends soon.")
    with pytest.raises(NotificationRefused, match="someone else's"):
        mark_read(session, ann, bobs.id)
    assert unread_count(session, bob) == 1
    assert inbox(session, ann) == []


@pytest.mark.parametrize(
    "address", ["ann.smith at example.org", "ann@localhost", "Ann <ann@example.org>"]
)
def test_an_invalid_address_is_refused_and_nothing_is_written(
    session: Session, address: str
) -> None:
    ann = active_user(session, "ann.smith", Role.PRACTITIONER)
    ann.email = address
    with pytest.raises(InvalidValue, match=r"ann\.smith's e-mail address is not valid"):
        notify(session, ann, "reminder", "Review your registration", "It ends soon.")
    assert session.scalar(select(func.count()).select_from(Notification)) == 0
    assert session.scalar(select(func.count()).select_from(OutboxEmail)) == 0


def test_a_user_who_wants_no_email_gets_the_inbox_only(session: Session) -> None:
    ann = active_user(session, "ann.smith", Role.PRACTITIONER)
    notify(session, ann, "reminder", "Review your registration", "It ends soon.", email=False)
    assert unread_count(session, ann) == 1
    assert session.scalar(select(func.count()).select_from(OutboxEmail)) == 0


def test_a_link_to_another_site_is_refused(session: Session) -> None:
    ann = active_user(session, "ann.smith", Role.PRACTITIONER)
    with pytest.raises(InvalidValue, match="link"):
        notify(session, ann, "reminder", "Review", "Soon.", link="https://evil.example/")


def test_the_email_holds_no_child_details_only_the_link(session: Session) -> None:
    ann = active_user(session, "ann.smith", Role.PRACTITIONER)
    body = "Alice Example (born 2 March 2015, 4 Park Row, Leeds) has a second key professional."
    notification = notify(
        session, ann, "match_signal", "Match signal: Alice Example", body, f"/children/{CP_ID}"
    )
    email = session.scalars(select(OutboxEmail)).one()
    assert email.notification_id == notification.id
    assert email.to_address == "ann.smith@example.org"
    assert f"{get_settings().service_url}/children/{CP_ID}" in email.body
    for detail in ("Alice", "Example", "2015", "Park Row"):
        assert detail not in email.subject and detail not in email.body
    assert inbox(session, ann)[0].body == body


def test_each_email_is_delivered_once_and_marked_sent(
    committed_engine: Engine, smtp_server: SmtpServer
) -> None:
    addresses = queue_emails(committed_engine, ["ann.smith", "bob.jones", "cat.brown"])
    assert send_due(committed_engine, smtp_server.settings()) == SendReport(sent=3)
    assert send_due(committed_engine, smtp_server.settings()) == SendReport()
    assert_each_arrived_exactly_once(committed_engine, smtp_server.mailbox)
    assert [email.to for email in smtp_server.mailbox.received] == [(a,) for a in addresses]
    for row in outbox(committed_engine):
        assert (row.attempts, row.claimed_until, row.last_error) == (1, None, None)
        assert row.sent_at is not None


def test_when_the_smtp_server_stops_mid_run_every_email_arrives_exactly_once(
    committed_engine: Engine, smtp_server: SmtpServer
) -> None:
    queue_emails(committed_engine, ["ann.smith", "bob.jones", "cat.brown"], each=2)
    smtp = smtp_server.settings()
    start = datetime.now(UTC)
    # The server takes two e-mails and dies while receiving the third.
    smtp_server.mailbox.hang_up_on = 3
    assert send_due(committed_engine, smtp, now=start) == SendReport(sent=2, retried=4)
    smtp_server.stop()
    later = start + timedelta(minutes=2)
    assert send_due(committed_engine, smtp, now=later) == SendReport(retried=4)
    waiting = [row for row in outbox(committed_engine) if row.status is EmailStatus.PENDING]
    assert len(waiting) == 4
    for row in waiting:
        assert (row.attempts, row.last_error) == (2, "ConnectionRefusedError")
        assert aware(row.next_attempt_at) == later + timedelta(minutes=2)

    smtp_server.mailbox.hang_up_on = None
    smtp_server.start()
    assert send_due(committed_engine, smtp, now=later + timedelta(minutes=1)) == SendReport()
    assert send_due(committed_engine, smtp, now=later + timedelta(minutes=3)) == SendReport(sent=4)
    assert_each_arrived_exactly_once(committed_engine, smtp_server.mailbox)
    assert len(smtp_server.mailbox.received) == 6


def test_emails_claimed_by_a_sender_that_died_are_sent_once_its_lease_runs_out(
    committed_engine: Engine, smtp_server: SmtpServer
) -> None:
    queue_emails(committed_engine, ["ann.smith", "bob.jones", "cat.brown"])
    smtp = smtp_server.settings(lease=timedelta(minutes=5))
    start = datetime.now(UTC)
    # A sender claims them, then is killed before sending any.
    assert len(claim_due(committed_engine, now=start, lease=smtp.lease, batch=50)) == 3
    assert send_due(committed_engine, smtp, now=start + timedelta(minutes=1)) == SendReport()
    assert smtp_server.mailbox.received == []
    assert {row.status for row in outbox(committed_engine)} == {EmailStatus.SENDING}
    after_lease = start + timedelta(minutes=5, seconds=1)
    assert send_due(committed_engine, smtp, now=after_lease) == SendReport(sent=3)
    assert_each_arrived_exactly_once(committed_engine, smtp_server.mailbox)


def test_a_sender_running_short_of_its_lease_hands_the_rest_back_untried(
    committed_engine: Engine, smtp_server: SmtpServer
) -> None:
    queue_emails(committed_engine, ["ann.smith", "bob.jones"])
    hasty = smtp_server.settings(lease=timedelta(0))
    assert send_due(committed_engine, hasty) == SendReport(retried=2)
    assert smtp_server.mailbox.received == []
    for row in outbox(committed_engine):
        assert (row.status, row.attempts, row.claimed_until) == (EmailStatus.PENDING, 0, None)
    assert send_due(committed_engine, smtp_server.settings()) == SendReport(sent=2)
    assert_each_arrived_exactly_once(committed_engine, smtp_server.mailbox)


def test_a_permanently_refused_recipient_fails_at_once_and_the_rest_are_sent(
    committed_engine: Engine, smtp_server: SmtpServer
) -> None:
    queue_emails(committed_engine, ["ann.smith", "bob.jones", "cat.brown"])
    smtp_server.mailbox.refuse = {"bob.jones@example.org"}
    report = send_due(committed_engine, smtp_server.settings())
    assert report == SendReport(sent=2, failed=1)
    refused = next(row for row in outbox(committed_engine) if row.status is EmailStatus.FAILED)
    assert refused.to_address == "bob.jones@example.org"
    assert (refused.attempts, refused.last_error) == (1, "SMTPRecipientsRefused 550")
    assert {email.to for email in smtp_server.mailbox.received} == {
        ("ann.smith@example.org",),
        ("cat.brown@example.org",),
    }


def test_an_email_is_given_up_after_its_last_attempt(
    committed_engine: Engine, smtp_server: SmtpServer
) -> None:
    queue_emails(committed_engine, ["ann.smith"])
    smtp_server.stop()
    smtp = smtp_server.settings(max_attempts=2)
    start = datetime.now(UTC)
    assert send_due(committed_engine, smtp, now=start) == SendReport(retried=1)
    assert send_due(committed_engine, smtp, now=start + timedelta(minutes=1)) == SendReport(
        failed=1
    )
    smtp_server.start()
    assert send_due(committed_engine, smtp, now=start + timedelta(days=1)) == SendReport()
    [row] = outbox(committed_engine)
    assert (row.status, row.attempts) == (EmailStatus.FAILED, 2)


def test_senders_running_at_once_never_claim_the_same_email(committed_engine: Engine) -> None:
    queue_emails(committed_engine, ["ann.smith", "bob.jones"], each=10)
    now = datetime.now(UTC)
    start = threading.Barrier(4)
    claimed: list[list[int]] = [[] for _ in range(4)]

    def sender(number: int) -> None:
        start.wait()
        while found := claim_due(committed_engine, now=now, lease=timedelta(minutes=5), batch=3):
            claimed[number].extend(email.id for email in found)

    threads = [threading.Thread(target=sender, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    every = [email_id for ids in claimed for email_id in ids]
    assert sorted(every) == sorted(row.id for row in outbox(committed_engine))


def test_the_demos_mail_catcher_delivers_each_email_to_a_file(
    committed_engine: Engine, tmp_path: Path
) -> None:
    # Issue 16: the demo had no mail server (358 "not sent" warnings in 15 minutes) and
    # nobody could read what the service sends. `make demo` runs this command beside it.
    port = free_port()
    folder = tmp_path / "mail"
    command = [sys.executable, "-m", "contactpoint", "notify", "catch"]
    catcher = subprocess.Popen(
        [*command, "--port", str(port), "--dir", str(folder)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert catcher.stdout is not None
        assert "Catching e-mail on 127.0.0.1" in catcher.stdout.readline()
        addresses = queue_emails(committed_engine, ["ann.smith", "bob.jones"])
        smtp = SmtpSettings("127.0.0.1", port, "ContactPoint <no-reply@contactpoint.example>")
        assert send_due(committed_engine, smtp) == SendReport(sent=2)
    finally:
        catcher.terminate()
        catcher.wait(timeout=30)
    files = caught(folder)
    messages = [message_from_bytes(path.read_bytes(), policy=policy.default) for path in files]
    assert sorted(str(m["To"]) for m in messages) == sorted(addresses)
    assert all("reminder" in str(m["Subject"]).lower() for m in messages)
    assert not list(folder.glob(".*.part"))
