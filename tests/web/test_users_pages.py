"""User administration through the pages: a user administrator takes a new account from
creation to signing in, within their own authority only; refusals and bad input are
shown, never a server error; every change is audited under the administrator's name."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, func, select

from contactpoint import db
from contactpoint.access import accounts, credentials
from contactpoint.kinds.access import Role, UserStatus
from contactpoint.tables.access import User
from contactpoint.tables.audit import AuditEntry
from contactpoint.web.app import create_app
from tests.people import HULL, LEEDS, PASSWORD, SETUP, active_user, authority, field, sign_in
from tests.web.conftest import page_text

ADMIN = "uma.admin"


def signed_in_as(client: TestClient, username: str, *roles: Role) -> None:
    with db.unit_of_work() as session:
        secret = active_user(session, username, *roles).totp_secret
    assert secret
    sign_in(client, username, secret)


@pytest.fixture
def admin(client: TestClient, committed_engine: Engine) -> TestClient:
    """The client, signed in as a user administrator of Leeds."""
    signed_in_as(client, ADMIN, Role.USER_ADMIN)
    return client


def post(client: TestClient, path: str, data: dict[str, str | list[str]]) -> Response:
    """Post a form as a browser does: with the session's CSRF token, not following."""
    token = field(client.get("/users").text, "csrf_token")
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def create(client: TestClient, username: str = "sam.new", **data: str | list[str]) -> Response:
    fields: dict[str, str | list[str]] = {
        "username": username,
        "display_name": "Sam Newcombe",
        "email": f"{username}@leeds.example",
        "job_title": "Health visitor",
        "roles": ["practitioner"],
    }
    return post(client, "/users/new", {**fields, **data})


def pending(username: str, la_code: str = LEEDS) -> None:
    """A new, pending account made directly (not through the pages)."""
    with db.unit_of_work() as session:
        code = authority(session, la_code)
        accounts.create_user(
            session,
            SETUP,
            username=username,
            display_name="Someone Else",
            email=f"{username}@example.org",
            organisation_code=code,
            roles=[Role.PRACTITIONER],
        )


def account(username: str) -> User:
    with db.unit_of_work() as session:
        return accounts.user(session, username)


def audited(actor: str = ADMIN, outcome: str = "allowed") -> list[str]:
    with db.unit_of_work() as session:
        query = select(AuditEntry.action).where(AuditEntry.actor == actor)
        query = query.where(AuditEntry.outcome == outcome).order_by(AuditEntry.id)
        return list(session.scalars(query))


def test_a_user_administrator_takes_a_new_user_from_creation_to_signing_in(
    admin: TestClient,
) -> None:
    answer = create(admin)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/users/sam.new?done=created"
    page = admin.get(answer.headers["location"]).text
    assert "Account created" in page
    assert "govuk-notification-banner--success" in page
    # Nothing set up yet, so nothing to reset (issue 16's smaller points).
    assert "Set up two-factor authentication" in page
    assert "Reset two-factor authentication" not in page

    today = date.today()
    checks = {
        f"{name}-{part}": str(value)
        for name in ("training", "vetting", "agreement")
        for part, value in (("day", today.day), ("month", today.month), ("year", today.year))
    }
    answer = post(admin, "/users/sam.new/checks", checks)
    assert answer.status_code == 303
    assert "Checks recorded" in admin.get(answer.headers["location"]).text

    answer = post(
        admin, "/users/sam.new/password", {"password": PASSWORD, "password_confirm": PASSWORD}
    )
    assert answer.status_code == 303

    answer = post(admin, "/users/sam.new/two-factor", {})
    assert answer.headers["location"] == "/users/sam.new/two-factor"
    page = admin.get("/users/sam.new/two-factor").text
    assert "<svg" in page and "<title>QR code</title>" in page
    shown = re.search(r"<code>([A-Z2-7 ]+)</code>", page)
    assert shown and all(len(group) == 4 for group in shown.group(1).split())
    secret = shown.group(1).replace(" ", "")
    assert secret == account("sam.new").totp_secret
    answer = post(
        admin, "/users/sam.new/two-factor/confirm", {"code": credentials.current_totp(secret)}
    )
    assert answer.status_code == 303

    assert "Reset two-factor authentication" in admin.get("/users/sam.new").text
    answer = post(admin, "/users/sam.new/activate", {})
    assert answer.status_code == 303
    page = page_text(admin.get(answer.headers["location"]).text)
    assert "Account activated" in page
    assert "Still needs Nothing" in page
    assert account("sam.new").status is UserStatus.ACTIVE

    with TestClient(create_app()) as newcomer:
        sign_in(newcomer, "sam.new", secret)
        assert "Sam Newcombe" in newcomer.get("/search").text
    assert audited() == [
        "sign_in.password",
        "sign_in",
        "user.create",
        "user.checks",
        "user.password",
        "user.totp_reset",
        "user.totp_enrol",
        "user.activate",
    ]


