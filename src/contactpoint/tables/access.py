"""Organisations, users and their roles, sign-in sessions, machine tokens and the
onboarding policy (DESIGN §2 and §8)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from contactpoint.db import Base, Timestamped, str_enum
from contactpoint.kinds.access import OrganisationKind, Role, UserStatus


class Organisation(Timestamped, Base):
    """A local authority or a national partner; users belong to one."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[OrganisationKind] = mapped_column(
        str_enum(OrganisationKind, "organisation_kind"), nullable=False
    )
    # The authority's GSS code (E06000010) for local authorities.
    la_code: Mapped[str | None] = mapped_column(String(9), unique=True)
    # The authority's ContactPoint team: whom a practitioner contacts about a shielded
    # record.
    team_email: Mapped[str | None] = mapped_column(String(200))
    team_phone: Mapped[str | None] = mapped_column(String(30))
    # Per-authority policy: may new users be onboarded?
    onboarding_open: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # How many key professionals it may name (None: the national default setting).
    key_professional_cap: Mapped[int | None] = mapped_column(Integer)


class User(Timestamped, Base):
    """A person who signs in. Active only with training, vetting, the user agreement and
    two-factor authentication recorded, and not past re-certification."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str] = mapped_column(String(200), nullable=False)
    phone: Mapped[str | None] = mapped_column(String(30))
    job_title: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), nullable=False, index=True
    )
    status: Mapped[UserStatus] = mapped_column(
        str_enum(UserStatus, "user_status"), nullable=False, default=UserStatus.PENDING
    )
    status_reason: Mapped[str | None] = mapped_column(Text)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The last TOTP time step accepted: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    training_completed_on: Mapped[date | None] = mapped_column(Date)
    vetting_checked_on: Mapped[date | None] = mapped_column(Date)
    agreement_signed_on: Mapped[date | None] = mapped_column(Date)
    # Without re-certification by this day the account stops working.
    certified_until: Mapped[date | None] = mapped_column(Date)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)


class UserRole(Base):
    """One role held by one user."""

    __tablename__ = "user_roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"), nullable=False)
    granted_by: Mapped[str] = mapped_column(String(100), nullable=False)
    granted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )

    __table_args__ = (UniqueConstraint("user_id", "role"),)


class LoginSession(Base):
    """A server-side session. The browser holds a random token; only its hash is
    stored. Usable once the second factor is done, until idle or absolute expiry."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    second_factor_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Shielded records opened by "break glass" in this session (child ids).
    overrides: Mapped[list[int]] = mapped_column(JSON, nullable=False, default=list)


class SignInFailures(Base):
    """Failed passwords and codes for one username from one source address, since the
    last success from there: what pauses that username there (and, summed, a source
    trying many usernames). A username nobody holds is counted the same way."""

    __tablename__ = "sign_in_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), nullable=False)
    source: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    paused_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (UniqueConstraint("username", "source"),)


class ApiToken(Base):
    """A machine client's credential (a source system): scoped, expiring, revocable.
    Only the token's hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    scopes: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NationalPolicy(Base):
    """The national switches (one row): may new users be onboarded anywhere?"""

    __tablename__ = "national_policy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    onboarding_open: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    changed_by: Mapped[str | None] = mapped_column(String(100))
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)
