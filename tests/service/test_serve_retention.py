"""A server started on a restored database destroys nothing before an operator has
looked (issue 18, item 11): ``contactpoint serve`` as a real process, with the demo's
settings, runs its daily jobs at start but not retention, unless told to
(``CONTACTPOINT_RETENTION_BY_SERVER``); either way its log says what it did."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from contactpoint import db
from contactpoint.daily import HOUSEKEEPING
from contactpoint.kinds.children import ChildStatus
from contactpoint.tables.children import Child
from contactpoint.tables.daily import DailyRun
from tests.builders import local_row, write_feed
from tests.server import served_environment, serving

# Eighteen years old, and more: due for the archive on any day of the server's run.
ADULT = {"given_names": "Ellis", "family_name": "Marchetti", "date_of_birth": "2006-01-15"}


def housekept(engine: Engine, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with db.unit_of_work(engine, read_only=True) as session:
            if session.scalar(select(DailyRun.job).where(DailyRun.job == HOUSEKEEPING)):
                return
        time.sleep(0.2)
    pytest.fail("the server's daily jobs did not run at start")


def status(engine: Engine) -> ChildStatus:
    with db.unit_of_work(engine, read_only=True) as session:
        found = session.scalar(select(Child.status).where(Child.family_name == "Marchetti"))
    assert found is not None
    return found


@pytest.mark.parametrize(("setting", "archived"), [(None, False), ("true", True)])
def test_a_server_archives_only_when_told_to(
    committed_engine: Engine, tmp_path: Path, setting: str | None, archived: bool
) -> None:
    from contactpoint.feeds import pipeline

    with db.unit_of_work(committed_engine) as session:
        path = write_feed(tmp_path / "local.csv", "local", [local_row(1, **ADULT)])
        pipeline.load_file(
            session, source_name="local", path=path, loaded_by="t", today=date(2023, 1, 1)
        )
    assert status(committed_engine) is ChildStatus.ACTIVE
    told = {"CONTACTPOINT_RETENTION_BY_SERVER": setting} if setting else {}
    log = tmp_path / "serve.log"
    with serving(served_environment(**told), log):
        housekept(committed_engine)
    assert (status(committed_engine) is ChildStatus.ARCHIVED) is archived
    said = log.read_text()
    assert ("retention: archived 1" in said) if archived else ("not run by the server" in said)
