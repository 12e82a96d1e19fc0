"""Blocking keys: short strings two records of the same child very probably share.

Kept in an indexed table, so finding the candidates for a record is a few index lookups
whatever the size of the index. Each key family catches what the others miss: an
identifier; a date of birth with either name's sound or the postcode district; a
postcode with the birth year; both names' sounds with the birth year (a wrong date);
the family name's sound and the given name's first sound at a numbered house (a date
mistyped years out, or left out, and the given name garbled), and the given name's sound
with the family name's first (the family name mistyped too); the date of birth at
a numbered house (both names mistyped, or one missing and the other mistyped); the
day-and-month-swapped date with the family name's sound; and, for a record with no date
of birth, both names' sounds of every record that has one.
"""

from __future__ import annotations

from contactpoint.matching.record import MatchRecord

NAMES_ONLY = "fn"  # both names' sounds of a record with a birth year
HOUSE = "fh"  # the family name's sound, the given name's first, a numbered house
GIVEN_AT_HOUSE = "gh"  # the given name's sound, the family name's first, a numbered house
BORN_AT_HOUSE = "da"  # the date of birth and the first line of a numbered address
KEY_LENGTH = 80  # match_keys.key


def numbered(address: str | None) -> bool:
    """A first line of an address with a house number: one house, not a street or town."""
    return address is not None and any(c.isdigit() for c in address)


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
        if numbered(record.address):
            # One house, one birthday: the child (or a twin) whatever the names say.
            keys.add(f"{BORN_AT_HOUSE}:{record.dob}:{record.address}")
    if record.dob_swapped and record.family_phonetic:
        keys.add(f"df:{record.dob_swapped}:{record.family_phonetic}")
    if record.family_phonetic and record.given_phonetic and numbered(record.address):
        # Both names at one house, whatever the date of birth says and however garbled
        # the given name after its first sound (Blae for Blake).
        house = f"{record.family_phonetic}:{record.given_phonetic[0]}:{record.address}"
        keys.add(f"{HOUSE}:{house}")
        # And the other way round: "Annabelle Conzens" for Couzens, born a year out.
        given = f"{record.given_phonetic}:{record.family_phonetic[0]}:{record.address}"
        keys.add(f"{GIVEN_AT_HOUSE}:{given}")
    if record.birth_year is not None:
        if record.postcode:
            keys.add(f"py:{record.postcode}:{record.birth_year}")
        if record.family_phonetic and record.given_phonetic:
            keys.add(f"fg:{record.family_phonetic}:{record.given_phonetic}:{record.birth_year}")
            # For a record with no date of birth to find this one: only such records
            # look it up, so a common name costs the records that know the date nothing.
            keys.add(f"{NAMES_ONLY}:{record.family_phonetic}:{record.given_phonetic}")
    elif record.family_phonetic and record.given_phonetic:
        # No date of birth: names alone (the incomplete records are few).
        keys.add(f"fg:{record.family_phonetic}:{record.given_phonetic}")
    return {key[:KEY_LENGTH] for key in keys}


def search_keys(record: MatchRecord) -> set[str]:
    """The keys to look up for a record: its own, plus neighbouring birth years so a
    year recorded one out still meets its child, the name-only key, and its date of birth
    with day and month swapped against the other records' own dates (with the given
    name's sound, or the postcode district: a family that moved and changed its name)."""
    # A record with a birth year does not look up the names-only key: records with no
    # date of birth, filed under "fg" names alone, are the ones it is for.
    keys = {key for key in blocking_keys(record) if not key.startswith(f"{NAMES_ONLY}:")}
    if record.birth_year is None and record.family_phonetic and record.given_phonetic:
        keys.add(f"{NAMES_ONLY}:{record.family_phonetic}:{record.given_phonetic}")
    if record.dob_swapped:
        if record.given_phonetic:
            keys.add(f"dg:{record.dob_swapped}:{record.given_phonetic}")
        if record.postcode_district:
            keys.add(f"dp:{record.dob_swapped}:{record.postcode_district}")
    if record.birth_year is not None and record.family_phonetic and record.given_phonetic:
        names = f"fg:{record.family_phonetic}:{record.given_phonetic}"
        keys.update(f"{names}:{year}" for year in (record.birth_year - 1, record.birth_year + 1))
        keys.add(names)
    return {key[:KEY_LENGTH] for key in keys}


_NAMES = "l.family_phonetic = r.family_phonetic AND l.given_phonetic = r.given_phonetic"
_NUMBERED = "l.address = r.address AND regexp_matches(l.address, '[0-9]')"


def _either_way(rule: str) -> tuple[str, str]:
    """A rule that is not symmetric in ``l`` and ``r``, as written and the other way
    round (Splink pairs each two records once, the older on the left)."""
    other = rule.replace("l.", "\0").replace("r.", "l.").replace("\0", "r.")
    return rule, other


# The pairs the keys above make — two records one of which has a search key the other
# is filed under — as blocking rules in SQL (DuckDB's; ``matching.engines`` translates
# them for Spark), each an equality join: set-based blocking finds the very candidates
# the online matcher does (``tests/service/test_relink_engines.py``).
BULK_BLOCKING: tuple[str, ...] = (
    "l.nhs_number = r.nhs_number",
    "l.upn = r.upn",
    "l.dob = r.dob AND l.family_phonetic = r.family_phonetic",
    "l.dob = r.dob AND l.given_phonetic = r.given_phonetic",
    "l.dob = r.dob AND l.postcode_district = r.postcode_district",
    f"l.dob = r.dob AND {_NUMBERED}",
    *_either_way("l.dob_swapped = r.dob AND l.family_phonetic = r.family_phonetic"),
    *_either_way("l.dob_swapped = r.dob AND l.given_phonetic = r.given_phonetic"),
    *_either_way("l.dob_swapped = r.dob AND l.postcode_district = r.postcode_district"),
    "l.family_phonetic = r.family_phonetic"
    f" AND left(l.given_phonetic, 1) = left(r.given_phonetic, 1) AND {_NUMBERED}",
    "l.given_phonetic = r.given_phonetic"
    f" AND left(l.family_phonetic, 1) = left(r.family_phonetic, 1) AND {_NUMBERED}",
    "l.postcode = r.postcode AND l.birth_year = r.birth_year",
    f"{_NAMES} AND l.birth_year = r.birth_year",
    *_either_way(f"{_NAMES} AND l.birth_year = r.birth_year + 1"),
    f"{_NAMES} AND (l.birth_year IS NULL OR r.birth_year IS NULL)",
)
