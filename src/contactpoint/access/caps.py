"""The cap on each organisation's key professionals (DESIGN §2, §7): its own, else the
national ``key_professional_cap``, and how many it names now. Below both the accounts
(creating a user who is a key professional) and appointing one, which each check room.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contactpoint.errors import AccountRefused
from contactpoint.kinds.access import Role
from contactpoint.settings import get_settings
from contactpoint.tables.access import Organisation, User, UserRole


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
