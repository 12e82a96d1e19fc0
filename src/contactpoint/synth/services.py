"""The services around the children: schools, GP practices and practitioners.

Each authority gets schools (6-digit URN, DfE establishment number, a plausible name),
GP practices (ODS-style code: letter and five digits) and a pool of practitioners per
service type with work e-mail addresses and UK telephone numbers that ``phonenumbers``
accepts. Numbers scale with the authority's share of children.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from random import Random

import phonenumbers

from contactpoint.synth.geography import Geography, LocalAuthority
from contactpoint.synth.names import BACKGROUNDS, NameBook, feminine, strip_accents
from contactpoint.synth.sampling import Weighted, chance, unique_number

_SAINTS = (
    "St Mary's", "St John's", "St Peter's", "St Paul's", "St Joseph's", "St Michael's",
    "St Anne's", "St Andrew's", "St Patrick's", "St Thomas'", "Holy Trinity", "Christ Church",
    "St George's", "St Margaret's", "All Saints", "St Bede's", "Sacred Heart", "Our Lady's",
    "St Augustine's", "St Chad's", "St Luke's", "St James'", "St Mark's", "St Matthew's",
    "St Stephen's", "St Edmund's", "St Wilfrid's", "St Cuthbert's", "St Bartholomew's",
)  # fmt: skip
_PLACES = (
    "Oakwood", "Beechwood", "Willow Green", "Meadowside", "Brookside", "Parkside", "Springfield",
    "Greenfield", "Westfield", "Highfield", "Hollybush", "Fir Tree", "Rosewood", "Lime Tree",
    "Woodlands", "Hillside", "Ashgrove", "Moorside", "Kingsway", "Queensway", "Riverside",
    "Broadwater", "Northfield", "Southfield", "Elmhurst", "Cherry Tree", "Larkrise", "Millfield",
)  # fmt: skip
_PRIMARY = Weighted(
    [
        "{saint} CofE Primary School", "{saint} Catholic Primary School", "{town} Primary School",
        "{place} Primary School", "{town} Primary Academy", "{place} Community Primary School",
        "{saint} CofE Voluntary Aided Primary School", "{place} Junior and Infant School",
    ],
    [18, 10, 25, 22, 8, 10, 3, 4],
)  # fmt: skip
_SECONDARY = Weighted(
    [
        "{town} High School", "{town} Academy", "{saint} Catholic High School", "{place} Academy",
        "{town} Community College", "The {town} School", "{saint} CofE Academy", "{place} School",
    ],
    [25, 25, 10, 12, 8, 8, 6, 6],
)  # fmt: skip
_PRACTICE = Weighted(
    [
        "{town} Medical Centre", "{town} Health Centre", "{place} Surgery", "The {town} Practice",
        "Dr {surname} and Partners", "{town} Family Practice", "{place} Medical Practice",
    ],
    [25, 15, 20, 10, 12, 8, 10],
)  # fmt: skip

# service type -> (roles with weights, organisation pattern, e-mail domain or None for the
# council's, children per practitioner)
SERVICE_TYPES: dict[str, tuple[Weighted[str], str, str | None, int]] = {
    "social care": (
        Weighted(["Social Worker", "Senior Social Worker", "Advanced Practitioner"], [6, 3, 1]),
        "{council} Children's Social Care", None, 15,
    ),
    "early help": (
        Weighted(
            ["Early Help Practitioner", "Family Support Worker", "Family Practitioner"], [5, 4, 1]
        ),
        "{council} Early Help Service", None, 20,
    ),
    "youth justice": (
        Weighted(["Youth Justice Officer", "Youth Justice Worker"], [6, 4]),
        "{name} Youth Justice Service", None, 12,
    ),
    "CAMHS": (
        Weighted(["CAMHS Practitioner", "Mental Health Nurse", "Clinical Psychologist"], [5, 3, 2]),
        "{name} Child and Adolescent Mental Health Service", "nhs.net", 25,
    ),
    "children with disabilities": (
        Weighted(["Social Worker", "Occupational Therapist"], [8, 2]),
        "{council} Children with Disabilities Team", None, 20,
    ),
    "health visiting": (
        Weighted(["Health Visitor", "Community Nursery Nurse"], [8, 2]),
        "{name} Health Visiting Service", "nhs.net", 30,
    ),
}  # fmt: skip


@dataclass(frozen=True, eq=False, slots=True)
class School:
    urn: str
    name: str
    phase: str
    establishment: int
    authority: LocalAuthority


@dataclass(frozen=True, eq=False, slots=True)
class Practice:
    code: str
    name: str
    authority: LocalAuthority


@dataclass(frozen=True, eq=False, slots=True)
class Practitioner:
    given_name: str
    family_name: str
    role: str
    service: str
    organisation: str
    email: str
    phone: str

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


@dataclass(slots=True)
class Services:
    schools: dict[tuple[str, str], list[School]] = field(default_factory=dict)
    practices: dict[str, list[Practice]] = field(default_factory=dict)
    practitioners: dict[tuple[str, str], list[Practitioner]] = field(default_factory=dict)


def set_up_services(rng: Random, geography: Geography, names: NameBook, children: int) -> Services:
    """Schools, GP practices and practitioners for every authority."""
    services = Services()
    total = sum(a.weight for a in geography.authorities)
    urns: set[int] = set()
    emails: set[str] = set()
    for authority in geography.authorities:
        expected = children * authority.weight / total
        towns = [locality for _, locality in authority.districts if "Centre" not in locality]
        towns = towns or [authority.name]
        taken: set[str] = set()
        for phase, count in (
            ("primary", max(2, round(expected * 7 / 18 / 200))),
            ("secondary", max(1, round(expected * 5 / 18 / 900))),
        ):
            patterns = _PRIMARY if phase == "primary" else _SECONDARY
            low = 2000 if phase == "primary" else 4000
            establishments: set[int] = set()
            schools = []
            for _ in range(count):
                name = _unique_name(rng, patterns, towns, taken, names)
                urn = unique_number(rng, urns, 100000, 150000)
                establishment = unique_number(rng, establishments, low, low + 1000)
                schools.append(School(str(urn), name, phase, establishment, authority))
            services.schools[(authority.gss, phase)] = schools
        codes: set[int] = set()
        services.practices[authority.gss] = [
            Practice(
                f"{authority.gp_prefix}{unique_number(rng, codes, 1, 1000):03d}",
                _unique_name(rng, _PRACTICE, towns, taken, names),
                authority,
            )
            for _ in range(max(1, round(expected / 1800)))
        ]
        for service, (roles, organisation, domain, caseload) in SERVICE_TYPES.items():
            count = max(2, round(expected * 0.012 / caseload))
            services.practitioners[(authority.gss, service)] = [
                _practitioner(rng, names, authority, service, roles, organisation, domain, emails)
                for _ in range(count)
            ]
    return services


# Names drawn before a name also says where it is ("St Chad's CofE Primary School,
# Deal"): a large authority of a national population has more schools than the patterns
# have names (Kent, at a million children, needs over 200 primary schools).
TRIES_BEFORE_A_PLACE = 50


def _unique_name(
    rng: Random, patterns: Weighted[str], towns: list[str], taken: set[str], names: NameBook
) -> str:
    tries = 0
    while True:
        name = patterns.pick(rng).format(
            saint=rng.choice(_SAINTS),
            town=rng.choice(towns),
            place=rng.choice(_PLACES),
            surname=names.family(rng, "white_british"),
        )
        tries += 1
        if tries > TRIES_BEFORE_A_PLACE:
            name = f"{name}, {rng.choice(towns)}"
        if name not in taken:
            taken.add(name)
            return name


def _practitioner(
    rng: Random,
    names: NameBook,
    authority: LocalAuthority,
    service: str,
    roles: Weighted[str],
    organisation: str,
    domain: str | None,
    emails: set[str],
) -> Practitioner:
    background = "white_british" if chance(rng, 0.6) else authority.mix.pick(rng)
    assert background in BACKGROUNDS
    sex = "F" if chance(rng, 0.8) else "M"
    given = names.parent_given(rng, background, sex)
    family = names.family(rng, background)
    family = feminine(family) if sex == "F" else family
    local = re.sub(r"[^a-z.\-]", "", strip_accents(f"{given}.{family}").lower().replace(" ", ""))
    domain = domain or authority.domain
    email = f"{local}@{domain}"
    suffix = 1
    while email in emails:
        suffix += 1
        email = f"{local}{suffix}@{domain}"
    emails.add(email)
    return Practitioner(
        given_name=given,
        family_name=family,
        role=roles.pick(rng),
        service=service,
        organisation=organisation.format(council=authority.council, name=authority.name),
        email=email,
        phone=uk_phone_number(rng, authority.phone_area if chance(rng, 0.6) else "07"),
    )


def uk_phone_number(rng: Random, prefix: str) -> str:
    """A number starting ``prefix`` (an area code or ``07``) that ``phonenumbers`` accepts."""
    while True:
        digits = prefix + "".join(str(rng.randint(0, 9)) for _ in range(11 - len(prefix)))
        number = phonenumbers.parse(digits, "GB")
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
