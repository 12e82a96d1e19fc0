"""Signing in and out through the web forms: every page needs a signed-in user, refusals
are shown and audited, forms need their anti-forgery token."""

from __future__ import annotations

import re
import time
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from contactpoint import db
from contactpoint.access import credentials
from contactpoint.audit import service as audit
from contactpoint.kinds.access import Role
from contactpoint.settings import get_settings
from contactpoint.tables.access import User
from contactpoint.tables.audit import AuditEntry
from contactpoint.web.app import create_app
from tests.people import PASSWORD, active_user, field, sign_in


@pytest.fixture
def secret(committed_engine: Engine) -> str:
    with db.unit_of_work() as session:
        user = active_user(session, "pat.practitioner", Role.PRACTITIONER)
        assert user.totp_secret
        return user.totp_secret


def audit_actions(outcome: str | None = None) -> list[str]:
    with db.unit_of_work() as session:
        query = select(AuditEntry.action).order_by(AuditEntry.id)
        if outcome:
            query = query.where(AuditEntry.outcome == outcome)
        return list(session.scalars(query))


@pytest.mark.parametrize("path", ["/", "/search"])
def test_a_page_sends_someone_not_signed_in_to_sign_in_and_back(
    client: TestClient, path: str
) -> None:
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/sign-in?next=%2F{path.strip('/')}"


def test_the_api_answers_401_without_a_session(client: TestClient) -> None:
    answer = client.get("/api/v1/stats")
    assert answer.status_code == 401
    assert answer.json() == {"detail": "you are not signed in"}


