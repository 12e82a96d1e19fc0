"""The signposting question (DESIGN §7): is anyone else working with this child?

For a key professional: whether the child is flagged vulnerable (flags stay visible for
a year after they end), and the other key professionals and lead professionals
involved — current, and past ones still visible — with how to reach them and since
when. Never more: no case content, no other practitioners, no sensitive service without
consent to share it (only that one exists, so a contact can be brokered). Audited like
a record view, with the reason given.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.access.policy import Action, Principal
from contactpoint.access.reasons import Reason
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import Actor, record
from contactpoint.kinds.access import Role
from contactpoint.signposting import store
from contactpoint.signposting.flags import LABELS
from contactpoint.signposting.guard import allowed, child_by_cp_id
from contactpoint.tables.access import UserRole
from contactpoint.tables.children import Child
from contactpoint.tables.signposting import Involvement, VulnerabilityFlag

AUDIT_ACTION = AuditAction.SIGNPOSTING_QUERY


@dataclass(frozen=True, slots=True)
class FlagShown:
    kind: str
    started_on: date
    ended_on: date | None
    la_code: str
    active: bool


@dataclass(frozen=True, slots=True)
class ContactShown:
    """A professional involved, as signposting shows them."""

    involvement_id: int
    name: str
    role: str | None
    organisation: str
    service_type: str
    email: str | None
    phone: str | None
    since: date
    lead_professional: bool
    key_professional: bool
    # For a past involvement: when it ended.
    ended_on: date | None = None


@dataclass(frozen=True, slots=True)
class Signposting:
    cp_id: str
    given_names: str | None
    family_name: str | None
    date_of_birth: date | None
    flags: tuple[FlagShown, ...]
    current: tuple[ContactShown, ...]
    past: tuple[ContactShown, ...]
    # Sensitive services involved that the user may not be told of (contact brokered).
    undisclosed: int
    # Other practitioners involved now who are neither key nor lead professionals:
    # counted, not named (signposting names key and lead professionals only).
    others: int = 0

    @property
    def flagged(self) -> bool:
        return any(flag.active for flag in self.flags)


def signpost(
    session: Session,
    principal: Principal,
    cp_id: str,
    reason: Reason,
    *,
    today: date | None = None,
    overrides: Collection[int] = (),
) -> Signposting:
    """Who else is involved with the child, for a key professional."""
    today = today or date.today()
    child = child_by_cp_id(session, cp_id)
    allowed(session, principal, Action.SIGNPOST, child, overrides=overrides)
    answer = answer_for(session, principal, child, today)
    record(
        session,
        Actor(principal.username, principal.user_id),
        AUDIT_ACTION,
        child_id=child.id,
        reason=str(reason),
        details={
            "reason_code": reason.code,
            "flagged": answer.flagged,
            "current": len(answer.current),
            "past": len(answer.past),
        },
    )
    return answer


def answer_for(session: Session, principal: Principal, child: Child, today: date) -> Signposting:
    """The answer, once policy has allowed the question (no audit: ``signpost`` writes it)."""
    flags = [f for f in store.flags_of(session, [child.id]).get(child.id, [])]
    held = store.involvements_of(session, [child.id]).get(child.id, [])
    visible = [i for i in held if store.is_visible(i, today) and i.user_id != principal.user_id]
    shareable = store.shareable(session, {child.id: visible})
    keys = _key_professionals(session, {i.user_id for i in visible if i.user_id})
    shown = [i for i in visible if i.id in shareable and (i.lead_professional or i.user_id in keys)]
    return Signposting(
        cp_id=child.cp_id,
        given_names=child.given_names,
        family_name=child.family_name,
        date_of_birth=child.date_of_birth,
        flags=tuple(_flag(f, today) for f in flags if store.visible_on(f, today)),
        current=tuple(_contact(i, keys) for i in shown if store.is_active(i, today)),
        past=tuple(_contact(i, keys) for i in shown if not store.is_active(i, today)),
        undisclosed=sum(1 for i in visible if i.id not in shareable),
        others=sum(
            1 for i in visible if i.id in shareable and i not in shown and store.is_active(i, today)
        ),
    )


def _key_professionals(session: Session, user_ids: Collection[int]) -> set[int]:
    if not user_ids:
        return set()
    return set(
        session.scalars(
            select(UserRole.user_id).where(
                UserRole.user_id.in_(sorted(user_ids)), UserRole.role == Role.KEY_PROFESSIONAL
            )
        )
    )


def _flag(flag: VulnerabilityFlag, today: date) -> FlagShown:
    return FlagShown(
        LABELS[flag.kind],
        flag.started_on,
        flag.ended_on,
        flag.la_code,
        store.active_on(flag, today),
    )


def _contact(involvement: Involvement, keys: Collection[int]) -> ContactShown:
    return ContactShown(
        involvement_id=involvement.id,
        name=involvement.practitioner_name,
        role=involvement.practitioner_role,
        organisation=involvement.organisation,
        service_type=involvement.service_type,
        email=involvement.email,
        phone=involvement.phone,
        since=involvement.started_on,
        lead_professional=involvement.lead_professional,
        key_professional=involvement.user_id in keys,
        ended_on=involvement.ended_on,
    )
