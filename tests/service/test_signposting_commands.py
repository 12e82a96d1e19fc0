"""Signposting from the command line, on both databases: housekeeping, vulnerability
flags set and ended on behalf of a data manager, key professionals appointed within
their organisation's cap. Bad input gets a clear message, a non-zero exit and no change."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path
from random import Random

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from contactpoint import db
from contactpoint.access import accounts
from contactpoint.access.policy import Principal
from contactpoint.audit.service import Actor
from contactpoint.cli import app
from contactpoint.cli.console import out
from contactpoint.feeds import pipeline
from contactpoint.identifiers import new_cp_id
from contactpoint.kinds.access import Role
from contactpoint.settings import get_settings
from contactpoint.signposting import involvement
from contactpoint.signposting.involvement import InvolvementCreate
from contactpoint.tables.access import User, UserRole
from contactpoint.tables.audit import AuditEntry
from contactpoint.tables.children import Child, ChildIdentifier
from contactpoint.tables.signposting import Involvement, VulnerabilityFlag
from contactpoint.web.app import create_app
from tests.builders import birth, nhs_number, write_feed
from tests.people import HULL, LEEDS, active_user

runner = CliRunner()
TODAY = date.today()
TOMORROW = "tomorrow"
LEEDS_ORG = f"LA-{LEEDS}"
UNKNOWN = new_cp_id(Random(5))


@pytest.fixture(autouse=True)
def wide_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables as wide as they need, so that a test finds each cell whole."""
    monkeypatch.setattr(out, "width", 200)


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def ava(committed_engine: Engine, tmp_path: Path) -> str:
    """Ava's ContactPoint ID: a Leeds child, with Leeds and Hull users around her."""
    path = write_feed(tmp_path / "births.csv", "gro-births", [birth(1)])
    with db.unit_of_work() as session:
        pipeline.load_file(
            session, source_name="gro-births", path=path, loaded_by="test", today=TODAY
        )
        for username, role, la_code in (
            ("dee.manager", Role.DATA_MANAGER, LEEDS),
            ("hal.manager", Role.DATA_MANAGER, HULL),
            ("pat.practitioner", Role.PRACTITIONER, LEEDS),
            ("kim.key", Role.KEY_PROFESSIONAL, LEEDS),
            ("ula.admin", Role.USER_ADMIN, LEEDS),
            ("nat.admin", Role.NATIONAL_ADMIN, LEEDS),
        ):
            active_user(session, username, role, la_code=la_code)
        child_id = session.scalar(
            select(ChildIdentifier.child_id).where(ChildIdentifier.value == nhs_number(1))
        )
        cp_id = session.scalar(select(Child.cp_id).where(Child.id == child_id))
    assert cp_id is not None
    return cp_id


def flags() -> list[tuple[int, str, date | None]]:
    with db.unit_of_work() as session:
        return [
            (f.id, f.set_by, f.ended_on)
            for f in session.scalars(select(VulnerabilityFlag).order_by(VulnerabilityFlag.id))
        ]


def audited(action: str) -> list[str]:
    with db.unit_of_work() as session:
        return list(session.scalars(select(AuditEntry.actor).where(AuditEntry.action == action)))


def set_flag(cp_id: str, *more: str, username: str = "dee.manager") -> tuple[int, str]:
    start = str(TODAY - timedelta(days=30))
    return run("flag", "set", cp_id, "--kind", "child_protection_plan", "--start", start,
               "--as", username, *more)  # fmt: skip


def test_a_data_manager_flags_a_child_and_ends_the_flag(ava: str) -> None:
    code, output = set_flag(ava)
    assert code == 0, output
    [(flag_id, set_by, ended)] = flags()
    assert f"Flag {flag_id} set on {ava}: Child protection plan" in output
    assert (set_by, ended) == ("dee.manager", None)
    code, output = run("flag", "list", ava)
    assert code == 0, output
    assert "Child protection plan" in output and "active" in output
    yesterday = TODAY - timedelta(days=1)
    code, output = run("flag", "end", str(flag_id), "--on", str(yesterday), "--as", "dee.manager")
    assert code == 0, output
    assert flags() == [(flag_id, "dee.manager", yesterday)]
    assert "ended (shown)" in run("flag", "list", ava)[1]
    assert audited("flag.set") == audited("flag.end") == ["dee.manager"]
    assert len(audited("flag.list")) == 2


def test_a_child_without_flags_says_so(ava: str) -> None:
    code, output = run("flag", "list", ava)
    assert code == 0, output
    assert f"{ava} has no flags." in output


