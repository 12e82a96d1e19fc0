"""The outbox sender: delivers due e-mails over SMTP, with retries and backoff.

Each run claims a batch of due e-mails in one short transaction (status ``sending`` and a
lease, ``claimed_until``), then sends them over one SMTP connection and records each
outcome in its own short transaction. A sender killed part way leaves its claimed
e-mails to be claimed again once the lease runs out: none is lost. An e-mail is marked
sent exactly once; if a sender dies after the SMTP server accepted an e-mail but before
recording it, the e-mail goes again with the same Message-ID, which the receiving side
can recognise. Temporary failures (connection refused or lost, time-outs, 4xx replies)
go back to ``pending`` with exponential backoff until ``max_attempts``; a permanent
refusal (5xx) of the recipient or of the message fails that e-mail at once.

Nothing is logged of an address or a text: only outbox ids and SMTP error classes and
codes.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Engine, and_, func, or_, select, update

from contactpoint.db import unit_of_work
from contactpoint.dialects import skipping_locked
from contactpoint.notify.message import build_message, retry_delay
from contactpoint.settings import Settings
from contactpoint.tables.notify import EmailStatus, OutboxEmail

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how e-mails are delivered, and how persistently."""

    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    timeout: float = 10.0
    max_attempts: int = 12
    lease: timedelta = timedelta(minutes=5)

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpSettings:
        password = settings.smtp_password
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            username=settings.smtp_username,
            password=password.get_secret_value() if password else None,
            starttls=settings.smtp_starttls,
            timeout=settings.smtp_timeout_seconds,
            max_attempts=settings.email_max_attempts,
            lease=timedelta(seconds=settings.email_lease_seconds),
        )


@dataclass(frozen=True, slots=True)
class SendReport:
    """What one run did: e-mails sent, put back to try again, and given up."""

    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def any(self) -> bool:
        return bool(self.sent or self.retried or self.failed)


@dataclass(frozen=True, slots=True)
class Claimed:
    """An e-mail this sender holds until ``claimed_until``."""

    id: int
    to_address: str
    subject: str
    body: str
    message_id: str
    attempts: int
    claimed_until: datetime


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(OutboxEmail.status == EmailStatus.PENDING, OutboxEmail.next_attempt_at <= now),
        and_(OutboxEmail.status == EmailStatus.SENDING, OutboxEmail.claimed_until <= now),
    )


def claim_due(engine: Engine, *, now: datetime, lease: timedelta, batch: int) -> list[Claimed]:
    """Claim up to ``batch`` due e-mails (pending and due, or held by a lease that has
    run out) until ``now + lease``, in one committed transaction."""
    until = now + lease
    due = skipping_locked(
        select(OutboxEmail.id)
        .where(_due(now))
        .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
        .limit(batch),
        engine,
    )
    with unit_of_work(engine) as session:
        rows = session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.id.in_(due), _due(now))
            .values(status=EmailStatus.SENDING, claimed_until=until)
            .returning(
                OutboxEmail.id,
                OutboxEmail.to_address,
                OutboxEmail.subject,
                OutboxEmail.body,
                OutboxEmail.message_id,
                OutboxEmail.attempts,
            )
            .execution_options(synchronize_session=False)
        ).all()
    return sorted((Claimed(*row, claimed_until=until) for row in rows), key=lambda email: email.id)


