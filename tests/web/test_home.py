from __future__ import annotations

from fastapi.testclient import TestClient

from contactpoint import db
from contactpoint.feeds import control
from tests.builders import local_row, nhs_number
from tests.web.conftest import LoadLocal, page_text


def test_the_home_page_says_what_the_index_holds_when_it_is_empty(signed_in: TestClient) -> None:
    response = signed_in.get("/")

    assert response.status_code == 200
    text = page_text(response.text)
    assert "What the index holds" in text
    assert "All children 0" in text
    assert "0 source records from 0 files loaded" in text
    assert "Local partner file Accepted Continues 0 0 Never" in text


def test_the_home_page_counts_children_and_source_records_after_a_load(
    signed_in: TestClient, load_local: LoadLocal
) -> None:
    load_local([local_row(1, nhs_number=nhs_number(1)), local_row(2, given_names="")])

    text = page_text(signed_in.get("/").text)

    assert "All children 2" in text
    assert "Active 2" in text
    assert "Incomplete records 1" in text
    assert "2 source records from 1 file loaded" in text
    assert "Local partner file Accepted Continues 2 1" in text
    # Aggregate only: nothing of any child appears.
    assert "Smith" not in text
    assert nhs_number(1) not in text


def test_the_home_page_shows_a_suspended_source_with_its_reason(signed_in: TestClient) -> None:
    with db.unit_of_work() as session:
        control.suspend(session, "dwp-child-benefit", by="admin", reason="scaled-down mode")

    text = page_text(signed_in.get("/").text)

    assert "DWP child benefit Suspended since" in text
    assert "scaled-down mode" in text
    assert "admin" not in text


def test_the_stats_api_returns_the_same_counts_as_json(
    signed_in: TestClient, load_local: LoadLocal
) -> None:
    load_local([local_row(1), local_row(2, given_names="Ella", date_of_birth="2013-01-05")])

    response = signed_in.get("/api/v1/stats")

    assert response.status_code == 200
    counts = response.json()
    assert counts["children"] == {
        "total": 2,
        "active": 2,
        "deceased": 0,
        "archived": 0,
        "destroyed": 0,
        "merged": 0,
        "closed": 0,
        "incomplete": 0,
    }
    assert counts["source_records"]["total"] == 2
    assert counts["source_records"]["local"] == 2
    assert counts["feed_runs"] == {**dict.fromkeys(counts["feed_runs"], 0), "total": 1, "local": 1}
