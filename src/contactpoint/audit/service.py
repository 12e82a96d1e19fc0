"""Appending to the audit trail, sealing it into a chain, verifying the chain, and the
standard reports.

``record`` adds an entry in the caller's transaction — the entry commits or rolls back
with the action it describes — taking no lock, so concurrent requests never wait on one
another to audit. Once committed, entries are *sealed*: a sealer locks the chain head,
gives each unsealed entry the next position, the previous entry's hash and its own hash
(SHA-256 over canonical JSON of its fields and that previous hash), so altering,
removing or reordering any sealed entry breaks every later link. A unit of work seals
its entries right after it commits; the web server leaves its requests' entries to a
background sealer that runs a few times a second (``audit_seal_interval_seconds``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Engine, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from contactpoint import db
from contactpoint.audit.actions import AuditAction
from contactpoint.dialects import postgresql
from contactpoint.tables.audit import AuditChild, AuditEntry, AuditHead, AuditPersonal

GENESIS = "0" * 64
ALLOWED = "allowed"
REFUSED = "refused"
FAILED = "failed"
# The entry's detail holding the HMAC of its personal part, kept apart (``AuditPersonal``).
PERSONAL = "personal_hmac"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a signed-in user, a machine client, or the system."""

    name: str
    user_id: int | None = None


SYSTEM = Actor("system")


@dataclass(frozen=True, slots=True)
class Refusal:
    """What the audit trail holds of a refused action: who, what, which child, why."""

    actor: Actor
    action: AuditAction
    child_id: int | None = None
    reason: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


def record_refusal(session: Session, refusal: Refusal) -> None:
    """The one writer of a refusal's entry: by the service that refuses, in its caller's
    transaction, and by the web layer again when that transaction rolled back."""
    record(
        session,
        refusal.actor,
        refusal.action,
        outcome=REFUSED,
        child_id=refusal.child_id,
        reason=refusal.reason,
        details=refusal.details,
    )


def _canonical(value: Mapping[str, Any]) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def entry_hash(previous_hash: str, fields: Mapping[str, Any]) -> str:
    """The chain hash of one entry."""
    return hashlib.sha256(_canonical({"previous": previous_hash, **fields})).hexdigest()


def personal_hmac(key: str, personal: Mapping[str, Any]) -> str:
    """What the chained entry holds of its personal part: an HMAC under the part's own
    random key, which tells nothing once the part and its key are erased."""
    return hmac.new(bytes.fromhex(key), _canonical(personal), hashlib.sha256).hexdigest()


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
    action: AuditAction,
    *,
    outcome: str = ALLOWED,
    child_id: int | None = None,
    reason: str | None = None,
    details: Mapping[str, Any] | None = None,
    children: Sequence[int] = (),
    personal: Mapping[str, Any] | None = None,
) -> None:
    """Append one entry in the caller's transaction: it commits or rolls back with the
    action it describes, and is sealed into the chain after the commit.

    ``children``: the children the entry concerns besides ``child_id`` (those a search
    listed), for subject access. ``personal``: what the entry must say that is personal
    data (a search's criteria), kept apart from the chain so a purge can erase it.

    One INSERT, taking no lock (every search and view writes one, so this is on the hot
    path), and one more for each of ``children`` and ``personal``. The unit of work seals
    the session's entries once it has committed (``db.after_commit``), unless the
    session leaves them to a background sealer."""
    values = dict(details or {})
    key = None
    if personal is not None:
        key = secrets.token_hex(32)
        values[PERSONAL] = personal_hmac(key, personal)
    row = {
        "at": datetime.now(UTC),
        "user_id": actor.user_id,
        "actor": actor.name[:120],
        "action": action,
        "outcome": outcome,
        "child_id": child_id,
        "reason": reason,
        "details": values,
    }
    connection = session.connection()
    if key is None and not children:
        connection.execute(_INSERT, row)
    else:
        entry_id = connection.execute(_INSERT.returning(_LOG.c.id), row).scalar_one()
        if personal is not None:
            connection.execute(
                insert(_PERSONAL), {"entry_id": entry_id, "key": key, "data": dict(personal)}
            )
        if children:
            connection.execute(
                insert(_CHILDREN),
                [{"entry_id": entry_id, "child_id": child} for child in sorted(set(children))],
            )
    if not session.info.get(_SEALED_IN_BACKGROUND):
        db.after_commit(session, "audit.seal", seal_pending)


_LOG = cast(Table, AuditEntry.__table__)
_HEAD = cast(Table, AuditHead.__table__)
_PERSONAL = cast(Table, AuditPersonal.__table__)
_CHILDREN = cast(Table, AuditChild.__table__)
_INSERT = insert(_LOG)
_WAITING = select(_LOG.c.id).where(_LOG.c.position.is_(None)).limit(1)
_SEALED_IN_BACKGROUND = "audit: sealed in the background"
# Entries sealed per transaction.
SEAL_BATCH = 2000


def leave_sealing_to_background(session: Session) -> None:
    """This session's entries are sealed by a background sealer (the web server's), not
    after its commit: a request then ends without waiting to extend the chain."""
    session.info[_SEALED_IN_BACKGROUND] = True