def test_the_list_shows_each_account_and_what_it_still_needs(admin: TestClient) -> None:
    pending("pat.pending")
    page = admin.get("/users")
    assert page.status_code == 200
    text = page_text(page.text)
    assert "Someone Else pat.pending Practitioner Pending Not certified" in text
    assert "training completion, an enhanced DBS check" in text
    assert "<caption" in page.text and 'scope="col"' in page.text
    assert 'href="/users/new"' in page.text


def test_activation_is_refused_naming_what_is_missing(admin: TestClient) -> None:
    pending("pat.pending")
    answer = post(admin, "/users/pat.pending/activate", {})
    assert answer.status_code == 409
    assert "There is a problem" in answer.text
    assert 'href="#activate"' in answer.text
    assert (
        "cannot be activated yet: needs training completion, an enhanced DBS check,"
        " the signed user agreement, two-factor enrolment, a password"
    ) in answer.text
    assert account("pat.pending").status is UserStatus.PENDING
    assert "user.activate" not in audited()


def test_closed_onboarding_refuses_new_users(admin: TestClient) -> None:
    with db.unit_of_work() as session:
        code = authority(session)
    refused = post(
        admin,
        "/users/onboarding",
        {"scope": "authority", "organisation": code, "open": "no", "reason": ""},
    )
    assert refused.status_code == 400
    assert 'href="#authority-reason"' in refused.text
    closed = post(
        admin,
        "/users/onboarding",
        {"scope": "authority", "organisation": code, "open": "no", "reason": "Re-training first"},
    )
    assert closed.headers["location"] == "/users?done=onboarding"
    assert "Onboarding in Council E08000035 is closed" in page_text(admin.get("/users").text)
    assert "Onboarding of new users is closed" in admin.get("/users/new").text

    answer = create(admin)
    assert answer.status_code == 409
    assert "onboarding of new users is closed" in answer.text.lower()
    with db.unit_of_work() as session:
        assert session.scalar(select(User.id).where(User.username == "sam.new")) is None
    assert "policy.onboarding" in audited()
    assert "user.create" not in audited()


def test_a_user_administrator_cannot_see_or_change_another_authoritys_users(
    admin: TestClient,
) -> None:
    pending("hal.hull", la_code=HULL)
    assert "hal.hull" not in admin.get("/users").text
    assert admin.get("/users/hal.hull").status_code == 403
    assert admin.get("/users/hal.hull/two-factor").status_code == 403
    assert post(admin, "/users/hal.hull/suspend", {"reason": "because"}).status_code == 403
    assert post(admin, "/users/hal.hull/two-factor", {}).status_code == 403
    assert account("hal.hull").totp_secret is None
    # Nor create accounts there, nor grant the national roles, nor close its onboarding.
    with db.unit_of_work() as session:
        hull = authority(session, HULL)
    assert create(admin, organisation=hull).status_code == 403
    assert create(admin, roles=["auditor"]).status_code == 403
    assert 'value="auditor"' not in admin.get("/users/new").text
    refused = post(
        admin,
        "/users/onboarding",
        {"scope": "authority", "organisation": hull, "open": "no", "reason": "not ours"},
    )
    assert refused.status_code == 403
    national = post(
        admin, "/users/onboarding", {"scope": "national", "open": "no", "reason": "not ours"}
    )
    assert national.status_code == 403
    assert admin.get("/users/nobody.at.all").status_code == 404
    assert admin.get("/users/hal%00hull").status_code == 404
    assert audited()[-1] == "sign_in"


