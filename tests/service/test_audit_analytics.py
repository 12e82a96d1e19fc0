"""Audit analytics on both databases: each pattern of likely misuse is found in the real
audit trail and an ordinary user's day is not; auditors are alerted once per finding."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from contactpoint import db
from contactpoint.access import accounts
from contactpoint.access.demo import ready_user
from contactpoint.audit.misuse import UK, Pattern, Thresholds
from contactpoint.audit.service import Actor, record
from contactpoint.cli import app
from contactpoint.feeds import pipeline
from contactpoint.kinds.access import OrganisationKind, Role
from contactpoint.oversight import analytics
from contactpoint.settings import get_settings
from contactpoint.tables.access import User
from contactpoint.tables.audit import AuditEntry
from contactpoint.tables.children import Child
from contactpoint.tables.notify import Notification, OutboxEmail
from contactpoint.web import background
from tests.builders import birth, write_feed
from tests.people import HULL, LEEDS, PASSWORD, SETUP, active_user

LIMITS = Thresholds(
    volume_factor=3.0, volume_floor=10, outside_area=3, shielded=3, same_child=5, night=2,
    # Unusual hours that never come, unless a test sets them to the present hour.
    night_start_hour=0, night_end_hour=0,
)  # fmt: skip


@pytest.fixture
def children(session: Session, tmp_path: Path) -> list[Child]:
    """Eight children: 0-3 are Leeds's, 4-7 Hull's; 7 is shielded."""
    path = write_feed(tmp_path / "births.csv", "gro-births", [birth(n) for n in range(8)])
    pipeline.load_file(session, source_name="gro-births", path=path, loaded_by="test")
    found = list(session.scalars(select(Child).order_by(Child.id)))
    assert len(found) == 8
    for n, child in enumerate(found):
        child.responsible_la_code = LEEDS if n < 4 else HULL
        child.shielded = n == 7
    session.flush()
    return found


def act(session: Session, user: User, action: str, child: Child | None = None) -> None:
    record(
        session, Actor(user.username, user.id), action, child_id=child.id if child else None,
        reason="test", details={"cp_ids": [child.cp_id] if child else []},
    )  # fmt: skip


def report(session: Session, limits: Thresholds = LIMITS) -> analytics.MisuseReport:
    now = datetime.now(UTC)
    return analytics.misuse_report(
        session, now - timedelta(hours=1), now + timedelta(minutes=1), limits=limits
    )


def patterns_of(found: analytics.MisuseReport, username: str) -> set[Pattern]:
    return {finding.pattern for finding in found.findings if finding.username == username}


def ordinary_day(session: Session, children: list[Child]) -> list[User]:
    """Three practitioners who each search twice and open two of Leeds's children."""
    users = [active_user(session, f"ord.{n}", Role.PRACTITIONER) for n in range(3)]
    for user in users:
        for child in children[:2]:
            act(session, user, "search")
            act(session, user, "record.view", child)
    return users


def test_an_ordinary_days_work_is_not_flagged(session: Session, children: list[Child]) -> None:
    ordinary_day(session, children)

    found = report(session)

    assert found.findings == ()
    assert sum(found.daily[datetime.now(UK).date()].values()) == 12


def test_far_more_searches_and_views_than_peers_are_flagged(
    session: Session, children: list[Child]
) -> None:
    ordinary_day(session, children)
    trawler = active_user(session, "tara.trawler", Role.PRACTITIONER)
    for _ in range(13):
        act(session, trawler, "search")

    found = report(session)

    [volume] = [f for f in found.findings if f.pattern is Pattern.VOLUME]
    assert (volume.username, volume.count, volume.peer_median) == ("tara.trawler", 13, 4.0)
    assert "peer median of 4" in volume.why
    assert patterns_of(found, "ord.0") == set()


def national_user(session: Session, username: str) -> User:
    """A user of a national partner, whose remit is the whole country."""
    accounts.create_organisation(
        session, SETUP, code="NAT-1", name="A national partner", kind=OrganisationKind.NATIONAL
    )
    return ready_user(
        session, SETUP, username=username, display_name="Nat Partner",
        email=f"{username}@example.org", organisation_code="NAT-1",
        roles=(Role.PRACTITIONER,), password=PASSWORD,
    )  # fmt: skip


def test_views_of_children_outside_the_users_authority_are_flagged(
    session: Session, children: list[Child]
) -> None:
    ordinary_day(session, children)
    wanderer = active_user(session, "will.wander", Role.PRACTITIONER)
    national = national_user(session, "nat.partner")
    for child in children[4:7]:
        act(session, wanderer, "record.view", child)
        act(session, national, "record.view", child)

    found = report(session)

    outside = [f for f in found.findings if f.pattern is Pattern.OUTSIDE_AREA]
    assert [f.username for f in outside] == ["will.wander"]
    assert outside[0].cp_ids == tuple(child.cp_id for child in children[4:7])
    assert LEEDS in outside[0].why


