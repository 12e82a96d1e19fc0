"""Slowing password and code guessing without letting anyone lock staff out at will
(security review S10).

Failures are counted per username *and source address* (``SignInFailures``): after
``login_max_failures`` in a row from one address, that username pauses at that address —
a minute, doubling with each further failure, up to ``login_lockout_minutes`` — while
its owner, elsewhere, still signs in. An address that fails ``login_source_max_failures``
times across any usernames within ``login_lockout_minutes`` (trying many usernames) is
paused for all of them. A username nobody holds is counted and paused exactly like one
that exists, so no answer and no pause tells which usernames exist. Many addresses
guessing one account are stopped by the account's own pause (``auth``), at the higher
``login_account_max_failures``.

The source address is the connecting client's (``request.client.host``): behind a
reverse proxy, uvicorn takes it from ``X-Forwarded-For`` when the proxy's address is in
``FORWARDED_ALLOW_IPS`` (127.0.0.1 by default) — set it, or every user shares one source.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contactpoint.settings import get_settings
from contactpoint.tables.access import SignInFailures

UNKNOWN_SOURCE = "unknown"
SOURCE_LENGTH = 64
USERNAME_LENGTH = 100
# Failures older than this are forgotten.
REMEMBERED = timedelta(days=1)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def source_of(address: str | None) -> str:
    return (address or UNKNOWN_SOURCE)[:SOURCE_LENGTH]


def _row(session: Session, username: str, source: str) -> SignInFailures | None:
    return session.scalar(
        select(SignInFailures)
        .where(SignInFailures.username == username, SignInFailures.source == source)
        .with_for_update()
    )


def paused(session: Session, username: str, source: str, moment: datetime) -> bool:
    """Whether attempts for ``username`` from ``source`` wait for now."""
    settings = get_settings()
    row = _row(session, username[:USERNAME_LENGTH], source)
    if row is not None and row.paused_until is not None and _aware(row.paused_until) > moment:
        return True
    window = moment - timedelta(minutes=settings.login_lockout_minutes)
    tried = session.scalar(
        select(func.coalesce(func.sum(SignInFailures.failures), 0)).where(
            SignInFailures.source == source, SignInFailures.last_at > window
        )
    )
    return int(tried or 0) >= settings.login_source_max_failures


def failed(session: Session, username: str, source: str, moment: datetime) -> None:
    """Count a wrong password or code for ``username`` from ``source``."""
    settings = get_settings()
    name = username[:USERNAME_LENGTH]
    row = _row(session, name, source)
    if row is None:
        try:
            with session.begin_nested():
                row = SignInFailures(username=name, source=source, failures=0, last_at=moment)
                session.add(row)
                session.flush()
        except IntegrityError:  # the same username and address failing at the same time
            row = _row(session, name, source)
            assert row is not None
    row.failures += 1
    row.last_at = moment
    beyond = row.failures - settings.login_max_failures
    if beyond >= 0:
        minutes = min(2 ** min(beyond, 10), settings.login_lockout_minutes)
        row.paused_until = moment + timedelta(minutes=minutes)
    session.execute(delete(SignInFailures).where(SignInFailures.last_at < moment - REMEMBERED))
    session.flush()


def succeeded(session: Session, username: str, source: str) -> None:
    """A full sign-in from ``source``: its count for the username starts again."""
    session.execute(
        delete(SignInFailures).where(
            SignInFailures.username == username[:USERNAME_LENGTH],
            SignInFailures.source == source,
        )
    )
