"""Retention (DESIGN §9): archive at 18 (or the later age a data manager set, up to 25),
a death keeps the record live for a year and then archives it, and six years after
archiving the record is purged.

``run_retention`` is the daily job (``contactpoint retention run``; the server runs it
too). It refuses a day before the last finished run. Archiving is one set-based change;
each purge is a transaction of its own, so a run killed midway leaves every child either
whole or destroyed, never half, and the next run finishes the rest. Purging deletes every
piece of the child's personal data — source records and their facts, match records and
keys, link history, review tasks and merges, involvements, flags, signals, contact
events and requests, consents, notifications about the child and their e-mails, and
what was typed to find the child (a search's criteria, kept apart from the audit chain)
— and leaves a tombstone: the ``children`` row with its ContactPoint ID, status
``destroyed`` and the day, and nothing else. The audit trail's chained entries are not
touched (append-only, naming children by id, holding only an HMAC of what was erased),
so it still verifies. After the purges the database reclaims the space the deleted rows
held (``db.reclaim``), so their values do not linger in the files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, Table, delete, func, or_, select, update
from sqlalchemy.orm import Session

from contactpoint import db
from contactpoint.access.policy import Action, Principal, decide
from contactpoint.access.state import record_state
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import SYSTEM, Actor, record
from contactpoint.errors import AccessRefused, Conflict, InvalidValue
from contactpoint.kinds.children import ChildStatus
from contactpoint.tables.audit import AuditChild, AuditEntry, AuditPersonal
from contactpoint.tables.children import (
    FACT_TABLES,
    Child,
    RetentionRun,
    SensitiveConsent,
    SourceRecord,
)
from contactpoint.tables.linkage import (
    KeptApart,
    LinkEvent,
    MatchKey,
    MatchRecordRow,
    RelinkChange,
)
from contactpoint.tables.notify import Notification, OutboxEmail
from contactpoint.tables.review import Merge, ReviewTask
from contactpoint.tables.signposting import (
    ContactEvent,
    ContactRequest,
    Involvement,
    Signal,
    SignalledPair,
    SignalMember,
    VulnerabilityFlag,
)

ADULT = 18
LATEST_ARCHIVE_AGE = 25
LIVE_AFTER_DEATH_YEARS = 1
# A child who left England (``records.departures``) and has not come back.
LIVE_AFTER_LEAVING_YEARS = 1
PURGE_AFTER_YEARS = 6
# A record archived longer than this is opened only for a statutory enquiry.
OPEN_ARCHIVE_YEARS = 1


class RetentionRefused(Conflict):
    """A retention run that would go back in time."""


def years_after(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def archive_due(child: Child) -> date | None:
    """The day the child's record is due in the archive: a year after a death; else the
    18th birthday (or the later archive age) or a year after leaving England, whichever
    comes first (None: not while living in England without a date of birth)."""
    if child.status is ChildStatus.DECEASED and child.date_of_death is not None:
        return years_after(child.date_of_death, LIVE_AFTER_DEATH_YEARS)
    due: list[date] = []
    if child.left_england_on is not None:
        due.append(years_after(child.left_england_on, LIVE_AFTER_LEAVING_YEARS))
    if child.date_of_birth is not None:
        due.append(years_after(child.date_of_birth, child.archive_age or ADULT))
    return min(due, default=None)


@dataclass(frozen=True, slots=True)
class RetentionReport:
    run_on: date
    archived: int
    purged: int
    statutory_only: int = 0


def run_retention(
    engine: Engine, today: date, *, progress: Callable[[int, int], None] | None = None
) -> RetentionReport:
    """Archive and purge what is due on ``today``. Idempotent: a second run on the same
    day (or one resuming a killed run) does only what is left."""
    with db.unit_of_work(engine) as session:
        last = session.scalar(
            select(func.max(RetentionRun.run_on)).where(RetentionRun.finished_at.is_not(None))
        )
        if last is not None and today < last:
            raise RetentionRefused(
                f"retention last ran for {last}: a run for {today} would go back in time"
            )
        run = session.scalar(select(RetentionRun).where(RetentionRun.run_on == today))
        if run is None:
            run = RetentionRun(run_on=today, archived=0, purged=0)
            session.add(run)
        archived = _archive(session, today)
        run.archived += archived
        statutory_only = _close_to_all_but_statutory_enquiries(session, today)
        session.flush()
        run_id = run.id
        due = [
            child_id
            for child_id, on in session.execute(
                select(Child.id, Child.archived_on)
                .where(Child.status == ChildStatus.ARCHIVED, Child.archived_on.is_not(None))
                .order_by(Child.id)
            )
            if on is not None and years_after(on, PURGE_AFTER_YEARS) <= today
        ]
        # A record closed for a new identity is never archived (the archive is open to
        # data managers) but is purged when it would have been.
        closed = session.scalars(select(Child).where(Child.status == ChildStatus.CLOSED))
        due.extend(
            child.id
            for child in closed
            if (on := archive_due(child)) is not None
            and years_after(on, PURGE_AFTER_YEARS) <= today
        )
        due.sort()
    purged = 0
    touched: set[str] = set()  # the tables purges deleted from, to reclaim their space
    for done, child_id in enumerate(due, start=1):
        with db.unit_of_work(engine) as session:
            purged += purge_child(session, child_id, today, touched=touched)
            session.execute(
                update(RetentionRun)
                .where(RetentionRun.id == run_id)
                .values(purged=RetentionRun.purged + 1)
            )
        if progress:
            progress(done, len(due))
    if touched:
        db.reclaim(engine, sorted(touched))
    with db.unit_of_work(engine) as session:
        session.execute(
            update(RetentionRun)
            .where(RetentionRun.id == run_id)
            .values(finished_at=datetime.now(UTC))
        )
        record(
            session,
            SYSTEM,
            AuditAction.RETENTION_RUN,
            details={
                "day": today.isoformat(),
                "archived": archived,
                "statutory_only": statutory_only,
                "purged": purged,
            },
        )
    return RetentionReport(today, archived, purged, statutory_only)


def _archive(session: Session, today: date) -> int:
    """Move every child due to the archive; audited one entry per child."""
    living = session.scalars(
        select(Child).where(Child.status.in_((ChildStatus.ACTIVE, ChildStatus.DECEASED)))
    )
    moved = 0
    for child in living:
        due = archive_due(child)
        if due is None or due > today:
            continue
        child.status = ChildStatus.ARCHIVED
        child.archived_on = due
        record(
            session,
            SYSTEM,
            AuditAction.CHILD_ARCHIVE,
            child_id=child.id,
            details={"on": due.isoformat()},
        )
        moved += 1
    session.flush()
    return moved


def _close_to_all_but_statutory_enquiries(session: Session, today: date) -> int:
    """Every record a year or more in the archive on ``today`` opens from now on only
    for a statutory enquiry; audited one entry per child."""
    archived = session.scalars(
        select(Child).where(
            Child.status == ChildStatus.ARCHIVED,
            Child.archived_on.is_not(None),
            Child.statutory_only_on.is_(None),
        )
    )
    closed = 0
    for child in archived:
        assert child.archived_on is not None  # the query asked for it
        on = years_after(child.archived_on, OPEN_ARCHIVE_YEARS)
        if on > today:
            continue
        child.statutory_only_on = on
        record(
            session, SYSTEM, AuditAction.CHILD_STATUTORY_ONLY, child_id=child.id,
            details={"on": on.isoformat()},
        )  # fmt: skip
        closed += 1
    session.flush()
    return closed


def purge_child(
    session: Session, child_id: int, today: date, *, touched: set[str] | None = None
) -> int:
    """Destroy one archived (or closed) child's personal data, and that of children
    merged into it, leaving tombstones. Returns 1, or 0 if it was purged already;
    adds to ``touched`` the tables it deleted from or changed."""
    child = session.get(Child, child_id, with_for_update=True)
    if child is None or child.status not in (ChildStatus.ARCHIVED, ChildStatus.CLOSED):
        return 0
    ids = [child_id, *session.scalars(select(Child.id).where(Child.merged_into_id == child_id))]
    counts = _delete_everything_of(session, ids)
    if touched is not None:
        touched.update(counts, ("children",))
    for one in session.scalars(select(Child).where(Child.id.in_(ids))):
        one.given_names = one.family_name = one.address_line = one.postcode = None
        one.date_of_birth = one.date_of_death = None
        one.statutory_only_on = None
        one.gender = "U"
        one.responsible_la_code = None
        one.archive_age = None
        one.left_england_on = None
        one.shielded = False
        one.status = ChildStatus.DESTROYED
        one.destroyed_on = today
    session.flush()
    record(session, SYSTEM, AuditAction.CHILD_PURGE, child_id=child_id, details=counts)
    return 1


def _delete_everything_of(session: Session, ids: Sequence[int]) -> dict[str, int]:
    """Delete every row holding the children's data; how many of each were deleted."""
    records = list(session.scalars(select(SourceRecord.id).where(SourceRecord.child_id.in_(ids))))
    involvements = list(
        session.scalars(select(Involvement.id).where(Involvement.child_id.in_(ids)))
    )
    signals = list(session.scalars(select(Signal.id).where(Signal.child_id.in_(ids))))
    # The audit trail keeps who looked, when and why (it names children by id); what was
    # typed to find them is kept apart from the chain, and erased here.
    concerning = select(AuditChild.entry_id).where(AuditChild.child_id.in_(ids))
    looked_at = select(AuditEntry.id).where(AuditEntry.child_id.in_(ids))
    # Notifications about the children: linked to their pages or involvements, or
    # naming their ContactPoint IDs (a request for contact passed on, say).
    cp_ids = list(session.scalars(select(Child.cp_id).where(Child.id.in_(ids))))
    links = [f"/{page}/{cp_id}" for cp_id in cp_ids for page in ("children", "signposting")]
    links += [f"/involvements/{involvement}" for involvement in involvements]
    about = or_(
        Notification.link.in_(links),
        *(Notification.link.startswith(f"{link}/", autoescape=True) for link in links),
        *(Notification.body.contains(cp_id, autoescape=True) for cp_id in cp_ids),
    )
    notifications = list(session.scalars(select(Notification.id).where(about)))
    statements = [
        delete(AuditPersonal).where(
            or_(AuditPersonal.entry_id.in_(concerning), AuditPersonal.entry_id.in_(looked_at))
        ),
        delete(OutboxEmail).where(OutboxEmail.notification_id.in_(notifications)),
        delete(Notification).where(Notification.id.in_(notifications)),
        delete(SignalledPair).where(
            or_(
                SignalledPair.signal_id.in_(signals),
                SignalledPair.low_id.in_(involvements),
                SignalledPair.high_id.in_(involvements),
            )
        ),
        delete(SignalMember).where(
            or_(SignalMember.signal_id.in_(signals), SignalMember.involvement_id.in_(involvements))
        ),
        update(Signal).where(Signal.coordinator_id.in_(involvements)).values(coordinator_id=None),
        delete(Signal).where(Signal.id.in_(signals)),
        delete(Involvement).where(Involvement.id.in_(involvements)),
        delete(VulnerabilityFlag).where(VulnerabilityFlag.child_id.in_(ids)),
        delete(ContactEvent).where(ContactEvent.child_id.in_(ids)),
        delete(ContactRequest).where(ContactRequest.child_id.in_(ids)),
        delete(SensitiveConsent).where(SensitiveConsent.child_id.in_(ids)),
        delete(ReviewTask).where(
            or_(ReviewTask.child_id.in_(ids), ReviewTask.candidate_child_id.in_(ids))
        ),
        delete(RelinkChange).where(
            or_(RelinkChange.from_child_id.in_(ids), RelinkChange.to_child_id.in_(ids))
        ),
        delete(Merge).where(or_(Merge.survivor_id.in_(ids), Merge.merged_id.in_(ids))),
        delete(KeptApart).where(or_(KeptApart.child_a_id.in_(ids), KeptApart.child_b_id.in_(ids))),
        delete(LinkEvent).where(
            or_(
                LinkEvent.source_record_id.in_(records),
                LinkEvent.to_child_id.in_(ids),
                LinkEvent.from_child_id.in_(ids),
            )
        ),
        delete(MatchKey).where(MatchKey.child_id.in_(ids)),
        delete(MatchRecordRow).where(MatchRecordRow.child_id.in_(ids)),
        *(delete(table).where(table.child_id.in_(ids)) for table in FACT_TABLES),
        delete(SourceRecord).where(SourceRecord.id.in_(records)),
    ]
    counts: dict[str, int] = {}
    for statement in statements:
        result = session.execute(statement)
        name = cast(Table, statement.table).name
        counts[name] = counts.get(name, 0) + (cast(CursorResult[Any], result).rowcount or 0)
    return {name: count for name, count in counts.items() if count}


def set_archive_age(
    session: Session, principal: Principal, child: Child, age: int, evidence: str
) -> None:
    """A data manager of the responsible authority keeps a care leaver's or a young
    person's record out of the archive until a later birthday (with their consent)."""
    if not ADULT <= age <= LATEST_ARCHIVE_AGE:
        raise InvalidValue("archive_age", str(age), f"must be {ADULT} to {LATEST_ARCHIVE_AGE}")
    text = " ".join(evidence.split())
    if not text:
        raise InvalidValue("evidence", "", "say how the young person consented")
    verdict = decide(principal, Action.SET_ARCHIVE_AGE, record_state(session, child.id))
    if not verdict.allowed:
        raise AccessRefused(verdict.reason)
    child.archive_age = age
    session.flush()
    record(
        session,
        Actor(principal.username, principal.user_id),
        AuditAction.CHILD_ARCHIVE_AGE,
        child_id=child.id,
        reason=text[:500],
        details={"archive_age": age},
    )
