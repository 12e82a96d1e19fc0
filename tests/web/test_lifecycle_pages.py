"""Subject access as a page, a PDF and JSON; and a decommissioned service answering
every request with one page."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from contactpoint import db
from contactpoint.feeds import pipeline
from contactpoint.kinds.access import Role
from contactpoint.tables.children import Child
from contactpoint.tables.decommission import Decommission, Stage
from contactpoint.web import decommissioned
from contactpoint.web.app import create_app
from tests.builders import birth, write_feed
from tests.people import HULL
from tests.web.conftest import page_text
from tests.web.test_records import as_user
from tests.web.test_search_pages import post_search


@pytest.fixture
def cp_id(committed_engine: Engine, tmp_path: Path) -> str:
    path = write_feed(tmp_path / "births.csv", "gro-births", [birth(1)])
    with db.unit_of_work() as session:
        pipeline.load_file(
            session, source_name="gro-births", path=path, loaded_by="t", today=date(2026, 11, 1)
        )
        found = session.scalars(select(Child.cp_id)).one()
    return found


def test_a_data_manager_gets_the_subject_access_report_as_a_page_a_pdf_and_json(
    client: TestClient, cp_id: str
) -> None:
    as_user(client, "dee.manager", Role.DATA_MANAGER)
    page = client.get(f"/children/{cp_id}/subject-access")
    assert page.status_code == 200 and "Information held about" in page.text
    assert birth(1)["given_names"] in page.text
    # In words people use (issue 16: ISO timestamps, "Gender M", "Scheme nhs_number",
    # "source: gro-births").
    text = page_text(page.text)
    gender = {"M": "Male", "F": "Female"}[birth(1)["gender"]]
    assert f"Gender {gender}" in text and "Scheme NHS number" in text
    assert "from GRO birth registrations" in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text), text
    assert "nhs_number" not in text and "gro-births" not in text
    pdf = client.get(f"/children/{cp_id}/subject-access?format=pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:4] == b"%PDF"
    document = client.get(f"/children/{cp_id}/subject-access?format=json").json()
    assert document["record"]["cp_id"] == cp_id


def test_subject_access_is_refused_to_others_and_unknown_children_are_not_found(
    client: TestClient, cp_id: str
) -> None:
    as_user(client, "hal.manager", Role.DATA_MANAGER, la_code=HULL)
    assert client.get(f"/children/{cp_id}/subject-access").status_code == 403
    assert client.get("/children/CP-000-000-000/subject-access").status_code == 404


def test_subject_access_lists_the_searches_that_found_the_child_and_refused_attempts(
    committed_engine: Engine, cp_id: str
) -> None:
    # Issue 19, item 4: a search's entry named the child only in its details, and a
    # refused attempt was a generic entry with no child: neither reached the report.
    with TestClient(create_app()) as hull:
        as_user(hull, "harry.practitioner", Role.PRACTITIONER, la_code=HULL)
        born = birth(1)
        found = post_search(
            hull, given_names=born["given_names"], family_name=born["family_name"],
            date_of_birth=born["date_of_birth"], reason="assessment",
        )  # fmt: skip
        assert found.status_code == 200 and cp_id in found.text
    with TestClient(create_app()) as hull_manager:
        as_user(hull_manager, "hal.manager", Role.DATA_MANAGER, la_code=HULL)
        assert hull_manager.get(f"/children/{cp_id}/subject-access").status_code == 403
    with TestClient(create_app()) as leeds:
        as_user(leeds, "dee.manager", Role.DATA_MANAGER)
        document = leeds.get(f"/children/{cp_id}/subject-access?format=json").json()
    seen = [(a["who"], a["action"], a["outcome"]) for a in document["accesses"]]
    assert ("harry.practitioner", "search", "allowed") in seen
    assert ("hal.manager", "refused", "refused") in seen
    hull_search = next(a for a in document["accesses"] if a["who"] == "harry.practitioner")
    assert hull_search["organisation"] == f"Council {HULL}"


def test_a_decommissioned_service_answers_every_request_with_one_page(
    client: TestClient, committed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(decommissioned, "RECHECK_SECONDS", 0.0)
    assert client.get("/sign-in").status_code == 200
    with db.unit_of_work() as session:
        session.add(Decommission(id=1, stage=Stage.DONE, requested_by="ada", approved_by=[]))
    for path in ("/", "/sign-in", "/children/CP-000-000-000", "/healthz"):
        answer = client.get(path)
        assert answer.status_code == 410, path
        assert "decommissioned" in answer.text
    assert (
        client.get("/api/v1/children?given_names=Ava")
        .json()["detail"]
        .startswith("ContactPoint has been decommissioned")
    )
    assert client.post("/sign-in", data={"username": "x"}).status_code == 410
