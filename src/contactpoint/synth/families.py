"""Households: parents, children, their names, and where and when they lived.

A family has a mother, usually a father, sometimes an earlier partner whose children are
the older half-siblings, one to five births (twins or triplets now and then), and an
address history with moves (about 10 % of families a year, a quarter of them to another
authority). Some families arrived from abroad (their earlier children were born
abroad), some later leave England, and some mothers marry after their children are
born, which changes the children's family name.
"""

from __future__ import annotations

from datetime import date, timedelta
from random import Random

from contactpoint.synth.geography import Geography, LocalAuthority
from contactpoint.synth.names import NameBook, feminine, masculine
from contactpoint.synth.population import Child, Family, Person, Progress, Residence
from contactpoint.synth.sampling import Weighted, chance, day_between

BIRTHS_PER_MOTHER = Weighted([1, 2, 3, 4, 5], [22, 42, 22, 10, 4])
MULTIPLE_BIRTHS = Weighted([1, 2, 3], [1 - 0.016 - 0.0003, 0.016, 0.0003])
MOVES_PER_YEAR = 0.10
MOVE_OUT_OF_AUTHORITY = 0.25
LEAVE_ENGLAND = 0.012
STEP_FAMILY = 0.08
LONE_MOTHER_REGISTERS_ALONE = 0.25  # no father on the birth registration
MARRY_LATER = 0.2
# share of families of each background that came to England with or before their children
ARRIVED_FROM_ABROAD = {
    "white_british": 0.02, "black_caribbean": 0.04, "black_african": 0.36, "pakistani": 0.1,
    "indian": 0.2, "bangladeshi": 0.1, "eastern_european": 0.56, "arabic_somali": 0.4,
    "chinese": 0.4,
}  # fmt: skip
MARRIED_AT_FIRST_BIRTH = {
    "white_british": 0.45, "black_caribbean": 0.3, "black_african": 0.75, "pakistani": 0.95,
    "indian": 0.92, "bangladeshi": 0.95, "eastern_european": 0.65, "arabic_somali": 0.85,
    "chinese": 0.85,
}  # fmt: skip
LONE_MOTHER = {"white_british": 0.2, "black_caribbean": 0.4, "black_african": 0.25}
DOUBLE_BARRELLED = {"white_british": 0.1, "black_caribbean": 0.12, "black_african": 0.05}


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def make_families(
    rng: Random,
    names: NameBook,
    geography: Geography,
    *,
    children: int,
    as_of: date,
    progress: Progress | None = None,
) -> list[Family]:
    """Families until there are exactly ``children`` children, all under 18 on ``as_of``."""
    earliest = years_before(as_of, 18) + timedelta(days=1)
    families: list[Family] = []
    made = 0
    while made < children:
        family = _family(rng, names, geography, len(families) + 1, earliest, as_of)
        if len(family.children) > children - made:
            _keep_first(family, children - made)
        for child in family.children:
            made += 1
            child.key = f"C{made:07d}"
        families.append(family)
        if progress is not None and len(families) % 2000 == 0:
            progress("population", made, children)
    return families


def _keep_first(family: Family, count: int) -> None:
    """Trim the last family to the children still wanted, keeping twin counts honest."""
    del family.children[count:]
    for child in family.children:
        born_together = sum(c.date_of_birth == child.date_of_birth for c in family.children)
        child.multiple_birth = born_together if born_together > 1 else 0


def _birth_plan(rng: Random, earliest: date, as_of: date) -> list[tuple[date, int]]:
    """Dates of all the mother's births (oldest first) and how many babies each was.

    The births are placed anywhere that overlaps the 18 years before ``as_of``, so some
    may be of children now adult or not yet born; only those inside become children of
    the population. That keeps the ages flat, as in life.
    """
    gaps = [rng.randint(460, 1900) for _ in range(BIRTHS_PER_MOTHER.pick(rng) - 1)]
    first = day_between(rng, earliest - timedelta(days=sum(gaps)), as_of)
    dates = [first]
    for gap in gaps:
        dates.append(dates[-1] + timedelta(days=gap))
    return [(day, MULTIPLE_BIRTHS.pick(rng)) for day in dates]


def _family(
    rng: Random, names: NameBook, geography: Geography, key: int, earliest: date, as_of: date
) -> Family:
    authority = geography.by_weight.pick(rng)
    background = authority.mix.pick(rng)
    father_background = background
    if chance(rng, 0.06):  # parents of different backgrounds
        father_background = authority.mix.pick(rng)
    births = _birth_plan(rng, earliest, as_of)
    first_birth = births[0][0]
    first_here = next(born for born, _ in births if born >= earliest)

    # older half-siblings from the mother's earlier partner
    earlier_partner: Person | None = None
    step_births = 0
    if len(births) >= 2 and chance(rng, STEP_FAMILY):
        earlier_partner = _man(rng, names, background)
        step_births = rng.randint(1, len(births) - 1)

    own_name = feminine(names.own_family_name_of_woman(rng, background))
    mother = Person(names.parent_given(rng, background, "F"), own_name, "F", own_name)
    father: Person | None = _man(rng, names, father_background)
    lone_mother = chance(rng, LONE_MOTHER.get(background, 0.08))
    if lone_mother and chance(rng, LONE_MOTHER_REGISTERS_ALONE):
        father = None
    married = father is not None and not lone_mother
    married = married and chance(rng, MARRIED_AT_FIRST_BIRTH[background])
    if married and father is not None:
        mother.family_name = feminine(father.family_name)
        if step_births:
            mother.married_on = births[step_births - 1][0] + timedelta(days=rng.randint(60, 400))
        else:
            mother.married_on = years_before(first_birth, rng.randint(1, 8))

    family = Family(key, background, mother, None if lone_mother else father)
    family.lone_father = not lone_mother and chance(rng, 0.02)
    if chance(rng, ARRIVED_FROM_ABROAD[background]):
        latest = as_of - timedelta(days=30)
        family.arrived = day_between(rng, max(first_here - timedelta(days=730), earliest), latest)

    taken: set[str] = set()
    for index, (born, multiplicity) in enumerate(births):
        if not earliest <= born <= as_of:
            continue  # an adult brother or sister, or a child not yet born
        child_father = earlier_partner if index < step_births else father
        surname = _surname(
            rng, names, background, mother, child_father, married and index >= step_births
        )
        _add_births(rng, names, family, born, multiplicity, surname, child_father, taken)

    _lay_out_life(rng, geography, family, authority, as_of)
    _marry_later(rng, names, family, as_of)
    return family


