"""Subject access on both databases: everything held with its provenance and every
access, for the owning authority's data managers only; the PDF is a PDF."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.access import accounts
from contactpoint.access.policy import Principal
from contactpoint.access.reasons import reason
from contactpoint.errors import AccessRefused, NotFound
from contactpoint.feeds import pipeline
from contactpoint.kinds.access import Role
from contactpoint.records.subject_access import as_json, subject_access
from contactpoint.records.view import view_for
from contactpoint.tables.children import Child
from contactpoint.web.documents import subject_access_pdf
from tests.builders import birth, write_feed
from tests.people import HULL, LEEDS, active_user


def principal(session: Session, username: str, la_code: str) -> Principal:
    user = accounts.user(session, username)
    return Principal(user.id, user.username, accounts.roles_of(session, user.id), la_code)


@pytest.fixture
def cp_id(session: Session, tmp_path: Path) -> str:
    path = write_feed(tmp_path / "births.csv", "gro-births", [birth(1, given_names="Zoë")])
    pipeline.load_file(
        session, source_name="gro-births", path=path, loaded_by="t", today=date(2026, 11, 1)
    )
    active_user(session, "dee.manager", Role.DATA_MANAGER)
    active_user(session, "hal.manager", Role.DATA_MANAGER, la_code=HULL)
    active_user(session, "pat.practitioner", Role.PRACTITIONER)
    child = session.scalars(select(Child)).one()
    view_for(session, principal(session, "pat.practitioner", LEEDS), child.id, reason("assessment"))
    return child.cp_id


def test_the_report_holds_the_record_its_sources_and_every_access(
    session: Session, cp_id: str
) -> None:
    report = subject_access(session, principal(session, "dee.manager", LEEDS), cp_id)
    document = as_json(report)
    assert document["record"]["name"]["given_names"] == "Zoë"
    assert document["source_records"][0]["source"] == "gro-births"
    assert document["source_records"][0]["cells"]["mother_given_names"] == "Sara"
    views = [a for a in document["accesses"] if a["action"] == "record.view"]
    assert views[0]["who"] == "pat.practitioner"
    assert views[0]["organisation"] == f"Council {LEEDS}"
    assert "assessing" in views[0]["reason"].lower()
    assert subject_access_pdf(report).startswith(b"%PDF")


def test_only_the_owning_authoritys_data_managers_answer_and_unknown_children_are_not_found(
    session: Session, cp_id: str
) -> None:
    for username, la_code in (("hal.manager", HULL), ("pat.practitioner", LEEDS)):
        with pytest.raises(AccessRefused):
            subject_access(session, principal(session, username, la_code), cp_id)
    with pytest.raises(NotFound):
        subject_access(session, principal(session, "dee.manager", LEEDS), "CP-000-000-000")
