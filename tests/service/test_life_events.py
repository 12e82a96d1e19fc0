"""Life events on both databases: a child who moves to another authority is that
authority's from then on, and the authority it left loses what only the responsible
authority may see."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.access import accounts
from contactpoint.access.policy import Action, Principal, decide
from contactpoint.access.reasons import reason
from contactpoint.access.state import record_state
from contactpoint.feeds import pipeline
from contactpoint.kinds.access import Role
from contactpoint.records.view import view_for
from contactpoint.tables.children import Child
from tests.builders import birth, nhs_record, write_feed
from tests.people import HULL, LEEDS, active_user

TODAY = date(2026, 11, 1)


def load(session: Session, tmp_path: Path, source: str, rows: list[dict[str, Any]]) -> None:
    path = write_feed(tmp_path / f"{source}.csv", source, rows)
    pipeline.load_file(session, source_name=source, path=path, loaded_by="t", today=TODAY)


def principal(session: Session, username: str, la_code: str) -> Principal:
    user = accounts.user(session, username)
    return Principal(user.id, user.username, accounts.roles_of(session, user.id), la_code)


def test_a_child_who_moves_becomes_the_new_authoritys_and_the_old_one_loses_access(
    session: Session, tmp_path: Path
) -> None:
    load(session, tmp_path, "gro-births", [birth(1)])  # born in Leeds (LS6)
    child = session.scalars(select(Child)).one()
    assert child.responsible_la_code == LEEDS
    active_user(session, "lee.manager", Role.DATA_MANAGER, la_code=LEEDS)
    active_user(session, "hal.manager", Role.DATA_MANAGER, la_code=HULL)
    leeds = principal(session, "lee.manager", LEEDS)
    hull = principal(session, "hal.manager", HULL)
    assert decide(leeds, Action.VIEW_ADDRESS_HISTORY, record_state(session, child.id)).allowed

    # Registered with a GP in Hull at a Hull address, years after the birth.
    moved = nhs_record(1, address="4 Beverley Road, Hull", postcode="HU5 2AB")
    load(session, tmp_path, "nhs-demographics", [moved])
    session.refresh(child)

    assert child.responsible_la_code == HULL
    assert child.postcode == "HU5 2AB"
    state = record_state(session, child.id)
    assert decide(hull, Action.VIEW_ADDRESS_HISTORY, state).allowed
    assert not decide(leeds, Action.VIEW_ADDRESS_HISTORY, state).allowed
    assert not decide(leeds, Action.SHIELD, state).allowed
    view = view_for(session, leeds, child.id, reason("data_quality"))
    assert view.record is not None and view.record.address_history == ()
