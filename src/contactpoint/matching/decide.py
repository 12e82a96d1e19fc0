"""Deciding what one incoming record is: an existing child, a new child, or a question
for a data manager. Pure: candidates and their records come in, a ``Decision`` comes out.

Hard rules stop an automatic link whatever the score, and send it to review:

* conflicting identifiers: the record's NHS number or UPN is not among the child's own;
* different gender and given names that are not variants of each other;
* multiple births: the child has a brother or sister with the same date of birth in the
  same family, and the record's given name is no closer to the child's than to theirs
  (a nickname or a typo is a variant; a sibling's name is not);
* two children matching strongly: never linked to one at random.
"""

from __future__ import annotations

import enum
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from contactpoint.matching.comparisons import COMPARISONS
from contactpoint.matching.model import MatchModel, Score
from contactpoint.matching.record import MatchRecord


def _position(name: str) -> int:
    return next(i for i, c in enumerate(COMPARISONS) if c.name == name)


GIVEN = _position("given_name")
FAMILY = _position("family_name")
BIRTH = _position("date_of_birth")
GIVEN_DIFFERENT = len(COMPARISONS[GIVEN].levels) - 1
EXACT = 1  # every comparison's level after the null level
BETWEEN_THRESHOLDS = "score between the thresholds"
SAME_FAMILY = (1, 2)  # exact, or one part of a double-barrelled name


# Whatever names a candidate child: an id, or a child still to be created.
K = TypeVar("K", bound=Hashable)


class Outcome(enum.StrEnum):
    LINK = "link"
    NEW = "new"
    REVIEW = "review"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Match weights: at or above ``link`` link; at or above ``review`` ask a person;
    a runner-up within ``margin`` of the best makes the choice a person's too."""

    link: float
    review: float
    margin: float


@dataclass(frozen=True, slots=True)
class Decision(Generic[K]):
    outcome: Outcome
    # The best candidate and its score (None when there was no candidate at all).
    child: K | None
    score: Score | None
    # Why a strong candidate was not linked, for the review task.
    rule: str | None = None
    # A second strong child: the two may be one child (a possible duplicate).
    also: K | None = None


def best_score(model: MatchModel, record: MatchRecord, records: Sequence[MatchRecord]) -> Score:
    """The best score of ``record`` against any of one child's records."""
    return max((model.score(record, other) for other in records), key=lambda s: s.weight)


def decide(
    model: MatchModel,
    record: MatchRecord,
    candidates: Mapping[K, Sequence[MatchRecord]],
    thresholds: Thresholds,
    kept_apart: frozenset[frozenset[K]] = frozenset(),
) -> Decision[K]:
    """What to do with ``record`` given each candidate child's records."""
    scored = sorted(
        ((best_score(model, record, records), child) for child, records in candidates.items()),
        key=lambda pair: pair[0].weight,
        reverse=True,
    )
    if not scored:
        return Decision(Outcome.NEW, None, None)
    score, child = scored[0]
    if score.weight < thresholds.review:
        return Decision(Outcome.NEW, child, score)
    if score.weight < thresholds.link:
        return Decision(Outcome.REVIEW, child, score, BETWEEN_THRESHOLDS)
    rule = _broken_rule(record, candidates[child], score, child, scored[1:], candidates)
    if rule:
        return Decision(Outcome.REVIEW, child, score, rule)
    rival = next(
        (
            other
            for other_score, other in scored[1:]
            if other_score.weight >= thresholds.link
            and frozenset((child, other)) not in kept_apart
            and not _multiple_birth(candidates[child], candidates[other])
        ),
        None,
    )
    if rival is not None:
        rival_weight = next(s.weight for s, c in scored if c == rival)
        if score.weight - rival_weight < thresholds.margin:
            return Decision(Outcome.REVIEW, child, score, "matches two children", also=rival)
        return Decision(Outcome.LINK, child, score, also=rival)
    return Decision(Outcome.LINK, child, score)


def _broken_rule(
    record: MatchRecord,
    records: Sequence[MatchRecord],
    score: Score,
    child: K,
    others: Sequence[tuple[Score, K]],
    candidates: Mapping[K, Sequence[MatchRecord]],
) -> str | None:
    for identifier in ("nhs_number", "upn"):
        value = getattr(record, identifier)
        held = {getattr(r, identifier) for r in records} - {None}
        if value and held and value not in held:
            return f"conflicting {identifier.replace('_', ' ')}"
    given_level = int(score.levels[GIVEN])
    genders = {r.gender for r in records} - {None}
    if (
        record.gender
        and genders
        and record.gender not in genders
        and (given_level == GIVEN_DIFFERENT)
    ):
        return "different gender and different given names"
    for other_score, other in others:
        if (
            other != child
            and _multiple_birth(records, candidates[other])
            and int(other_score.levels[GIVEN]) <= given_level
        ):
            return "a twin or other multiple birth: the given name fits a sibling as well"
    if (
        given_level == GIVEN_DIFFERENT
        and int(score.levels[BIRTH]) == EXACT
        and int(score.levels[FAMILY]) in SAME_FAMILY
    ):
        # Same birthday and family, names that are not variants: could be an unseen twin.
        return "same date of birth and family but given names that are not variants"
    return None


def _multiple_birth(one: Sequence[MatchRecord], other: Sequence[MatchRecord]) -> bool:
    """Two children born the same day into the same family (name or home)."""
    births = {r.dob for r in one} & {r.dob for r in other} - {None}
    if not births:
        return False
    families = {r.family for r in one} & {r.family for r in other} - {None}
    homes = {r.address for r in one} & {r.address for r in other} - {None}
    postcodes = {r.postcode for r in one} & {r.postcode for r in other} - {None}
    return bool(families or homes or postcodes)
