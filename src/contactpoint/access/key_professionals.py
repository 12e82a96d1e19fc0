"""Key professionals (DESIGN §2, §7): a limited, named set per organisation, the only
users of signposting. An organisation names at most its cap (its own, else the national
``key_professional_cap``); appointing and releasing one is an audited admin action of
the organisation's user administrators (or a national administrator)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.access.accounts import managed_user, organisation
from contactpoint.access.caps import check_room
from contactpoint.access.policy import Action, Principal, decide
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import Actor, record
from contactpoint.errors import AccessRefused, AccountRefused, InvalidValue
from contactpoint.kinds.access import Role
from contactpoint.tables.access import Organisation, User, UserRole


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


def appointed(
    session: Session, organisation: Organisation | None
) -> list[tuple[Organisation, User, UserRole]]:
    """Every key professional (of one organisation, or all), with their organisation
    and appointment, by organisation and name."""
    query = (
        select(Organisation, User, UserRole)
        .join(User, User.organisation_id == Organisation.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.KEY_PROFESSIONAL)
        .order_by(Organisation.name, User.display_name, User.id)
    )
    if organisation is not None:
        query = query.where(Organisation.id == organisation.id)
    return [(o, u, r) for o, u, r in session.execute(query)]
