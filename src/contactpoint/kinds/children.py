"""The enumerations of a child's record: plain values, no database, so pure code
(matching, the policy) can name them without loading the ORM."""

from __future__ import annotations

import enum


class ChildStatus(enum.StrEnum):
    """Where a record is in its life (DESIGN §3, §9)."""

    ACTIVE = "active"
    DECEASED = "deceased"
    ARCHIVED = "archived"
    DESTROYED = "destroyed"
    # Joined to another child: the ContactPoint ID redirects to ``merged_into_id``.
    MERGED = "merged"
    # Closed for a new identity (adoption, protection): shown to nobody; only the
    # national team can trace it to the new record (``IdentityChange``).
    CLOSED = "closed"


class LinkKind(enum.StrEnum):
    """Who linked a source record to its child: the matcher, or a person."""

    AUTOMATIC = "automatic"
    MANUAL = "manual"


class IdentifierScheme(enum.StrEnum):
    """Identifier schemes a child may carry besides the ContactPoint ID."""

    NHS_NUMBER = "nhs_number"
    UPN = "upn"
    GRO_BIRTH_ENTRY = "gro_birth_entry"
    CHILD_BENEFIT = "child_benefit_ref"
    LA_CHILD_ID = "la_child_id"


class AddressKind(enum.StrEnum):
    """A usual address, none known, or abroad."""

    RESIDENTIAL = "residential"
    NO_KNOWN_ADDRESS = "no_known_address"
    ABROAD = "abroad"


class RegistrationKind(enum.StrEnum):
    """Universal services a child is registered with."""

    SCHOOL = "school"
    GP = "gp"
