"""Key professionals (DESIGN §2, §7): a limited, named set per organisation, the only
users of signposting. An organisation names at most its cap (its own, else the national
``key_professional_cap``); appointing and releasing one is an audited admin action of
the organisation's user administrators (or a national administrator)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contactpoint.access.accounts import AccountRefused, managed_user, organisation
from contactpoint.access.kinds import Role
from contactpoint.access.models import Organisation, User, UserRole
from contactpoint.access.policy import Action, Principal, decide
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import Actor, record
from contactpoint.errors import AccessRefused, InvalidValue
from contactpoint.settings import get_settings


class CapReached(AccountRefused):
    """An organisation already names as many key professionals as it may."""


def cap_of(org: Organisation) -> int:
    cap = org.key_professional_cap
    return get_settings().key_professional_cap if cap is None else cap


def named(session: Session, org: Organisation) -> int:
    """How many key professionals the organisation names now."""
    return (
        session.scalar(
            select(func.count())
            .select_from(UserRole)
            .join(User, User.id == UserRole.user_id)
            .where(User.organisation_id == org.id, UserRole.role == Role.KEY_PROFESSIONAL)
        )
        or 0
    )


@dataclass(frozen=True, slots=True)
class CapRead:
    """An organisation's cap on key professionals and how many it names now."""

    code: str
    name: str
    cap: int
    # The organisation's own cap; None when the national one applies.
    own_cap: int | None
    named: int


def caps(session: Session) -> list[CapRead]:
    """Every organisation's cap and how many key professionals it names, by name."""
    orgs = session.scalars(select(Organisation).order_by(Organisation.name))
    return [
        CapRead(org.code, org.name, cap_of(org), org.key_professional_cap, named(session, org))
        for org in orgs
    ]


def check_room(session: Session, org: Organisation) -> None:
    """Refuse (``CapReached``) when the organisation has no room for one more."""
    cap = cap_of(org)
    if named(session, org) >= cap:
        raise CapReached(
            f"{org.name} already names {cap} key professionals, its cap: release one first,"
            " or ask a national administrator to raise the cap"
        )


def _allowed(principal: Principal) -> None:
    verdict = decide(principal, Action.APPOINT_KEY_PROFESSIONAL)
    if not verdict.allowed:
        raise AccessRefused(verdict.reason)


def appoint(session: Session, principal: Principal, username: str) -> UserRole:
    """Name ``username`` a key professional of their organisation, within its cap."""
    _allowed(principal)
    managed = managed_user(session, principal, username)
    if Role.KEY_PROFESSIONAL in managed.roles:
        raise AccountRefused(f"{username} is a key professional already")
    check_room(session, managed.organisation)
    role = UserRole(
        user_id=managed.account.id, role=Role.KEY_PROFESSIONAL, granted_by=principal.username
    )
    session.add(role)
    session.flush()
    record(
        session,
        Actor(principal.username, principal.user_id),
        AuditAction.KEY_PROFESSIONAL_APPOINT,
        details={"username": username, "organisation": managed.organisation.code},
    )
    return role


def release(session: Session, principal: Principal, username: str) -> None:
    """``username`` is no longer a key professional."""
    _allowed(principal)
    managed = managed_user(session, principal, username)
    role = session.scalar(
        select(UserRole).where(
            UserRole.user_id == managed.account.id, UserRole.role == Role.KEY_PROFESSIONAL
        )
    )
    if role is None:
        raise AccountRefused(f"{username} is not a key professional")
    session.delete(role)
    session.flush()
    record(
        session,
        Actor(principal.username, principal.user_id),
        AuditAction.KEY_PROFESSIONAL_RELEASE,
        details={"username": username, "organisation": managed.organisation.code},
    )


def set_cap(session: Session, principal: Principal, code: str, cap: int | None) -> Organisation:
    """A national administrator sets an organisation's cap (None: the national one)."""
    verdict = decide(principal, Action.SET_NATIONAL_POLICY)
    if not verdict.allowed:
        raise AccessRefused(verdict.reason)
    if cap is not None and not 0 <= cap <= 1000:
        raise InvalidValue("cap", str(cap), "must be between 0 and 1000")
    org = organisation(session, code)
    org.key_professional_cap = cap
    session.flush()
    record(
        session,
        Actor(principal.username, principal.user_id),
        AuditAction.KEY_PROFESSIONAL_CAP,
        details={"organisation": code, "cap": cap},
    )
    return org
