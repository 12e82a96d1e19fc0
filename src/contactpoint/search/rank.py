"""Which candidate children a search lists, and in what order. Pure: the model, the
query and each candidate's match records come in; ranked children come out.

A child is scored by its best record (as the matching engine scores a candidate). Only
records that could be the child asked for count: a name the query gives must resemble
the record's — any level but "different" (a nickname, a typo, a sound-alike), or two
letters transposed; a record without that name is neutral — and a year or range asked
for must contain the record's date of birth or its day-and-month-swapped form (a record
without one is neutral). A record holding the query's NHS number or UPN always counts.

A child is listed when the evidence for it — the match weight less the model's prior,
the sum of each compared field's log2(m/u) — is positive and within
``RELEVANCE_WINDOW`` bits of the best child's: a thousand times less likely than the best
is no longer worth a practitioner's look. A transposed name the model calls "different"
is not counted against the child here, only in its rank. (The shipped comparisons' typo
level counts a transposition as one edit, so this guards only models that do not.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from contactpoint.matching.comparisons import COMPARISONS
from contactpoint.matching.model import MatchModel, Score
from contactpoint.matching.record import MatchRecord
from contactpoint.search.query import Criteria

RELEVANCE_WINDOW = 10.0
MIN_EVIDENCE = 0.0

# The name comparisons, the index of their "different" level (always the last) and the
# column compared.
_NAMES = tuple(
    (comparison, len(comparison.levels) - 1, column)
    for comparison in COMPARISONS
    for name, column in (("given_name", "given_first"), ("family_name", "family"))
    if comparison.name == name
)


@dataclass(frozen=True, slots=True)
class Ranked:
    """A listed child: its best record's score against the query."""

    child_id: int
    score: Score
    evidence: float
    record: MatchRecord | None
    by_cp_id: bool = False


def rank(
    model: MatchModel,
    query: MatchRecord,
    criteria: Criteria,
    candidates: Mapping[int, Sequence[MatchRecord]],
    *,
    by_cp_id: int | None = None,
) -> list[Ranked]:
    """The relevant children, best first. ``by_cp_id`` names a child asked for by its
    ContactPoint ID: listed whatever it scores."""
    scored: list[Ranked] = []
    for child_id, records in candidates.items():
        usable = [record for record in records if counts(query, criteria, record)]
        pinned = child_id == by_cp_id
        if pinned and not usable:
            usable = list(records)
        if not usable:
            if pinned:
                scored.append(Ranked(child_id, Score(model.prior_weight, (), ""), 0.0, None, True))
            continue
        best = max(usable, key=lambda record: model.weight(query, record))
        score = model.score(query, best)
        scored.append(Ranked(child_id, score, _evidence(model, query, best, score), best, pinned))
    floor = max(MIN_EVIDENCE, max((r.evidence for r in scored), default=0.0) - RELEVANCE_WINDOW)
    listed = [
        r for r in scored if r.by_cp_id or (r.evidence > MIN_EVIDENCE and r.evidence >= floor)
    ]
    return sorted(listed, key=lambda r: (not r.by_cp_id, -r.score.weight, r.child_id))


def _evidence(model: MatchModel, query: MatchRecord, record: MatchRecord, score: Score) -> float:
    """The weight less the prior, not counting against the child a name the model calls
    different that is only a slip of the keyboard away (it still ranks lower)."""
    slips = {
        comparison.name
        for comparison, _different, column in _NAMES
        if near(getattr(query, column), getattr(record, column))
    }
    return (
        score.weight
        - model.prior_weight
        - sum(
            c.total for c in score.contributions if c.comparison in slips and c.level == "different"
        )
    )


def counts(query: MatchRecord, criteria: Criteria, record: MatchRecord) -> bool:
    """Whether ``record`` could be the child the query describes."""
    if (query.nhs_number and query.nhs_number == record.nhs_number) or (
        query.upn and query.upn == record.upn
    ):
        return True
    born = criteria.born
    if born is not None and record.dob is not None:
        first, last = born.first.isoformat(), born.last.isoformat()
        dates = (record.dob, record.dob_swapped)
        if not any(day is not None and first <= day <= last for day in dates):
            return False
    return all(
        comparison.level_of(query, record) != different
        or near(getattr(query, column), getattr(record, column))
        for comparison, different, column in _NAMES
    )


def near(one: str | None, other: str | None) -> bool:
    """Two names a slip of the keyboard apart that the model's levels call different:
    letters transposed ("Hasfa", "Hafsa") count as one edit here, as in the typo level
    otherwise (one edit; two if both have six letters or more)."""
    if not one or not other:
        return False
    distance = OSA.distance(one, other, score_cutoff=2)
    return distance <= 1 or (distance <= 2 and min(len(one), len(other)) >= 6)
