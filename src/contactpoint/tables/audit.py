"""The audit trail: an append-only log, each entry chained to the one before by hash.

An entry is written in its action's transaction and *sealed* just after the commit: given
the next position in the chain, the previous entry's hash and its own
(``audit.service.seal``). On PostgreSQL and SQLite triggers refuse any DELETE of
``audit_log`` (and, on PostgreSQL, TRUNCATE) and any UPDATE but that one sealing of an
unsealed entry, which may change nothing else: the database enforces append-only, not
only the code. The chain makes any change made around the triggers (by a superuser
disabling them) show: ``contactpoint audit verify`` recomputes every hash and names the
first entry that does not fit.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from contactpoint.db import Base
from contactpoint.dialects import postgresql


class AuditEntry(Base):
    """One audited event: who did what to which record, when, why, and the outcome."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Indexed for reading a period (audit analytics).
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    # The user id (None for a failed sign-in by an unknown name, or a machine client).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Who, as people read it: a username, "token:<name>", or "system".
    actor: Mapped[str] = mapped_column(String(120), nullable=False)
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    # "allowed", "refused" or "failed".
    outcome: Mapped[str] = mapped_column(String(10), nullable=False)
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    # Set once, when the entry is sealed into the chain (None until then): its place in
    # the chain (1, 2, 3, ... in the order entries were sealed), the hash of the entry
    # before it there, and its own hash over its fields and that previous hash.
    position: Mapped[int | None] = mapped_column(Integer, unique=True)
    previous_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    __table_args__ = (
        Index("ix_audit_log_actor_at", "actor", "at"),
        # The entries waiting to be sealed: few at any moment, found without a scan.
        Index(
            "ix_audit_log_unsealed",
            "id",
            postgresql_where=text("position IS NULL"),
            sqlite_where=text("position IS NULL"),
        ),
    )


class AuditChild(Base):
    """A child an audit entry concerns besides its own ``child_id`` — each child a search
    listed — so subject access finds every entry about a child with one indexed query.
    Written with the entry, in its transaction."""

    __tablename__ = "audit_children"

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("audit_log.id"), primary_key=True, autoincrement=False
    )
    child_id: Mapped[int] = mapped_column(
        ForeignKey("children.id"), primary_key=True, autoincrement=False, index=True
    )


class AuditPersonal(Base):
    """The personal part of an audit entry — a search's criteria as typed — kept apart
    from the chained entry, so a purge can erase it and the chain still verifies. The
    entry's details hold an HMAC of it under this row's own random key: while the row
    exists ``audit verify`` checks it; erased with its key, the HMAC tells nothing."""

    __tablename__ = "audit_personal"

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("audit_log.id"), primary_key=True, autoincrement=False
    )
    key: Mapped[str] = mapped_column(String(64), nullable=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)


class AuditHead(Base):
    """The chain's last sealed entry (one row): a sealer locks it, so one sealer at a
    time extends the chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_position: Mapped[int] = mapped_column(Integer, nullable=False)
    last_hash: Mapped[str] = mapped_column(String(64), nullable=False)


class AuditAlert(Base):
    """A misuse finding auditors were alerted to (``oversight.analytics``): kept so that each
    finding is alerted once, however often the trail is analysed."""

    __tablename__ = "audit_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The finding's identity: pattern, user, UK day (and child, for one child opened often).
    key: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    pattern: Mapped[str] = mapped_column(String(20), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    raised_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    # The evidence when alerted: count, peer median, ContactPoint IDs, why.
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)


# The database's guard on audit_log, as migration 0013 installs it (tests and
# decommissioning lift and restore it). An UPDATE may only seal an unsealed entry: set
# its chain fields and change nothing else.
_SEALS = (
    "OLD.position IS NULL AND NEW.position > 0"
    " AND NEW.previous_hash IS NOT NULL AND NEW.hash IS NOT NULL"
)
_UNCHANGED = ("id", "at", "user_id", "actor", "action", "outcome", "child_id", "reason")
SQLITE_SEALING_ONLY = " AND ".join(
    [_SEALS, *(f"NEW.{column} IS OLD.{column}" for column in (*_UNCHANGED, "details"))]
)
PG_SEALING_ONLY = " AND ".join(
    [
        _SEALS,
        *(f"NEW.{column} IS NOT DISTINCT FROM OLD.{column}" for column in _UNCHANGED),
        "NEW.details::text IS NOT DISTINCT FROM OLD.details::text",  # json has no "="
    ]
)
PG_GUARD = f"""
CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF {PG_SEALING_ONLY} THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP;
END;
$$
"""
SQLITE_GUARDS = {
    "audit_log_no_update": "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
    f" WHEN NOT ({SQLITE_SEALING_ONLY})"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "audit_log_no_delete": "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
}


def lift_guard(db: Connection | Session) -> None:
    """Lift the append-only triggers in ``db``'s transaction, as only the database's
    owner can (decommissioning's destruction; tests that tamper on purpose)."""
    if postgresql(db):
        db.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        return
    for name in SQLITE_GUARDS:
        db.execute(text(f"DROP TRIGGER IF EXISTS {name}"))


def restore_guard(db: Connection | Session) -> None:
    """Put back what ``lift_guard`` lifted."""
    if postgresql(db):
        db.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
        return
    for guard in SQLITE_GUARDS.values():
        db.execute(text(guard))
