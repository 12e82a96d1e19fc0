"""Given and family names written in each other's field ("Hassall Jacob" for Jacob
Hassall), noticed from how the index uses the two names, without a list of names.

A record looks transposed when, among the people in front of the matcher (the record
itself included), its given name is held at least as often as a family name as it is
as a given name, and its family name at least as often as a given name. A name the
index holds only in this record is held more often as it is written, so a record of
names seen nowhere else never looks transposed; two records that are each other's
names reversed ("Fraser Marlow" and "Marlow Fraser") both do. Such a record is also
tried with its names put back, and filed that way only if it then links; pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from contactpoint.children.facts import ChildFacts
from contactpoint.matching.frequencies import ValueCounts
from contactpoint.matching.record import MatchRecord, match_record


def looks_transposed(record: MatchRecord, counts: ValueCounts) -> bool:
    """Whether both of the record's names are used the other way round as often."""
    if record.given_first is None or record.family is None:
        return False
    given: Mapping[str, int] = counts.counts.get("given_first", {})
    family: Mapping[str, int] = counts.counts.get("family", {})
    as_family = family.get(record.given_first, 0) - given.get(record.given_first, 0)
    as_given = given.get(record.family, 0) - family.get(record.family, 0)
    return as_family >= 0 and as_given >= 0


def put_back(uid: int, facts: ChildFacts) -> MatchRecord:
    """The record with its given and family names swapped back."""
    return match_record(
        uid, replace(facts, given_names=facts.family_name, family_name=facts.given_names)
    )
