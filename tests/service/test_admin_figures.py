"""What the administration console reads and changes, on SQLite and PostgreSQL: the
figures by day derived from feed runs and review tasks, each source's latest deliveries,
each organisation's cap, and suspending a source (policy-checked and audited)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from contactpoint import stats
from contactpoint.access import caps, key_professionals
from contactpoint.access.policy import Principal
from contactpoint.errors import AccessRefused, InvalidValue
from contactpoint.feeds import control
from contactpoint.feeds.pipeline import load_file
from contactpoint.kinds.access import Role
from contactpoint.tables.audit import AuditEntry
from contactpoint.tables.review import ReviewStatus, ReviewTask
from tests.builders import birth, nhs_number, write_feed
from tests.people import active_user, authority

PRACTITIONER = Principal(2, "pat.practitioner", frozenset({Role.PRACTITIONER}), "E08000035")


def national(session: Session) -> Principal:
    """A national administrator with an account (audit entries name their user)."""
    user = active_user(session, "nia.national", Role.NATIONAL_ADMIN)
    return Principal(user.id, user.username, frozenset({Role.NATIONAL_ADMIN}), None)


def _load(session: Session, tmp_path: Path, name: str, rows: list[dict[str, str]]) -> None:
    path = write_feed(tmp_path / name, "gro-births", rows)
    load_file(session, source_name="gro-births", path=path, loaded_by="test")


def _at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def test_figures_by_day_count_deliveries_decisions_and_the_queue_at_each_days_end(
    session: Session, tmp_path: Path
) -> None:
    today = datetime.now(UTC).date()
    _load(session, tmp_path, "a.csv", [birth(1)])
    _load(
        session,
        tmp_path,
        "b.csv",
        [birth(1, record_id="2015/LDS/09999", nhs_number=nhs_number(99))],
    )
    (task,) = session.scalars(select(ReviewTask))
    session.execute(
        update(ReviewTask)
        .where(ReviewTask.id == task.id)
        .values(created_at=_at(today - timedelta(days=3)))
    )

    days = stats.figures_by_day(session, days=5, today=today)

    assert [d.day for d in days] == [today - timedelta(days=n) for n in range(4, -1, -1)]
    assert days[-1].rows == 2 and days[-1].new_children == 2 and days[-1].for_review == 1
    assert [d.queue for d in days] == [0, 1, 1, 1, 1]
    assert [d.oldest_waiting_days for d in days] == [0, 0, 1, 2, 3]

    session.execute(
        update(ReviewTask)
        .where(ReviewTask.id == task.id)
        .values(status=ReviewStatus.KEPT_APART, decided_at=_at(today - timedelta(days=1)))
    )
    days = stats.figures_by_day(session, days=5, today=today)
    assert [d.queue for d in days] == [0, 1, 1, 0, 0]
    assert [d.decided_apart for d in days] == [0, 0, 0, 1, 0]


def test_the_latest_deliveries_of_each_source_come_newest_first(
    session: Session, tmp_path: Path
) -> None:
    _load(session, tmp_path, "first.csv", [birth(1)])
    _load(session, tmp_path, "second.csv", [birth(2)])

    runs = control.recent_runs(session, per_source=5)

    assert [run.file_name for run in runs["gro-births"]] == ["second.csv", "first.csv"]
    assert runs["nhs-demographics"] == []


def test_each_organisations_cap_says_whether_it_is_its_own(session: Session) -> None:
    code = authority(session)
    key_professionals.set_cap(session, national(session), code, 2)

    (found,) = [cap for cap in caps.caps(session) if cap.code == code]

    assert (found.cap, found.own_cap, found.named) == (2, 2, 0)


def test_suspending_a_source_needs_a_national_administrator_and_a_reason_and_is_audited(
    session: Session,
) -> None:
    admin = national(session)
    with pytest.raises(AccessRefused):
        control.change(session, PRACTITIONER, "gro-births", suspended=True, reason="x")
    with pytest.raises(InvalidValue):
        control.change(session, admin, "gro-births", suspended=True, reason=" ")

    control.change(session, admin, "gro-births", suspended=True, reason="Scaled down")

    assert next(s for s in control.status(session) if s.source == "gro-births").suspended
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "feed.suspend")).one()
    assert (entry.actor, entry.reason) == ("nia.national", "Scaled down")


def test_a_days_snapshot_keeps_what_the_index_held_and_the_latest_of_a_day_stands(
    session: Session, tmp_path: Path
) -> None:
    today = date(2026, 11, 20)
    stats.take_snapshot(session, today - timedelta(days=3))
    _load(session, tmp_path, "a.csv", [birth(1)])
    stats.take_snapshot(session, today - timedelta(days=1))
    _load(session, tmp_path, "b.csv", [birth(2)])
    stats.take_snapshot(session, today - timedelta(days=1))  # again: the later counts stand

    now = stats.current_figures(session)
    held = stats.snapshots(session, 7, today, now)

    # The day with no snapshot is left out; today is the counts as they are now.
    assert [day for day, _ in held] == [today - timedelta(days=n) for n in (3, 1, 0)]
    assert [figures["source_records"]["gro-births"] for _, figures in held] == [0, 2, 2]
    assert [figures["children"]["total"] for _, figures in held] == [0, 2, 2]
    assert held[-1][1] is now
    assert len(session.scalars(select(stats.IndexSnapshot)).all()) == 2
