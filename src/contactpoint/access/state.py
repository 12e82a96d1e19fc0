"""What the access policy needs to know of one child's record (``RecordState``): its
status, shield, responsible authority, sensitive services and the consent recorded for
them, and how long it has been in the archive. Below the use cases that ask policy
(viewing, departures, retention, signposting), so each reads the state from here.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.access.policy import RecordState
from contactpoint.access.reasons import STATUTORY, Reason
from contactpoint.children.record import ChildRecord, child_record, plain, sensitive_category
from contactpoint.kinds.children import ChildStatus
from contactpoint.tables.children import Child, SensitiveConsent


def record_state(session: Session, child_id: int, *, overridden: bool = False) -> RecordState:
    """What policy needs to know of the child's record."""
    state = state_of(child_record(session, child_id), consents_of(session, child_id), overridden)
    return with_archive(session, child_id, state)


def listing_state(child: Child) -> RecordState:
    """What the policy needs to decide whether a record is shown at all (``Action.VIEW``),
    read from the child's row alone — for listings of many children, where building each
    whole record (``record_state``) would cost far more than the decision."""
    return RecordState(
        child.status,
        shielded=child.shielded,
        la_code=child.responsible_la_code,
        held_for=child.held_for_la_code,
        deep_archive=deep_in_archive(child),
    )


def with_archive(
    session: Session, child_id: int, state: RecordState, reason: Reason | None = None
) -> RecordState:
    """The state with how long the record has been in the archive, and whether this
    look is for a statutory enquiry."""
    child = session.get(Child, child_id)
    assert child is not None
    return replace(
        state,
        held_for=child.held_for_la_code,
        deep_archive=deep_in_archive(child),
        statutory_enquiry=reason is not None and reason.code in STATUTORY,
    )


def consents_of(session: Session, child_id: int) -> set[str]:
    """The service types (in plain form) with consent recorded and not withdrawn."""
    types = session.scalars(
        select(SensitiveConsent.service_type).where(
            SensitiveConsent.child_id == child_id, SensitiveConsent.withdrawn_at.is_(None)
        )
    )
    return {plain(kind) for kind in types}


def consent_covers(service_type: str | None, consents: Collection[str]) -> bool:
    """Consent given for this service type, or for its whole category ("mental health"
    covers CAMHS)."""
    return plain(service_type) in consents or sensitive_category(service_type) in consents


def state_of(full: ChildRecord, consents: Collection[str], overridden: bool) -> RecordState:
    sensitive = [service for service in full.services if service.sensitive]
    return RecordState(
        status=full.status,
        shielded=full.shielded,
        la_code=full.responsible_la_code,
        sensitive_service=bool(sensitive),
        sensitive_consent=any(
            consent_covers(service.service_type, consents) for service in sensitive
        ),
        overridden=overridden,
    )


def deep_in_archive(child: Child) -> bool:
    """A year or more in the archive, as the last retention run counted it: open only
    for a statutory enquiry."""
    return archived_long(child.status, child.statutory_only_on)


def archived_long(status: ChildStatus, statutory_only_on: date | None) -> bool:
    """``deep_in_archive`` of a child's status and that day (a listing's row)."""
    return status is ChildStatus.ARCHIVED and statutory_only_on is not None
