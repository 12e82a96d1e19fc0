"""The daily jobs on both databases: each runs once a day whatever the restarts, again the
next day, and on PostgreSQL never in two worker processes at once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from contactpoint import daily, db
from contactpoint.daily import (
    ANALYTICS,
    CHECKPOINT,
    DAILY_LOCK,
    HOUSEKEEPING,
    DailyRun,
    run_daily_jobs,
)
from contactpoint.oversight import analytics
from contactpoint.settings import get_settings
from contactpoint.tables.stats import IndexSnapshot

TODAY = date(2026, 11, 2)
NOON = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def snapshots() -> list[tuple[int, date]]:
    """The index snapshots kept (a day's snapshot taken again gets a new id)."""
    with db.unit_of_work() as session:
        rows = session.execute(select(IndexSnapshot.id, IndexSnapshot.day).order_by("id"))
        return [(id_, day) for id_, day in rows]


@pytest.fixture
def analyses(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """When the audit trail was analysed (the real analysis runs)."""
    seen: list[datetime] = []
    real = analytics.daily_report

    def analyse(session: Any, now: datetime) -> Any:
        seen.append(now)
        return real(session, now)

    monkeypatch.setattr(daily, "daily_report", analyse)
    return seen


def test_each_job_runs_once_a_day_however_often_asked(
    committed_engine: Engine, analyses: list[datetime]
) -> None:
    assert run_daily_jobs(committed_engine, TODAY, NOON) == [HOUSEKEEPING, ANALYTICS, CHECKPOINT]
    taken = snapshots()
    assert [day for _id, day in taken] == [TODAY] and analyses == [NOON]
    # A restart later the same day: nothing runs again.
    assert run_daily_jobs(committed_engine, TODAY, NOON + timedelta(hours=3)) == []
    assert snapshots() == taken and analyses == [NOON]

    tomorrow = TODAY + timedelta(days=1)
    later = NOON + timedelta(days=1)
    assert run_daily_jobs(committed_engine, tomorrow, later) == [
        HOUSEKEEPING,
        ANALYTICS,
        CHECKPOINT,
    ]
    assert [day for _id, day in snapshots()] == [TODAY, tomorrow] and analyses == [NOON, later]
    with db.unit_of_work() as session:
        kept = session.execute(select(DailyRun.job, DailyRun.day)).all()
    assert sorted(kept) == sorted(
        (job, day) for job in (HOUSEKEEPING, ANALYTICS, CHECKPOINT) for day in (TODAY, tomorrow)
    )


def test_analysis_switched_off_runs_once_switched_back_on(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch, analyses: list[datetime]
) -> None:
    monkeypatch.setenv("CONTACTPOINT_AUDIT_ALERTS", "false")
    get_settings.cache_clear()
    assert run_daily_jobs(committed_engine, TODAY, NOON) == [HOUSEKEEPING, CHECKPOINT]
    assert analyses == []
    monkeypatch.setenv("CONTACTPOINT_AUDIT_ALERTS", "true")
    get_settings.cache_clear()
    assert run_daily_jobs(committed_engine, TODAY, NOON) == [ANALYTICS]
    assert analyses == [NOON] and len(snapshots()) == 1


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_a_worker_finding_another_at_work_leaves_it_the_jobs(committed_engine: Engine) -> None:
    with committed_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as other:
        assert other.scalar(select(func.pg_try_advisory_lock(DAILY_LOCK)))
        assert run_daily_jobs(committed_engine, TODAY, NOON) == []
        other.scalar(select(func.pg_advisory_unlock(DAILY_LOCK)))
    assert snapshots() == []
    assert run_daily_jobs(committed_engine, TODAY, NOON) == [HOUSEKEEPING, ANALYTICS, CHECKPOINT]
