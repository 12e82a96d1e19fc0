"""Retention, an authority's reports and decommissioning from the command line."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, select
from typer.testing import CliRunner

from contactpoint import db
from contactpoint.cli import app
from contactpoint.feeds import pipeline
from contactpoint.kinds.access import Role
from contactpoint.settings import get_settings
from contactpoint.tables.children import Child
from tests.builders import birth, write_feed
from tests.people import active_user

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def populated(engine: Engine, tmp_path: Path) -> None:
    path = write_feed(
        tmp_path / "births.csv",
        "gro-births",
        [birth(1, date_of_birth="2002-03-01", registration_date="2002-03-20"), birth(2)],
    )
    with db.unit_of_work(engine) as session:
        pipeline.load_file(
            session, source_name="gro-births", path=path, loaded_by="t", today=date(2020, 6, 1)
        )
        active_user(session, "dee.manager", Role.DATA_MANAGER)
        for username in ("ada.national", "bo.national"):
            active_user(session, username, Role.NATIONAL_ADMIN)


def test_retention_runs_and_refuses_going_back(committed_engine: Engine, tmp_path: Path) -> None:
    populated(committed_engine, tmp_path)
    code, output = run("retention", "run", "--today", "2020-07-01")
    assert code == 0, output
    assert "1 archived, 0 now open only for statutory enquiries, 0 purged" in output
    code, output = run("retention", "run", "--today", "2020-06-30")
    assert code == 1 and "back in time" in output


def test_an_authoritys_report_lists_children_with_no_gp(
    committed_engine: Engine, tmp_path: Path
) -> None:
    populated(committed_engine, tmp_path)
    code, output = run("report", "no-gp", "--as", "dee.manager")
    assert code == 0, output
    assert "2 children" in output
    assert run("report", "no-gp", "--as", "ada.national")[0] == 1


def test_decommissioning_needs_two_approvals_and_writes_a_certificate(
    committed_engine: Engine, tmp_path: Path
) -> None:
    populated(committed_engine, tmp_path)
    assert run("decommission", "export", "--out", str(tmp_path / "out"))[0] == 0
    assert run("decommission", "request", "--as", "ada.national")[0] == 0
    assert run("decommission", "approve", "--as", "ada.national")[0] == 0
    code, output = run("decommission", "approve", "--as", "ada.national")
    assert code == 1 and "different" in output
    words = "destroy all ContactPoint data"
    code, output = run("decommission", "run", "--as", "ada.national", "--confirm", words)
    assert code == 1 and "approval" in output
    assert run("decommission", "approve", "--as", "bo.national")[0] == 0
    code, output = run("decommission", "run", "--as", "ada.national", "--confirm", "no")
    assert code == 1 and "type the confirmation" in output
    code, output = run("decommission", "run", "--as", "ada.national", "--confirm", words)
    assert code == 0, output
    certificate = json.loads(
        (get_settings().var_dir / "decommission-certificate.json").read_text(encoding="utf-8")
    )
    assert certificate["destroyed_rows"]["children"] == 2
    assert certificate["scan"]["personal_values_found"] == 0


def test_a_record_is_closed_for_a_new_identity_and_traced_by_the_national_team(
    committed_engine: Engine, tmp_path: Path
) -> None:
    populated(committed_engine, tmp_path)
    with db.unit_of_work(committed_engine) as session:
        cp_ids = list(session.scalars(select(Child.cp_id).order_by(Child.id)))
    code, output = run(
        "identity", "close", cp_ids[0], "--reason", "adoption", "--as", "dee.manager"
    )
    assert code == 1
    code, output = run(
        "identity", "close", cp_ids[0], "--reason", "adoption", "--new", cp_ids[1],
        "--as", "ada.national",
    )  # fmt: skip
    assert code == 0, output
    code, output = run("identity", "trace", cp_ids[0], "--as", "ada.national")
    assert code == 0 and cp_ids[1] in output


def test_a_data_manager_shields_a_child_and_lifts_the_shield_from_the_command_line(
    committed_engine: Engine, tmp_path: Path
) -> None:
    populated(committed_engine, tmp_path)
    with db.unit_of_work(committed_engine) as session:
        cp_id = session.scalars(select(Child.cp_id).order_by(Child.id)).first()
    assert cp_id is not None

    def shielded() -> bool:
        with db.unit_of_work(committed_engine, read_only=True) as session:
            return bool(session.scalars(select(Child.shielded).where(Child.cp_id == cp_id)).one())

    code, output = run(
        "shield", "set", cp_id, "--reason", "Family in a refuge", "--as", "dee.manager"
    )
    assert code == 0, output
    assert shielded()
    code, output = run("shield", "set", cp_id, "--reason", "again", "--as", "dee.manager")
    assert code == 1 and "already shielded" in output
    assert run("shield", "lift", cp_id, "--reason", "x", "--as", "ada.national")[0] == 1
    assert shielded()
    code, output = run("shield", "lift", cp_id, "--reason", "Order ended", "--as", "dee.manager")
    assert code == 0, output
    assert not shielded()