def test_repeated_views_of_shielded_records_and_of_one_child_are_flagged(
    session: Session, children: list[Child]
) -> None:
    ordinary_day(session, children)
    curious = active_user(session, "cory.curious", Role.PRACTITIONER)
    for _ in range(3):
        act(session, curious, "record.view", children[7])
    for _ in range(5):
        act(session, curious, "record.view", children[0])

    found = report(session)

    kinds = {f.pattern: f for f in found.findings if f.username == "cory.curious"}
    assert kinds[Pattern.SHIELDED].cp_ids == (children[7].cp_id,)
    assert kinds[Pattern.SAME_CHILD].cp_ids == (children[0].cp_id,)
    assert kinds[Pattern.SAME_CHILD].count == 5


def test_searches_at_unusual_hours_are_flagged(session: Session, children: list[Child]) -> None:
    late = active_user(session, "owen.owl", Role.PRACTITIONER)
    act(session, late, "search")
    act(session, late, "record.view", children[1])
    hour = datetime.now(UK).hour
    # The present hour, UK time, counts as unusual for this test.
    limits = replace(LIMITS, night_start_hour=hour, night_end_hour=(hour + 1) % 24)

    found = report(session, limits)

    [night] = [f for f in found.findings if f.pattern is Pattern.UNUSUAL_HOURS]
    assert night.username == "owen.owl" and night.count == 2
    assert night.cp_ids == (children[1].cp_id,)


def test_auditors_are_alerted_once_to_each_new_finding(
    session: Session, children: list[Child]
) -> None:
    auditors = [active_user(session, f"aud.{n}", Role.AUDITOR) for n in range(2)]
    curious = active_user(session, "cory.curious", Role.PRACTITIONER)
    for _ in range(3):
        act(session, curious, "record.view", children[7])
    now = datetime.now(UTC)

    raised = analytics.raise_alerts(session, report(session).findings, now)
    again = analytics.raise_alerts(session, report(session).findings, now)

    assert [alert.pattern for alert in raised] == ["shielded"] and again == []
    for auditor in auditors:
        [note] = session.scalars(select(Notification).where(Notification.user_id == auditor.id))
        assert note.kind == "misuse_alert" and "cory.curious" in note.subject
        assert children[7].cp_id in note.body
        assert (children[7].given_names or "") not in note.body
    emails = session.scalars(select(OutboxEmail.to_address)).all()
    assert sorted(emails) == ["aud.0@example.org", "aud.1@example.org"]
    alerts = session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "audit.alert")
    )
    assert alerts == 1


def test_the_command_prints_findings_and_alerts_auditors_once(committed_engine: Engine) -> None:
    with db.unit_of_work() as session:
        active_user(session, "aud.0", Role.AUDITOR)
        trawler = active_user(session, "tara.trawler", Role.PRACTITIONER)
        for _ in range(51):
            act(session, trawler, "search")
    runner = CliRunner()

    first = runner.invoke(app, ["audit", "analyse", "--alert", "--json"])
    second = runner.invoke(app, ["audit", "analyse", "--alert"])

    assert first.exit_code == 0, first.output
    assert '"pattern": "volume"' in first.output and '"alerts_raised": 1' in first.output
    assert second.exit_code == 0, second.output
    assert "tara.trawler" in second.output and "Alerts raised: 0" in second.output
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Notification)) == 1
        actions = session.scalars(select(AuditEntry.action)).all()
    assert actions.count("audit.alert") == 1 and actions.count("audit.analytics") == 2


def test_the_daily_job_alerts_auditors_unless_switched_off(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.unit_of_work() as session:
        active_user(session, "aud.0", Role.AUDITOR)
        trawler = active_user(session, "tara.trawler", Role.PRACTITIONER)
        for _ in range(51):
            act(session, trawler, "search")
    monkeypatch.setenv("CONTACTPOINT_AUDIT_ALERTS", "false")
    get_settings.cache_clear()
    background._daily_once()
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Notification)) == 0

    monkeypatch.setenv("CONTACTPOINT_AUDIT_ALERTS", "true")
    get_settings.cache_clear()
    background._daily_once()

    with db.unit_of_work() as session:
        [note] = session.scalars(select(Notification)).all()
    assert note.kind == "misuse_alert" and "tara.trawler" in note.subject
