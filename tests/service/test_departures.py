"""A child leaving England, on both databases: recorded only by the responsible
authority's data managers and audited; no longer reported as missing education; archived
a year after leaving; and noticed coming back when a source places the child at an
address in England again."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from contactpoint import db
from contactpoint.access import accounts
from contactpoint.access.policy import Principal
from contactpoint.errors import AccessRefused, InvalidValue
from contactpoint.feeds import pipeline
from contactpoint.kinds.access import Role
from contactpoint.kinds.children import ChildStatus
from contactpoint.records import departures, reports
from contactpoint.records.lifecycle import run_retention
from contactpoint.tables.access import Organisation
from contactpoint.tables.audit import AuditEntry
from contactpoint.tables.children import Child, SourceRecord
from tests.builders import birth, nhs_record, write_feed
from tests.people import HULL, active_user

BORN = "2012-03-01"
LEFT = date(2020, 9, 14)
TODAY = date(2020, 10, 1)


def _load(engine: Engine, tmp_path: Path, source: str, rows: list[dict[str, Any]]) -> None:
    path = write_feed(tmp_path / f"{source}.csv", source, rows)
    with db.unit_of_work(engine) as session:
        pipeline.load_file(session, source_name=source, path=path, loaded_by="t", today=TODAY)


@pytest.fixture
def leeds(committed_engine: Engine, tmp_path: Path) -> Engine:
    """Two Leeds children of primary-school age with no school registration."""
    rows = [birth(n, date_of_birth=BORN, registration_date="2012-03-20") for n in (1, 2)]
    _load(committed_engine, tmp_path, "gro-births", rows)
    with db.unit_of_work(committed_engine) as session:
        active_user(session, "dee.manager", Role.DATA_MANAGER)
        active_user(session, "hal.manager", Role.DATA_MANAGER, la_code=HULL)
        active_user(session, "pat.practitioner", Role.PRACTITIONER)
    return committed_engine


def _principal(session: Session, username: str) -> Principal:
    user = accounts.user(session, username)
    org = session.get_one(Organisation, user.organisation_id)
    return Principal(user.id, user.username, accounts.roles_of(session, user.id), org.la_code)


def _first(session: Session) -> Child:
    return session.scalars(select(Child).order_by(Child.id)).first()  # type: ignore[return-value]


def _leave(engine: Engine, username: str = "dee.manager", on: date = LEFT) -> None:
    with db.unit_of_work(engine) as session:
        departures.record_departure(
            session, _principal(session, username), _first(session), on, "school told us", TODAY
        )


def _left_on(engine: Engine) -> date | None:
    with db.unit_of_work(engine) as session:
        return _first(session).left_england_on


def test_only_the_responsible_authoritys_data_managers_record_a_departure(leeds: Engine) -> None:
    for username in ("pat.practitioner", "hal.manager"):
        with pytest.raises(AccessRefused):
            _leave(leeds, username)
    assert _left_on(leeds) is None

    _leave(leeds)

    assert _left_on(leeds) == LEFT
    with db.unit_of_work(leeds) as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "child.left_england")
        ).one()
        assert entry.child_id == _first(session).id
        assert entry.actor == "dee.manager"


@pytest.mark.parametrize(
    ("on", "reason"), [(date(2021, 1, 1), "school told us"), (date(2011, 1, 1), "school told us")]
)
def test_a_departure_in_the_future_or_before_birth_is_refused(
    leeds: Engine, on: date, reason: str
) -> None:
    with pytest.raises(InvalidValue):
        _leave(leeds, on=on)
    assert _left_on(leeds) is None


def test_a_departure_without_a_reason_is_refused(leeds: Engine) -> None:
    with db.unit_of_work(leeds) as session, pytest.raises(InvalidValue):
        departures.record_departure(
            session, _principal(session, "dee.manager"), _first(session), LEFT, "  ", TODAY
        )
    assert _left_on(leeds) is None


def test_a_child_who_left_is_not_reported_as_missing_education(leeds: Engine) -> None:
    def listed() -> int:
        with db.unit_of_work(leeds) as session:
            manager = _principal(session, "dee.manager")
            return len(reports.missing_education(session, manager, TODAY))

    assert listed() == 2
    _leave(leeds)
    assert listed() == 1


def test_a_child_who_left_is_archived_a_year_later(leeds: Engine) -> None:
    _leave(leeds)
    run_retention(leeds, date(2021, 9, 13))
    with db.unit_of_work(leeds) as session:
        assert _first(session).status is ChildStatus.ACTIVE
    run_retention(leeds, date(2021, 9, 14))
    with db.unit_of_work(leeds) as session:
        child = _first(session)
        assert (child.status, child.archived_on) == (ChildStatus.ARCHIVED, date(2021, 9, 14))
        second = session.scalars(select(Child).order_by(Child.id)).all()[1]
        assert second.status is ChildStatus.ACTIVE


def test_a_child_back_at_an_address_in_england_is_no_longer_recorded_as_gone(
    leeds: Engine, tmp_path: Path
) -> None:
    _leave(leeds)
    # An NHS record from before the child left says nothing about coming back.
    before = nhs_record(1, date_of_birth=BORN, gp_registration_date="2020-06-01")
    _load(leeds, tmp_path, "nhs-demographics", [before])
    assert _left_on(leeds) == LEFT

    # Nor does one that gives no date: its arriving now says nothing of when it was true.
    undated = nhs_record(1, record_id="PDS-UNDATED", date_of_birth=BORN, gp_registration_date="")
    _load(leeds, tmp_path, "nhs-demographics", [undated])
    assert _left_on(leeds) == LEFT
    with db.unit_of_work(leeds) as session:  # both NHS records reached the child
        held = session.scalars(select(SourceRecord.record_id).where(
            SourceRecord.child_id == _first(session).id)).all()  # fmt: skip
        assert {"PDS000001", "PDS-UNDATED"} <= set(held)

    after = nhs_record(
        1, record_id="PDS-RETURN", date_of_birth=BORN, gp_registration_date="2020-09-28"
    )
    _load(leeds, tmp_path, "nhs-demographics", [after])

    assert _left_on(leeds) is None
    with db.unit_of_work(leeds) as session:
        actions = session.scalars(select(AuditEntry.action)).all()
        assert "child.returned_to_england" in actions
