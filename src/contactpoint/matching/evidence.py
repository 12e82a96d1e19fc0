"""What two sets of records say about being one child or two: twins, brothers and
sisters, a child's own parent, a second NHS record. Pure, like the rest of matching;
``decide`` turns these into decisions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TypeVar

from rapidfuzz.distance import Levenshtein

from contactpoint.matching.coherence import BIRTH, GIVEN, NOT_VARIANTS
from contactpoint.matching.comparisons import COMPARISONS
from contactpoint.matching.record import MatchRecord
from contactpoint.matching.transposed import names_fit

# The date-of-birth levels at which two dates are one birthday: exact, day and month
# swapped, one character different.
BIRTHDAYS_AGREE = (1, 2, 3)
# Two children whose records hold different NHS numbers (and nothing else says two).
TWO_NHS_RECORDS = "two NHS numbers"

K = TypeVar("K", bound=Hashable)


def why_two(
    one: Sequence[MatchRecord],
    other: Sequence[MatchRecord],
    identifiers: tuple[str, ...] = ("nhs_number", "upn"),
) -> str | None:
    """What in the two children's records says they are two children (None: nothing),
    looking at ``identifiers`` and everything else."""
    if any(r.registered_birth for r in one) and any(r.registered_birth for r in other):
        return "two birth registrations"  # a re-registration is for a person to see
    for identifier in identifiers:
        mine = {getattr(r, identifier) for r in one} - {None}
        theirs = {getattr(r, identifier) for r in other} - {None}
        if mine and theirs and not mine & theirs:
            return TWO_NHS_RECORDS if identifier == "nhs_number" else "two UPNs"
    lines = {r.benefit_line for r in (*one, *other) if r.benefit_line}
    claims = [line.split("/")[0] for line in lines]
    if len(claims) != len(set(claims)):
        return "two lines of one claim"  # brothers or sisters
    gender, other_gender = recorded_gender(one), recorded_gender(other)
    if gender and other_gender and gender != other_gender:
        return "two genders"
    born = [r.dob_days for r in one if r.dob_days is not None]
    also = [r.dob_days for r in other if r.dob_days is not None]
    if born and also and not any(abs(a - b) <= 365 for a in born for b in also):
        return "birthdays more than a year apart"
    if unrelated_given_names(one, other):
        return "given names that are not variants of each other"
    return None


def named_or_identified(record: MatchRecord, records: Sequence[MatchRecord]) -> bool:
    """The record's names fit one of the child's records (``transposed.names_fit``), or
    it holds one of the child's NHS numbers or UPNs: a new surname after a move is still
    the child the identifier names."""
    return names_fit(record, records) or any(
        (record.nhs_number and r.nhs_number == record.nhs_number)
        or (record.upn and r.upn == record.upn)
        for r in records
    )


def two_birthdays(
    one: Sequence[MatchRecord],
    other: Sequence[MatchRecord],
    placeholder: Callable[[str], bool],
) -> bool:
    """Both children hold dates of birth that are not placeholders, and none of one's is
    the other's (exactly, day and month swapped, or one character out): two children
    born the same year, whatever a record with only the year or a placeholder says."""
    born = [r for r in one if r.dob and not placeholder(r.dob)]
    also = [r for r in other if r.dob and not placeholder(r.dob)]
    birth = COMPARISONS[BIRTH]
    return bool(born and also) and not any(
        birth.level_of(a, b) in BIRTHDAYS_AGREE for a in born for b in also
    )


def birthday_in_common(record: MatchRecord, records: Sequence[MatchRecord]) -> bool:
    """The record's date of birth is one of the child's: exactly, day and month swapped,
    or one character out (a placeholder counts only where both hold it)."""
    birth = COMPARISONS[BIRTH]
    return any(birth.level_of(record, r) in BIRTHDAYS_AGREE for r in records)


def unrelated_given_names(one: Sequence[MatchRecord], other: Sequence[MatchRecord]) -> bool:
    """No given name of one child is a variant (the same, a nickname, another of its
    names, a typo) of any of the other's: Sienna and Victoria, two sisters."""
    given = COMPARISONS[GIVEN]
    named = [r for r in one if r.given_first]
    also = [r for r in other if r.given_first]
    return bool(named and also) and all(
        given.level_of(a, b) in NOT_VARIANTS for a in named for b in also
    )


def recorded_gender(records: Sequence[MatchRecord]) -> str | None:
    """The gender most of a child's records give (None: none given, or a tie) — one
    mis-keyed record does not make a child of two genders. A gender given by one record
    alone counts only from a birth registration or an NHS record: a child founded by a
    record keyed with the wrong gender is not thereby another child."""
    counts = Counter(r.gender for r in records if r.gender).most_common(2)
    if not counts or (len(counts) == 2 and counts[0][1] == counts[1][1]):
        return None
    gender, given = counts[0]
    if given < 2 and not any(
        r.gender == gender and (r.registered_birth or r.nhs_number) for r in records
    ):
        return None
    return gender


