"""Tables of the index.

A ``Child`` is the golden record. Everything else about a child is a fact taken from
one ``SourceRecord`` (its provenance): names, identifiers, addresses, carers and
registrations with universal services. Facts are derived from the source record's
stored payload, so relinking a source record moves its facts and nothing is ever lost.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
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

from contactpoint.db import Base, Timestamped, str_enum
from contactpoint.kinds.children import (
    AddressKind,
    ChildStatus,
    IdentifierScheme,
    LinkKind,
    RegistrationKind,
)


class Child(Timestamped, Base):
    """The golden record of one child."""

    __tablename__ = "children"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cp_id: Mapped[str] = mapped_column(String(14), unique=True, nullable=False)
    given_names: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str] = mapped_column(String(1), nullable=False, default="U")
    date_of_death: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ChildStatus] = mapped_column(
        str_enum(ChildStatus, "child_status"), nullable=False, default=ChildStatus.ACTIVE
    )
    incomplete: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    address_line: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(8))
    responsible_la_code: Mapped[str | None] = mapped_column(String(9), index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"))
    # A record at risk (refuge, adoption placement, witness protection): practitioners
    # see only that it exists and whom to contact (DESIGN §3). Who shielded it, when and
    # why is in the audit trail.
    shielded: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # A record held because it is close to a shielded child: the authority owning that
    # child, whose data managers decide whether the two are one (wherever this record's
    # address puts it).
    held_for_la_code: Mapped[str | None] = mapped_column(String(9))
    # Retention (DESIGN §9): a later archive age a data manager set (18 to 25), the day
    # the record moved to the archive, the day a retention run found it a year there
    # (from then it opens only for a statutory enquiry), and the day it was purged (a
    # tombstone remains). Each set by a retention run for its day, never by the clock.
    archive_age: Mapped[int | None] = mapped_column(Integer)
    archived_on: Mapped[date | None] = mapped_column(Date)
    statutory_only_on: Mapped[date | None] = mapped_column(Date)
    destroyed_on: Mapped[date | None] = mapped_column(Date)
    # The day the child left England (``records.departures``): archived a year later
    # unless a source gives an address in England again first.
    left_england_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (Index("ix_children_status", "status"),)


class SourceRecord(Base):
    """One row received from a source, linked to the child it describes."""

    __tablename__ = "source_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40), nullable=False)
    record_id: Mapped[str] = mapped_column(String(100), nullable=False)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), nullable=False, index=True)
    feed_run_id: Mapped[int] = mapped_column(ForeignKey("feed_runs.id"), nullable=False)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    recorded_on: Mapped[date | None] = mapped_column(Date)
    # The cells exactly as received, and what they say in standard form.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    payload_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    # How the record came to be linked to its child: kept so a person's decision is
    # never undone by later automatic matching.
    link_kind: Mapped[LinkKind] = mapped_column(
        str_enum(LinkKind, "link_kind"),
        nullable=False,
        default=LinkKind.AUTOMATIC,
        server_default=LinkKind.AUTOMATIC.value,
    )
    # The score that linked it: weight, the level reached on each comparison (one digit
    # each, in the model's order) and the model — enough to explain it exactly later.
    match_weight: Mapped[float | None] = mapped_column(Float)
    match_levels: Mapped[str | None] = mapped_column(String(16))
    model_version: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (UniqueConstraint("source", "record_id"),)


class _Fact:
    """Columns shared by every fact: the child and the source record it came from."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), nullable=False, index=True)
    source_record_id: Mapped[int] = mapped_column(
        ForeignKey("source_records.id", ondelete="CASCADE"), nullable=False, index=True
    )


class ChildName(_Fact, Base):
    """A name a source holds for the child; those other than the golden one are former."""

    __tablename__ = "child_names"

    given_names: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))


class ChildIdentifier(_Fact, Base):
    """An identifier a source holds for the child (NHS number, UPN, GRO entry...)."""

    __tablename__ = "child_identifiers"

    scheme: Mapped[IdentifierScheme] = mapped_column(
        str_enum(IdentifierScheme, "identifier_scheme"), nullable=False
    )
    value: Mapped[str] = mapped_column(String(40), nullable=False)

    __table_args__ = (Index("ix_child_identifiers_scheme_value", "scheme", "value"),)


class Address(_Fact, Base):
    """An address a source holds for the child, with the date it was known from."""

    __tablename__ = "addresses"

    kind: Mapped[AddressKind] = mapped_column(
        str_enum(AddressKind, "address_kind"), nullable=False, default=AddressKind.RESIDENTIAL
    )
    address_line: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(8), index=True)
    la_code: Mapped[str | None] = mapped_column(String(9))
    intends_to_return: Mapped[bool | None] = mapped_column(Boolean)
    known_from: Mapped[date | None] = mapped_column(Date)


class Carer(_Fact, Base):
    """A parent or carer of the child."""

    __tablename__ = "carers"

    given_names: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    relationship: Mapped[str | None] = mapped_column(String(40))
    parental_responsibility: Mapped[bool | None] = mapped_column(Boolean)
    address_line: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(8))
    phone: Mapped[str | None] = mapped_column(String(20))

    # Brothers and sisters share a parent (signposting's family matches).
    __table_args__ = (Index("ix_carers_family_name_postcode", "family_name", "postcode"),)


class ServiceRegistration(_Fact, Base):
    """Registration with a universal service: a school (URN) or GP practice (ODS code)."""

    __tablename__ = "service_registrations"

    kind: Mapped[RegistrationKind] = mapped_column(
        str_enum(RegistrationKind, "registration_kind"), nullable=False
    )
    organisation_code: Mapped[str] = mapped_column(String(12), nullable=False)
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    la_code: Mapped[str | None] = mapped_column(String(9))
    start_date: Mapped[date | None] = mapped_column(Date)


class SensitiveConsent(Base):
    """Consent, recorded by a data manager, to show a sensitive service (sexual health,
    mental health, substance misuse) on a child's record (DESIGN §3)."""

    __tablename__ = "sensitive_consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), nullable=False, index=True)
    service_type: Mapped[str] = mapped_column(String(100), nullable=False)
    evidence: Mapped[str] = mapped_column(Text, nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(100), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


FACT_TABLES: tuple[type[_Fact], ...] = (
    ChildName,
    ChildIdentifier,
    Address,
    Carer,
    ServiceRegistration,
)


class RetentionRun(Base):
    """One run of the retention job for one day: started, and finished once every
    child due has been archived or purged (each child in a transaction of its own)."""

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_on: Mapped[date] = mapped_column(Date, unique=True, nullable=False)
    started_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    archived: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    purged: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class IdentityChange(Base):
    """A record closed because the child has a new identity (adoption, protection). The
    link to the new record is held here only, for the national team to trace."""

    __tablename__ = "identity_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    old_child_id: Mapped[int] = mapped_column(
        ForeignKey("children.id"), nullable=False, unique=True
    )
    new_child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"))
    by: Mapped[str] = mapped_column(String(100), nullable=False)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    reason: Mapped[str] = mapped_column(Text, nullable=False)