def test_a_national_administrator_manages_every_authority_and_national_onboarding(
    client: TestClient, committed_engine: Engine
) -> None:
    pending("hal.hull", la_code=HULL)
    pending("lee.leeds")
    signed_in_as(client, "nia.national", Role.NATIONAL_ADMIN)
    page = page_text(client.get("/users").text)
    assert "hal.hull" in page and "lee.leeds" in page and "Council E06000010" in page
    assert 'value="auditor"' in client.get("/users/new").text
    answer = post(
        client,
        "/users/onboarding",
        {"scope": "national", "open": "no", "reason": "Review of access"},
    )
    assert answer.status_code == 303
    assert "National onboarding is closed" in page_text(client.get("/users").text)
    assert create(client, organisation="").status_code == 400
    with db.unit_of_work() as session:
        leeds = authority(session)
    assert create(client, organisation=leeds).status_code == 409
    assert audited("nia.national")[-1] == "policy.onboarding"


def test_a_practitioner_may_not_administer_users(
    client: TestClient, committed_engine: Engine
) -> None:
    signed_in_as(client, "pat.practitioner", Role.PRACTITIONER)
    for path in ("/users", "/users/new", "/users/pat.practitioner"):
        page = client.get(path)
        assert page.status_code == 403
        assert "only user administrators manage users" in page.text
    token = field(client.get("/users").text, "csrf_token")
    assert client.post("/users/new", data={"csrf_token": token}).status_code == 403
    assert 'href="/users"' not in client.get("/users").text


def test_a_form_without_its_anti_forgery_token_is_refused(admin: TestClient) -> None:
    pending("pat.pending")
    fields = {
        "username": "sam.new",
        "display_name": "Sam",
        "email": "s@x.org",
        "roles": "practitioner",
    }
    assert admin.post("/users/new", data=fields).status_code == 403
    answer = admin.post("/users/pat.pending/suspend", data={"reason": "x", "csrf_token": "forged"})
    assert answer.status_code == 403
    assert account("pat.pending").status is UserStatus.PENDING
    assert audited()[-1] == "sign_in"


def test_a_malformed_date_is_shown_and_nothing_changes(admin: TestClient) -> None:
    pending("pat.pending")
    answer = post(
        admin,
        "/users/pat.pending/checks",
        {
            "training-day": "31",
            "training-month": "2",
            "training-year": "2026",
            "vetting-day": "12",
            "agreement-day": "x",
            "agreement-month": "1",
            "agreement-year": "9" * 5000,
        },
    )
    assert answer.status_code == 400
    text = page_text(answer.text)
    assert "The date training was completed must be a real date" in text
    assert "The date of the enhanced DBS check must include a month and a year" in text
    assert "The date the user agreement was signed must be a real date" in text
    assert 'href="#training-day"' in answer.text and 'href="#vetting-day"' in answer.text
    assert 'value="31"' in answer.text
    future = post(
        admin,
        "/users/pat.pending/checks",
        {"training-day": "1", "training-month": "1", "training-year": "2999"},
    )
    assert future.status_code == 400
    assert "The date training was completed is in the future" in page_text(future.text)
    nothing = post(admin, "/users/pat.pending/checks", {})
    assert "Enter at least one date" in nothing.text
    unchanged = account("pat.pending")
    assert unchanged.training_completed_on is None and unchanged.vetting_checked_on is None
    assert "user.checks" not in audited()


