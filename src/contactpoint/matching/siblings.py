"""A brother or sister told from the child: given names that are two children's.

Within one family at one home the family name and the house agree whatever the child;
the given names and the date of birth are what tell a brother or sister apart. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence

from contactpoint.matching.coherence import NOT_VARIANTS, given_fit
from contactpoint.matching.evidence import birthday_in_common, short_form_of, typo_apart
from contactpoint.matching.record import MatchRecord


def brother_or_sister(
    record: MatchRecord, records: Sequence[MatchRecord], given_level: int | None = None
) -> bool:
    """Another given name (not one cut short: Arch for Archie), and no birthday to say
    otherwise (a date missing on one side, or dates that differ): in one family, at one
    home, a brother or sister — "Mila Jenkins, born 2019-01-01" beside "Rosie Isabella
    Jenkins, born 2019" — however much the family and the home add up to.
    ``given_level``: ``given_fit(record, records)``, when worked out already."""
    if given_level is None:
        given_level = given_fit(record, records)
    named = [r for r in records if r.given_tokens]
    other_names = given_level in NOT_VARIANTS or (
        bool(named) and record.given_tokens and all(two_childrens_names(record, r) for r in named)
    )
    return (
        bool(other_names)
        and not birthday_in_common(record, records)
        and not short_form_of(record, records)
        and not any(short_form_of(r, [record]) for r in records)
    )


def two_childrens_names(record: MatchRecord, other: MatchRecord) -> bool:
    """Each record has a given name the other has not (a typo apart), the first names
    not one the other's nickname or cut short: two children's names, for all one name is
    shared — Muhammad Rahim and Muhammad Adam, Malak Mohamed and Fatima Mohamed."""
    mine, theirs = record.given_tokens or (), other.given_tokens or ()
    return (
        any(not any(typo_apart(a, b) for b in theirs) for a in mine)
        and any(not any(typo_apart(b, a) for a in mine) for b in theirs)
        and not _nickname(record, other)
        and not first_name_cut(record, other)
    )


def _nickname(record: MatchRecord, other: MatchRecord) -> bool:
    """One first name is a nickname of the other (not the very same name)."""
    one, two = record.given_first, other.given_first
    return one != two and (
        one in (other.given_variants or ()) or two in (record.given_variants or ())
    )


def first_name_cut(record: MatchRecord, other: MatchRecord) -> bool:
    """The same middle names in the same order, and first names one cut from the other
    ("Liv Louisa" and Olivia Louisa, "Mo Hamza" and Mohammed Hamza, "Seun" in
    Oluwaseun) or beginning alike (Evie Marie, Evelyn Marie): one child's names."""
    mine, theirs = record.given_tokens or (), other.given_tokens or ()
    if len(mine) < 2 or mine[1:] != theirs[1:]:
        return False
    a, b = mine[0], theirs[0]
    return min(len(a), len(b)) >= 2 and (a in b or b in a or a[:2] == b[:2])
