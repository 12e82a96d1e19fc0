"""A child's whole record as the index holds it, every value with its provenance.

``child_record`` says where each value came from: the source and the date it recorded it
(the day the file arrived, for a source that gives none). Former names are names sources
hold that differ from the golden one; the address history is every address stated,
newest first. Services involved (with the practitioner's contact) and vulnerability flags
(visible a year after they end) are signposting's. Nothing here decides who may see
what: ``records.view`` asks the policy.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.children.facts import ChildFacts, as_row, facts_from_json
from contactpoint.children.golden import TRUST
from contactpoint.errors import NotFound
from contactpoint.geography import LocalAuthority, local_authorities
from contactpoint.kinds.children import AddressKind, ChildStatus, IdentifierScheme, RegistrationKind
from contactpoint.settings import get_settings
from contactpoint.tables.children import Child, SourceRecord
from contactpoint.tables.signposting import FlagKind, Involvement, Origin, VulnerabilityFlag

T = TypeVar("T")
CHILDRENS_SERVICES = "la-childrens-services"
# The source named for an involvement or flag a practitioner recorded in the service.
REGISTERED = "registered in ContactPoint"
FLAG_NAMES = {
    FlagKind.CHILD_PROTECTION_PLAN: "child protection plan",
    FlagKind.LOOKED_AFTER: "looked after",
    FlagKind.PRE_BIRTH_PLAN: "pre-birth plan",
}
# Sensitive services (DESIGN §3) by words in the service type, any case: CAMHS is the
# Child and Adolescent Mental Health Service of the synthetic and real feeds.
SENSITIVE_WORDS = (
    ("sexual health", "sexual health"),
    ("mental health", "mental health"),
    ("camhs", "mental health"),
    ("substance misuse", "substance misuse"),
)


@dataclass(frozen=True, slots=True)
class Provenance:
    """Which source said it, and when: the date the source recorded it if it gives one,
    else the day its file was received."""

    source: str
    recorded_on: date | None
    received_on: date

    @property
    def on(self) -> date:
        return self.recorded_on or self.received_on


@dataclass(frozen=True, slots=True)
class Stated(Generic[T]):
    """A golden value and the source that stated it (None if no source states it)."""

    value: T
    provenance: Provenance | None


@dataclass(frozen=True, slots=True)
class Name:
    given_names: str | None
    family_name: str | None
    provenance: Provenance | None

    @property
    def full(self) -> str:
        return " ".join(part for part in (self.given_names, self.family_name) if part)


@dataclass(frozen=True, slots=True)
class Identifier:
    scheme: IdentifierScheme
    value: str
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class AddressEntry:
    kind: AddressKind
    address_line: str | None
    postcode: str | None
    la_code: str | None
    intends_to_return: bool | None
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class CarerEntry:
    given_names: str | None
    family_name: str | None
    relationship: str | None
    parental_responsibility: bool | None
    address_line: str | None
    postcode: str | None
    phone: str | None
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class Registration:
    """A school (URN) or GP practice (ODS code) the child is registered with."""

    kind: RegistrationKind
    organisation_code: str
    organisation_name: str | None
    la_code: str | None
    start_date: date | None
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class ServiceInvolvement:
    """A targeted service working with the child, and whom to contact there."""

    service_type: str | None
    organisation: str | None
    practitioner_name: str | None
    practitioner_role: str | None
    practitioner_email: str | None
    practitioner_phone: str | None
    start_date: date | None
    lead_professional: bool
    early_help_assessment: bool
    sensitive: bool
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class Vulnerability:
    """A child protection plan or looked-after period, and the authority responsible."""

    kind: str
    start_date: date | None
    end_date: date | None
    la_code: str | None
    la_name: str | None
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class ChildRecord:
    """Everything the index holds on one child."""

    child_id: int
    cp_id: str
    status: ChildStatus
    shielded: bool
    incomplete: bool
    responsible_la_code: str | None
    responsible_la_name: str | None
    name: Name
    former_names: tuple[Name, ...]
    date_of_birth: Stated[date | None]
    gender: Stated[str]
    date_of_death: Stated[date | None]
    left_england_on: date | None  # recorded by its data managers (records.departures)
    identifiers: tuple[Identifier, ...]
    address: AddressEntry | None
    # Newest first.
    address_history: tuple[AddressEntry, ...]
    carers: tuple[CarerEntry, ...]
    schools: tuple[Registration, ...]
    gps: tuple[Registration, ...]
    services: tuple[ServiceInvolvement, ...]
    vulnerabilities: tuple[Vulnerability, ...]


@dataclass(frozen=True, slots=True)
class Statement:
    """One linked source record: what it says, where from, and its cells as received."""

    facts: ChildFacts
    provenance: Provenance
    payload: dict[str, Any]


def child_record(session: Session, child_id: int) -> ChildRecord:
    """The child's record with the provenance of every value (any status)."""
    child = session.get(Child, child_id)
    if child is None:
        raise NotFound(f"no child with id {child_id}")
    rows = session.scalars(
        select(SourceRecord).where(SourceRecord.child_id == child_id).order_by(SourceRecord.id)
    ).all()
    involvements = session.scalars(
        select(Involvement).where(Involvement.child_id == child_id).order_by(Involvement.id)
    ).all()
    flags = session.scalars(
        select(VulnerabilityFlag)
        .where(VulnerabilityFlag.child_id == child_id)
        .order_by(VulnerabilityFlag.id)
    ).all()
    return assemble(child, [statement(row) for row in rows], involvements, flags)