def test_bad_input_is_shown_on_the_form_never_a_server_error(admin: TestClient) -> None:
    answer = create(
        admin, username="sam new", display_name="S" * 201, email="no-at-sign", roles=["wizard"]
    )
    assert answer.status_code == 400
    text = page_text(answer.text)
    assert "Name must be 200 characters or fewer" in text
    assert "Enter an email address in the correct format" in text
    assert "Choose at least one role from the list" in text
    for target in ("#display_name", "#email", "#roles"):
        assert f'href="{target}"' in answer.text
    answer = create(admin, username="sam new")
    assert answer.status_code == 400
    assert "Use letters, digits, dots and hyphens" in answer.text
    assert create(admin, username="u" * 101).status_code == 400
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1

    create(admin)
    taken = create(admin)
    assert taken.status_code == 409
    assert 'href="#username"' in taken.text and "is taken" in taken.text

    weak = post(
        admin,
        "/users/sam.new/password",
        {"password": "password1234", "password_confirm": "password1234"},
    )
    assert weak.status_code == 400 and 'href="#password"' in weak.text
    assert "password1234" not in weak.text
    differ = post(
        admin, "/users/sam.new/password", {"password": PASSWORD, "password_confirm": PASSWORD + "x"}
    )
    assert "The passwords do not match" in differ.text
    assert account("sam.new").password_hash is None

    post(admin, "/users/sam.new/two-factor", {})
    wrong = post(admin, "/users/sam.new/two-factor/confirm", {"code": "000000"})
    assert wrong.status_code == 400
    assert "Enter the code the app shows now" in page_text(wrong.text)
    assert audited(outcome="failed") == ["user.totp_enrol"]

    long_reason = post(admin, "/users/sam.new/suspend", {"reason": "r" * 501})
    assert long_reason.status_code == 400
    assert "The reason must be 500 characters or fewer" in long_reason.text
    assert post(admin, "/users/sam.new/suspend", {"reason": " "}).status_code == 400
    assert account("sam.new").status is UserStatus.PENDING
    # A NUL character (only a forged request sends one) is dropped, not a database error.
    assert create(admin, username="nil.byte", display_name="Nil\x00 Byte").status_code == 303
    assert account("nil.byte").display_name == "Nil Byte"


def test_suspending_records_why_and_stops_sign_in(admin: TestClient) -> None:
    with db.unit_of_work() as session:
        secret = active_user(session, "pat.practitioner", Role.PRACTITIONER).totp_secret
    assert secret
    answer = post(admin, "/users/pat.practitioner/suspend", {"reason": "Left the service"})
    assert answer.status_code == 303
    page = page_text(admin.get(answer.headers["location"]).text)
    assert "Account suspended" in page and "Suspended Left the service" in page
    with db.unit_of_work() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.suspend")).one()
        assert (entry.actor, entry.reason) == (ADMIN, "Left the service")
    with TestClient(create_app()) as suspended:
        page = suspended.get("/sign-in").text
        refused = suspended.post(
            "/sign-in",
            data={
                "username": "pat.practitioner",
                "password": PASSWORD,
                "csrf_token": field(page, "csrf_token"),
            },
        )
        assert refused.status_code == 401
        assert "suspended" in refused.text


def test_a_user_administrator_cannot_take_over_a_national_administrator_in_their_own_organisation(
    admin: TestClient,
) -> None:
    # Security review S5: reset the national administrator's password, re-enrol their
    # two-factor, sign in as them. Each step is refused and the account is unchanged.
    with db.unit_of_work() as session:
        national = active_user(session, "nia.national", Role.NATIONAL_ADMIN)
        before = (national.password_hash, national.totp_secret)
    assert "nia.national" not in admin.get("/users").text
    assert admin.get("/users/nia.national").status_code == 403
    refused = post(admin, "/users/nia.national/password", {"password": "a-new-password-123"})
    assert refused.status_code == 403
    assert "holds a role you may not grant" in refused.text
    assert post(admin, "/users/nia.national/two-factor", {}).status_code == 403
    assert post(admin, "/users/nia.national/suspend", {"reason": "takeover"}).status_code == 403
    after = account("nia.national")
    assert (after.password_hash, after.totp_secret) == before
    assert after.status is UserStatus.ACTIVE
