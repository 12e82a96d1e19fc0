"""Subject access (DESIGN §9, UK GDPR art. 15): everything the index holds on a child,
with where each value came from, and every access to the record — who, from which
organisation, when, why; the searches that listed the child and the attempts refused
included — as one document a data manager can give to the family.

``subject_access`` gathers it (the owning authority's data managers only, audited);
``as_json`` makes it the JSON document; the web layer renders the same data as HTML
and PDF.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from contactpoint.access.policy import Action, Principal, decide
from contactpoint.access.state import record_state
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import Actor, record
from contactpoint.children.record import ChildRecord, child_record
from contactpoint.errors import AccessRefused
from contactpoint.review.service import resolve
from contactpoint.tables.access import Organisation, User
from contactpoint.tables.audit import AuditChild, AuditEntry
from contactpoint.tables.children import SourceRecord
from contactpoint.tables.signposting import Involvement, VulnerabilityFlag


@dataclass(frozen=True, slots=True)
class HeldRecord:
    """One source record as received: which source, when, and every cell."""

    source: str
    record_id: str
    recorded_on: date | None
    received_at: datetime
    cells: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Access:
    at: datetime
    who: str
    organisation: str | None
    action: str
    outcome: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class SubjectAccessReport:
    generated_at: datetime
    generated_by: str
    record: ChildRecord
    source_records: tuple[HeldRecord, ...]
    involvements: tuple[dict[str, Any], ...]
    flags: tuple[dict[str, Any], ...]
    accesses: tuple[Access, ...]


def subject_access(session: Session, principal: Principal, cp_id: str) -> SubjectAccessReport:
    """Everything held on the child and every access to it. For the owning authority's
    data managers; an unknown ContactPoint ID is ``NotFound``."""
    child = resolve(session, cp_id.strip()[:40])
    verdict = decide(principal, Action.SUBJECT_ACCESS, record_state(session, child.id))
    if not verdict.allowed:
        raise AccessRefused(verdict.reason)
    rows = session.scalars(
        select(SourceRecord).where(SourceRecord.child_id == child.id).order_by(SourceRecord.id)
    )
    held = tuple(
        HeldRecord(r.source, r.record_id, r.recorded_on, r.received_at, dict(r.payload))
        for r in rows
    )
    involvements = tuple(
        _plain(i, _INVOLVEMENT)
        for i in session.scalars(
            select(Involvement).where(Involvement.child_id == child.id).order_by(Involvement.id)
        )
    )
    flags = tuple(
        _plain(f, _FLAG)
        for f in session.scalars(
            select(VulnerabilityFlag)
            .where(VulnerabilityFlag.child_id == child.id)
            .order_by(VulnerabilityFlag.id)
        )
    )
    accesses = tuple(
        Access(entry.at, entry.actor, organisation, entry.action, entry.outcome, entry.reason)
        for entry, organisation in session.execute(
            select(AuditEntry, Organisation.name)
            .outerjoin(User, User.id == AuditEntry.user_id)
            .outerjoin(Organisation, Organisation.id == User.organisation_id)
            .where(
                or_(
                    AuditEntry.child_id == child.id,
                    AuditEntry.id.in_(
                        select(AuditChild.entry_id).where(AuditChild.child_id == child.id)
                    ),
                )
            )
            .order_by(AuditEntry.id)
        )
    )
    report = SubjectAccessReport(
        datetime.now(UTC),
        principal.username,
        child_record(session, child.id),
        held,
        involvements,
        flags,
        accesses,
    )
    record(
        session,
        Actor(principal.username, principal.user_id),
        AuditAction.SUBJECT_ACCESS,
        child_id=child.id,
        details={"source_records": len(held), "accesses": len(accesses)},
    )
    return report


_INVOLVEMENT = [
    "service_type",
    "organisation",
    "practitioner_name",
    "practitioner_role",
    "email",
    "phone",
    "started_on",
    "lead_professional",
    "early_help_assessment",
    "ended_on",
    "end_reason",
]
_FLAG = ["kind", "started_on", "ended_on", "la_code"]


def _plain(row: Any, names: list[str]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def as_json(report: SubjectAccessReport) -> dict[str, Any]:
    """The report as a JSON-ready document (dates as ISO 8601)."""
    document: dict[str, Any] = _jsonable(asdict(report))
    return document


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, str | int | float | bool):
        return value.value
    return value
