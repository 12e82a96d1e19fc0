"""The enumerations of accounts and organisations: plain values, no database, so pure code
(matching, the policy) can name them without loading the ORM."""

from __future__ import annotations

import enum


class OrganisationKind(enum.StrEnum):
    LOCAL_AUTHORITY = "local_authority"
    NATIONAL = "national"


class Role(enum.StrEnum):
    """What a user may do, granted per user (DESIGN §2)."""

    PRACTITIONER = "practitioner"
    KEY_PROFESSIONAL = "key_professional"
    DATA_MANAGER = "data_manager"
    USER_ADMIN = "user_admin"
    NATIONAL_ADMIN = "national_admin"
    AUDITOR = "auditor"


class UserStatus(enum.StrEnum):
    # Created; waiting for training, vetting, the user agreement and two-factor enrolment.
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
