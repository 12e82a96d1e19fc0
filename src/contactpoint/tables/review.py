"""Review tasks raised by matching, and merges (kept so each can be undone exactly)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from contactpoint.db import Base, str_enum


class ReviewKind(enum.StrEnum):
    # A record scored between the thresholds against an existing child.
    POSSIBLE_MATCH = "possible_match"
    # A record matched two existing children strongly: they may be one child.
    POSSIBLE_DUPLICATE = "possible_duplicate"
    # A strong score that a hard rule stopped (twins, conflicting identifiers...).
    RULE_STOPPED = "rule_stopped"


class ReviewStatus(enum.StrEnum):
    OPEN = "open"
    LINKED = "linked"
    KEPT_APART = "kept_apart"


class ReviewTask(Base):
    """A pair of children a data manager should decide on: the same child, or not."""

    __tablename__ = "review_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[ReviewKind] = mapped_column(str_enum(ReviewKind, "review_kind"), nullable=False)
    status: Mapped[ReviewStatus] = mapped_column(
        str_enum(ReviewStatus, "review_status"), nullable=False, default=ReviewStatus.OPEN
    )
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), nullable=False, index=True)
    candidate_child_id: Mapped[int] = mapped_column(
        ForeignKey("children.id"), nullable=False, index=True
    )
    source_record_id: Mapped[int | None] = mapped_column(
        ForeignKey("source_records.id", ondelete="SET NULL")
    )
    weight: Mapped[float] = mapped_column(Float, nullable=False)
    model_version: Mapped[str] = mapped_column(String(40), nullable=False)
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)


class Merge(Base):
    """One child merged into another; what moved, so unmerging restores it exactly."""

    __tablename__ = "merges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("children.id"), nullable=False, index=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("children.id"), nullable=False, index=True)
    merged_status: Mapped[str] = mapped_column(String(24), nullable=False)
    source_record_ids: Mapped[list[int]] = mapped_column(JSON, nullable=False)
    by: Mapped[str] = mapped_column(String(100), nullable=False)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    undone_by: Mapped[str | None] = mapped_column(String(100))
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undo_reason: Mapped[str | None] = mapped_column(Text)
