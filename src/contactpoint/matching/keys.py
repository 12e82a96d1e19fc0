"""Blocking keys: short strings two records of the same child very probably share.

Kept in an indexed table, so finding the candidates for a record is a few index lookups
whatever the size of the index. Each key family catches what the others miss: an
identifier; a date of birth with either name's sound or the postcode district; a
postcode with the birth year; both names' sounds with the birth year (a wrong date);
the day-and-month-swapped date with the family name's sound.
"""

from __future__ import annotations

from contactpoint.matching.record import MatchRecord


def blocking_keys(record: MatchRecord) -> set[str]:
    """The keys a record is filed under."""
    keys: set[str] = set()
    if record.nhs_number:
        keys.add(f"n:{record.nhs_number}")
    if record.upn:
        keys.add(f"u:{record.upn}")
    if record.dob:
        if record.family_phonetic:
            keys.add(f"df:{record.dob}:{record.family_phonetic}")
        if record.given_phonetic:
            keys.add(f"dg:{record.dob}:{record.given_phonetic}")
        if record.postcode_district:
            keys.add(f"dp:{record.dob}:{record.postcode_district}")
    if record.dob_swapped and record.family_phonetic:
        keys.add(f"df:{record.dob_swapped}:{record.family_phonetic}")
    if record.birth_year is not None:
        if record.postcode:
            keys.add(f"py:{record.postcode}:{record.birth_year}")
        if record.family_phonetic and record.given_phonetic:
            keys.add(f"fg:{record.family_phonetic}:{record.given_phonetic}:{record.birth_year}")
    elif record.family_phonetic and record.given_phonetic:
        # No date of birth: names alone (the incomplete records are few).
        keys.add(f"fg:{record.family_phonetic}:{record.given_phonetic}")
    return keys


def search_keys(record: MatchRecord) -> set[str]:
    """The keys to look up for a record: its own, plus neighbouring birth years so a
    year recorded one out still meets its child, the name-only key, and its date of birth
    with day and month swapped against the other records' own dates (with the given
    name's sound, or the postcode district: a family that moved and changed its name)."""
    keys = blocking_keys(record)
    if record.dob_swapped:
        if record.given_phonetic:
            keys.add(f"dg:{record.dob_swapped}:{record.given_phonetic}")
        if record.postcode_district:
            keys.add(f"dp:{record.dob_swapped}:{record.postcode_district}")
    if record.birth_year is not None and record.family_phonetic and record.given_phonetic:
        names = f"fg:{record.family_phonetic}:{record.given_phonetic}"
        keys.update(f"{names}:{year}" for year in (record.birth_year - 1, record.birth_year + 1))
        keys.add(names)
    return keys
