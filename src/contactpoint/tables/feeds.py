"""Tables of feed operation: runs, their exceptions, and each source's control state."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from contactpoint.db import Base, str_enum


class FeedRunStatus(enum.StrEnum):
    """How a load ended. Refused files leave no run: they change nothing."""

    LOADED = "loaded"
    LOADED_WITH_EXCEPTIONS = "loaded_with_exceptions"


class FeedRun(Base):
    """One file loaded from one source, with what it did."""

    __tablename__ = "feed_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    file_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[FeedRunStatus] = mapped_column(
        str_enum(FeedRunStatus, "feed_run_status"), nullable=False
    )
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    finished_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    loaded_by: Mapped[str] = mapped_column(String(100), nullable=False)
    rows_read: Mapped[int] = mapped_column(Integer, nullable=False)
    new_children: Mapped[int] = mapped_column(Integer, nullable=False)
    linked: Mapped[int] = mapped_column(Integer, nullable=False)
    updated: Mapped[int] = mapped_column(Integer, nullable=False)
    unchanged: Mapped[int] = mapped_column(Integer, nullable=False)
    rejected: Mapped[int] = mapped_column(Integer, nullable=False)
    # Rows matching had to ask a data manager about (review tasks raised).
    for_review: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    # Pairs of children already indexed that a row showed to be one child (merged).
    children_joined: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    # Rows loaded with one or more values left out (each listed as a warning).
    rows_with_warnings: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")

    # The same bytes from the same source are one delivery: loading them again is a no-op.
    __table_args__ = (UniqueConstraint("source", "file_sha256"),)


class FeedRunException(Base):
    """A problem with a row of a run: where and why, never the value itself. ``refused``:
    the row was not loaded; otherwise it loaded without this field's value (a warning)."""

    __tablename__ = "feed_run_exceptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_run_id: Mapped[int] = mapped_column(
        ForeignKey("feed_runs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    line: Mapped[int] = mapped_column(Integer, nullable=False)
    record_id: Mapped[str | None] = mapped_column(String(100))
    field: Mapped[str] = mapped_column(String(60), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    refused: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=true())


class FeedSourceState(Base):
    """Whether a source's files are accepted (the scaled-down mode suspends some)."""

    __tablename__ = "feed_source_states"

    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    suspended: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    changed_by: Mapped[str] = mapped_column(String(100), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)


class FeedControlEvent(Base):
    """History of suspending and resuming sources."""

    __tablename__ = "feed_control_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    action: Mapped[str] = mapped_column(String(10), nullable=False)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    by: Mapped[str] = mapped_column(String(100), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