def test_the_health_check_needs_no_sign_in(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200


def test_signing_in_with_password_and_code_opens_the_service(
    client: TestClient, secret: str
) -> None:
    sign_in(client, "pat.practitioner", secret)
    answer = client.get("/")
    assert answer.status_code == 200
    assert "Pat Practitioner" in answer.text
    cookie = answer.request.headers["cookie"]
    assert "cp_session=" in cookie
    assert audit_actions()[-1] == "sign_in"
    assert "sign_in.password" in audit_actions()


@pytest.mark.parametrize(
    ("roles", "start"),
    [
        ((Role.PRACTITIONER,), "/search"),
        ((Role.KEY_PROFESSIONAL,), "/search"),
        ((Role.DATA_MANAGER,), "/review"),
        ((Role.USER_ADMIN,), "/users"),
        ((Role.NATIONAL_ADMIN,), "/admin"),
        ((Role.AUDITOR,), "/audit"),
        ((Role.AUDITOR, Role.DATA_MANAGER), "/review"),
    ],
)
def test_each_role_lands_on_its_own_start_page_it_may_see(
    client: TestClient, committed_engine: Engine, roles: tuple[Role, ...], start: str
) -> None:
    with db.unit_of_work() as session:
        user = active_user(session, "sam.signin", *roles)
        secret = user.totp_secret
    assert secret
    assert sign_in(client, "sam.signin", secret) == start
    assert client.get(start).status_code == 200


@pytest.mark.parametrize(("asked", "ends"), [("/inbox", "/inbox"), ("/", "/search")])
def test_a_page_asked_for_before_sign_in_is_where_sign_in_ends_but_the_front_door_is_none(
    client: TestClient, secret: str, asked: str, ends: str
) -> None:
    page = client.get(f"/sign-in?next={asked}").text
    answer = client.post(
        "/sign-in",
        data={"username": "pat.practitioner", "password": PASSWORD,
              "csrf_token": field(page, "csrf_token"), "next": asked},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.headers["location"] == f"/sign-in/code?next={quote(asked, safe='')}"
    page = client.get(answer.headers["location"]).text
    code = credentials.current_totp(secret, time.time() + 30)
    answer = client.post(
        "/sign-in/code",
        data={"code": code, "csrf_token": field(page, "csrf_token"), "next": field(page, "next")},
        follow_redirects=False,
    )
    assert answer.headers["location"] == ends


def test_session_cookies_are_http_only_and_same_site_strict(
    client: TestClient, secret: str
) -> None:
    page = client.get("/sign-in")
    assert "httponly" in page.headers["set-cookie"].lower()
    assert "samesite=strict" in page.headers["set-cookie"].lower()


def test_a_wrong_password_is_shown_on_the_form_and_audited(client: TestClient, secret: str) -> None:
    page = client.get("/sign-in").text
    answer = client.post(
        "/sign-in",
        data={
            "username": "pat.practitioner",
            "password": "not-the-password-9",
            "csrf_token": field(page, "csrf_token"),
        },
    )
    assert answer.status_code == 401
    assert "There is a problem" in answer.text
    assert "not right" in answer.text
    assert "not-the-password-9" not in answer.text
    assert audit_actions("failed") == ["sign_in.password"]


def test_something_that_is_not_a_code_asks_for_six_digits_and_counts_for_nothing(
    client: TestClient, secret: str
) -> None:
    page = client.get("/sign-in").text
    client.post(
        "/sign-in",
        data={"username": "pat.practitioner", "password": PASSWORD,
              "csrf_token": field(page, "csrf_token")},
    )  # fmt: skip
    page = client.get("/sign-in/code").text
    assert re.search(r'<input[^>]*id="code"[^>]*autofocus', page, re.S), "focus on the code box"
    for given in ("12", "12345a", "１２３４５６"):
        answer = client.post(
            "/sign-in/code", data={"code": given, "csrf_token": field(page, "csrf_token")}
        )
        assert answer.status_code == 400
        assert "Enter the 6-digit code from your authenticator app" in answer.text
    with db.unit_of_work() as session:
        failed = session.scalar(
            select(User.failed_logins).where(User.username == "pat.practitioner")
        )
    assert not failed


def test_a_wrong_code_is_refused_and_a_replayed_code_too(client: TestClient, secret: str) -> None:
    page = client.get("/sign-in").text
    client.post(
        "/sign-in",
        data={
            "username": "pat.practitioner",
            "password": PASSWORD,
            "csrf_token": field(page, "csrf_token"),
        },
    )
    page = client.get("/sign-in/code").text
    token = field(page, "csrf_token")
    wrong = client.post("/sign-in/code", data={"code": "000000", "csrf_token": token})
    assert wrong.status_code == 401
    # The code used at enrolment was spent there (its time step is on the account).
    with db.unit_of_work() as session:
        step = session.scalar(
            select(User.totp_last_step).where(User.username == "pat.practitioner")
        )
    assert step is not None
    spent = credentials.current_totp(secret, step * 30)
    replay = client.post("/sign-in/code", data={"code": spent, "csrf_token": token})
    assert replay.status_code == 401
    assert audit_actions("failed") == ["sign_in.code", "sign_in.code"]


def test_a_form_without_its_anti_forgery_token_is_refused(client: TestClient, secret: str) -> None:
    client.get("/sign-in")
    answer = client.post("/sign-in", data={"username": "pat.practitioner", "password": PASSWORD})
    assert answer.status_code == 403
    sign_in(client, "pat.practitioner", secret)
    assert client.post("/sign-out", data={}).status_code == 403


def test_signing_out_ends_the_session(client: TestClient, secret: str) -> None:
    sign_in(client, "pat.practitioner", secret)
    page = client.get("/").text
    answer = client.post("/sign-out", data={"csrf_token": field(page, "csrf_token")})
    assert answer.status_code == 200
    assert "You have signed out" in answer.text
    assert client.get("/api/v1/stats").status_code == 401
    # The server's background sealer chains what the requests audited within moments.
    result = verified_once_sealed()
    assert (result.intact, result.unsealed) == (True, 0)
    assert result.entries == len(audit_actions())


def verified_once_sealed(seconds: float = 10) -> audit.Verification:
    """The audit chain verified once the server's background sealer has chained every
    entry the requests committed (or ``seconds`` have passed)."""
    deadline = time.monotonic() + seconds
    while True:
        with db.unit_of_work() as session:
            result = audit.verify(session)
        if result.unsealed == 0 or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


def test_after_sign_in_the_user_returns_to_the_page_they_asked_for_on_this_service_only(
    client: TestClient, secret: str
) -> None:
    page = client.get("/sign-in?next=https://evil.example/").text
    assert field(page, "next") == ""  # none: the user's own start page
    page = client.get("/sign-in?next=/").text
    assert field(page, "next") == "/"


def test_the_servers_background_sealer_chains_what_requests_audited(
    committed_engine: Engine, secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a background sealer (as served), a request commits its entries unsealed and
    the sealer chains them within moments; the last are sealed when the server stops."""
    monkeypatch.setenv("CONTACTPOINT_AUDIT_SEAL_INTERVAL_SECONDS", "0.05")
    get_settings.cache_clear()
    with TestClient(create_app()) as client:
        assert client.app.state.sealing_in_background  # type: ignore[attr-defined]
        sign_in(client, "pat.practitioner", secret)
        result = verified_once_sealed()
        assert result.intact and result.unsealed == 0
        assert {"sign_in.password", "sign_in"} <= set(audit_actions())
        client.get("/sign-in")  # no audit entry
    with db.unit_of_work() as session:
        result = audit.verify(session)
    assert (result.intact, result.unsealed) == (True, 0)
    assert result.entries == len(audit_actions())


def test_a_stranger_guessing_a_colleagues_password_on_the_form_locks_only_their_own_address(
    secret: str,
) -> None:
    # Security review S10, through the real forms: five wrong passwords from one
    # address pause the username there; its owner, at their own desk, signs in.
    with TestClient(create_app(), client=("203.0.113.9", 40000)) as stranger:
        for guess in range(6):
            page = stranger.get("/sign-in").text
            answer = stranger.post(
                "/sign-in",
                data={"username": "pat.practitioner", "password": f"guess-{guess}-x9",
                      "csrf_token": field(page, "csrf_token")},
            )  # fmt: skip
            assert answer.status_code == 401 and "not right" in answer.text
        page = stranger.get("/sign-in").text
        paused = stranger.post(
            "/sign-in",
            data={"username": "pat.practitioner", "password": PASSWORD,
                  "csrf_token": field(page, "csrf_token")},
        )  # fmt: skip
        assert paused.status_code == 401 and "not right" in paused.text
    with TestClient(create_app(), client=("10.20.30.40", 40001)) as owner:
        assert sign_in(owner, "pat.practitioner", secret) == "/search"
