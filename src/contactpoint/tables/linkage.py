"""Tables that let the index be matched against: comparable records, blocking keys,
trained models, every link decision, and pairs a person kept apart."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from contactpoint.db import Base


class MatchRecordRow(Base):
    """A source record in comparable form (``matching.record.MatchRecord``)."""

    __tablename__ = "match_records"

    source_record_id: Mapped[int] = mapped_column(
        ForeignKey("source_records.id", ondelete="CASCADE"), primary_key=True
    )
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), nullable=False, index=True)
    given_first: Mapped[str | None] = mapped_column(String(100))
    given_tokens: Mapped[str | None] = mapped_column(String(200))
    given_variants: Mapped[str | None] = mapped_column(Text)
    given_phonetic: Mapped[str | None] = mapped_column(String(40))
    family: Mapped[str | None] = mapped_column(String(200))
    family_tokens: Mapped[str | None] = mapped_column(String(200))
    family_phonetic: Mapped[str | None] = mapped_column(String(40))
    dob: Mapped[str | None] = mapped_column(String(10))
    dob_swapped: Mapped[str | None] = mapped_column(String(10))
    dob_days: Mapped[int | None] = mapped_column(Integer)
    birth_year: Mapped[int | None] = mapped_column(Integer)
    gender: Mapped[str | None] = mapped_column(String(1))
    postcode: Mapped[str | None] = mapped_column(String(8))
    postcode_sector: Mapped[str | None] = mapped_column(String(6))
    postcode_district: Mapped[str | None] = mapped_column(String(4))
    address: Mapped[str | None] = mapped_column(String(200))
    nhs_number: Mapped[str | None] = mapped_column(String(10))
    upn: Mapped[str | None] = mapped_column(String(13))
    carer_names: Mapped[str | None] = mapped_column(Text)
    carer_given: Mapped[str | None] = mapped_column(Text)
    benefit_line: Mapped[str | None] = mapped_column(String(20))
    registered_birth: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    locality: Mapped[str | None] = mapped_column(String(100))


class MatchKey(Base):
    """A blocking key of a source record, to find candidates by index lookups."""

    __tablename__ = "match_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), nullable=False)
    source_record_id: Mapped[int] = mapped_column(
        ForeignKey("source_records.id", ondelete="CASCADE"), nullable=False, index=True
    )
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), nullable=False, index=True)

    __table_args__ = (Index("ix_match_keys_key_child", "key", "child_id"),)


class MatchModelVersion(Base):
    """A trained model; exactly one is active at a time."""

    __tablename__ = "match_models"

    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    training_records: Mapped[int] = mapped_column(Integer, nullable=False)
    document: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)


class LinkEvent(Base):
    """Every change of which child a source record belongs to: who, when, why, and the
    score and model behind an automatic decision."""

    __tablename__ = "link_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_record_id: Mapped[int] = mapped_column(
        ForeignKey("source_records.id", ondelete="CASCADE"), nullable=False, index=True
    )
    from_child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"))
    to_child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), nullable=False)
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    weight: Mapped[float | None] = mapped_column(Float)
    model_version: Mapped[str | None] = mapped_column(String(40))
    explanation: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    by: Mapped[str] = mapped_column(String(100), nullable=False)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    reason: Mapped[str | None] = mapped_column(Text)


class KeptApart(Base):
    """Two children a person decided are different: never linked automatically again."""

    __tablename__ = "kept_apart"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_a_id: Mapped[int] = mapped_column(ForeignKey("children.id"), nullable=False)
    child_b_id: Mapped[int] = mapped_column(ForeignKey("children.id"), nullable=False, index=True)
    by: Mapped[str] = mapped_column(String(100), nullable=False)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("child_a_id", "child_b_id"),)


class RelinkRun(Base):
    """One re-deciding of the index with the active model (``match relink``): how far it
    has got, so it resumes where it stopped, and what it changed."""

    __tablename__ = "relink_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_version: Mapped[str] = mapped_column(String(40), nullable=False)
    by: Mapped[str] = mapped_column(String(100), nullable=False)
    started_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Children are re-decided in id order; every child up to this id has been.
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    examined: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    moved: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    merged: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    founded: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    left: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    undone_by: Mapped[str | None] = mapped_column(String(100))
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undo_reason: Mapped[str | None] = mapped_column(Text)


class RelinkChange(Base):
    """One change a relink made, in order: source records moved from one child to
    another (``founded`` when the relink created the child they went to), or a whole
    child merged into another (``merge_id``)."""

    __tablename__ = "relink_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("relink_runs.id"), nullable=False, index=True)
    merge_id: Mapped[int | None] = mapped_column(ForeignKey("merges.id"))
    from_child_id: Mapped[int] = mapped_column(
        ForeignKey("children.id"), nullable=False, index=True
    )
    to_child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), nullable=False, index=True)
    source_record_ids: Mapped[list[int]] = mapped_column(JSON, nullable=False)
    founded: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
