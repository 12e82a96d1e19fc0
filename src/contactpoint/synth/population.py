"""The synthetic population: families, children and what happened to them.

This is the truth every source file is a partial, imperfect view of. A ``Child`` knows
its names over time, its date of birth, every address it lived at (through its family,
or a foster placement), its identifiers and its services; the source writers read it
at the date each source looks (registration, census day, extract day).

The population is built by ``contactpoint.synth.generator.build_population``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from contactpoint.synth.geography import Address, Geography, LocalAuthority
from contactpoint.synth.names import NameBook
from contactpoint.synth.services import Practice, Practitioner, School, Services

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: called now and then so a caller can show progress."""


@dataclass(slots=True)
class Person:
    """An adult in a child's life: parent, step-parent, grandparent, foster carer."""

    given_names: str
    family_name: str
    sex: str
    maiden_name: str = ""
    married_on: date | None = None

    def family_name_on(self, day: date) -> str:
        """A mother who married after ``day`` still had her maiden name then."""
        if self.married_on is not None and day < self.married_on and self.maiden_name:
            return self.maiden_name
        return self.family_name


@dataclass(slots=True)
class Residence:
    since: date
    address: Address


@dataclass(slots=True)
class Involvement:
    """A child's (or unborn child's) involvement with an authority's children's services."""

    authority: LocalAuthority
    la_child_id: str
    service: str
    practitioner: Practitioner
    start: date
    lead_professional: bool
    early_help_assessment: bool
    carer: Person | None
    carer_relationship: str
    cp_plan: tuple[date, date | None] | None = None
    looked_after: tuple[date, date | None] | None = None


@dataclass(slots=True)
class Family:
    key: int
    background: str
    mother: Person
    father: Person | None
    lone_father: bool = False
    arrived: date | None = None
    left_england: date | None = None
    residences: list[Residence] = field(default_factory=list)
    children: list[Child] = field(default_factory=list)
    claims_benefit: bool = True
    claim_reference: str = ""
    claimant: Person | None = None
    claimant_relationship: str = "mother"
    # the family keeps one GP practice and one school per phase in each authority
    practices: dict[str, Practice] = field(default_factory=dict)
    schools: dict[tuple[str, str], School] = field(default_factory=dict)

    def residence_index(self, day: date) -> int:
        """Index of the residence on ``day`` (-1 before the family's first address)."""
        return bisect_right([r.since for r in self.residences], day) - 1

    def address_on(self, day: date) -> Address:
        return self.residences[max(0, self.residence_index(day))].address

    def previous_address(self, day: date) -> Address | None:
        """The address before the one held on ``day``, if the family had moved."""
        index = self.residence_index(day)
        return self.residences[index - 1].address if index >= 1 else None


@dataclass(slots=True)
class Child:
    key: str
    family: Family
    given_names: list[str]
    family_names: list[tuple[date, str]]
    sex: str
    date_of_birth: date
    father: Person | None
    multiple_birth: int = 0
    born_abroad: bool = False
    died: date | None = None
    death_registered: date | None = None
    gro_birth_entry: str = ""
    birth_registered: date | None = None
    place_of_birth: str = ""
    gro_death_entry: str = ""
    nhs_number: str = ""
    duplicate_nhs_number: str = ""
    practice: Practice | None = None
    practice_since: date | None = None
    upn: str = ""
    former_upn: str = ""
    school: School | None = None
    school_entry: date | None = None
    census_sex: str = "M"
    child_number: int = 0
    award_start: date | None = None
    placements: list[Residence] = field(default_factory=list)
    involvement: Involvement | None = None

    def family_name_on(self, day: date) -> str:
        name = self.family_names[0][1]
        for since, value in self.family_names:
            if since <= day:
                name = value
        return name

    @property
    def family_name(self) -> str:
        return self.family_names[-1][1]

    @property
    def former_family_name(self) -> str | None:
        return self.family_names[-2][1] if len(self.family_names) > 1 else None

    def address_on(self, day: date) -> Address:
        """The child's home on ``day``: a foster placement if one had begun, else the family's."""
        for placement in reversed(self.placements):
            if placement.since <= day:
                return placement.address
        return self.family.address_on(day)

    def previous_address(self, day: date) -> Address | None:
        if any(p.since <= day for p in self.placements):
            return self.family.address_on(day)
        return self.family.previous_address(day)

    def alive_on(self, day: date) -> bool:
        return self.date_of_birth <= day and (self.died is None or self.died > day)

    def in_england_on(self, day: date) -> bool:
        family = self.family
        if family.arrived is not None and family.arrived > day:
            return False
        return family.left_england is None or family.left_england > day


@dataclass(slots=True)
class Unborn:
    """An unborn child on a pre-birth plan: known to children's services through the mother."""

    key: str
    family: Family
    given_names: str
    involvement: Involvement


@dataclass(slots=True)
class Population:
    children: int
    seed: int
    as_of: date
    census_date: date
    geography: Geography
    services: Services
    names: NameBook
    families: list[Family]
    people: list[Child]
    unborn: list[Unborn]

    def facts(self) -> dict[str, int]:
        """Counts that describe the population, for the manifest."""
        people = self.people
        as_of = self.as_of
        return {
            "families": len(self.families),
            "children": len(people),
            "boys": sum(c.sex == "M" for c in people),
            "girls": sum(c.sex == "F" for c in people),
            "sex_not_specified": sum(c.sex == "U" for c in people),
            "twins": sum(c.multiple_birth == 2 for c in people),
            "triplets": sum(c.multiple_birth == 3 for c in people),
            "born_abroad": sum(c.born_abroad for c in people),
            "died": sum(c.died is not None for c in people),
            "left_england": sum(c.family.left_england is not None for c in people),
            "moved_house": sum(len(c.family.residences) > 1 for c in people),
            "changed_family_name": sum(len(c.family_names) > 1 for c in people),
            "duplicate_nhs_records": sum(bool(c.duplicate_nhs_number) for c in people),
            "no_gp": sum(c.practice is None and c.alive_on(as_of) for c in people),
            "on_school_roll": sum(c.school is not None for c in people),
            "known_to_childrens_services": sum(c.involvement is not None for c in people),
            "child_protection_plan": sum(
                c.involvement is not None and c.involvement.cp_plan is not None for c in people
            ),
            "looked_after": sum(
                c.involvement is not None and c.involvement.looked_after is not None for c in people
            ),
            "unborn": len(self.unborn),
        }
