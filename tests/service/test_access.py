"""Accounts, sign-in and the audit trail on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.access import accounts, auth, credentials
from contactpoint.audit import service as audit
from contactpoint.errors import InvalidValue
from contactpoint.kinds.access import OrganisationKind, Role, UserStatus
from contactpoint.tables.access import User
from contactpoint.tables.audit import AuditEntry

SettingsEnv = Callable[[str, str | None], None]
ADMIN = audit.Actor("ua.leeds")
PASSWORD = "tangerine-otter-lamp-92"
# Later than any enrolment (which uses the clock) however long the suite has run before a
# test: codes are accepted only moving forward. Ten minutes ahead was not enough when the
# suite reached these tests twelve minutes after collecting them.
NOW = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=1)


def leeds(session: Session) -> None:
    accounts.create_organisation(
        session, ADMIN, code="LEEDS", name="Leeds City Council",
        kind=OrganisationKind.LOCAL_AUTHORITY, la_code="E08000035",
        team_email="contactpoint@leeds.gov.uk",
    )  # fmt: skip


def new_user(session: Session, username: str = "ann.practitioner") -> User:
    return accounts.create_user(
        session, ADMIN, username=username, display_name="Ann Example",
        email=f"{username}@leeds.gov.uk", organisation_code="LEEDS", roles=[Role.PRACTITIONER],
    )  # fmt: skip


def active_user(session: Session, username: str = "ann.practitioner") -> User:
    user = new_user(session, username)
    accounts.set_password(session, ADMIN, user, PASSWORD)
    accounts.record_checks(
        session, ADMIN, user, training=date(2026, 1, 5), vetting=date(2025, 6, 1),
        agreement=date(2026, 1, 5),
    )  # fmt: skip
    secret = accounts.begin_totp_enrolment(session, ADMIN, user)
    accounts.confirm_totp_enrolment(session, ADMIN, user, credentials.current_totp(secret))
    accounts.activate(session, ADMIN, user, today=NOW.date())
    return user


def signed_in(session: Session, user: User, at: datetime = NOW) -> str:
    started = auth.sign_in(session, user.username, PASSWORD, now=at)
    assert user.totp_secret
    code = credentials.current_totp(user.totp_secret, at.timestamp() + 60)
    return auth.second_factor(session, started.token, code, now=at + timedelta(seconds=60)).token


def test_an_account_is_active_only_with_training_vetting_agreement_and_two_factor(
    session: Session,
) -> None:
    leeds(session)
    user = new_user(session)
    with pytest.raises(accounts.AccountRefused) as refused:
        accounts.activate(session, ADMIN, user)
    for need in ("training", "DBS", "user agreement", "two-factor", "password"):
        assert need in str(refused.value)
    assert user.status is UserStatus.PENDING
    active_user(session, "bob.practitioner")


def test_closed_onboarding_refuses_new_users_nationally_and_per_authority(
    session: Session,
) -> None:
    leeds(session)
    accounts.set_onboarding(session, ADMIN, open_=False, reason="scaled-down service")
    with pytest.raises(accounts.AccountRefused, match="onboarding of new users is closed"):
        new_user(session)
    accounts.set_onboarding(session, ADMIN, open_=True, reason="reopened")
    accounts.set_onboarding(session, ADMIN, open_=False, reason="x", organisation_code="LEEDS")
    with pytest.raises(accounts.AccountRefused):
        new_user(session)


def test_a_common_password_is_refused_without_echoing_it(session: Session) -> None:
    leeds(session)
    user = new_user(session)
    for weak in ("password1234", "short", "ann.practitioner1"):
        with pytest.raises(InvalidValue) as refused:
            accounts.set_password(session, ADMIN, user, weak)
        assert weak not in str(refused.value)
        assert refused.value.field == "password"


def test_sign_in_needs_the_password_then_a_fresh_code(session: Session) -> None:
    leeds(session)
    user = active_user(session)
    token = signed_in(session, user)
    now = auth.current(session, token, now=NOW + timedelta(minutes=2))
    assert now.principal.roles == {Role.PRACTITIONER}
    assert now.principal.la_code == "E08000035"
    # The code just used is never accepted again (a replay).
    started = auth.sign_in(session, user.username, PASSWORD, now=NOW + timedelta(minutes=1))
    assert user.totp_secret
    used = credentials.current_totp(user.totp_secret, NOW.timestamp() + 60)
    with pytest.raises(auth.SignInRefused):
        auth.second_factor(session, started.token, used, now=NOW + timedelta(seconds=70))
    # The password step's token alone does not sign anyone in.
    with pytest.raises(auth.NotSignedIn):
        auth.current(session, started.token, now=NOW + timedelta(minutes=2))


def test_repeated_failures_lock_the_account_and_every_attempt_is_audited(
    session: Session,
) -> None:
    leeds(session)
    user = active_user(session)
    for _ in range(5):
        with pytest.raises(auth.SignInRefused, match="not right"):
            auth.sign_in(session, user.username, "wrong-password-123", now=NOW)
    # Paused for a minute, with the words of a wrong password: the answer never tells
    # whether the username exists (security review S10).
    with pytest.raises(auth.SignInRefused, match="not right"):
        auth.sign_in(session, user.username, PASSWORD, now=NOW + timedelta(seconds=30))
    # After the pause the right password works again.
    auth.sign_in(session, user.username, PASSWORD, now=NOW + timedelta(minutes=2))
    outcomes = session.scalars(
        select(AuditEntry.outcome).where(AuditEntry.action == "sign_in.password")
    ).all()
    assert outcomes == ["failed"] * 5 + ["refused", "allowed"]
    with pytest.raises(auth.SignInRefused, match="not right"):
        auth.sign_in(session, "nobody", PASSWORD, now=NOW)


def wrong(session: Session, username: str, source: str, at: datetime = NOW) -> None:
    with pytest.raises(auth.SignInRefused, match="not right"):
        auth.sign_in(session, username, "wrong-password-123", source=source, now=at)


def test_a_stranger_guessing_a_colleagues_password_keeps_only_themselves_out(
    session: Session,
) -> None:
    # Security review S10: five guesses from anywhere kept the owner out too.
    leeds(session)
    user = active_user(session)
    for _ in range(5):
        wrong(session, user.username, "203.0.113.9")
    with pytest.raises(auth.SignInRefused, match="not right"):
        auth.sign_in(session, user.username, PASSWORD, source="203.0.113.9", now=NOW)
    assert signed_in_from(session, user, "10.1.2.3")
    # The pause at the guesser's address doubles with each further failure there.
    later = NOW + timedelta(minutes=1, seconds=5)
    wrong(session, user.username, "203.0.113.9", later)
    with pytest.raises(auth.SignInRefused, match="not right"):
        auth.sign_in(session, user.username, PASSWORD, source="203.0.113.9", now=later)


def signed_in_from(session: Session, user: User, source: str, at: datetime = NOW) -> str:
    started = auth.sign_in(session, user.username, PASSWORD, source=source, now=at)
    assert user.totp_secret
    code = credentials.current_totp(user.totp_secret, at.timestamp() + 60)
    moment = at + timedelta(seconds=60)
    return auth.second_factor(session, started.token, code, source=source, now=moment).token


def test_a_username_nobody_holds_is_paused_exactly_as_one_that_exists(session: Session) -> None:
    leeds(session)
    user = active_user(session)
    for username in (user.username, "no.such.person"):
        for _ in range(5):
            wrong(session, username, "198.51.100.7")
    answers = []
    for username in (user.username, "no.such.person"):
        with pytest.raises(auth.SignInRefused) as refused:
            auth.sign_in(session, username, PASSWORD, source="198.51.100.7", now=NOW)
        answers.append(str(refused.value))
    assert answers[0] == answers[1] == auth.WRONG
    outcomes = session.execute(
        select(AuditEntry.actor, AuditEntry.outcome)
        .where(AuditEntry.action == "sign_in.password")
        .order_by(AuditEntry.id)  # without it PostgreSQL may answer in any order
    ).all()
    assert [o for a, o in outcomes if a == user.username] == ["failed"] * 5 + ["refused"]
    assert [o for a, o in outcomes if a == "no.such.person"] == ["failed"] * 5 + ["refused"]


def test_an_address_trying_many_usernames_is_paused_for_every_one(
    session: Session, settings_env: SettingsEnv
) -> None:
    settings_env("CONTACTPOINT_LOGIN_SOURCE_MAX_FAILURES", "6")
    leeds(session)
    user = active_user(session)
    for n in range(6):
        wrong(session, f"guess.{n}", "192.0.2.50")
    with pytest.raises(auth.SignInRefused, match="not right"):
        auth.sign_in(session, user.username, PASSWORD, source="192.0.2.50", now=NOW)
    assert signed_in_from(session, user, "10.1.2.3")
    # The address's failures are counted over the lockout window, then forgotten.
    assert auth.sign_in(
        session, user.username, PASSWORD, source="192.0.2.50", now=NOW + timedelta(minutes=16)
    )


def test_many_addresses_guessing_one_account_pause_it_everywhere(
    session: Session, settings_env: SettingsEnv
) -> None:
    settings_env("CONTACTPOINT_LOGIN_ACCOUNT_MAX_FAILURES", "4")
    leeds(session)
    user = active_user(session)
    for n in range(4):
        wrong(session, user.username, f"192.0.2.{n}")
    with pytest.raises(auth.SignInRefused, match="not right"):
        auth.sign_in(session, user.username, PASSWORD, source="10.1.2.3", now=NOW)
    assert signed_in_from(session, user, "10.1.2.3", NOW + timedelta(minutes=2))


def test_sessions_end_when_idle_and_at_their_absolute_limit(session: Session) -> None:
    leeds(session)
    user = active_user(session)
    token = signed_in(session, user)
    with pytest.raises(auth.NotSignedIn, match="expired"):
        auth.current(session, token, now=NOW + timedelta(minutes=17))
    token = signed_in(session, user, NOW + timedelta(hours=1))
    moment = NOW + timedelta(hours=1)
    while moment < NOW + timedelta(hours=9):  # used every 10 minutes, still ends
        moment += timedelta(minutes=10)
        try:
            auth.current(session, token, now=moment)
        except auth.NotSignedIn:
            break
    assert moment <= NOW + timedelta(hours=9, minutes=1)
    assert moment >= NOW + timedelta(hours=8, minutes=59)


def test_a_suspended_user_is_signed_out_and_cannot_sign_in(session: Session) -> None:
    leeds(session)
    user = active_user(session)
    token = signed_in(session, user)
    accounts.suspend(session, ADMIN, user, "left the authority")
    with pytest.raises(auth.NotSignedIn, match="suspended"):
        auth.current(session, token, now=NOW + timedelta(minutes=2))
    with pytest.raises(auth.SignInRefused, match="suspended"):
        auth.sign_in(session, user.username, PASSWORD, now=NOW + timedelta(minutes=3))