@pytest.mark.parametrize(
    ("change", "exit_code", "message"),
    [
        ({"cp_id": UNKNOWN}, 1, f"no child with ContactPoint ID {UNKNOWN}"),
        ({"cp_id": "CP-1"}, 1, "ContactPoint ID: must be CP followed by 9 characters"),
        ({"kind": "pre_birth_plan"}, 2, "Invalid value for '--kind'"),
        ({"kind": "cuddles"}, 2, "Invalid value for '--kind'"),
        ({"start": "2026-02-30"}, 2, "--start must be a date YYYY-MM-DD"),
        ({"start": TOMORROW}, 1, "started_on: is in the future"),
        ({"as": "hal.manager"}, 1, "only the owning authority's data managers may do this"),
        ({"as": "pat.practitioner"}, 1, "only the owning authority's data managers"),
        ({"as": "nobody"}, 1, "no user 'nobody'"),
    ],
)
def test_a_flag_that_cannot_be_set_is_refused_and_nothing_changes(
    ava: str, change: dict[str, str], exit_code: int, message: str
) -> None:
    values = {"cp_id": ava, "kind": "looked_after", "start": str(TODAY), "as": "dee.manager"}
    values |= change
    if values["start"] == TOMORROW:
        # Read the clock when the test runs, not when it was collected: a run that
        # crosses midnight would make the collected "tomorrow" today.
        values["start"] = str(date.today() + timedelta(days=1))
    code, output = run("flag", "set", values["cp_id"], "--kind", values["kind"],
                       "--start", values["start"], "--as", values["as"])  # fmt: skip
    assert code == exit_code
    assert message in " ".join(output.split())
    assert flags() == []
    assert audited("flag.set") == []


def test_a_flag_that_cannot_be_ended_is_refused_and_nothing_changes(ava: str) -> None:
    set_flag(ava)
    [(flag_id, _by, _ended)] = flags()
    for args, message in (
        (("999", "--on", str(TODAY), "--as", "dee.manager"), "there is no flag 999"),
        ((str(flag_id), "--on", str(TODAY), "--as", "hal.manager"), "only the owning authority"),
        ((str(flag_id), "--on", "2001-01-01", "--as", "dee.manager"), "is before the start"),
    ):
        code, output = run("flag", "end", *args)
        assert code == 1, output
        assert message in output
    assert flags() == [(flag_id, "dee.manager", None)]
    assert audited("flag.end") == []


def test_a_suspended_account_may_not_act(ava: str) -> None:
    with db.unit_of_work() as session:
        accounts.suspend(session, Actor("test"), accounts.user(session, "dee.manager"), "left")
    code, output = set_flag(ava)
    assert code == 1
    assert "dee.manager's account is suspended: only an active account may act" in output
    assert flags() == []


def register_kim(cp_id: str, day: date) -> Involvement:
    """Kim's involvement with the child, registered on ``day``."""
    with db.unit_of_work() as session:
        kim = accounts.user(session, "kim.key")
        principal = Principal(kim.id, kim.username, frozenset({Role.KEY_PROFESSIONAL}), LEEDS)
        details = InvolvementCreate(
            service_type="health visiting", organisation="Leeds Community Healthcare",
            practitioner_name="Kim Key", email="kim.key@example.org", started_on=day,
        )  # fmt: skip
        return involvement.register(session, principal, cp_id, details, today=day)


def test_housekeeping_reminds_lapses_and_purges_each_once(ava: str) -> None:
    until = register_kim(ava, TODAY).active_until
    visible = 1826
    for day, said in (
        (until - timedelta(days=10), "Reminded 1, lapsed 0, purged 0."),
        (until - timedelta(days=10), "Reminded 0, lapsed 0, purged 0."),
        (until + timedelta(days=1), "Reminded 0, lapsed 1, purged 0."),
        (until + timedelta(days=visible + 1), "Reminded 0, lapsed 0, purged 1."),
    ):
        code, output = run("signposting", "housekeeping", "--today", str(day))
        assert code == 0, output
        assert said in output
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Involvement)) == 0
    code, output = run("signposting", "housekeeping", "--today", "tomorrow")
    assert code == 2
    assert "--today must be a date" in output