def registered_one(child: K, other: K, candidates: Mapping[K, Sequence[MatchRecord]]) -> K | None:
    """Of two children, the one whose birth registration the index holds, if only one."""
    held = [k for k in (child, other) if any(r.registered_birth for r in candidates[k])]
    return held[0] if len(held) == 1 else None


def multiple_birth(one: Sequence[MatchRecord], other: Sequence[MatchRecord]) -> bool:
    """Two children born the same day into the same family (name or home) under
    different first names: twins, not one child held twice."""
    births = {r.dob for r in one} & {r.dob for r in other} - {None}
    if not births:
        return False
    families = {r.family for r in one} & {r.family for r in other} - {None}
    homes = {r.address for r in one} & {r.address for r in other} - {None}
    postcodes = {r.postcode for r in one} & {r.postcode for r in other} - {None}
    if not (families or homes or postcodes):
        return False
    if two_registrations(one, other):
        return True
    # Twins' names are often alike (Amelia and Emily, Jack and Jake): any first names
    # that differ count as two children here; only names one child could bear (the
    # same names in another order, or the same first name) are one child held twice.
    # A child known by no given name (or by an initial only) cannot be told a twin.
    named = [(a, b) for a in one for b in other if a.given_first and b.given_first]
    return bool(named) and not any(one_childs_names(a, b) for a, b in named)


def two_registrations(one: Sequence[MatchRecord], other: Sequence[MatchRecord]) -> bool:
    """Each child holds a birth registration of the same day, under given names that are
    not the same: two births were registered, whatever the names — twins registered as
    "Mohammed" and "Mohammed Ismail" are two children though one name could be the
    other's cut short. (A re-registration of one child repeats the given names.)"""
    mine = [r for r in one if r.registered_birth and r.dob]
    theirs = [r for r in other if r.registered_birth and r.dob]
    return any(a.dob == b.dob and not same_given_names(a, b) for a in mine for b in theirs)


def one_childs_names(one: MatchRecord, other: MatchRecord) -> bool:
    """Whether two records' given names could be one child's: the same names in any
    order, or the same first name — unless both go on with other names and none of
    those is the other's (a typo apart): brothers, twins among them, are often both
    Mohammed first, and Mohammed Talha and Mohammed Ibrahim are two."""
    mine, theirs = one.given_tokens or (), other.given_tokens or ()
    if set(mine) == set(theirs):
        return True
    if one.given_first != other.given_first:
        return False
    if len(mine) < 2 or len(theirs) < 2:
        return True  # a middle name left off
    return any(typo_apart(a, b) for a in mine[1:] for b in theirs[1:])


# The shortest given name taken for a short form of a longer one: "Abdi" for Abdirahman,
# "Alex" for Alexander; two letters ("Mo", "Jo") begin too many names to say anything.
SHORTEST_SHORT_FORM = 3


def short_form_of(record: MatchRecord, records: Sequence[MatchRecord]) -> bool:
    """The record's first given name begins another's first given name in ``records``:
    a short form cut from the full name (Abdi for Abdirahman, Sam for Samuel), in any
    language and whether or not a nickname list knows it."""
    name = record.given_first
    if name is None or len(name) < SHORTEST_SHORT_FORM:
        return False
    return any(
        r.given_first and r.given_first != name and r.given_first.startswith(name) for r in records
    )


def one_family(record: MatchRecord, records: Sequence[MatchRecord]) -> bool:
    """The record names the child's own parent, with the child's given names, birthday
    and gender: the same child, whatever a move and a new surname did to the score.

    A family's move and a mother's new surname (a claim made weeks after the birth
    registration, from another address, under another name) take away the evidence the
    model weighs; the parent's name, the very same given names and birthday put it back.
    Brothers and sisters (another birthday) and twins (other given names) never meet
    this, so it is a rule and not a comparison of the model: in the model, parents'
    names would count as evidence for brothers and sisters too."""
    if not record.carer_given or not record.dob:
        return False
    parents = set(record.carer_given)
    return any(
        r.carer_given
        and parents.intersection(r.carer_given)
        and record.dob in (r.dob, r.dob_swapped)
        and not (record.gender and r.gender and record.gender != r.gender)
        and same_given_names(record, r)
        for r in records
    )


def same_given_names(one: MatchRecord, other: MatchRecord) -> bool:
    """The same given names, in any order, allowing a typo in each ("Mariam Noor" and
    "Noor Maryam"), as opposed to names of which only one is shared ("Lottie Grace" and
    "Grace")."""
    mine, theirs = list(one.given_tokens or ()), list(other.given_tokens or ())
    if not mine or len(mine) != len(theirs):
        return False
    for name in mine:
        match = next((t for t in theirs if typo_apart(name, t)), None)
        if match is None:
            return False
        theirs.remove(match)
    return True


def typo_apart(one: str, other: str) -> bool:
    distance = Levenshtein.distance(one, other, score_cutoff=2)
    return distance <= 1 or (distance <= 2 and min(len(one), len(other)) >= 6)
