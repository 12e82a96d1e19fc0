"""Shielding a child, and lifting a shield: the responsible authority's data managers,
with a reason, audited.

A shielded child's record shows practitioners only that it exists and whom to contact;
signals, searches that name a place and the other channels leave it out (see
docs/architecture.md, "Shielding and new identities"). Who may set and lift a shield:
the data managers of the authority responsible for the child (``Action.SHIELD``),
saying why — typically when a family flees violence, or a court or the police ask
for it; and lift it only when the reason has passed (the family is safe, a court's
order ends), saying so. Who shielded it, when and why are in the audit trail
(``child.shield``, ``child.unshield``), and the page shows that history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.access.policy import Action, Principal, decide
from contactpoint.access.state import record_state
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import Actor, record
from contactpoint.errors import AccessRefused, Conflict, InvalidValue, NotFound
from contactpoint.identifiers import normalise_cp_id
from contactpoint.kinds.children import ChildStatus
from contactpoint.tables.audit import AuditEntry
from contactpoint.tables.children import Child

MAX_REASON = 500
SHIELD, UNSHIELD = AuditAction.CHILD_SHIELD, AuditAction.CHILD_UNSHIELD


class ShieldRefused(Conflict):
    """The shield cannot be changed as asked (already so, or the record is not live)."""


@dataclass(frozen=True, slots=True)
class ShieldChange:
    """One setting or lifting of the shield, as the audit trail holds it."""

    shielded: bool
    by: str
    at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class ShieldState:
    cp_id: str
    shielded: bool
    history: tuple[ShieldChange, ...]


def _child(session: Session, principal: Principal, cp_id: str) -> Child:
    """The child, if the policy lets ``principal`` shield it; else ``AccessRefused``."""
    try:
        child = session.scalar(select(Child).where(Child.cp_id == normalise_cp_id(cp_id)))
    except InvalidValue:
        child = None
    # A record closed for a new identity answers as an unknown ID does.
    if child is None or child.status is ChildStatus.CLOSED:
        raise NotFound(f"there is no child with ContactPoint ID {cp_id.strip()[:40]}")
    verdict = decide(principal, Action.SHIELD, record_state(session, child.id))
    if not verdict.allowed:
        raise AccessRefused(verdict.reason)
    return child


def _reason(reason: str) -> str:
    why = " ".join(reason.split())
    if not why:
        raise InvalidValue("reason", "", "say why: it is kept with the change")
    if len(why) > MAX_REASON:
        raise InvalidValue("reason", "", f"use at most {MAX_REASON} characters")
    return why


def state(session: Session, principal: Principal, cp_id: str) -> ShieldState:
    """Whether the child is shielded, and every change of it, newest first."""
    child = _child(session, principal, cp_id)
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.child_id == child.id, AuditEntry.action.in_((SHIELD, UNSHIELD)))
        .order_by(AuditEntry.id.desc())
    )
    history = tuple(
        ShieldChange(entry.action == SHIELD, entry.actor, entry.at, entry.reason or "")
        for entry in entries
    )
    return ShieldState(child.cp_id, child.shielded, history)


def set_shield(
    session: Session, principal: Principal, cp_id: str, shielded: bool, reason: str
) -> ShieldState:
    """Shield the child (``shielded``) or lift its shield, saying why."""
    why = _reason(reason)
    child = _child(session, principal, cp_id)
    if child.status not in (ChildStatus.ACTIVE, ChildStatus.DECEASED, ChildStatus.ARCHIVED):
        raise ShieldRefused(f"{child.cp_id} is {child.status.value}: there is no record to shield")
    if child.shielded == shielded:
        raise ShieldRefused(
            f"{child.cp_id} is {'already' if shielded else 'not'} shielded: nothing to change"
        )
    child.shielded = shielded
    session.flush()
    record(
        session,
        Actor(principal.username, principal.user_id),
        SHIELD if shielded else UNSHIELD,
        child_id=child.id,
        reason=why,
    )
    return state(session, principal, cp_id)
