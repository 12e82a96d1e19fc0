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
* the daily jobs (``daily``: signposting's housekeeping, retention, the index snapshot,
  the audit trail's misuse analysis), asked for when the server starts and every
  ``signposting_housekeeping_hours`` (a day) after; each runs at most once a day, so a
  restart does not repeat them, and on PostgreSQL one worker process at a time runs them.

A job that fails is logged with what went wrong (``db.describe_error``: never a value)
and tried again soon, backing off while it keeps failing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, date, datetime

from fastapi import FastAPI

from contactpoint import db
from contactpoint.audit.service import seal_pending
from contactpoint.daily import run_daily_jobs
from contactpoint.notify.sender import SmtpSettings, send_due
from contactpoint.settings import get_settings

log = logging.getLogger(__name__)

# The first wait after a job fails; it doubles with each failure in a row.
RETRY_SECONDS = 15.0


@asynccontextmanager
async def background_work(app: FastAPI) -> AsyncIterator[None]:
    """The application's lifespan: the jobs run while the application does."""
    settings = get_settings()
    jobs = [
        ("audit-sealer", _seal_once, settings.audit_seal_interval_seconds),
        ("email-sender", _send_once, float(settings.email_send_interval_seconds)),
        ("daily-jobs", _daily_once, settings.signposting_housekeeping_hours * 3600.0),
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
    """Run ``job`` every ``interval`` seconds; after a failure, sooner: first after
    ``RETRY_SECONDS``, doubling with each failure in a row, never later than the
    interval (a daily job that failed at start is tried again within a minute, not the
    next day)."""
    failures = 0
    while True:
        failures = 0 if await _run_once(name, job) else failures + 1
        delay = min(interval, RETRY_SECONDS * 2 ** (failures - 1)) if failures else interval
        if failures:
            log.warning("%s: trying again in %.0f s (failure %d in a row)", name, delay, failures)
        await asyncio.sleep(delay)


async def _run_once(name: str, job: Callable[[], None]) -> bool:
    """Whether ``job`` succeeded; a failure is logged, never raised."""
    try:
        await asyncio.to_thread(job)
    except Exception as error:  # the job must outlive any one failure
        log.error("%s failed: %s", name, db.describe_error(error))
        return False
    return True


def _seal_once() -> None:
    seal_pending(db.get_engine())


def _seal_all() -> None:
    """At shutdown: waits for another worker's sealer rather than leaving it the job."""
    seal_pending(db.get_engine(), wait=True)


def _send_once() -> None:
    send_due(db.get_engine(), SmtpSettings.from_settings(get_settings()))


def _daily_once() -> None:
    run_daily_jobs(db.get_engine(), date.today(), datetime.now(UTC))
