"""Appending to the audit trail, verifying its chain, and the standard reports.

``record`` adds an entry in the caller's transaction — the entry commits or rolls back
with the action it describes. Each entry's hash covers its own fields and the previous
entry's hash (SHA-256 over canonical JSON), so altering, removing or reordering any
entry breaks every later link. Appenders lock the chain head row first (by taking the
next id from it), so entries from concurrent transactions chain in commit order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from contactpoint.audit.models import AuditEntry, AuditHead

GENESIS = "0" * 64
ALLOWED = "allowed"
REFUSED = "refused"
FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a signed-in user, a machine client, or the system."""

    name: str
    user_id: int | None = None


SYSTEM = Actor("system")


def entry_hash(previous_hash: str, fields: Mapping[str, Any]) -> str:
    """The chain hash of one entry."""
    canonical = json.dumps(
        {"previous": previous_hash, **fields},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _fields(entry: Any) -> dict[str, Any]:
    """The hashed fields of an entry (an ``AuditEntry`` or a row of its table)."""
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
    return {
        "id": entry.id,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "user_id": entry.user_id,
        "actor": entry.actor,
        "action": entry.action,
        "outcome": entry.outcome,
        "child_id": entry.child_id,
        "reason": entry.reason,
        "details": entry.details,
    }


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    outcome: str = ALLOWED,
    child_id: int | None = None,
    reason: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry, chained to the last, in the caller's transaction.

    Three statements, without the ORM's unit of work (every search and view writes one,
    so this is on the hot path): taking the next id from the head row locks it until the
    caller's transaction ends, so concurrent appenders chain one after another; then the
    entry, then the head's new hash. The returned entry is not attached to the session."""
    head = cast(Table, AuditHead.__table__)
    next_id, previous = session.execute(
        update(head)
        .where(head.c.id == 1)
        .values(last_id=head.c.last_id + 1)
        .returning(head.c.last_id, head.c.last_hash)
    ).one()
    entry = AuditEntry(
        id=next_id,
        at=datetime.now(UTC),
        user_id=actor.user_id,
        actor=actor.name[:120],
        action=action,
        outcome=outcome,
        child_id=child_id,
        reason=reason,
        details=dict(details or {}),
        previous_hash=previous,
        hash="",
    )
    entry.hash = entry_hash(previous, _fields(entry))
    session.execute(
        insert(cast(Table, AuditEntry.__table__)).values(
            {column: getattr(entry, column) for column in _COLUMNS}
        )
    )
    session.execute(update(head).where(head.c.id == 1).values(last_hash=entry.hash))
    return entry


_COLUMNS = [
    "id",
    "at",
    "user_id",
    "actor",
    "action",
    "outcome",
    "child_id",
    "reason",
    "details",
    "previous_hash",
    "hash",
]


@dataclass(frozen=True, slots=True)
class Verification:
    entries: int
    # The first entry that does not fit the chain, and why; None when intact.
    broken_at: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify(session: Session, batch: int = 5000) -> Verification:
    """Recompute the chain from the start; name the first entry that does not fit."""
    previous, expected_id, count = GENESIS, 1, 0
    for entry in _all(session, batch):
        count += 1
        if entry.id != expected_id:
            return Verification(count, expected_id, f"entry {expected_id} is missing")
        if entry.previous_hash != previous:
            return Verification(count, entry.id, "its link to the previous entry is broken")
        if entry.hash != entry_hash(previous, _fields(entry)):
            return Verification(count, entry.id, "its contents were altered after it was written")
        previous, expected_id = entry.hash, entry.id + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_id, head.last_hash) != (expected_id - 1, previous):
        return Verification(
            count, expected_id, f"entries after {expected_id - 1} are missing from the log"
        )
    return Verification(count)


def _all(session: Session, batch: int) -> Iterator[Any]:
    """Every entry as a plain row (not held in the session), in id order."""
    table = AuditEntry.__table__
    last = 0
    while True:
        rows = session.execute(
            select(table).where(table.c.id > last).order_by(table.c.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def accesses_to_child(session: Session, child_id: int, limit: int = 100) -> list[AuditEntry]:
    """Who searched for or looked at a child, newest first."""
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.child_id == child_id)
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
    )


def actions_of_user(session: Session, actor: str, limit: int = 200) -> list[AuditEntry]:
    """What a user did, newest first."""
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.actor == actor)
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
    )
