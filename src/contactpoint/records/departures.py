"""A child leaving England (DESIGN §9).

The index is for children in England. When a child leaves, a data manager of the
responsible authority records the day (``record_departure``): the record stays live and
searchable — a practitioner who finds it learns the child has left — but it is no longer
reported as missing education or without a GP, and a year after the day it moves to the
archive (``lifecycle.archive_due``), as after a death. The responsible authority stays
the last one, whose data managers made the entry.

A child who comes back is noticed by the feeds: when a source states an address in
England and the date it recorded it, after the day the child left, the departure is
cleared (``children.returns``, run whenever golden records are rebuilt) and the
responsible authority follows that address as usual. A record that gives no date cannot show a
return (when it arrived says nothing of when its address was true). Both changes are
audited.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from contactpoint.access.policy import Action, Principal, decide
from contactpoint.access.state import record_state
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import Actor, record
from contactpoint.errors import AccessRefused, Conflict, InvalidValue
from contactpoint.kinds.children import ChildStatus
from contactpoint.tables.children import Child


class DepartureRefused(Conflict):
    """A departure that cannot be recorded on this record."""


def record_departure(
    session: Session, principal: Principal, child: Child, left_on: date, reason: str, today: date
) -> None:
    """The responsible authority's data manager records that ``child`` left England on
    ``left_on`` (not in the future, not before birth), saying how they know."""
    why = " ".join(reason.split())
    if not why:
        raise InvalidValue("reason", "", "say how you know the child has left England")
    verdict = decide(principal, Action.RECORD_DEPARTURE, record_state(session, child.id))
    if not verdict.allowed:
        raise AccessRefused(verdict.reason)
    if child.status not in (ChildStatus.ACTIVE, ChildStatus.DECEASED):
        raise DepartureRefused(f"{child.cp_id} is {child.status.value}: nothing to record")
    if left_on > today:
        raise InvalidValue("left_on", left_on.isoformat(), "must not be in the future")
    if child.date_of_birth is not None and left_on < child.date_of_birth:
        raise InvalidValue("left_on", left_on.isoformat(), "must not be before the birth")
    child.left_england_on = left_on
    session.flush()
    record(
        session,
        Actor(principal.username, principal.user_id),
        AuditAction.CHILD_LEFT_ENGLAND,
        child_id=child.id,
        reason=why[:500],
        details={"left_on": left_on.isoformat()},
    )