def statement(row: SourceRecord) -> Statement:
    """A source record as the record reads it."""
    return Statement(
        facts_from_json(row.facts),
        Provenance(row.source, row.recorded_on, row.received_at.date()),
        dict(row.payload),
    )


def sensitive_category(service_type: str | None) -> str | None:
    """The sensitive category a service type falls in, or None if it is not sensitive."""
    words = plain(service_type)
    return next((category for found, category in SENSITIVE_WORDS if found in words), None)


def plain(text: str | None) -> str:
    """Text compared without regard to case or spacing."""
    return " ".join((text or "").split()).casefold()


def assemble(
    child: Child,
    statements: Sequence[Statement],
    involvements: Sequence[Involvement] = (),
    flags: Sequence[VulnerabilityFlag] = (),
    today: date | None = None,
) -> ChildRecord:
    """The record from the golden ``child``, its source records, and the services and
    flags signposting holds for it (no database)."""
    today = today or date.today()
    recent = sorted(statements, key=_recency, reverse=True)
    trusted = sorted(statements, key=lambda s: _trust(s.provenance.source), reverse=True)
    golden = (plain(child.given_names), plain(child.family_name))
    named = next((s for s in recent if _name_key(s.facts) == golden), None)
    names = [
        Name(s.facts.given_names, s.facts.family_name, s.provenance)
        for s in recent
        if (s.facts.given_names or s.facts.family_name) and _name_key(s.facts) != golden
    ]
    history = [
        AddressEntry(**as_row(s.facts.address), provenance=s.provenance)
        for s in recent
        if s.facts.address is not None
    ]
    current = next(
        (
            entry
            for entry in history
            if (entry.address_line, entry.postcode) == (child.address_line, child.postcode)
        ),
        None,
    )
    registrations = _unique(
        (
            Registration(**as_row(r), provenance=s.provenance)
            for s in recent
            for r in s.facts.registrations
        ),
        lambda r: (r.kind, r.organisation_code),
    )
    authorities = local_authorities()
    la = authorities.get(child.responsible_la_code or "")
    return ChildRecord(
        child_id=child.id,
        cp_id=child.cp_id,
        status=child.status,
        shielded=child.shielded,
        incomplete=child.incomplete,
        responsible_la_code=child.responsible_la_code,
        responsible_la_name=la.name if la else None,
        name=Name(child.given_names, child.family_name, named.provenance if named else None),
        former_names=tuple(_unique(names, lambda n: (plain(n.given_names), plain(n.family_name)))),
        date_of_birth=_stated(child.date_of_birth, trusted, lambda f: f.date_of_birth),
        gender=_stated(child.gender, trusted, lambda f: f.gender),
        date_of_death=_stated(child.date_of_death, trusted, lambda f: f.date_of_death),
        left_england_on=child.left_england_on,
        identifiers=tuple(
            _unique(
                (
                    Identifier(i.scheme, i.value, s.provenance)
                    for s in trusted
                    for i in s.facts.identifiers
                ),
                lambda i: (i.scheme, i.value),
            )
        ),
        address=current,
        address_history=tuple(history),
        carers=tuple(_unique(_carers(recent), _carer_key)),
        schools=tuple(r for r in registrations if r.kind is RegistrationKind.SCHOOL),
        gps=tuple(r for r in registrations if r.kind is RegistrationKind.GP),
        services=tuple(_services(involvements, today)),
        vulnerabilities=tuple(_vulnerabilities(flags, authorities, today)),
    )


