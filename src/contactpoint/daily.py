"""The daily jobs, and the record of each day's run so that no restart repeats them.

Three jobs, in this order:

* ``housekeeping``: signposting's housekeeping (reminding, lapsing and purging
  involvements), then retention (archiving and purging records, ``records.lifecycle``)
  only where ``retention_by_server`` says so — never by default, so a server started on
  a restored database destroys nothing before an operator has looked — then a snapshot
  of what the index holds (``stats.take_snapshot``, for the console);
* ``audit-analytics``: the audit trail's last two days analysed for likely misuse and
  auditors alerted to new findings (each once), unless ``audit_alerts`` is off;
* ``audit-checkpoint``: the chain sealed and a signed checkpoint of its head e-mailed to
  every auditor (``oversight.checkpoint``), the anchor outside the database.

Each is idempotent within a day, and each runs at most once a day: the transaction that
finishes a job records it in ``daily_runs``, and a job recorded for the day is left alone.
So the web server (``web.background``), which asks when it starts and every
``signposting_housekeeping_hours``, does the work once a day however often it is
restarted — the analysis reads two days of the audit trail, too much to redo on every
deployment while searches wait for the CPU. On PostgreSQL one worker process at a time
runs them (a session advisory lock); the others leave it the work. The CLI's commands
(``contactpoint signposting housekeeping``, ``contactpoint audit analyse --alert``) run
when told, whatever is recorded.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from contactpoint import db, dialects
from contactpoint.audit.service import seal_pending
from contactpoint.oversight import checkpoint
from contactpoint.oversight.analytics import daily_report, raise_alerts
from contactpoint.records.lifecycle import run_retention
from contactpoint.settings import get_settings
from contactpoint.signposting.involvement import housekeeping
from contactpoint.stats import current_figures, take_snapshot
from contactpoint.tables.daily import DailyRun

log = logging.getLogger(__name__)

HOUSEKEEPING = "housekeeping"
ANALYTICS = "audit-analytics"
CHECKPOINT = "audit-checkpoint"
# The PostgreSQL advisory lock held by the worker process running the daily jobs.
DAILY_LOCK = 0x5167_6E70  # "Sign"


def run_daily_jobs(engine: Engine, today: date, now: datetime) -> list[str]:
    """Run the jobs not yet recorded for ``today``; the names of those run (none when
    another worker process is running them)."""
    ran: list[str] = []
    with dialects.alone(engine, DAILY_LOCK) as alone:
        if not alone:
            return ran
        if not _done(engine, HOUSEKEEPING, today):
            _housekeeping(engine, today, now)
            ran.append(HOUSEKEEPING)
        if get_settings().audit_alerts and not _done(engine, ANALYTICS, today):
            # Read in a transaction of its own, then write briefly: on SQLite the
            # analysis never holds the write lock that every request needs.
            with db.unit_of_work(engine, read_only=True) as session:
                report = daily_report(session, now)
            with db.unit_of_work(engine) as session:
                raised = raise_alerts(session, report.findings, now)
                _finished(session, ANALYTICS, today, now)
            log.info("audit analytics: %d new alerts to auditors", len(raised))
            ran.append(ANALYTICS)
        if not _done(engine, CHECKPOINT, today):
            seal_pending(engine, wait=True)
            with db.unit_of_work(engine) as session:
                taken = checkpoint.take(session, now)
                sent = checkpoint.send_to_auditors(session, taken) if taken else 0
                _finished(session, CHECKPOINT, today, now)
            log.info("audit checkpoint: e-mailed to %d auditors", sent)
            ran.append(CHECKPOINT)
    return ran


def _housekeeping(engine: Engine, today: date, now: datetime) -> None:
    with db.unit_of_work(engine) as session:
        done = housekeeping(session, today)
    log.info(
        "signposting housekeeping: reminded %d, lapsed %d, purged %d",
        done.reminded,
        done.lapsed,
        done.purged,
    )
    if get_settings().retention_by_server:
        kept = run_retention(engine, today)
        log.info(
            "retention: archived %d, statutory enquiries only %d, purged %d",
            kept.archived,
            kept.statutory_only,
            kept.purged,
        )
    else:
        log.info(
            "retention: not run by the server (CONTACTPOINT_RETENTION_BY_SERVER is off);"
            " run 'contactpoint retention run'"
        )
    with db.unit_of_work(engine, read_only=True) as session:
        figures = current_figures(session)
    with db.unit_of_work(engine) as session:
        take_snapshot(session, today, figures)
        _finished(session, HOUSEKEEPING, today, now)


def _done(engine: Engine, job: str, day: date) -> bool:
    with db.unit_of_work(engine, read_only=True) as session:
        found = session.get(DailyRun, (job, day))
    return found is not None


def _finished(session: Session, job: str, day: date, now: datetime) -> None:
    # merge: a SQLite server's second worker may have finished the same job meanwhile.
    session.merge(DailyRun(job=job, day=day, finished_at=now))
    session.flush()
