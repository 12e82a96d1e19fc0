"""What happens to each child: birth registration, NHS number and GP, school, child
benefit, and death.

Rates: deaths about 0.3 % (most in the first year), no GP 1 %, a second (duplicate) NHS
record 0.3 %, no school place for 1 % of children of school age, child benefit claimed
by about 96 % of families (fewer of those who came from abroad).
"""

from __future__ import annotations

from datetime import date, timedelta
from random import Random

from contactpoint.synth.geography import LocalAuthority
from contactpoint.synth.names import NameBook
from contactpoint.synth.numbering import Numbering
from contactpoint.synth.population import Child, Family, Person
from contactpoint.synth.sampling import chance, day_between
from contactpoint.synth.services import School, Services

INFANT_DEATH = 0.0018
LATER_DEATH = 0.0012
NO_GP = 0.01
DUPLICATE_NHS_RECORD = 0.003
MISSING_EDUCATION = 0.01
TEMPORARY_UPN = 0.015
CLAIMS = 0.96
CLAIMS_AFTER_ARRIVING = 0.85
SIBLINGS_AT_ONE_SCHOOL = 0.85
_THURSDAY = 3


def census_date(as_of: date) -> date:
    """The last School Census day on or before ``as_of``: the third Thursday of January
    or May, or the first Thursday of October."""
    days = []
    for year in (as_of.year - 1, as_of.year):
        days += [_thursday(year, 1, 3), _thursday(year, 5, 3), _thursday(year, 10, 1)]
    return max(day for day in days if day <= as_of)


def _thursday(year: int, month: int, nth: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(_THURSDAY - first.weekday()) % 7 + 7 * (nth - 1))


def year_group(date_of_birth: date, day: date) -> int:
    """National curriculum year on ``day``: 0 is Reception, 11 is Year 11."""
    school_year = day.year if day.month >= 9 else day.year - 1
    cohort = date_of_birth.year if date_of_birth.month >= 9 else date_of_birth.year - 1
    return school_year - cohort - 5


def live(
    rng: Random,
    names: NameBook,
    families: list[Family],
    services: Services,
    as_of: date,
    census: date,
) -> None:
    """Register, enrol and (rarely) bury every child of every family."""
    numbers = Numbering(rng)
    for family in families:
        _set_up_claim(rng, names, numbers, family)
        for child in family.children:
            _perhaps_die(rng, numbers, child, as_of)
            _register_birth(rng, numbers, child, as_of)
            _register_with_gp(rng, numbers, services, child, as_of)
            _go_to_school(rng, numbers, services, child, census)
            _claim_benefit(rng, child, as_of)
            child.census_sex = child.sex if child.sex in ("M", "F") else rng.choice("MF")
        on_claim = sorted(
            (c for c in family.children if c.award_start is not None),
            key=lambda c: (c.award_start, c.key),
        )
        for number, child in enumerate(on_claim, start=1):
            child.child_number = number


def _set_up_claim(rng: Random, names: NameBook, numbers: Numbering, family: Family) -> None:
    family.claims_benefit = chance(rng, CLAIMS_AFTER_ARRIVING if family.arrived else CLAIMS)
    if not family.claims_benefit:
        return
    family.claim_reference = numbers.child_benefit_reference()
    mother = family.mother
    roll = rng.random()
    if family.father is not None and (family.lone_father or roll < 0.04):
        family.claimant, family.claimant_relationship = family.father, "father"
    elif roll < 0.065:
        grandmother = Person(
            names.parent_given(rng, "white_british", "F"),
            mother.maiden_name or mother.family_name,
            "F",
        )
        family.claimant, family.claimant_relationship = grandmother, "grandparent"
    elif roll < 0.075:
        aunt = Person(
            names.parent_given(rng, family.background, "F"),
            mother.maiden_name or mother.family_name,
            "F",
        )
        family.claimant, family.claimant_relationship = aunt, "other-relative"
    elif roll < 0.08:
        friend = Person(
            names.parent_given(rng, family.background, "F"),
            names.family(rng, family.background),
            "F",
        )
        family.claimant, family.claimant_relationship = friend, "other"
    else:
        family.claimant, family.claimant_relationship = mother, "mother"


def _perhaps_die(rng: Random, numbers: Numbering, child: Child, as_of: date) -> None:
    roll = rng.random()
    latest = as_of - timedelta(days=12)
    born = child.date_of_birth
    if roll < INFANT_DEATH:
        days = rng.randint(0, 27) if chance(rng, 0.6) else rng.randint(28, 364)
        died = born + timedelta(days=days)
    elif roll < INFANT_DEATH + LATER_DEATH and born + timedelta(days=365) <= latest:
        died = day_between(rng, born + timedelta(days=365), latest)
    else:
        return
    if died > latest or not child.in_england_on(died):
        return
    child.died = died
    registered = died + timedelta(days=rng.randint(1, 10))
    child.death_registered = registered
    district = rng.choice(child.family.address_on(died).authority.gro_districts)
    child.gro_death_entry = numbers.gro_death_entry(registered.year, district)


