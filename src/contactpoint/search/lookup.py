"""A query as the matching engine sees it: the ``MatchRecord`` it is scored as, and the
blocking keys to look up in the indexed ``match_keys`` table.

Pure. A query with an exact date of birth looks up the engine's own ``search_keys``. A
year, a month or a range has no key of its own, so the search spells its keys out in
stages (``lookup_stages``), the few before the many, each looked up only while the
stages before list no one: both names' sounds (``fg:``) and the full postcode (``py:``)
with each year; then each day with the family name's sound (``df:``); then each day with
the given name's (``dg:``), for a family name misspelt beyond its sound. A query with no
date looks up every year a child in the index can have been born in. Given names are
looked up under their nickname relations' sounds too (Bill finds William). Every lookup
is an exact match on an indexed key, whatever the database's collation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import date

from contactpoint.children.facts import AddressFact, ChildFacts, IdentifierFact
from contactpoint.kinds.children import IdentifierScheme
from contactpoint.matching.keys import search_keys
from contactpoint.matching.record import MatchRecord, match_record
from contactpoint.matching.standardise import phonetic
from contactpoint.search.query import Criteria, IdentifierKind

# Children in the index are under 18; care leavers and late records stay a little longer.
OLDEST_AGE = 25
# Nickname sounds are looked up with each day of a range only when it is this short.
NICKNAMES_FOR_DAYS = 62

_SCHEMES = {
    IdentifierKind.NHS_NUMBER: IdentifierScheme.NHS_NUMBER,
    IdentifierKind.UPN: IdentifierScheme.UPN,
}


def query_record(criteria: Criteria) -> MatchRecord:
    """The query standardised exactly as a source record is (``match_record``).

    A partial postcode is compared at the precision given: a district ``LS6`` reaches
    the model's "same district" level at best, a sector ``LS6 2`` "same sector".
    """
    identifier = criteria.identifier
    identifiers: tuple[IdentifierFact, ...] = ()
    if identifier is not None and identifier.kind in _SCHEMES:
        identifiers = (IdentifierFact(_SCHEMES[identifier.kind], identifier.value),)
    full = criteria.postcode if criteria.full_postcode else None
    facts = ChildFacts(
        source="search",
        record_id="query",
        given_names=criteria.given_names,
        family_name=criteria.family_name,
        date_of_birth=criteria.date_of_birth,
        gender=criteria.gender or "U",
        identifiers=identifiers,
        address=AddressFact(criteria.address, full) if criteria.address or full else None,
    )
    record = match_record(0, facts)
    if criteria.postcode and not criteria.full_postcode:
        district, _space, digit = criteria.postcode.partition(" ")
        record = replace(
            record,
            postcode=criteria.postcode,
            postcode_sector=criteria.postcode if digit else None,
            postcode_district=district,
        )
    return record


def given_sounds(record: MatchRecord) -> list[str]:
    """The given name's sound first, then its nickname relations' sounds."""
    if not record.given_phonetic:
        return []
    others = {phonetic(name) for name in record.given_variants or ()} - {record.given_phonetic, ""}
    return [record.given_phonetic, *sorted(others)]


def lookup_stages(record: MatchRecord, criteria: Criteria, today: date) -> Iterator[set[str]]:
    """The keys a child matching the query may be filed under, in stages: the search
    looks up the next stage only while the ones before list no one. Each day of a year or
    range is a key of its own, so those days come after the few keys that name both
    names or the postcode; a query that has nothing else starts with them."""
    cheap = _cheap_keys(record, criteria, today)
    if cheap:
        yield cheap
    if criteria.born is None or record.dob:
        return
    days = [day.isoformat() for day in criteria.born.days()]
    if record.family_phonetic:
        yield {f"df:{day}:{record.family_phonetic}" for day in days}
    sounds = given_sounds(record)
    if sounds:
        # The given name's sound alone: a family name misspelt beyond its sound.
        wanted = sounds if len(days) <= NICKNAMES_FOR_DAYS else sounds[:1]
        yield {f"dg:{day}:{sound}" for day in days for sound in wanted}


def _cheap_keys(record: MatchRecord, criteria: Criteria, today: date) -> set[str]:
    """Identifiers; an exact date of birth's keys; both names' sounds and the full
    postcode with each year the child may have been born in."""
    keys: set[str] = set()
    if record.nhs_number:
        keys.add(f"n:{record.nhs_number}")
    if record.upn:
        keys.add(f"u:{record.upn}")
    family = record.family_phonetic
    sounds = given_sounds(record)
    years: Iterable[int]
    if record.dob and record.birth_year is not None:
        keys.update(search_keys(record))
        if not criteria.full_postcode:
            keys = {key for key in keys if not key.startswith("py:")}
        days = [day for day in (record.dob, record.dob_swapped) if day]
        keys.update(f"dg:{day}:{sound}" for day in days for sound in sounds)
        years = range(record.birth_year - 1, record.birth_year + 2)
    elif criteria.born is not None:
        years = criteria.born.years()
    else:
        years = range(today.year - OLDEST_AGE, today.year + 1)
    years = list(years)
    if criteria.full_postcode and record.postcode:
        keys.update(f"py:{record.postcode}:{year}" for year in years)
    if family and sounds:
        keys.update(f"fg:{family}:{sound}:{year}" for sound in sounds for year in years)
        # Records without a date of birth are filed under the names alone.
        keys.update(f"fg:{family}:{sound}" for sound in sounds)
    return keys
