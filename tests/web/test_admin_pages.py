"""The administration console through the pages, on both databases: a national
administrator suspends and resumes a source, switches national onboarding, sets an
organisation's cap on key professionals and reads the figures over time as charts with
their numbers. Anyone else is refused (403, audited); bad input changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, select

from contactpoint import db
from contactpoint.access import accounts
from contactpoint.feeds import control, pipeline
from contactpoint.kinds.access import Role
from contactpoint.tables.audit import AuditEntry
from tests.builders import birth, write_feed
from tests.people import LEEDS, active_user, authority, field, sign_in

ADMIN = "nia.national"


def signed_in_as(client: TestClient, username: str, *roles: Role) -> TestClient:
    with db.unit_of_work() as session:
        secret = active_user(session, username, *roles).totp_secret
    assert secret
    sign_in(client, username, secret)
    return client


@pytest.fixture
def admin(client: TestClient, committed_engine: Engine) -> TestClient:
    """The client, signed in as a national administrator."""
    return signed_in_as(client, ADMIN, Role.NATIONAL_ADMIN)


def post(client: TestClient, path: str, data: dict[str, str]) -> Response:
    """Post a form as a browser does: with the session's CSRF token, not following."""
    token = field(client.get("/inbox").text, "csrf_token")
    answer: Response = client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
    return answer


def suspended(source: str) -> bool:
    with db.unit_of_work() as session:
        return next(s.suspended for s in control.status(session) if s.source == source)


def audited(action: str, actor: str = ADMIN) -> list[AuditEntry]:
    with db.unit_of_work() as session:
        query = select(AuditEntry).where(AuditEntry.actor == actor, AuditEntry.action == action)
        entries = list(session.scalars(query))
        session.expunge_all()
        return entries


def test_a_national_administrator_suspends_and_resumes_a_source_with_a_reason(
    admin: TestClient,
) -> None:
    page = admin.get("/admin")
    assert page.status_code == 200
    assert "Suspend GRO birth registrations" in page.text

    answer = post(admin, "/admin/feeds/gro-births/suspend", {"reason": "Scaled down"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin?done=suspended"
    assert suspended("gro-births")
    assert "Source suspended" in admin.get(answer.headers["location"]).text

    answer = post(admin, "/admin/feeds/gro-births/resume", {"reason": "Back in service"})
    assert answer.status_code == 303
    assert not suspended("gro-births")
    assert [e.reason for e in audited("feed.suspend")] == ["Scaled down"]
    assert [e.reason for e in audited("feed.resume")] == ["Back in service"]


def test_suspending_without_a_reason_is_shown_on_the_form_and_changes_nothing(
    admin: TestClient,
) -> None:
    answer = post(admin, "/admin/feeds/gro-births/suspend", {"reason": "  "})

    assert answer.status_code == 400
    assert "Enter the reason for the change" in answer.text
    assert 'href="#reason-gro-births"' in answer.text
    assert not suspended("gro-births")
    assert audited("feed.suspend") == []


def test_an_unknown_source_or_change_is_refused_and_changes_nothing(admin: TestClient) -> None:
    assert post(admin, "/admin/feeds/nowhere/suspend", {"reason": "x"}).status_code == 400
    assert post(admin, "/admin/feeds/gro-births/delete", {"reason": "x"}).status_code == 400
    assert not suspended("gro-births")


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(admin: TestClient) -> None:
    answer = admin.post(
        "/admin/feeds/gro-births/suspend", data={"reason": "x"}, follow_redirects=False
    )

    assert answer.status_code == 403
    assert not suspended("gro-births")


def test_a_national_administrator_closes_and_opens_national_onboarding(
    admin: TestClient,
) -> None:
    answer = post(admin, "/admin/onboarding", {"open": "no", "reason": "Pause recruitment"})
    assert answer.status_code == 303
    with db.unit_of_work() as session:
        assert not accounts.onboarding_open(session, None)
    assert "Open onboarding nationally" in admin.get("/admin").text

    assert post(admin, "/admin/onboarding", {"open": "yes", "reason": ""}).status_code == 400
    with db.unit_of_work() as session:
        assert not accounts.onboarding_open(session, None)


def test_a_national_administrator_sets_and_clears_an_organisations_cap(
    admin: TestClient,
) -> None:
    code = f"LA-{LEEDS}"
    answer = post(admin, f"/admin/caps/{code}", {"cap": "3"})
    assert answer.status_code == 303
    with db.unit_of_work() as session:
        assert accounts.organisation(session, code).key_professional_cap == 3
    assert "the cap is 3 (its own)" in admin.get("/admin").text

    assert post(admin, f"/admin/caps/{code}", {"cap": "lots"}).status_code == 400
    too_many = post(admin, f"/admin/caps/{code}", {"cap": "5000"})
    assert too_many.status_code == 400
    assert "The cap must be between 0 and 1000" in too_many.text
    with db.unit_of_work() as session:
        assert accounts.organisation(session, code).key_professional_cap == 3

    assert post(admin, f"/admin/caps/{code}", {"cap": ""}).status_code == 303
    with db.unit_of_work() as session:
        assert accounts.organisation(session, code).key_professional_cap is None


def test_the_figures_over_time_are_charts_with_their_numbers_in_tables(
    admin: TestClient, tmp_path: Path
) -> None:
    path = write_feed(tmp_path / "births.csv", "gro-births", [birth(1), birth(2)])
    with db.unit_of_work() as session:
        pipeline.load_file(session, source_name="gro-births", path=path, loaded_by="test")

    page = admin.get("/admin").text

    assert page.count('role="img"') == 5
    assert "<title>Rows received from the feeds each day</title>" in page
    # What the index holds, charted from the daily snapshots and today's counts.
    assert "<title>Children and incomplete records</title>" in page
    assert ">GRO birth registrations</text>" in page  # a line per source, named in the legend
    assert 'aria-label="Rows received from the feeds each day, the last 14 days.' in page
    assert "The numbers in this chart" in page
    assert "births.csv" in page  # the latest deliveries


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.USER_ADMIN, Role.DATA_MANAGER])
def test_anyone_but_a_national_administrator_is_refused_and_the_refusal_is_audited(
    client: TestClient, committed_engine: Engine, role: Role
) -> None:
    signed_in_as(client, "someone.else", role)
    with db.unit_of_work() as session:
        authority(session)

    assert client.get("/admin").status_code == 403
    assert post(client, "/admin/feeds/gro-births/suspend", {"reason": "x"}).status_code == 403
    assert post(client, f"/admin/caps/LA-{LEEDS}", {"cap": "1"}).status_code == 403
    assert not suspended("gro-births")
    assert len(audited("refused", "someone.else")) == 3
    assert 'href="/admin"' not in client.get("/inbox").text
