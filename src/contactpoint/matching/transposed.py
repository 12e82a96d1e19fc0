"""Given and family names written in each other's field ("Hassall Jacob" for Jacob
Hassall), put back.

Any record with both names that does not link as written is tried with them put back,
and filed that way only if it then links (to one child, joining none) with both names
agreeing — the swap, not the rest of the record, must make the match: two records
that are each other's names reversed ("Fraser Marlow" and "Marlow Fraser", or "Jaspe
Desilva" and "Desilva Jasper") are one child whichever came first, while a record that
links as written is never turned round. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from contactpoint.children.facts import ChildFacts
from contactpoint.matching.coherence import FAMILY, GIVEN
from contactpoint.matching.comparisons import COMPARISONS
from contactpoint.matching.model import Score
from contactpoint.matching.record import MatchRecord, match_record

# The name levels that are no agreement: missing, only sounding alike, different.
_DISAGREE = {
    position: {i for i, level in enumerate(COMPARISONS[position].levels)
               if level.is_null or level.label in ("sounds alike", "different")}
    for position in (GIVEN, FAMILY)
}  # fmt: skip


_AT_ODDS = {
    position: {i for i, level in enumerate(COMPARISONS[position].levels)
               if level.label in ("sounds alike", "different")}
    for position in (GIVEN, FAMILY)
}  # fmt: skip


def reversible(record: MatchRecord) -> bool:
    """Whether putting the record's names the other way round changes anything."""
    return None not in (record.given_first, record.family) and record.given_first != record.family


def put_back(uid: int, facts: ChildFacts) -> MatchRecord:
    """The record with its given and family names swapped back."""
    return match_record(
        uid, replace(facts, given_names=facts.family_name, family_name=facts.given_names)
    )


def names_agree(score: Score) -> bool:
    """Whether both names of a record put back agree with the child's (exactly, as a
    nickname, another given name, part of a double-barrelled name or a typo): without
    that, a twin's birthday and home would carry the match once the names no longer
    say "same family"."""
    return all(int(score.levels[p]) not in _DISAGREE[p] for p in (GIVEN, FAMILY))


def names_fit(record: MatchRecord, records: Sequence[MatchRecord]) -> bool:
    """Whether neither of the record's names is at odds (only sounding alike, or
    different) with those of one of a child's records; a name the child's record lacks
    is not at odds."""
    return any(
        all(COMPARISONS[p].level_of(record, other) not in _AT_ODDS[p] for p in (GIVEN, FAMILY))
        for other in records
    )


def turned(record: MatchRecord) -> MatchRecord:
    """The record with its given and family names swapped (their sounds and words; no
    nicknames for a family name). A family name of one letter becomes an initial, no
    given name to compare (as ``match_record`` reads "J Smith")."""
    first = record.family_tokens[0] if record.family_tokens else None
    initial = first is not None and len(first) == 1
    return replace(
        record,
        given_first=None if initial else first,
        given_tokens=record.family_tokens,
        given_variants=None,
        given_phonetic=None if initial else record.family_phonetic,
        family=" ".join(record.given_tokens) if record.given_tokens else None,
        family_tokens=record.given_tokens,
        family_phonetic=record.given_phonetic,
    )


def with_names_of(view: MatchRecord, records: Sequence[MatchRecord]) -> list[MatchRecord]:
    """``records`` with those named as ``view`` is (both names' sounds) turned round:
    ``view`` is a record with its names put back, and the child it fits holds records
    written the other way round from the record as received. Turned, they compare with
    the child the record fits as written ("Kopievsky Jacob" beside "Jacob Kopievsky"
    looked like a twin born the same day at the same home)."""
    names = (view.given_phonetic, view.family_phonetic)
    return [turned(r) if (r.given_phonetic, r.family_phonetic) == names else r for r in records]
