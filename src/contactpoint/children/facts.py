"""What one source row says about a child, in standard form.

Plain frozen dataclasses with no database: each source module turns a validated row
into ``ChildFacts``; the store writes them; the golden record is chosen from them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from contactpoint.kinds.children import AddressKind, IdentifierScheme, RegistrationKind


@dataclass(frozen=True, slots=True)
class IdentifierFact:
    scheme: IdentifierScheme
    value: str


@dataclass(frozen=True, slots=True)
class AddressFact:
    address_line: str | None
    postcode: str | None
    la_code: str | None = None
    kind: AddressKind = AddressKind.RESIDENTIAL
    intends_to_return: bool | None = None


@dataclass(frozen=True, slots=True)
class CarerFact:
    given_names: str | None
    family_name: str | None
    relationship: str | None
    parental_responsibility: bool | None = None
    address_line: str | None = None
    postcode: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class RegistrationFact:
    kind: RegistrationKind
    organisation_code: str
    organisation_name: str | None
    la_code: str | None = None
    start_date: date | None = None


@dataclass(frozen=True, slots=True)
class ChildFacts:
    """Everything one source row says about the child it describes."""

    source: str
    record_id: str
    given_names: str | None
    family_name: str | None
    date_of_birth: date | None
    gender: str = "U"
    date_of_death: date | None = None
    recorded_on: date | None = None
    la_code: str | None = None
    identifiers: tuple[IdentifierFact, ...] = ()
    address: AddressFact | None = None
    carers: tuple[CarerFact, ...] = ()
    registrations: tuple[RegistrationFact, ...] = field(default=())
    # The source marks the record sensitive (the NHS's sensitive flag, an authority's
    # shield): the child is shielded on load.
    shield: bool = False
    # Without a date of birth, the year the source gave (a year alone, or a date garbled
    # in its day or month): matching tells children born years apart by it.
    birth_year: int | None = None

    @property
    def incomplete(self) -> bool:
        """A record without a date of birth or either name cannot be matched well."""
        return self.date_of_birth is None or not (self.given_names and self.family_name)


def as_row(fact: Any) -> dict[str, Any]:
    """A fact dataclass's fields as a flat dict (no deep copy), for bulk inserts."""
    return {name: getattr(fact, name) for name in fact.__slots__}


def facts_to_json(facts: ChildFacts) -> dict[str, Any]:
    """A JSON-ready dict of ``facts``, stored with the source record."""
    row = {name: _plain(getattr(facts, name)) for name in facts.__slots__}
    row["identifiers"] = [_plain(as_row(i)) for i in facts.identifiers]
    row["address"] = _plain(as_row(facts.address)) if facts.address else None
    row["carers"] = [_plain(as_row(c)) for c in facts.carers]
    row["registrations"] = [_plain(as_row(r)) for r in facts.registrations]
    if not facts.shield:
        del row["shield"]  # as stored before sources could mark a record sensitive
    if facts.birth_year is None:
        del row["birth_year"]  # as stored before a year alone was kept
    return row


# Stored enum values to members: a dictionary lookup, where calling the enum costs several
# times as much (a golden record's rebuild reads every record of the children a load
# touched, hundreds of thousands at national scale).
_SCHEMES = {scheme.value: scheme for scheme in IdentifierScheme}
_ADDRESS_KINDS = {kind.value: kind for kind in AddressKind}
_REGISTRATION_KINDS = {kind.value: kind for kind in RegistrationKind}


def facts_from_json(data: dict[str, Any]) -> ChildFacts:
    """The ``ChildFacts`` that ``facts_to_json`` stored."""
    address = data.get("address")
    return ChildFacts(
        source=data["source"],
        record_id=data["record_id"],
        given_names=data["given_names"],
        family_name=data["family_name"],
        date_of_birth=_date(data["date_of_birth"]),
        gender=data["gender"],
        date_of_death=_date(data["date_of_death"]),
        recorded_on=_date(data["recorded_on"]),
        la_code=data["la_code"],
        identifiers=tuple(
            [IdentifierFact(_SCHEMES[i["scheme"]], i["value"]) for i in data["identifiers"]]
        ),
        address=(
            AddressFact(**{**address, "kind": _ADDRESS_KINDS[address["kind"]]}) if address else None
        ),
        carers=tuple([CarerFact(**carer) for carer in data["carers"]]),
        registrations=tuple(
            [
                RegistrationFact(
                    _REGISTRATION_KINDS[r["kind"]],
                    r["organisation_code"],
                    r["organisation_name"],
                    r["la_code"],
                    _date(r["start_date"]),
                )
                for r in data["registrations"]
            ]
        ),
        shield=bool(data.get("shield", False)),
        birth_year=data.get("birth_year"),
    )


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
