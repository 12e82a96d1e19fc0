"""A new identity (DESIGN §9): adoption, or protection, closes the child's old record
with no link anyone but the national team can see.

ContactPoint's trials found adopted children under both their birth and adoptive
surnames. So the closed record keeps its source records (a record arriving under the
birth name still matches it, and so leads nowhere), is shown to nobody and never found by
search, and is kept apart from the new record so matching can never join the two. Only
the national team holds, and can trace, the link (``identity_changes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from contactpoint.access.policy import Action, Principal, decide
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import Actor, record
from contactpoint.errors import AccessRefused, Conflict, InvalidValue, NotFound
from contactpoint.identifiers import normalise_cp_id
from contactpoint.kinds.children import ChildStatus
from contactpoint.tables.children import Child, IdentityChange
from contactpoint.tables.linkage import KeptApart
from contactpoint.tables.review import ReviewStatus, ReviewTask


class IdentityRefused(Conflict):
    """A record that cannot be closed for a new identity."""


def _national(principal: Principal) -> None:
    verdict = decide(principal, Action.CHANGE_IDENTITY)
    if not verdict.allowed:
        raise AccessRefused(verdict.reason)


def _child(session: Session, cp_id: str) -> Child:
    found = session.scalar(select(Child).where(Child.cp_id == normalise_cp_id(cp_id)))
    if found is None:
        raise NotFound(f"there is no child with ContactPoint ID {cp_id.strip()[:40]}")
    return found


def close_for_new_identity(
    session: Session, principal: Principal, cp_id: str, reason: str, new_cp_id: str | None = None
) -> IdentityChange:
    """Close ``cp_id``'s record for a new identity (optionally naming the new record)."""
    _national(principal)
    why = " ".join(reason.split())
    if not why:
        raise InvalidValue("reason", "", "say why the record is closed (adoption, protection)")
    old = _child(session, cp_id)
    if old.status not in (ChildStatus.ACTIVE, ChildStatus.DECEASED):
        raise IdentityRefused(f"{old.cp_id} is {old.status.value}: only a live record is closed")
    new = _child(session, new_cp_id) if new_cp_id else None
    if new is not None and new.id == old.id:
        raise IdentityRefused("the new record must be another record")
    change = IdentityChange(
        old_child_id=old.id, new_child_id=new.id if new else None, by=principal.username, reason=why
    )
    session.add(change)
    old.status = ChildStatus.CLOSED
    if new is not None:
        pair = sorted((old.id, new.id))
        kept = session.scalar(
            select(KeptApart.id).where(
                KeptApart.child_a_id == pair[0], KeptApart.child_b_id == pair[1]
            )
        )
        if kept is None:  # a data manager may have kept them apart already
            session.add(
                KeptApart(
                    child_a_id=pair[0], child_b_id=pair[1], by=principal.username,
                    reason="a new identity: never to be joined",
                )
            )  # fmt: skip
    # Questions about the old record are no longer anyone's to answer.
    session.execute(
        update(ReviewTask)
        .where(
            ReviewTask.status == ReviewStatus.OPEN,
            or_(ReviewTask.child_id == old.id, ReviewTask.candidate_child_id == old.id),
        )
        .values(
            status=ReviewStatus.KEPT_APART,
            decided_by=principal.username,
            decided_at=func.now(),
            reason="closed for a new identity",
        )
    )
    session.flush()
    # The audit entry names the closed record only: the link is in identity_changes.
    record(
        session,
        Actor(principal.username, principal.user_id),
        AuditAction.CHILD_CLOSE_IDENTITY,
        child_id=old.id,
        details={"identity_change_id": change.id},
    )
    return change


@dataclass(frozen=True, slots=True)
class Traced:
    closed_cp_id: str
    new_cp_id: str | None
    by: str
    at: datetime
    reason: str


def trace(session: Session, principal: Principal, cp_id: str) -> Traced:
    """For the national team: the new record a closed one leads to, and why."""
    _national(principal)
    old = _child(session, cp_id)
    change = session.scalar(select(IdentityChange).where(IdentityChange.old_child_id == old.id))
    if change is None:
        raise NotFound(f"{old.cp_id} was not closed for a new identity")
    new = session.get(Child, change.new_child_id) if change.new_child_id else None
    record(
        session,
        Actor(principal.username, principal.user_id),
        AuditAction.CHILD_TRACE_IDENTITY,
        child_id=old.id,
    )
    return Traced(old.cp_id, new.cp_id if new else None, change.by, change.at, change.reason)
