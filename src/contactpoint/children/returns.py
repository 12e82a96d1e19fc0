"""A child who left England coming back (DESIGN §9): when a source states an address in
England and the date it recorded it, after the day the child left, the departure
recorded by ``records.departures`` is cleared and the return audited. Run whenever
golden records are rebuilt (``children.store``), so it sits with them, below the use
cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint import bulk
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import SYSTEM, record
from contactpoint.children.facts import facts_from_json
from contactpoint.tables.children import Child, SourceRecord


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
