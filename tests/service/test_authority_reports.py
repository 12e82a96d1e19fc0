"""Each authority's reports on both databases: children of compulsory school age with no
school registration, and children with no GP; for its own data managers only."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from contactpoint.access import accounts
from contactpoint.access.policy import Principal
from contactpoint.errors import AccessRefused
from contactpoint.feeds import pipeline
from contactpoint.kinds.access import Role
from contactpoint.records import reports
from tests.builders import birth, nhs_record, write_feed
from tests.people import LEEDS, active_user
from tests.service.test_search import school_row

TODAY = date(2026, 11, 1)


def load(session: Session, tmp_path: Path, source: str, rows: list[dict[str, Any]]) -> None:
    path = write_feed(tmp_path / f"{source}.csv", source, rows)
    pipeline.load_file(session, source_name=source, path=path, loaded_by="t", today=TODAY)


def principal(session: Session, username: str) -> Principal:
    user = accounts.user(session, username)
    return Principal(user.id, user.username, accounts.roles_of(session, user.id), LEEDS)


@pytest.fixture
def leeds(session: Session, tmp_path: Path) -> Session:
    """Four Leeds children: aged 11 at school, 11 at no school, 3 (under school age) and
    17 (over it); only the first has a GP."""
    ages = {1: "2015-03-02", 2: "2015-03-03", 3: "2023-03-04", 4: "2009-03-05"}
    load(
        session,
        tmp_path,
        "gro-births",
        [birth(n, date_of_birth=born, registration_date=born) for n, born in ages.items()],
    )
    load(session, tmp_path, "school-census", [school_row(1, date_of_birth=ages[1])])
    load(session, tmp_path, "nhs-demographics", [nhs_record(1, date_of_birth=ages[1])])
    active_user(session, "dee.manager", Role.DATA_MANAGER)
    active_user(session, "pat.practitioner", Role.PRACTITIONER)
    return session


def test_children_of_school_age_with_no_school_are_listed(leeds: Session) -> None:
    listed = reports.missing_education(leeds, principal(leeds, "dee.manager"), TODAY)
    assert [child.given_names for child in listed] == [birth(2)["given_names"]]


def test_children_with_no_gp_are_listed(leeds: Session) -> None:
    listed = reports.no_gp(leeds, principal(leeds, "dee.manager"))
    assert sorted(c.given_names or "" for c in listed) == sorted(
        birth(n)["given_names"] for n in (2, 3, 4)
    )


def test_only_the_authoritys_data_managers_see_its_reports(leeds: Session) -> None:
    with pytest.raises(AccessRefused):
        reports.no_gp(leeds, principal(leeds, "pat.practitioner"))
