"""A new identity on both databases: the old record is closed, shown to nobody and never
found, kept apart from the new one, and traced only by the national team."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from contactpoint.access import accounts
from contactpoint.access.policy import NATIONAL_TEAM, Principal
from contactpoint.access.reasons import reason
from contactpoint.audit.service import Actor
from contactpoint.errors import AccessRefused, InvalidValue
from contactpoint.feeds import pipeline
from contactpoint.kinds.access import Role
from contactpoint.kinds.children import ChildStatus
from contactpoint.records.identity import IdentityRefused, close_for_new_identity, trace
from contactpoint.records.view import view_for
from contactpoint.review import casework
from contactpoint.search.practitioner import find_children
from contactpoint.search.query import SearchQuery
from contactpoint.tables.children import Child, SourceRecord
from contactpoint.tables.linkage import KeptApart
from contactpoint.tables.review import ReviewTask
from tests.builders import birth, local_row, nhs_record, write_feed
from tests.people import HULL, LEEDS, active_user

TODAY = date(2026, 11, 1)
BIRTH = {"given_names": "Keira", "family_name": "Blackwood"}
ADOPTED = {"given_names": "Keira", "family_name": "Ashworth-Lyle"}


def load(session: Session, tmp_path: Path, source: str, rows: list[dict[str, Any]]) -> None:
    path = write_feed(tmp_path / f"{source}-{len(list(tmp_path.iterdir()))}.csv", source, rows)
    pipeline.load_file(session, source_name=source, path=path, loaded_by="t", today=TODAY)


def principal(session: Session, username: str) -> Principal:
    user = accounts.user(session, username)
    return Principal(user.id, user.username, accounts.roles_of(session, user.id), LEEDS)


def cp_id_of(session: Session, **names: str) -> str:
    found = session.scalar(select(Child.cp_id).where(Child.family_name == names["family_name"]))
    assert found is not None
    return found


@pytest.fixture
def adopted(session: Session, tmp_path: Path) -> tuple[str, str]:
    """Keira's birth record, and her new record after adoption (new name, new NHS number,
    a new home); the national team closes the old one."""
    load(session, tmp_path, "gro-births", [birth(1, **BIRTH)])
    new_home = {"address": "9 Park Lane, Leeds", "postcode": "LS8 2QB"}
    load(session, tmp_path, "nhs-demographics", [nhs_record(2, **ADOPTED, **new_home,
         date_of_birth=birth(1)["date_of_birth"], gender="2")])  # fmt: skip
    for username, role in (("nat.admin", Role.NATIONAL_ADMIN), ("pat.practitioner",
                           Role.PRACTITIONER), ("dee.manager", Role.DATA_MANAGER)):  # fmt: skip
        active_user(session, username, role)
    old, new = cp_id_of(session, **BIRTH), cp_id_of(session, **ADOPTED)
    close_for_new_identity(session, principal(session, "nat.admin"), old, "adoption order", new)
    return old, new


def search(session: Session, username: str, **fields: str) -> list[str]:
    found = find_children(
        session, principal(session, username), Actor(username), SearchQuery(**fields),
        reason("identity"),
    )  # fmt: skip
    return [f.cp_id for f in found.findings]


def test_the_old_record_is_shown_to_nobody_and_never_found(
    session: Session, adopted: tuple[str, str]
) -> None:
    old, new = adopted
    child = session.scalar(select(Child).where(Child.cp_id == old))
    assert child is not None and child.status is ChildStatus.CLOSED
    for username in ("pat.practitioner", "dee.manager"):
        with pytest.raises(AccessRefused):
            view_for(session, principal(session, username), child.id, reason("identity"))
    born = birth(1)["date_of_birth"]
    assert search(session, "pat.practitioner", **BIRTH, date_of_birth=born) == []
    assert search(session, "pat.practitioner", **ADOPTED, date_of_birth=born) == [new]


def test_a_record_under_the_birth_name_never_leads_to_the_new_one(
    session: Session, tmp_path: Path, adopted: tuple[str, str]
) -> None:
    old, new = adopted
    assert session.scalar(select(func.count()).select_from(KeptApart)) == 1
    load(session, tmp_path, "nhs-demographics", [nhs_record(1, **BIRTH)])
    born = birth(1)["date_of_birth"]
    assert search(session, "pat.practitioner", **BIRTH, date_of_birth=born) == []
    closed = session.scalar(select(Child).where(Child.cp_id == old))
    assert closed is not None and closed.status is ChildStatus.CLOSED
    new_child = session.scalar(select(Child).where(Child.cp_id == new))
    assert new_child is not None and new_child.family_name == ADOPTED["family_name"]


def test_only_the_national_team_traces_a_closed_record(
    session: Session, adopted: tuple[str, str]
) -> None:
    old, new = adopted
    assert trace(session, principal(session, "nat.admin"), old).new_cp_id == new
    with pytest.raises(AccessRefused):
        trace(session, principal(session, "dee.manager"), old)


def test_closing_twice_or_without_a_reason_is_refused(
    session: Session, adopted: tuple[str, str]
) -> None:
    old, new = adopted
    admin = principal(session, "nat.admin")
    with pytest.raises(IdentityRefused):
        close_for_new_identity(session, admin, old, "again")
    with pytest.raises(InvalidValue):
        close_for_new_identity(session, admin, new, "  ")


def test_closing_a_pair_a_data_manager_already_kept_apart_keeps_one_pair(
    session: Session, tmp_path: Path
) -> None:
    load(session, tmp_path, "gro-births", [birth(1, **BIRTH)])
    load(session, tmp_path, "nhs-demographics", [nhs_record(2, **ADOPTED,
         date_of_birth=birth(1)["date_of_birth"], gender="2")])  # fmt: skip
    active_user(session, "nat.admin", Role.NATIONAL_ADMIN)
    old, new = cp_id_of(session, **BIRTH), cp_id_of(session, **ADOPTED)
    ids = sorted(session.scalars(select(Child.id).where(Child.cp_id.in_((old, new)))))
    session.add(KeptApart(child_a_id=ids[0], child_b_id=ids[1], by="dee", reason="two"))
    session.flush()

    close_for_new_identity(session, principal(session, "nat.admin"), old, "adoption", new)

    assert session.scalar(select(func.count()).select_from(KeptApart)) == 1


@pytest.mark.parametrize(
    "names",
    [BIRTH, {"given_names": "Maisie", "family_name": BIRTH["family_name"]}],
    ids=["birth name", "new given names, birth surname"],
)
def test_a_row_like_the_closed_record_at_the_new_home_never_reaches_the_new_identity(
    session: Session, tmp_path: Path, adopted: tuple[str, str], names: dict[str, str]
) -> None:
    # Security review S4: a feed row with the birth name at the adoptive address linked
    # to the new record, and a search by the birth name then found the new identity.
    _old, new = adopted
    born = birth(1)["date_of_birth"]
    row = local_row(1, record_id="L-S4", **names, date_of_birth=born, gender="F",
                    address="9 Park Lane, Leeds", postcode="LS8 2QB")  # fmt: skip
    load(session, tmp_path, "local", [row])
    new_child = session.scalar(select(Child).where(Child.cp_id == new))
    assert new_child is not None
    linked_to = session.scalar(
        select(SourceRecord.child_id).where(SourceRecord.record_id == "L-S4")
    )
    assert linked_to != new_child.id
    assert search(session, "pat.practitioner", **names, date_of_birth=born) == []
    suggested = session.scalars(
        select(ReviewTask.id).where(
            or_(ReviewTask.child_id == new_child.id, ReviewTask.candidate_child_id == new_child.id)
        )
    ).all()
    assert suggested == []
    assert new_child.family_name == ADOPTED["family_name"]


def test_a_record_close_to_a_closed_one_is_the_national_teams_question(
    session: Session, tmp_path: Path, adopted: tuple[str, str]
) -> None:
    # A record that may be the closed one (her birth name, a birthday a month out) was
    # held for the closed record's authority, whose data managers may not see a closed
    # record: a question for nobody. It is the national team's.
    old, new = adopted
    row = local_row(1, record_id="L-NEAR", **BIRTH, date_of_birth="2015-04-02", gender="F",
                    postcode="LS6 1LF")  # fmt: skip
    load(session, tmp_path, "local", [row])
    held = session.scalar(
        select(Child).join(SourceRecord).where(SourceRecord.record_id == "L-NEAR")
    )
    assert held is not None and held.cp_id not in (old, new)
    assert held.shielded and held.held_for_la_code == NATIONAL_TEAM
    closed = session.scalar(select(Child.id).where(Child.cp_id == old))
    active_user(session, "hugh.hull", Role.DATA_MANAGER, la_code=HULL)
    for username in ("dee.manager", "hugh.hull"):
        assert casework.open_tasks(session, principal(session, username)) == []
    national = principal(session, "nat.admin")
    (task,) = casework.open_tasks(session, national)
    assert {task.child.id, task.candidate.id} == {held.id, closed}
    pair = casework.compare(session, national, task.id)
    assert {pair.child.cp_id, pair.candidate.cp_id} == {held.cp_id, old}
    casework.link(session, national, task.id, "her birth record: it stays closed")
    session.refresh(held)
    assert held.status is ChildStatus.MERGED
    assert session.scalar(select(Child.status).where(Child.id == closed)) is ChildStatus.CLOSED
    born = birth(1)["date_of_birth"]
    assert search(session, "pat.practitioner", given_names="Kiera", family_name="Blackwood",
                  date_of_birth=born) == []  # fmt: skip
