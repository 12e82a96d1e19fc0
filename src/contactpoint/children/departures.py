"""A child leaving England (DESIGN §9).

The index is for children in England. When a child leaves, a data manager of the
responsible authority records the day (``record_departure``): the record stays live and
searchable — a practitioner who finds it learns the child has left — but it is no longer
reported as missing education or without a GP, and a year after the day it moves to the
archive (``lifecycle.archive_due``), as after a death. The responsible authority stays
the last one, whose data managers made the entry.

A child who comes back is noticed by the feeds: when a source states an address in
England and the date it recorded it, after the day the child left, the departure is
cleared (``note_returns``, run whenever golden records are rebuilt) and the responsible
authority follows that address as usual. A record that gives no date cannot show a
return (when it arrived says nothing of when its address was true). Both changes are
audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint import bulk
from contactpoint.access.policy import Action, Principal, decide
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import SYSTEM, Actor, record
from contactpoint.children.facts import facts_from_json
from contactpoint.children.kinds import ChildStatus
from contactpoint.children.models import Child, SourceRecord
from contactpoint.children.state import record_state
from contactpoint.errors import AccessRefused, ContactPointError, InvalidValue


class DepartureRefused(ContactPointError):
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


def note_returns(session: Session, child_ids: Sequence[int]) -> int:
    """Clear the departure of each of these children whom a source now places at an
    address in England after the day they left; how many came back."""
    gone: dict[int, date] = {}
    for part in bulk.parts(session, child_ids):
        for child_id, left_on in session.execute(
            select(Child.id, Child.left_england_on).where(
                bulk.among(session, Child.id, part), Child.left_england_on.is_not(None)
            )
        ):
            if left_on is not None:
                gone[child_id] = left_on
    if not gone:
        return 0
    rows = session.execute(
        select(SourceRecord.child_id, SourceRecord.recorded_on, SourceRecord.facts).where(
            SourceRecord.child_id.in_(sorted(gone)), SourceRecord.recorded_on.is_not(None)
        )
    )
    back: set[int] = set()
    for child_id, recorded_on, facts in rows:
        address = facts_from_json(facts).address
        if recorded_on > gone[child_id] and address is not None and address.la_code is not None:
            back.add(child_id)
    for child_id in sorted(back):
        session.get_one(Child, child_id).left_england_on = None
        record(
            session,
            SYSTEM,
            AuditAction.CHILD_RETURNED_TO_ENGLAND,
            child_id=child_id,
            details={"left_on": gone[child_id].isoformat()},
        )
    session.flush()
    return len(back)
