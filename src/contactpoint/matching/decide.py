"""Deciding what one incoming record is: an existing child, a new child, or a question
for a data manager. Pure: candidates and their records come in, a ``Decision`` comes out.

Hard rules stop an automatic link whatever the score, and send it to review:

* conflicting identifiers: the record's NHS number or UPN is not among the child's own;
* different gender and given names that are not variants of each other;
* multiple births: the child has a brother or sister with the same date of birth in the
  same family, and the record's given name is no closer to the child's than to theirs
  (a nickname or a typo is a variant; a sibling's name is not); and a record with the
  child's birthday and family but a given name that is no variant of theirs is taken
  for a twin not yet in the index, and becomes a new child;
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
# Same birthday and family, given names that are not variants: a twin the index has not
# seen yet, far more often than one child recorded under two unrelated names.
UNSEEN_TWIN = "same date of birth and family but given names that are not variants"
SIBLINGS_ON_ONE_CLAIM = "another child on the same child benefit claim"
DIFFERENT_CHILDREN = "different identifiers and given names that are not variants"
ANOTHER_GIVEN_NAME = 3  # the given-name level: the names share only one of their words
YEAR_APART = len(COMPARISONS[_position("date_of_birth")].levels) - 1
# Given-name levels of two names that are not variants of one another: they only sound
# alike (Molly and Millie), or differ. Exact, nickname, another given name and typo are
# variants; a missing name is neither.
NOT_VARIANTS = (GIVEN_DIFFERENT - 1, GIVEN_DIFFERENT)
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
    best = max(records, key=lambda other: model.weight(record, other))
    return model.score(record, best)


def decide(
    model: MatchModel,
    record: MatchRecord,
    candidates: Mapping[K, Sequence[MatchRecord]],
    thresholds: Thresholds,
    kept_apart: frozenset[frozenset[K]] = frozenset(),
) -> Decision[K]:
    """What to do with ``record`` given each candidate child's records."""
    # Rank children by their best record's weight (the fast path); explain only the best.
    ranked = sorted(
        (
            (max(model.weight(record, other) for other in records), child)
            for child, records in candidates.items()
            if records
        ),
        key=lambda pair: pair[0],
        reverse=True,
    )
    if not ranked:
        return Decision(Outcome.NEW, None, None)
    child = ranked[0][1]
    score = best_score(model, record, candidates[child])
    if score.weight < thresholds.review:
        return Decision(Outcome.NEW, child, score)
    if score.weight < thresholds.link:
        return Decision(Outcome.REVIEW, child, score, BETWEEN_THRESHOLDS)
    others = [other for _weight, other in ranked[1:]]
    rule = _broken_rule(record, candidates[child], score, child, others, candidates)
    if rule in (UNSEEN_TWIN, SIBLINGS_ON_ONE_CLAIM, DIFFERENT_CHILDREN):
        return Decision(Outcome.NEW, child, score, rule)
    if rule:
        return Decision(Outcome.REVIEW, child, score, rule)
    rival = next(
        (
            (weight, other)
            for weight, other in ranked[1:]
            if weight >= thresholds.link
            and frozenset((child, other)) not in kept_apart
            and not _multiple_birth(candidates[child], candidates[other])
        ),
        None,
    )
    if rival is not None:
        if score.weight - rival[0] < thresholds.margin:
            return Decision(Outcome.REVIEW, child, score, "matches two children", also=rival[1])
        return Decision(Outcome.LINK, child, score, also=rival[1])
    return Decision(Outcome.LINK, child, score)


def _broken_rule(
    record: MatchRecord,
    records: Sequence[MatchRecord],
    score: Score,
    child: K,
    others: Sequence[K],
    candidates: Mapping[K, Sequence[MatchRecord]],
) -> str | None:
    claims = {r.benefit_line for r in records if r.benefit_claim == record.benefit_claim}
    if record.benefit_line and claims - {None} and record.benefit_line not in claims:
        return SIBLINGS_ON_ONE_CLAIM
    # How close the record's given name comes to any name the child is known by.
    given = COMPARISONS[GIVEN]
    given_level = min(given.level_of(record, r) or GIVEN_DIFFERENT for r in records)
    shares_identifier = False
    for identifier in ("nhs_number", "upn"):
        value = getattr(record, identifier)
        held = {getattr(r, identifier) for r in records} - {None}
        if value and held:
            if value not in held:
                # Different identifiers and unrelated given names: another child (a
                # twin, typically), not a question for anyone.
                if given_level in NOT_VARIANTS:
                    return DIFFERENT_CHILDREN
                return f"conflicting {identifier.replace('_', ' ')}"
            shares_identifier = True
    genders = {r.gender for r in records} - {None}
    if record.gender and genders and record.gender not in genders and given_level != EXACT:
        # Olivia and Oliver: a different gender needs the very same given name.
        return "different gender and given names that are not the same"
    if shares_identifier:
        return None
    if int(score.levels[BIRTH]) == YEAR_APART:
        return "dates of birth more than a year apart"
    for other in others:
        if (
            other != child
            and _multiple_birth(records, candidates[other])
            and min(given.level_of(record, r) or GIVEN_DIFFERENT for r in candidates[other])
            <= given_level
        ):
            return "a twin or other multiple birth: the given name fits a sibling as well"
    same_birth = int(score.levels[BIRTH]) == EXACT and int(score.levels[FAMILY]) in SAME_FAMILY
    if same_birth and not record.registered_birth and any(r.registered_birth for r in records):
        # The child's birth registration is in the index, and a twin's would be too: a
        # twin would be a candidate of its own (same birthday and family), so there is
        # no unseen twin to fear. (A second registration is itself the twin.)
        return None
    if same_birth and given_level in NOT_VARIANTS:
        return UNSEEN_TWIN
    if (
        same_birth
        and given_level == ANOTHER_GIVEN_NAME
        and not any(set(record.given_tokens or ()) == set(r.given_tokens or ()) for r in records)
    ):
        # "Grace" and "Lottie Grace" born the same day: one child, or twins?
        return "same date of birth and family; the given names share only one name"
    return None


def _multiple_birth(one: Sequence[MatchRecord], other: Sequence[MatchRecord]) -> bool:
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
    # Twins' names are often alike (Amelia and Emily, Jack and Jake): any first names
    # that differ count as two children here; only the very same name, or the same
    # names in another order, is one child held twice.
    return not any(
        a.given_first == b.given_first or set(a.given_tokens or ()) == set(b.given_tokens or ())
        for a in one
        for b in other
        if a.given_first and b.given_first
    )
