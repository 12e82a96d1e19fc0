"""Demo accounts: one active user per role in one local authority, for `make demo`.
Refused in production. Each run gives every demo user a new password (printed by the
command) and leaves the rest of the account as it is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.access import accounts, credentials
from contactpoint.audit.service import Actor
from contactpoint.errors import ContactPointError
from contactpoint.kinds.access import OrganisationKind, Role
from contactpoint.settings import get_settings
from contactpoint.tables.access import Organisation, User

DEMO_LA = ("DEMO-LEEDS", "Leeds City Council (demo)", "E08000035")
DEMO_USERS = {
    Role.PRACTITIONER: ("demo.practitioner", "Priya Practitioner"),
    Role.KEY_PROFESSIONAL: ("demo.keyprofessional", "Kemi Keyprofessional"),
    Role.DATA_MANAGER: ("demo.datamanager", "Dan Datamanager"),
    Role.USER_ADMIN: ("demo.useradmin", "Uma Useradmin"),
    Role.NATIONAL_ADMIN: ("demo.nationaladmin", "Nat Nationaladmin"),
    Role.AUDITOR: ("demo.auditor", "Ade Auditor"),
}


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    role: Role
    created: bool


def create_demo_users(session: Session, password: str) -> list[DemoUser]:
    """Create (once) the demo authority and its users; set ``password`` on each."""
    if get_settings().environment == "production":
        raise ContactPointError("demo accounts are not created in production")
    actor = Actor("demo setup")
    code, name, la_code = DEMO_LA
    if session.scalar(select(Organisation.id).where(Organisation.code == code)) is None:
        accounts.create_organisation(
            session, actor, code=code, name=name, kind=OrganisationKind.LOCAL_AUTHORITY,
            la_code=la_code, team_email="contactpoint.demo@leeds.example",
            team_phone="0113 496 0000",
        )  # fmt: skip
    made = []
    for role, (username, display) in DEMO_USERS.items():
        existing = session.scalar(select(User).where(User.username == username))
        if existing is not None:
            accounts.set_password(session, actor, existing, password)
            made.append(DemoUser(username, role, created=False))
            continue
        ready_user(
            session, actor, username=username, display_name=display,
            email=f"{username}@leeds.example", organisation_code=code, roles=[role],
            password=password,
        )  # fmt: skip
        made.append(DemoUser(username, role, created=True))
    return made


def ready_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    email: str,
    organisation_code: str,
    roles: Sequence[Role],
    password: str,
) -> User:
    """An account taken through every step at once — checks recorded today, an
    authenticator enrolled with the secret kept on the account — for demos, tests and
    benchmarks only (never a path a real account takes)."""
    user = accounts.create_user(
        session, actor, username=username, display_name=display_name, email=email,
        organisation_code=organisation_code, roles=roles,
    )  # fmt: skip
    accounts.set_password(session, actor, user, password)
    today = date.today()
    accounts.record_checks(session, actor, user, training=today, vetting=today, agreement=today)
    secret = accounts.begin_totp_enrolment(session, actor, user)
    accounts.confirm_totp_enrolment(session, actor, user, credentials.current_totp(secret))
    accounts.activate(session, actor, user)
    return user
