"""An authority's reports as pages with a CSV download (issue 16: they were on the
command line only), for its data managers; on both databases."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from contactpoint import db
from contactpoint.feeds import pipeline
from contactpoint.kinds.access import Role
from tests.builders import birth, nhs_record, write_feed
from tests.people import HULL
from tests.web.conftest import page_text
from tests.web.test_records import as_user


def load_leeds(tmp_path: Path) -> None:
    """Two Leeds children of 11: the first with a GP, the second with none."""
    born = {1: "2015-03-02", 2: "2015-03-03"}
    files = [
        ("gro-births", [birth(n, date_of_birth=d, registration_date=d) for n, d in born.items()]),
        ("nhs-demographics", [nhs_record(1, date_of_birth=born[1])]),
    ]
    for source, rows in files:
        path = write_feed(tmp_path / f"{source}.csv", source, rows)
        with db.unit_of_work() as session:
            pipeline.load_file(
                session, source_name=source, path=path, loaded_by="t", today=date(2026, 11, 1)
            )


def test_a_data_manager_reads_and_downloads_the_no_gp_report(
    client: TestClient, committed_engine: Engine, tmp_path: Path
) -> None:
    load_leeds(tmp_path)
    as_user(client, "dee.manager", Role.DATA_MANAGER)
    index = client.get("/reports")
    assert index.status_code == 200 and "Children with no GP" in page_text(index.text)
    assert 'href="/reports"' in index.text  # in the menu
    page = client.get("/reports/no-gp")
    text = page_text(page.text)
    second = birth(2)
    assert f"{second['given_names']} {second['family_name']}" in text and "1 child" in text
    download = client.get("/reports/no-gp", params={"format": "csv"})
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [row["given_names"] for row in rows] == [second["given_names"]]
    missing = page_text(client.get("/reports/missing-education").text)
    assert "2 children" in missing


def test_the_reports_are_their_authoritys_data_managers_only(
    client: TestClient, committed_engine: Engine, tmp_path: Path
) -> None:
    load_leeds(tmp_path)
    with TestClient(client.app) as practitioner:
        as_user(practitioner, "pat.practitioner", Role.PRACTITIONER)
        assert practitioner.get("/reports/no-gp").status_code == 403
    as_user(client, "hal.manager", Role.DATA_MANAGER, la_code=HULL)
    hull = page_text(client.get("/reports/no-gp").text)
    assert "No child of your authority is on this list" in hull
    assert client.get("/reports/unknown").status_code == 404
