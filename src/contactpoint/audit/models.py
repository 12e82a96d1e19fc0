"""The audit trail: an append-only log, each entry chained to the one before by hash.

On PostgreSQL (and SQLite) triggers refuse any UPDATE or DELETE of ``audit_log`` (and,
on PostgreSQL, TRUNCATE): the database enforces append-only, not only the code. The
chain makes any change made around the triggers (by a superuser disabling them) show:
``contactpoint audit verify`` recomputes every hash and names the first entry that does
not fit.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from contactpoint.db import Base


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
    previous_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)

    __table_args__ = (Index("ix_audit_log_actor_at", "actor", "at"),)


class AuditHead(Base):
    """The chain's last entry (one row): appenders lock it, so entries chain in order
    even when many transactions audit at once."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, nullable=False)
    last_hash: Mapped[str] = mapped_column(String(64), nullable=False)


class AuditAlert(Base):
    """A misuse finding auditors were alerted to (``audit.analytics``): kept so that each
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