def _register_birth(rng: Random, numbers: Numbering, child: Child, as_of: date) -> None:
    if child.born_abroad:
        return
    child.nhs_number = numbers.nhs_number()  # allocated at the birth notification
    registered = child.date_of_birth + timedelta(days=rng.randint(2, 42))
    if registered > as_of:
        return  # not registered yet: births have 42 days
    home = child.family.address_on(child.date_of_birth)
    authority = home.authority
    district = rng.choice(authority.gro_districts)
    child.gro_birth_entry = numbers.gro_birth_entry(registered.year, district)
    child.birth_registered = registered
    roll = rng.random()
    if roll < 0.955:
        child.place_of_birth = rng.choice(authority.hospitals)
    elif roll < 0.98:
        child.place_of_birth = home.text  # born at home
    else:
        child.place_of_birth = ""


def _register_with_gp(
    rng: Random, numbers: Numbering, services: Services, child: Child, as_of: date
) -> None:
    family = child.family
    duplicate = chance(rng, DUPLICATE_NHS_RECORD)
    if not child.alive_on(as_of) or chance(rng, NO_GP):
        return
    if family.left_england is not None and chance(rng, 0.5):
        return  # removed from the GP list on emigrating
    if child.born_abroad:
        assert family.arrived is not None
        registered = family.arrived + timedelta(days=rng.randint(7, 150))
    else:
        registered = child.date_of_birth + timedelta(days=rng.randint(14, 56))
    authority = family.address_on(as_of).authority
    moved_in = _moved_into(family, authority, as_of)
    if moved_in > registered:
        registered = moved_in + timedelta(days=rng.randint(7, 120))
    practice = family.practices.get(authority.gss)
    if practice is None:
        practice = rng.choice(services.practices[authority.gss])
        family.practices[authority.gss] = practice
    child.practice = practice
    child.practice_since = min(registered, as_of)
    if not child.nhs_number:
        child.nhs_number = numbers.nhs_number()
    if duplicate:
        child.duplicate_nhs_number = numbers.nhs_number()


def _moved_into(family: Family, authority: LocalAuthority, day: date) -> date:
    """When the family last came to live in ``authority`` (as of ``day``)."""
    index = family.residence_index(day)
    since = family.residences[max(0, index)].since
    while index > 0 and family.residences[index - 1].address.authority is authority:
        index -= 1
        since = family.residences[index].since
    return since


def _go_to_school(
    rng: Random, numbers: Numbering, services: Services, child: Child, census: date
) -> None:
    group = year_group(child.date_of_birth, census)
    if not 0 <= group <= 11:
        return
    if not child.alive_on(census) or not child.in_england_on(census):
        return
    if chance(rng, MISSING_EDUCATION):
        return
    family = child.family
    authority = family.address_on(census).authority
    phase = "primary" if group <= 6 else "secondary"
    school = _school_for(rng, services, family, authority, phase)
    school_year = census.year if census.month >= 9 else census.year - 1
    reception = school_year - group
    entry = date(reception + (7 if phase == "secondary" else 0), 9, rng.randint(2, 8))
    moved_in = _moved_into(family, authority, census)
    if moved_in > entry:
        entry = moved_in + timedelta(days=rng.randint(5, 60))
    child.school = school
    child.school_entry = min(entry, census)

    # the UPN was allocated when the child first joined a school in England
    first = date(reception, 9, 3)
    if family.arrived is not None and family.arrived > first:
        first = family.arrived + timedelta(days=rng.randint(14, 90))
    first = min(first, census)
    first_phase = "primary" if first < date(reception + 7, 8, 1) else "secondary"
    first_authority = family.address_on(first).authority
    first_school = _school_for(rng, services, family, first_authority, first_phase)
    child.upn = numbers.upn(first_authority.dfe, first_school.establishment, first.year)
    if chance(rng, TEMPORARY_UPN):
        child.former_upn = numbers.temporary_upn(
            first_authority.dfe, first_school.establishment, first.year
        )


def _school_for(
    rng: Random, services: Services, family: Family, authority: LocalAuthority, phase: str
) -> School:
    """Brothers and sisters usually go to the same school."""
    key = (authority.gss, phase)
    school = family.schools.get(key)
    if school is None or not chance(rng, SIBLINGS_AT_ONE_SCHOOL):
        school = rng.choice(services.schools[key])
        family.schools.setdefault(key, school)
    return school


def _claim_benefit(rng: Random, child: Child, as_of: date) -> None:
    family = child.family
    if not family.claims_benefit:
        return
    if child.born_abroad:
        assert family.arrived is not None
        start = family.arrived + timedelta(days=rng.randint(14, 150))
    else:
        start = child.date_of_birth + timedelta(days=rng.randint(7, 90))
    if start <= as_of:
        child.award_start = start