def seal(session: Session, limit: int = SEAL_BATCH, *, wait: bool = False) -> int:
    """Chain up to ``limit`` unsealed entries, oldest first, in the caller's transaction;
    how many were sealed.

    The chain head is locked first, so one sealer at a time extends the chain; on
    PostgreSQL a sealer that finds it locked leaves the work to the holder (0 sealed)
    unless told to ``wait`` for it. Entries committed by other transactions while a
    sealer runs wait for the next."""
    if postgresql(session):
        head = session.execute(
            select(_HEAD.c.last_position, _HEAD.c.last_hash)
            .where(_HEAD.c.id == 1)
            .with_for_update(skip_locked=not wait)
        ).first()
    else:  # SQLite: writing takes the database's one write lock
        head = session.execute(
            update(_HEAD)
            .where(_HEAD.c.id == 1)
            .values(last_position=_HEAD.c.last_position)
            .returning(_HEAD.c.last_position, _HEAD.c.last_hash)
        ).first()
    if head is None:
        return 0
    entries = session.execute(
        select(_LOG).where(_LOG.c.position.is_(None)).order_by(_LOG.c.id).limit(limit)
    ).all()
    if not entries:
        return 0
    position, previous = head
    seals = []
    for entry in entries:
        position += 1
        hashed = entry_hash(previous, _fields(entry))
        seals.append({"entry": entry.id, "p": position, "previous": previous, "h": hashed})
        previous = hashed
    session.execute(
        update(_LOG)
        .where(_LOG.c.id == bindparam("entry"))
        .values(position=bindparam("p"), previous_hash=bindparam("previous"), hash=bindparam("h")),
        seals,
    )
    session.execute(
        update(_HEAD).where(_HEAD.c.id == 1).values(last_position=position, last_hash=previous)
    )
    return len(entries)


def seal_pending(engine: Engine, *, wait: bool = False) -> int:
    """Seal every entry committed so far, a batch per transaction; how many. Asks first,
    in a read-only transaction of its own, whether any entry waits: an idle server's
    sealer takes no lock and writes nothing. Without ``wait``, a sealer finding another at
    work on PostgreSQL leaves it the job; with it (``audit verify``, decommissioning),
    it waits its turn, so everything committed before the call is sealed."""
    sealed = 0
    while True:
        with db.unit_of_work(engine, read_only=True) as session:
            if session.execute(_WAITING).first() is None:
                return sealed
        with db.unit_of_work(engine) as session:
            count = seal(session, wait=wait)
        sealed += count
        if count < SEAL_BATCH:
            return sealed


def unsealed(session: Session) -> int:
    """Entries not yet sealed into the chain."""
    return (
        session.scalar(select(func.count()).select_from(_LOG).where(_LOG.c.position.is_(None))) or 0
    )


@dataclass(frozen=True, slots=True)
class Verification:
    entries: int
    # The first place in the chain that does not fit, the entry there (None if it is
    # missing) and why; all None when intact.
    broken_at: int | None = None
    entry_id: int | None = None
    problem: str | None = None
    # Entries not yet sealed (written since the last seal): not part of the chain yet.
    unsealed: int = 0

    @property
    def intact(self) -> bool:
        return self.broken_at is None

    def describe(self) -> str:
        if self.intact:
            return f"intact: {self.entries} entries"
        entry = f"audit entry {self.entry_id}" if self.entry_id is not None else "an entry"
        return f"{entry} at position {self.broken_at} of the chain: {self.problem}"


def verify(session: Session, batch: int = 5000) -> Verification:
    """Recompute the sealed chain from the start; name the first entry that does not
    fit. Entries not yet sealed are counted, not checked. On PostgreSQL the chain head is
    held (FOR SHARE) while the chain is read, so no sealer extends it meanwhile (they
    skip a locked head); SQLite's read transaction is a snapshot."""
    head_query = select(_HEAD.c.last_position, _HEAD.c.last_hash).where(_HEAD.c.id == 1)
    if postgresql(session):
        head_query = head_query.with_for_update(read=True)
    head = session.execute(head_query).first()
    previous, expected, count = GENESIS, 1, 0
    for entry in _sealed(session, batch):
        count += 1
        if entry.position < expected:  # zero or less: a place no sealer gives
            return Verification(
                count, entry.position, entry.id, "it holds a place in the chain no sealer gives"
            )
        if entry.position != expected:
            return Verification(count, expected, None, "the entry there is missing")
        if entry.previous_hash != previous:
            return Verification(
                count, expected, entry.id, "its link to the previous entry is broken"
            )
        if entry.hash != entry_hash(previous, _fields(entry)):
            return Verification(
                count, expected, entry.id, "its contents were altered after it was written"
            )
        previous, expected = entry.hash, expected + 1
    if head is not None and tuple(head) != (expected - 1, previous):
        return Verification(
            count, expected, None, f"the chain's entries after {expected - 1} are missing"
        )
    altered = _personal_altered(session, batch)
    if altered is not None:
        position, entry_id = altered
        return Verification(count, position, entry_id, "its personal part, kept apart, was altered")
    return Verification(count, unsealed=unsealed(session))


def _personal_altered(session: Session, batch: int) -> tuple[int, int] | None:
    """The first sealed entry (position, id) whose personal part kept apart no longer
    fits the HMAC its chained details hold. An erased part is no alteration."""
    last = 0
    while True:
        rows = session.execute(
            select(_LOG.c.position, _LOG.c.id, _LOG.c.details, _PERSONAL.c.key, _PERSONAL.c.data)
            .join(_PERSONAL, _PERSONAL.c.entry_id == _LOG.c.id)
            .where(_LOG.c.position.is_not(None), _LOG.c.id > last)
            .order_by(_LOG.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return None
        for position, entry_id, details, key, data in rows:
            if details.get(PERSONAL) != personal_hmac(key, data):
                return position, entry_id
        last = rows[-1].id


def _sealed(session: Session, batch: int) -> Iterator[Any]:
    """Every sealed entry as a plain row (not held in the session), in chain order —
    any place, even one no sealer gives."""
    sealed = _LOG.c.position.is_not(None)
    last: int | None = None
    while True:
        after = sealed if last is None else _LOG.c.position > last
        rows = session.execute(
            select(_LOG).where(after).order_by(_LOG.c.position).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].position


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