def test_the_web_server_runs_housekeeping_in_the_background(
    ava: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    kims = register_kim(ava, TODAY - timedelta(days=800))
    monkeypatch.setenv("CONTACTPOINT_SIGNPOSTING_HOUSEKEEPING_HOURS", "24")
    get_settings.cache_clear()

    def lapsed() -> Involvement | None:
        with db.unit_of_work() as session:
            found = session.get(Involvement, kims.id)
            return found if found is not None and found.ended_on is not None else None

    with TestClient(create_app()) as client:
        assert client.get("/healthz").status_code == 200
        deadline = time.monotonic() + 15
        while lapsed() is None and time.monotonic() < deadline:
            time.sleep(0.1)
    done = lapsed()
    assert done is not None
    assert (done.ended_on, done.end_reason) == (kims.active_until, "lapsed: not renewed")
    assert audited("involvement.housekeeping") == ["system"]


def key_professionals() -> list[str]:
    with db.unit_of_work() as session:
        return sorted(
            session.scalars(
                select(User.username)
                .join(UserRole, UserRole.user_id == User.id)
                .where(UserRole.role == Role.KEY_PROFESSIONAL)
            )
        )


def test_a_user_administrator_appoints_and_releases_key_professionals(ava: str) -> None:
    code, output = run("key-professional", "appoint", "pat.practitioner", "--as", "ula.admin")
    assert code == 0, output
    assert key_professionals() == ["kim.key", "pat.practitioner"]
    code, output = run("key-professional", "list", "--org", LEEDS_ORG)
    assert code == 0, output
    assert "pat.practitioner" in output and "kim.key" in output
    assert f"({LEEDS_ORG}): 2 of 10 named." in output
    code, output = run("key-professional", "release", "kim.key", "--as", "ula.admin")
    assert code == 0, output
    assert key_professionals() == ["pat.practitioner"]
    assert audited("key_professional.appoint") == audited("key_professional.release")
    assert audited("key_professional.appoint") == ["ula.admin"]


def test_the_cap_is_set_by_a_national_administrator_and_holds(ava: str) -> None:
    code, output = run("org", "cap", LEEDS_ORG, "1", "--as", "nat.admin")
    assert code == 0, output
    assert f"{LEEDS_ORG} may name 1 key professionals." in output
    code, output = run("key-professional", "appoint", "pat.practitioner", "--as", "ula.admin")
    assert code == 1
    assert "already names 1 key professionals, its cap" in " ".join(output.split())
    assert key_professionals() == ["kim.key"]
    code, output = run("org", "cap", LEEDS_ORG, "--national", "--as", "nat.admin")
    assert code == 0, output
    assert "may name 10 key professionals (the national cap)" in output
    assert "1 of 10 named" in run("key-professional", "list")[1]


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (("key-professional", "appoint", "pat.practitioner", "--as", "dee.manager"), 1,
         "only user administrators appoint key professionals"),
        (("key-professional", "appoint", "kim.key", "--as", "ula.admin"), 1,
         "kim.key is a key professional already"),
        (("key-professional", "appoint", "nobody", "--as", "ula.admin"), 1, "no user 'nobody'"),
        (("key-professional", "appoint", "hal.manager", "--as", "ula.admin"), 1,
         "hal.manager belongs to another organisation"),
        (("key-professional", "release", "pat.practitioner", "--as", "ula.admin"), 1,
         "pat.practitioner is not a key professional"),
        (("key-professional", "list", "--org", "NOWHERE"), 1, "NOWHERE"),
        (("org", "cap", LEEDS_ORG, "3", "--as", "ula.admin"), 1,
         "only national administrators may do this"),
        (("org", "cap", LEEDS_ORG, "3", "--national", "--as", "nat.admin"), 2,
         "give either N or --national"),
        (("org", "cap", LEEDS_ORG, "--as", "nat.admin"), 2, "give either N or --national"),
        (("org", "cap", LEEDS_ORG, "5000", "--as", "nat.admin"), 1,
         "cap: must be between 0 and 1000"),
        (("org", "cap", "NOWHERE", "3", "--as", "nat.admin"), 1, "NOWHERE"),
    ],
)  # fmt: skip
def test_key_professional_changes_that_are_not_allowed_change_nothing(
    ava: str, args: tuple[str, ...], exit_code: int, message: str
) -> None:
    code, output = run(*args)
    assert code == exit_code, output
    assert message in " ".join(output.split())
    assert key_professionals() == ["kim.key"]
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(UserRole)) == 6
        org = accounts.organisation(session, LEEDS_ORG)
        assert org.key_professional_cap is None
    assert audited("key_professional.appoint") == audited("key_professional.cap") == []
