"""Organisations and users for tests: one authority, users by role, signed in through the
real forms. Passwords and TOTP secrets are generated here, never real."""

from __future__ import annotations

import re
import time

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from contactpoint.access import accounts, credentials
from contactpoint.access.demo import ready_user
from contactpoint.access.policy import Principal
from contactpoint.audit.service import Actor
from contactpoint.errors import NotFound
from contactpoint.kinds.access import OrganisationKind, Role
from contactpoint.tables.access import Organisation, User

PASSWORD = "tangerine-otter-lamp-92"
LEEDS, HULL = "E08000035", "E06000010"
SETUP = Actor("test.setup")


def authority(session: Session, la_code: str = LEEDS) -> str:
    """The authority's organisation code (created once)."""
    code = f"LA-{la_code}"
    try:
        accounts.organisation(session, code)
    except NotFound:
        accounts.create_organisation(
            session, SETUP, code=code, name=f"Council {la_code}",
            kind=OrganisationKind.LOCAL_AUTHORITY, la_code=la_code,
            team_email=f"contactpoint@{la_code.lower()}.example", team_phone="0113 496 0000",
        )  # fmt: skip
    return code


def active_user(session: Session, username: str, *roles: Role, la_code: str = LEEDS) -> User:
    """An active account with a password and an enrolled authenticator."""
    return ready_user(
        session, SETUP, username=username, display_name=username.replace(".", " ").title(),
        email=f"{username}@example.org", organisation_code=authority(session, la_code),
        roles=roles, password=PASSWORD,
    )  # fmt: skip


def principal_of(session: Session, username: str) -> Principal:
    """The account as policy sees it: its roles and its organisation's authority."""
    user = accounts.user(session, username)
    org = session.get(Organisation, user.organisation_id)
    assert org is not None
    return Principal(user.id, user.username, accounts.roles_of(session, user.id), org.la_code)


def field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} field on the page"
    return found.group(1)


def sign_in(client: TestClient, username: str, secret: str, *, step_offset: int = 30) -> str:
    """Sign in through the forms, as a browser does; where the service then sends the
    user."""
    page = client.get("/sign-in").text
    answer = client.post(
        "/sign-in",
        data={"username": username, "password": PASSWORD, "csrf_token": field(page, "csrf_token")},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    page = client.get(answer.headers["location"]).text
    code = credentials.current_totp(secret, time.time() + step_offset)
    answer = client.post(
        "/sign-in/code",
        data={"code": code, "csrf_token": field(page, "csrf_token")},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])