def _man(rng: Random, names: NameBook, background: str) -> Person:
    return Person(names.parent_given(rng, background, "M"), names.family(rng, background), "M")


def _surname(
    rng: Random,
    names: NameBook,
    background: str,
    mother: Person,
    father: Person | None,
    married: bool,
) -> str:
    """The family name a child is registered with (the masculine form, for a family whose
    names have one)."""
    mothers = masculine(mother.maiden_name or mother.family_name)
    if names.is_womans_name(mothers):  # Begum, Kaur: the child takes a family name
        mothers = father.family_name if father else names.family(rng, background)
    if father is None:
        return mothers
    double = DOUBLE_BARRELLED.get(background, 0.01)
    roll = rng.random()
    if married:
        if roll < double * 0.6:
            return _double_barrelled(rng, father.family_name, mothers)
        return father.family_name
    if roll < double * 1.5:
        return _double_barrelled(rng, father.family_name, mothers)
    if roll < 0.3:
        return mothers
    return father.family_name


def _double_barrelled(rng: Random, fathers: str, mothers: str) -> str:
    if "-" in fathers or "-" in mothers or fathers == mothers:
        return fathers
    return f"{fathers}-{mothers}" if chance(rng, 0.5) else f"{mothers}-{fathers}"


def _add_births(
    rng: Random,
    names: NameBook,
    family: Family,
    born: date,
    multiplicity: int,
    surname: str,
    father: Person | None,
    taken: set[str],
) -> None:
    identical = multiplicity > 1 and chance(rng, 0.3)
    first_sex = ""
    first_name = ""
    for order in range(multiplicity):
        roll = rng.random()
        sex = "U" if roll < 0.0005 else "M" if roll < 0.5105 else "F"
        if order and identical:
            sex = first_sex
        given_first = None
        if order and chance(rng, 0.4):  # twins' names are often alike
            given_first = names.twin(rng, first_name, first_sex, sex)
            if given_first is not None and given_first.lower() in taken:
                given_first = None
        given = names.child_given_names(
            rng,
            background=family.background,
            sex=sex,
            year=born.year,
            family_name=surname,
            father_given=father.given_names if father else None,
            taken=taken,
            first=given_first,
        )
        first = given[1] if given[0] in ("Muhammad", "Mohammed") and len(given) > 1 else given[0]
        taken.add(first.lower())
        if order == 0:
            first_sex, first_name = sex, first
        name = feminine(surname) if sex == "F" else surname
        child = Child(
            key="",
            family=family,
            given_names=given,
            family_names=[(born, name)],
            sex=sex,
            date_of_birth=born,
            father=father,
            multiple_birth=multiplicity if multiplicity > 1 else 0,
        )
        family.children.append(child)


def _lay_out_life(
    rng: Random, geography: Geography, family: Family, home: LocalAuthority, as_of: date
) -> None:
    """Address history: a first home, moves, and perhaps leaving England."""
    first_birth = family.children[0].date_of_birth
    start = family.arrived or first_birth - timedelta(days=rng.randint(30, 1500))
    current = home
    family.residences.append(Residence(start, geography.address(rng, current)))
    moved = start
    while True:
        moved = moved + timedelta(days=max(1, int(rng.expovariate(MOVES_PER_YEAR) * 365.25)))
        if moved > as_of:
            break
        if chance(rng, MOVE_OUT_OF_AUTHORITY):
            current = geography.other_authority(rng, current)
        family.residences.append(Residence(moved, geography.address(rng, current)))
    for child in family.children:
        child.born_abroad = family.arrived is not None and child.date_of_birth < family.arrived
    if chance(rng, LEAVE_ENGLAND):
        youngest = family.children[-1].date_of_birth
        if youngest + timedelta(days=60) < as_of:
            family.left_england = day_between(rng, youngest + timedelta(days=60), as_of)


def _marry_later(rng: Random, names: NameBook, family: Family, as_of: date) -> None:
    """An unmarried mother marries the father or a new partner; children named after her
    (or an earlier partner) may take her husband's name."""
    mother = family.mother
    if mother.married_on is not None or family.lone_father or not chance(rng, MARRY_LATER):
        return
    first_birth = family.children[0].date_of_birth
    wedding = day_between(rng, first_birth + timedelta(days=180), as_of)
    if wedding >= as_of:
        return
    husband = family.father
    if husband is None:  # a lone mother marries a new partner, the children's step-father
        husband = _man(rng, names, family.background)
        family.father = husband
    mother.married_on = wedding
    mother.maiden_name = mother.family_name
    mother.family_name = feminine(husband.family_name)
    for child in family.children:
        current = child.family_name
        if child.date_of_birth >= wedding or husband.family_name in current:
            continue
        if chance(rng, 0.6):
            renamed = wedding + timedelta(days=rng.randint(0, 365))
            if renamed < as_of:
                name = feminine(husband.family_name) if child.sex == "F" else husband.family_name
                child.family_names.append((renamed, name))
