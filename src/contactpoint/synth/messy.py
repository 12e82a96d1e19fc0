"""A messy ``local`` file: many records per child with the failure classes of real sources.

The matcher is measured on it, never trained or tuned on it. ``generate_messy`` builds
the same population as ``generate`` (``build_population``), makes very common names
commoner still — several Olivia Smiths, several Williams born in the same year in
different towns, the people chained false merges are made of — and writes about each
child a varying number of records (geometric around the mean: many children with one
record, some with 25 or more), each as a careless source saw the child on some day of
its life, through ``messy_errors.MessyClerk``. Records are shuffled and numbered after
shuffling, so a record id says nothing about its child. Twins and siblings stay
distinct children. See docs/synthetic-population.md.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date
from pathlib import Path
from random import Random

from contactpoint.synth.generator import LocalFile, build_population, write_local_file
from contactpoint.synth.messy_errors import MESSY_RATES, MessyClerk, MessyRates
from contactpoint.synth.names import NameBook
from contactpoint.synth.population import Child, Family, Population
from contactpoint.synth.sampling import Weighted, chance, day_between
from contactpoint.synth.sources import Rows

# Eastern European family names are spread thin and change with sex (Kowalski/Kowalska):
# no one common name to give them.
_NO_COMMON_FAMILY_NAME = ("eastern_european",)
_COMMON_GIVEN = 10  # how many of the commonest first names a renamed child draws from
_COMMON_FAMILY = 8


def generate_messy(
    out: Path,
    *,
    people: int,
    seed: int,
    as_of: date,
    records_per_person: float = 10.0,
    identifier_rate: float = 0.0,
) -> LocalFile:
    """Write ``out/local.csv`` (the ``local`` feed format) with about ``records_per_person``
    records for each of ``people`` children, and its truth ``out/local-truth.csv``.

    ``identifier_rate`` is the share of records that carry the child's NHS number (half
    as many carry the UPN); by default no record has an identifier. ``errors`` counts
    every error class applied (``common_given_name`` per child renamed,
    ``common_family_name`` per family renamed, the rest per record).
    """
    if records_per_person < 1:
        raise ValueError("records_per_person must be at least 1")
    if not 0 <= identifier_rate <= 1:
        raise ValueError("identifier_rate must be from 0 to 1")
    population, renamed = messy_population(people=people, seed=seed, as_of=as_of)
    rng = Random(f"{seed}:messy:records")
    towns = sorted({a.post_town or a.name for a in population.geography.authorities})
    clerk = MessyClerk(rng, population.names, as_of=as_of, towns=towns)
    written: Rows = []
    for child in population.people:
        last = min(as_of, child.died) if child.died is not None else as_of
        for _ in range(records_for_one_person(rng, records_per_person)):
            day = day_between(rng, child.date_of_birth, last)
            written.append((clerk.record(child, day, identifier_rate=identifier_rate), child.key))
    Random(f"{seed}:messy:order").shuffle(written)
    for number, (row, _) in enumerate(written, start=1):
        row["record_id"] = f"R{number:07d}"
    path, truth = write_local_file(out, written)
    errors = Counter(clerk.counts()) + Counter(renamed)
    return LocalFile(path, truth, len(written), dict(sorted(errors.items())))


def records_for_one_person(rng: Random, mean: float) -> int:
    """How many records a source file holds about one child: 1 + a geometric count.

    With a mean of 10, 10 % of children have one record and 8 % have 25 or more.
    """
    if mean <= 1:
        return 1
    stay = 1 - 1 / mean
    extra = int(math.log(1.0 - rng.random()) / math.log(stay))
    return 1 + min(extra, int(mean * 20))


def messy_population(
    *, people: int, seed: int, as_of: date, rates: MessyRates = MESSY_RATES
) -> tuple[Population, dict[str, int]]:
    """The population ``build_population(children=people …)`` with common names made
    commoner, and how many children and families were renamed."""
    population = build_population(children=people, seed=seed, as_of=as_of)
    rng = Random(f"{seed}:messy:common-names")
    names = population.names
    renamed = {"common_given_name": 0, "common_family_name": 0}
    for family in population.families:
        if chance(rng, rates.common_family_name) and _give_common_family_name(rng, names, family):
            renamed["common_family_name"] += 1
        taken = {child.given_names[0].lower() for child in family.children}
        for child in family.children:
            if chance(rng, rates.common_given_name) and _give_common_given_name(
                rng, names, child, taken
            ):
                renamed["common_given_name"] += 1
    return population, renamed


def _give_common_given_name(rng: Random, names: NameBook, child: Child, taken: set[str]) -> bool:
    """Replace the child's first name by a common one no brother or sister has."""
    if child.sex not in ("M", "F"):
        return False
    common = names.most_common_given(
        child.family.background, child.sex, child.date_of_birth.year, _COMMON_GIVEN
    )
    name = Weighted.zipf(common, 0.7).pick(rng)
    if name.lower() in taken or name in child.given_names:
        return False
    taken.discard(child.given_names[0].lower())
    taken.add(name.lower())
    child.given_names = [name, *child.given_names[1:]]
    return True


def _give_common_family_name(rng: Random, names: NameBook, family: Family) -> bool:
    """Replace the family name most of the family's children carry by a common one."""
    if family.background in _NO_COMMON_FAMILY_NAME or not family.children:
        return False
    carried = Counter(child.family_name for child in family.children)
    old, _ = carried.most_common(1)[0]
    if "-" in old or " " in old:
        return False
    common = names.most_common_family(family.background, _COMMON_FAMILY)
    new = Weighted.zipf(common, 0.8).pick(rng)
    if new == old:
        return False
    for child in family.children:
        child.family_names = [(since, new if n == old else n) for since, n in child.family_names]
    return True