def send_due(
    engine: Engine, smtp: SmtpSettings, *, now: datetime | None = None, batch: int = 50
) -> SendReport:
    """Send the e-mails due at ``now`` (default: the present), one batch over one SMTP
    connection; each outcome is committed as soon as it is known."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    started = time.monotonic()
    claimed = claim_due(engine, now=now, lease=smtp.lease, batch=batch)
    if not claimed:
        return SendReport()
    outcomes: Counter[EmailStatus] = Counter()
    try:
        client = _connect(smtp)
    except OSError as error:  # smtplib's errors are OSErrors too
        for email in claimed:
            outcomes[_not_sent(engine, smtp, email, now, _describe(error))] += 1
        return _report(outcomes)
    try:
        for position, email in enumerate(claimed):
            if time.monotonic() - started > smtp.lease.total_seconds() / 2:
                # Slow going: hand the rest back untried before the lease could run out
                # mid-send and another sender send them too.
                _release(engine, claimed[position:])
                outcomes[EmailStatus.PENDING] += len(claimed) - position
                break
            try:
                message = build_message(
                    sender=smtp.sender, to=email.to_address, subject=email.subject,
                    body=email.body, message_id=email.message_id, date=now,
                )  # fmt: skip
                client.send_message(message, to_addrs=[email.to_address])
            except ValueError as error:
                # Not an e-mail that can be sent (a header with a line break, say).
                outcomes[_not_sent(engine, smtp, email, now, _describe(error), True)] += 1
            except smtplib.SMTPRecipientsRefused as error:
                code = min(code for code, _ in error.recipients.values())
                problem = f"SMTPRecipientsRefused {code}"
                outcomes[_not_sent(engine, smtp, email, now, problem, permanent=code >= 500)] += 1
            except smtplib.SMTPDataError as error:
                permanent = error.smtp_code >= 500
                outcomes[_not_sent(engine, smtp, email, now, _describe(error), permanent)] += 1
            except smtplib.SMTPSenderRefused as error:
                # Our From refused: not this e-mail's fault, so never failed at once.
                outcomes[_not_sent(engine, smtp, email, now, _describe(error))] += 1
            except OSError as error:
                # The connection is gone (or timed out): this e-mail and the rest wait.
                for waiting in claimed[position:]:
                    outcomes[_not_sent(engine, smtp, waiting, now, _describe(error))] += 1
                break
            else:
                _mark_sent(engine, email)
                outcomes[EmailStatus.SENT] += 1
    finally:
        _close(client)
    return _report(outcomes)


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    try:
        if smtp.starttls:
            client.starttls(context=ssl.create_default_context())
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
    except BaseException:
        _close(client)
        raise
    return client


def _close(client: smtplib.SMTP) -> None:
    with suppress(OSError):
        client.quit()
    client.close()


def _mark_sent(engine: Engine, email: Claimed) -> None:
    # Whatever happened to the row meanwhile (a lease run out, another sender), the
    # server has the e-mail now: record it, once.
    with unit_of_work(engine) as session:
        session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.id == email.id, OutboxEmail.status != EmailStatus.SENT)
            .values(
                status=EmailStatus.SENT,
                sent_at=func.now(),
                attempts=email.attempts + 1,
                claimed_until=None,
                last_error=None,
            )
            .execution_options(synchronize_session=False)
        )


def _release(engine: Engine, emails: list[Claimed]) -> None:
    """Give claimed e-mails back untried: due at once, no attempt counted."""
    with unit_of_work(engine) as session:
        session.execute(
            update(OutboxEmail)
            .where(
                OutboxEmail.id.in_([email.id for email in emails]),
                OutboxEmail.status == EmailStatus.SENDING,
                OutboxEmail.claimed_until == emails[0].claimed_until,
            )
            .values(status=EmailStatus.PENDING, claimed_until=None)
            .execution_options(synchronize_session=False)
        )


def _not_sent(
    engine: Engine,
    smtp: SmtpSettings,
    email: Claimed,
    now: datetime,
    problem: str,
    permanent: bool = False,
) -> EmailStatus:
    """Record a failed attempt: back to pending after the backoff, or failed for good.
    Only while this sender still holds the e-mail (its lease has not passed on)."""
    attempts = email.attempts + 1
    status = (
        EmailStatus.FAILED if permanent or attempts >= smtp.max_attempts else EmailStatus.PENDING
    )
    with unit_of_work(engine) as session:
        session.execute(
            update(OutboxEmail)
            .where(
                OutboxEmail.id == email.id,
                OutboxEmail.status == EmailStatus.SENDING,
                OutboxEmail.claimed_until == email.claimed_until,
            )
            .values(
                status=status,
                attempts=attempts,
                next_attempt_at=now + retry_delay(attempts),
                claimed_until=None,
                last_error=problem,
            )
            .execution_options(synchronize_session=False)
        )
    outcome = "given up" if status is EmailStatus.FAILED else f"attempt {attempts}, will retry"
    log.warning("outbox e-mail %d not sent (%s): %s", email.id, problem, outcome)
    return status


def _describe(error: BaseException) -> str:
    """An SMTP error as its class and code: never its text, which may hold an address."""
    code = getattr(error, "smtp_code", None)
    return type(error).__name__ + (f" {code}" if isinstance(code, int) else "")


def _report(outcomes: Counter[EmailStatus]) -> SendReport:
    report = SendReport(
        sent=outcomes[EmailStatus.SENT],
        retried=outcomes[EmailStatus.PENDING],
        failed=outcomes[EmailStatus.FAILED],
    )
    log.info("outbox: %d sent, %d to retry, %d failed", report.sent, report.retried, report.failed)
    return report
