"""Decommissioning on both databases: four eyes and the typed confirmation, the export
for a successor, destruction of all personal data with a certificate and a clean scan
(on SQLite, of the database file itself), refusals afterwards, and a killed run that
resumes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from contactpoint import db
from contactpoint.access import accounts
from contactpoint.access.policy import Principal
from contactpoint.decommission import service as decommission
from contactpoint.decommission.service import CONFIRMATION, DecommissionRefused
from contactpoint.errors import AccessRefused, SourceSuspended
from contactpoint.feeds import pipeline
from contactpoint.kinds.access import Role
from contactpoint.signposting import flags
from contactpoint.tables.audit import AuditHead
from contactpoint.tables.children import Child, SourceRecord
from contactpoint.tables.decommission import Stage
from contactpoint.tables.signposting import FlagKind
from tests.builders import birth, write_feed
from tests.people import LEEDS, active_user
from tests.sqlite_files import database_bytes

TODAY = date(2026, 11, 1)
NAMES = ("Oluwaseun", "Przybylski", "Marguerite")


def _load(engine: Engine, tmp_path: Path, source: str, rows: list[dict[str, Any]]) -> None:
    path = write_feed(tmp_path / f"{source}.csv", source, rows)
    with db.unit_of_work(engine) as session:
        pipeline.load_file(session, source_name=source, path=path, loaded_by="t", today=TODAY)


def principal(session: Session, username: str) -> Principal:
    user = accounts.user(session, username)
    return Principal(user.id, user.username, accounts.roles_of(session, user.id), None)


@pytest.fixture
def service(committed_engine: Engine, tmp_path: Path) -> Engine:
    """Children with unusual names (so a scan for them means something), users, a flag."""
    rows = [
        birth(1, given_names=NAMES[0], family_name=NAMES[1]),
        birth(2, given_names=NAMES[2], family_name=NAMES[1]),
    ]
    _load(committed_engine, tmp_path, "gro-births", rows)
    with db.unit_of_work(committed_engine) as session:
        for username in ("ada.national", "bo.national"):
            active_user(session, username, Role.NATIONAL_ADMIN)
        active_user(session, "kim.key", Role.KEY_PROFESSIONAL)
        active_user(session, "dee.manager", Role.DATA_MANAGER)
        manager = accounts.user(session, "dee.manager")
        cp_id = session.scalars(select(Child.cp_id).order_by(Child.id)).first()
        assert cp_id is not None
        flags.set_flag(
            session,
            Principal(manager.id, manager.username, frozenset({Role.DATA_MANAGER}), LEEDS),
            cp_id,
            FlagKind.CHILD_PROTECTION_PLAN,
            date(2026, 9, 1),
            today=TODAY,
        )
    return committed_engine


def approved(engine: Engine) -> None:
    with db.unit_of_work(engine) as session:
        decommission.request(session, principal(session, "ada.national"))
        decommission.approve(session, principal(session, "ada.national"))
        decommission.approve(session, principal(session, "bo.national"))


def test_it_takes_two_different_national_administrators_and_the_typed_words(
    service: Engine,
) -> None:
    with db.unit_of_work(service) as session:
        with pytest.raises(AccessRefused):
            decommission.request(session, principal(session, "dee.manager"))
        decommission.request(session, principal(session, "ada.national"))
        decommission.approve(session, principal(session, "ada.national"))
        with pytest.raises(DecommissionRefused, match="second, different"):
            decommission.approve(session, principal(session, "ada.national"))
    with db.unit_of_work(service) as session:
        ada = principal(session, "ada.national")
    with pytest.raises(DecommissionRefused, match="approval"):
        decommission.run(service, ada, CONFIRMATION)
    with db.unit_of_work(service) as session:
        decommission.approve(session, principal(session, "bo.national"))
    with pytest.raises(DecommissionRefused, match="type the confirmation"):
        decommission.run(service, ada, "yes")
    with db.unit_of_work(service) as session:
        assert session.scalar(select(func.count()).select_from(Child)) == 2
        assert not decommission.decommissioned(session)


def test_the_signposting_data_can_be_exported_for_a_successor_first(
    service: Engine, tmp_path: Path
) -> None:
    with db.unit_of_work(service) as session:
        people, flagged = decommission.export_for_successor(session, tmp_path / "out")
    assert "kim.key@example.org" in people.read_text()
    assert "child_protection_plan" in flagged.read_text()


def test_everything_personal_is_destroyed_and_certified(service: Engine) -> None:
    approved(service)
    with db.unit_of_work(service) as session:
        ada = principal(session, "ada.national")
    certificate = decommission.run(service, ada, CONFIRMATION)
    assert certificate["approved_by"] == ["ada.national", "bo.national"]
    assert certificate["destroyed_rows"]["children"] == 2
    assert certificate["destroyed_rows"]["users"] == 4
    assert certificate["scan"]["personal_values_found"] == 0
    with db.unit_of_work(service) as session:
        head = session.get(AuditHead, 1)
        assert head is not None
        assert certificate["audit_trail"]["final_head_hash"] == head.last_hash
        assert session.scalar(select(func.count()).select_from(SourceRecord)) == 0
        assert decommission.decommissioned(session)
        with pytest.raises(DecommissionRefused):
            decommission.export_for_successor(session, Path("unused"))
    url = make_url(service.url.render_as_string(False))
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        stored = database_bytes(Path(url.database))
        for name in NAMES:
            assert name.encode() not in stored


def test_feeds_are_refused_after_decommissioning(service: Engine, tmp_path: Path) -> None:
    approved(service)
    with db.unit_of_work(service) as session:
        ada = principal(session, "ada.national")
    decommission.run(service, ada, CONFIRMATION)
    with pytest.raises(SourceSuspended):
        _load(service, tmp_path, "gro-births", [birth(3)])
    with pytest.raises(DecommissionRefused, match="already"):
        decommission.run(service, ada, CONFIRMATION)


def test_a_run_killed_during_destruction_finishes_when_run_again(
    service: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    approved(service)
    with db.unit_of_work(service) as session:
        ada = principal(session, "ada.national")
    real = decommission._empty_audit_log

    def killed(session: Session) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(decommission, "_empty_audit_log", killed)
    with pytest.raises(KeyboardInterrupt):
        decommission.run(service, ada, CONFIRMATION)
    with db.unit_of_work(service) as session:
        found = decommission.current(session)
        assert found is not None and found.stage is Stage.DESTROYING
        assert decommission.decommissioned(session)
    monkeypatch.setattr(decommission, "_empty_audit_log", real)
    certificate = decommission.run(service, ada, CONFIRMATION)
    assert certificate["scan"]["personal_values_found"] == 0
    assert certificate["destroyed_rows"]["children"] == 2


def test_a_decommissioned_service_refuses_every_command_but_the_record_of_it(
    service: Engine, tmp_path: Path
) -> None:
    # Issue 19, item 1: after `decommission run`, `feed resume` then `feed load` put 558
    # children back, and `demo users`, `user create`, `org create`, `retention run` all
    # still worked: only the web app consulted the decommissioned check.
    from typer.testing import CliRunner

    from contactpoint.cli import app

    approved(service)
    with db.unit_of_work(service) as session:
        ada = principal(session, "ada.national")
    certified = decommission.run(service, ada, CONFIRMATION)
    feed = write_feed(tmp_path / "births.csv", "gro-births", [birth(3), birth(4)])
    runner = CliRunner()
    for command in (
        ["feed", "resume", "gro-births"],
        ["feed", "load", "gro-births", str(feed)],
        ["demo", "users"],
        ["org", "create", "X1", "Somewhere"],
        ["user", "create", "eve", "--name", "Eve", "--email", "eve@example.org",
         "--org", "X1", "--role", "practitioner"],
        ["retention", "run"],
        ["stats"],
        ["audit", "checkpoint"],
    ):  # fmt: skip
        answer = runner.invoke(app, command)
        assert answer.exit_code == 1, (command, answer.output)
        assert "decommissioned" in answer.output, command
    with db.unit_of_work(service, read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(Child)) == 0
        assert session.scalar(select(func.count()).select_from(SourceRecord)) == 0
    # What records the decommissioning itself still runs. Issue 19, item 6: verify said
    # "Broken: … the entry there is missing" and exited 1 — it reports the destroyed
    # trail under its certified head. Item 7: the certificate, lost to a kill between
    # the commit and the file, is written again from the database.
    answer = runner.invoke(app, ["audit", "verify"])
    assert answer.exit_code == 0, answer.output
    assert "destroyed when the service was decommissioned" in answer.output
    assert certified["audit_trail"]["final_head_hash"] in answer.output.replace("\n", "")
    written = tmp_path / "certificate.json"
    answer = runner.invoke(app, ["decommission", "certificate", "--out", str(written)])
    assert answer.exit_code == 0, answer.output
    assert json.loads(written.read_text()) == certified
    answer = runner.invoke(app, ["decommission", "run", "--as", "ada.national",
                                 "--confirm", CONFIRMATION])  # fmt: skip
    assert answer.exit_code == 1 and "already" in answer.output
