"""The web server's background work, each job in a worker thread so that it never holds
up a request, each on its own interval (0: never):

* sealing the audit entries requests have committed into the chain, every
  ``audit_seal_interval_seconds`` (a fraction of a second), so that a request never waits
  to extend the chain. Each worker process runs its own sealer; on PostgreSQL one that
  finds another sealing leaves the work to it. With no sealer (0) each request seals its
  own entries after its commit;
* sending due e-mails from the outbox, every ``email_send_interval_seconds``. Each
  worker process runs its own sender; they never send the same e-mail at once
  (``notify.sender`` claims each e-mail for one of them);
* the daily jobs, when the server starts and every ``signposting_housekeeping_hours``
  (a day) after: signposting's housekeeping (reminding, lapsing and purging
  involvements), then retention (archiving and purging records, ``children.lifecycle``),
  then a snapshot of what the index holds (``stats.take_snapshot``, for the console).
  Both are idempotent within a day; on PostgreSQL only one worker process runs them at a
  time. Then, unless ``audit_alerts`` is off, the audit trail's last two days are
  analysed for likely misuse and auditors alerted to new findings (each once).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, date, datetime

from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contactpoint import db
from contactpoint.audit.analytics import analyse_and_alert
from contactpoint.audit.service import seal_pending
from contactpoint.children.lifecycle import run_retention
from contactpoint.notify.sender import SmtpSettings, send_due
from contactpoint.settings import get_settings
from contactpoint.signposting.involvement import housekeeping
from contactpoint.stats import take_snapshot

log = logging.getLogger(__name__)

# The PostgreSQL advisory lock held by the worker process running housekeeping.
HOUSEKEEPING_LOCK = 0x5167_6E70  # "Sign"


@asynccontextmanager
async def background_work(app: FastAPI) -> AsyncIterator[None]:
    """The application's lifespan: the jobs run while the application does."""
    settings = get_settings()
    jobs = [
        ("audit-sealer", _seal_once, settings.audit_seal_interval_seconds),
        ("email-sender", _send_once, float(settings.email_send_interval_seconds)),
        (
            "signposting-housekeeping",
            _housekeep_once,
            settings.signposting_housekeeping_hours * 3600.0,
        ),
    ]
    tasks = [
        asyncio.create_task(_every(name, job, interval), name=name)
        for name, job, interval in jobs
        if interval > 0
    ]
    app.state.sealing_in_background = settings.audit_seal_interval_seconds > 0
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError):
                await task
        if app.state.sealing_in_background:  # what the last requests wrote
            app.state.sealing_in_background = False
            await _run_once("audit-sealer", _seal_all)


async def _every(name: str, job: Callable[[], None], interval: float) -> None:
    while True:
        await _run_once(name, job)
        await asyncio.sleep(interval)


async def _run_once(name: str, job: Callable[[], None]) -> None:
    try:
        await asyncio.to_thread(job)
    except Exception as error:  # the job must outlive any one failure
        # The class only: a database error's text can hold the statement's values.
        log.error("%s failed (%s); trying again later", name, type(error).__name__)


def _seal_once() -> None:
    seal_pending(db.get_engine())


def _seal_all() -> None:
    """At shutdown: waits for another worker's sealer rather than leaving it the job."""
    seal_pending(db.get_engine(), wait=True)


def _send_once() -> None:
    send_due(db.get_engine(), SmtpSettings.from_settings(get_settings()))


def _housekeep_once() -> None:
    today = date.today()
    with db.unit_of_work() as session:
        if not _only_worker(session):
            return
        done = housekeeping(session, today)
    log.info(
        "signposting housekeeping: reminded %d, lapsed %d, purged %d",
        done.reminded,
        done.lapsed,
        done.purged,
    )
    kept = run_retention(db.get_engine(), today)
    log.info("retention: archived %d, purged %d", kept.archived, kept.purged)
    with db.unit_of_work() as session:
        take_snapshot(session, today)
    if get_settings().audit_alerts:
        with db.unit_of_work() as session:
            if not _only_worker(session):
                return
            raised = analyse_and_alert(session, datetime.now(UTC))
        log.info("audit analytics: %d new alerts to auditors", len(raised))


def _only_worker(session: Session) -> bool:
    """Whether this transaction may run housekeeping: on PostgreSQL, once it holds the
    advisory lock (another worker process holding it is running it now, so this one
    leaves it); SQLite lets one writer in at a time anyway."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(HOUSEKEEPING_LOCK))))
