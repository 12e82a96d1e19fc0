"""Whether a record fits a child as a whole, not just one of the child's records.

A child grows one record at a time, so a record that fits any one of them could chain
strangers together. These rules, used by ``decide``, look at the child as a whole: its
dates of birth, the records that say as much as the incoming one, and the closest given
name it is known by (an initial counts as a missing name, its letter checked apart).
Pure: records in, a level or a reason out.
"""

from __future__ import annotations

from collections.abc import Sequence

from contactpoint.matching.comparisons import COMPARISONS
from contactpoint.matching.keys import numbered
from contactpoint.matching.model import MatchModel
from contactpoint.matching.record import MatchRecord


def _position(name: str) -> int:
    return next(i for i, c in enumerate(COMPARISONS) if c.name == name)


def _level(comparison: int, label: str) -> int:
    return next(i for i, lv in enumerate(COMPARISONS[comparison].levels) if lv.label == label)


GIVEN = _position("given_name")
FAMILY = _position("family_name")
BIRTH = _position("date_of_birth")
GIVEN_DIFFERENT = len(COMPARISONS[GIVEN].levels) - 1
EXACT = 1  # every comparison's level after the null level
YEAR_APART = len(COMPARISONS[BIRTH].levels) - 1
DATE_OF_BIRTH_CONFLICT = "a date of birth more than a year from most of the child's"
FITS_ONLY_INCOMPLETE_RECORDS = "fits only the child's records that lack a name or date of birth"
# Given-name levels of two names that are not variants of one another: they only sound
# alike (Molly and Millie), or differ. Exact, nickname, another given name and typo are
# variants; a missing name (an initial counts as one, its letter checked apart) is neither.
NOT_VARIANTS = (_level(GIVEN, "sounds alike"), GIVEN_DIFFERENT)


def incoherent(
    model: MatchModel, review: float, record: MatchRecord, records: Sequence[MatchRecord]
) -> str | None:
    """Why the record does not fit the child as a whole, though it fits one record.

    A child grows one record at a time, so a record that fits any one of them could
    chain strangers together: "William, born 1 Jan 2014" joins William Cooper, then
    "William Routledge, born 1 Jan 2014" joins through it. So the record must also fit
    the child's records that say as much as it does (those with each of its given name,
    family name and date of birth); and its date of birth (without one, the year it
    gives) must not be more than a year from most of the dates of birth the child holds.
    """
    if record.dob is not None and not birthday_mistyped(record, records):
        # Where a placeholder is one of the two, by the years (``MatchModel.birth_level``).
        levels = [model.birth_level(record, r) for r in records if r.dob is not None]
        conflicts = sum(level == YEAR_APART for level in levels)
        if conflicts and conflicts >= len(levels) - conflicts:
            return DATE_OF_BIRTH_CONFLICT
    year = record.birth_year
    if record.dob is None and year is not None and not birthday_mistyped(record, records):
        # Only the year is known ("2014", or a garbled date): years apart all the same.
        years = [r.birth_year for r in records if r.dob is not None and r.birth_year]
        conflicts = sum(abs(other - year) > 1 for other in years)
        if conflicts and conflicts >= len(years) - conflicts:
            return DATE_OF_BIRTH_CONFLICT
    fields = [f for f in ("given_first", "family", "dob") if getattr(record, f) is not None]
    comparable = [r for r in records if all(getattr(r, f) is not None for f in fields)]
    if (
        comparable
        and len(comparable) < len(records)
        and max(model.weight(record, r) for r in comparable) < review
    ):
        return FITS_ONLY_INCOMPLETE_RECORDS
    return None


def birthday_mistyped(record: MatchRecord, records: Sequence[MatchRecord]) -> bool:
    """The record has all the given names, the family name and the house (a numbered
    first line of the address) of one of the child's records, letter for letter: a date
    of birth years apart is then a slip of the keyboard, not another child. Brothers and
    sisters do not share all their given names (two brothers may both be Muhammad first:
    Muhammad and Muhammad Hamza are two), and a twin's differ too."""
    if not (record.given_tokens and record.family and numbered(record.address)):
        return False
    mine = (record.given_tokens, record.family, record.address)
    return any((r.given_tokens, r.family, r.address) == mine for r in records if r.dob)


def complete(record: MatchRecord) -> bool:
    return None not in (record.given_first, record.family, record.dob)


def given_fit(record: MatchRecord, records: Sequence[MatchRecord]) -> int:
    """The closest given-name level the record reaches with any of a child's records.

    Where no pair has given names on both sides, 0 (missing) — unless both have
    initials at least and the record's first is none of the child's: different."""
    given = COMPARISONS[GIVEN]
    known = [level for r in records if (level := given.level_of(record, r)) != 0]
    if known:
        return min(known)
    letter = initial(record)
    letters = {initial(r) for r in records} - {None}
    return GIVEN_DIFFERENT if letter and letters and letter not in letters else 0


def initial(record: MatchRecord) -> str | None:
    """The first letter of the record's given names, whether a name or an initial."""
    name = record.given_first or (record.given_tokens[0] if record.given_tokens else None)
    return name[0] if name else None