def _carers(statements: Sequence[Statement]) -> Iterable[CarerEntry]:
    return (
        CarerEntry(**as_row(c), provenance=s.provenance) for s in statements for c in s.facts.carers
    )


def _trust(source: str) -> int:
    return len(TRUST) - TRUST.index(source) if source in TRUST else 0


def _recency(s: Statement) -> tuple[date, int, date]:
    return (s.provenance.recorded_on or date.min, _trust(s.provenance.source), s.provenance.on)


def _name_key(facts: ChildFacts) -> tuple[str, str]:
    return (plain(facts.given_names), plain(facts.family_name))


def _unique(items: Iterable[T], key: Callable[[T], Hashable]) -> list[T]:
    """The first of each group of items with the same key, in order."""
    seen: set[Hashable] = set()
    kept = []
    for item in items:
        if key(item) not in seen:
            seen.add(key(item))
            kept.append(item)
    return kept


def _stated(value: T, trusted: Sequence[Statement], read: Callable[[ChildFacts], Any]) -> Stated[T]:
    """The golden ``value`` and the most trusted source stating it."""
    if value is None:
        return Stated(value, None)
    found = next((s for s in trusted if read(s.facts) == value), None)
    return Stated(value, found.provenance if found else None)


def _carer_key(carer: CarerEntry) -> tuple[str, str, str]:
    return (plain(carer.given_names), plain(carer.family_name), plain(carer.relationship))


def _services(involvements: Sequence[Involvement], today: date) -> list[ServiceInvolvement]:
    """The services involved now (from the children's-services feed and practitioners'
    own registrations); latest start first."""
    found = [
        ServiceInvolvement(
            service_type=i.service_type,
            organisation=i.organisation,
            practitioner_name=i.practitioner_name,
            practitioner_role=i.practitioner_role,
            practitioner_email=i.email,
            practitioner_phone=i.phone,
            start_date=i.started_on,
            lead_professional=i.lead_professional,
            early_help_assessment=i.early_help_assessment,
            sensitive=i.sensitive,
            provenance=_provenance(i),
        )
        for i in involvements
        if i.ended_on is None and i.active_until >= today
    ]
    found.sort(key=lambda i: i.start_date or date.min, reverse=True)
    return found


def _provenance(row: Involvement | VulnerabilityFlag) -> Provenance:
    received = row.created_at.date() if row.created_at else date.today()
    return Provenance(
        CHILDRENS_SERVICES if row.origin is Origin.FEED else REGISTERED, received, received
    )


def _vulnerabilities(
    flags: Sequence[VulnerabilityFlag], authorities: Mapping[str, LocalAuthority], today: date
) -> list[Vulnerability]:
    """Flags active or ended within the last ``flag_visible_days``; latest start first."""
    keep = timedelta(days=get_settings().flag_visible_days)
    found = [
        Vulnerability(
            FLAG_NAMES[flag.kind],
            flag.started_on,
            flag.ended_on,
            flag.la_code,
            la.name if (la := authorities.get(flag.la_code)) else None,
            _provenance(flag),
        )
        for flag in flags
        if flag.started_on <= today and (flag.ended_on is None or flag.ended_on + keep >= today)
    ]
    found.sort(key=lambda v: v.start_date or date.min, reverse=True)
    return found
