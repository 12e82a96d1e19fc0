"""Signposting (DESIGN §7): who is working with a child, the child's vulnerability flags,
the signals sent when practitioners meet over a vulnerable child, contacts by people
outside the responsible authority, and brokered requests for contact.

No case content is held here: only who the child is, who the professional is, which
service, how to reach them and since when.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from contactpoint.db import Base, Timestamped, str_enum


class Origin(enum.StrEnum):
    # Registered by a signed-in practitioner (or a data manager).
    PRACTITIONER = "practitioner"
    # From the la-childrens-services feed.
    FEED = "feed"


class FlagKind(enum.StrEnum):
    CHILD_PROTECTION_PLAN = "child_protection_plan"
    LOOKED_AFTER = "looked_after"
    PRE_BIRTH_PLAN = "pre_birth_plan"


class SignalKind(enum.StrEnum):
    # Two or more practitioners involved with one flagged child.
    CHILD = "child"
    # Practitioners involved with brothers and sisters who share a parent or carer.
    FAMILY = "family"


class Involvement(Timestamped, Base):
    """A practitioner's involvement with a child: active until ``active_until`` (or
    ended), then visible as a past involvement until ``visible_until``, then purged."""

    __tablename__ = "involvements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), nullable=False)
    # The practitioner's account, when they have one (feed rows are matched by e-mail).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    origin: Mapped[Origin] = mapped_column(str_enum(Origin, "involvement_origin"), nullable=False)
    # For feed rows: the source record's id, so a changed row updates its involvement.
    feed_key: Mapped[str | None] = mapped_column(String(140), unique=True)
    service_type: Mapped[str] = mapped_column(String(100), nullable=False)
    organisation: Mapped[str] = mapped_column(String(200), nullable=False)
    la_code: Mapped[str | None] = mapped_column(String(9))
    practitioner_name: Mapped[str] = mapped_column(String(200), nullable=False)
    practitioner_role: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    started_on: Mapped[date] = mapped_column(Date, nullable=False)
    lead_professional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    early_help_assessment: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # A sexual health, mental health or substance misuse service: held only with consent.
    sensitive: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    consent_evidence: Mapped[str | None] = mapped_column(Text)
    active_until: Mapped[date] = mapped_column(Date, nullable=False)
    reminded_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(200))
    # Set when it ends or lapses: after this day it is purged.
    visible_until: Mapped[date | None] = mapped_column(Date)
    registered_by: Mapped[str] = mapped_column(String(100), nullable=False)

    __table_args__ = (Index("ix_involvements_child_id_ended_on", "child_id", "ended_on"),)


class VulnerabilityFlag(Timestamped, Base):
    """A child protection plan, a looked-after period, or an unborn child's pre-birth
    plan (held against the mother until the birth is registered)."""

    __tablename__ = "vulnerability_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None while the child is unborn.
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"), index=True)
    kind: Mapped[FlagKind] = mapped_column(str_enum(FlagKind, "flag_kind"), nullable=False)
    started_on: Mapped[date] = mapped_column(Date, nullable=False)
    ended_on: Mapped[date | None] = mapped_column(Date)
    # The responsible authority (GSS code).
    la_code: Mapped[str] = mapped_column(String(9), nullable=False)
    origin: Mapped[Origin] = mapped_column(str_enum(Origin, "flag_origin"), nullable=False)
    feed_key: Mapped[str | None] = mapped_column(String(140), unique=True)
    set_by: Mapped[str] = mapped_column(String(100), nullable=False)
    # An unborn child's mother, to carry the flag over to the child at registration.
    mother_given_names: Mapped[str | None] = mapped_column(String(200))
    mother_family_name: Mapped[str | None] = mapped_column(String(200))
    mother_postcode: Mapped[str | None] = mapped_column(String(10))
    expected_on: Mapped[date | None] = mapped_column(Date)
    carried_over_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Signal(Base):
    """Practitioners told of one another: over one flagged child, or over a family."""

    __tablename__ = "signals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), nullable=False, index=True)
    kind: Mapped[SignalKind] = mapped_column(str_enum(SignalKind, "signal_kind"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    # The involvement whose practitioner coordinates (the lead professional).
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("involvements.id"))
    coordinated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    coordinated_by: Mapped[str | None] = mapped_column(String(100))


class SignalMember(Base):
    """One involvement told in a signal."""

    __tablename__ = "signal_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signal_id: Mapped[int] = mapped_column(ForeignKey("signals.id"), nullable=False, index=True)
    involvement_id: Mapped[int] = mapped_column(
        ForeignKey("involvements.id"), nullable=False, index=True
    )

    __table_args__ = (UniqueConstraint("signal_id", "involvement_id"),)


class SignalledPair(Base):
    """Two involvements already told of each other: never signalled again."""

    __tablename__ = "signalled_pairs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    low_id: Mapped[int] = mapped_column(ForeignKey("involvements.id"), nullable=False)
    high_id: Mapped[int] = mapped_column(ForeignKey("involvements.id"), nullable=False, index=True)
    signal_id: Mapped[int] = mapped_column(ForeignKey("signals.id"), nullable=False)

    __table_args__ = (UniqueConstraint("low_id", "high_id"),)


class ContactEvent(Base):
    """Someone outside the responsible authority looked at or joined a flagged child
    (as CP-IS records for the NHS): shown to key professionals, last 25 first."""

    __tablename__ = "contact_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    who: Mapped[str] = mapped_column(String(200), nullable=False)
    organisation: Mapped[str] = mapped_column(String(200), nullable=False)
    # "viewed the record" or "registered involvement".
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class ContactRequest(Base):
    """A practitioner's request to be put in touch with a service they may not learn of
    (a sensitive service without consent): the authority's data managers pass it on."""

    __tablename__ = "contact_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), nullable=False, index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    la_code: Mapped[str | None] = mapped_column(String(9), index=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    passed_on_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    passed_on_by: Mapped[str | None] = mapped_column(String(100))
