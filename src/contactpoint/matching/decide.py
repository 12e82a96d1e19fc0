"""Deciding what one incoming record is: an existing child, a new child, or a question
for a data manager. Pure: candidates and their records come in, a ``Decision`` comes out.

A record below the link threshold still links to a child one of whose records names the
same parent, with the same given names, birthday and gender (``evidence.one_family``).

Hard rules stop an automatic link whatever the score, and send it to review:

* conflicting identifiers: the record's NHS number or UPN is not among the child's own;
* different gender and given names that are not variants of each other;
* multiple births: the child has a brother or sister with the same date of birth in the
  same family, and the record's given name is no closer to the child's than to theirs
  (a nickname or a typo is a variant; a sibling's name is not; a name that begins a
  sibling's, as Abdi begins Abdirahman, may be theirs cut short); and a record with the
  child's birthday and family but a given name that is no variant of theirs is taken
  for a twin not yet in the index, and becomes a new child;
* a record must fit the child as a whole, not one record of it: a date of birth more
  than a year from most of the child's, or fitting only the child's records that lack
  a name or date the record has, shows the child to be another; a record missing a
  name or its date of birth never joins two children;
* two children matching strongly: never linked to one at random. One exception: where
  the two differ only in their NHS numbers (the NHS holds a duplicate record) and only
  one has a birth registration, the record links to that child and the pair is put to
  a data manager.
"""

from __future__ import annotations

import enum
from collections.abc import Hashable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from contactpoint.matching.coherence import (
    BIRTH,
    DATE_OF_BIRTH_CONFLICT,
    EXACT,
    FAMILY,
    FITS_ONLY_INCOMPLETE_RECORDS,
    NOT_VARIANTS,
    YEAR_APART,
    birthday_mistyped,
    complete,
    given_fit,
    incoherent,
)
from contactpoint.matching.evidence import (
    TWO_NHS_RECORDS,
    multiple_birth,
    named_or_identified,
    one_childs_names,
    one_family,
    registered_one,
    same_given_names,
    short_form_of,
    two_birthdays,
    why_two,
)
from contactpoint.matching.model import MatchModel, Score
from contactpoint.matching.record import MatchRecord

BETWEEN_THRESHOLDS = "score between the thresholds"
# Same birthday and family, given names that are not variants: a twin the index has not
# seen yet, far more often than one child recorded under two unrelated names.
UNSEEN_TWIN = "same date of birth and family but given names that are not variants"
SIBLINGS_ON_ONE_CLAIM = "another child on the same child benefit claim"
DIFFERENT_CHILDREN = "different identifiers and given names that are not variants"
FITS_A_TWIN_BETTER = "a twin or other multiple birth whose given name fits better"
SECOND_REGISTRATION = "a second birth registration under other given names"
# Rules that show a candidate to be another child, not a question for anyone.
ANOTHER_CHILD = (
    DATE_OF_BIRTH_CONFLICT,
    FITS_ONLY_INCOMPLETE_RECORDS,
    UNSEEN_TWIN,
    SIBLINGS_ON_ONE_CLAIM,
    DIFFERENT_CHILDREN,
    FITS_A_TWIN_BETTER,
    SECOND_REGISTRATION,
)
ANOTHER_GIVEN_NAME = 3  # the given-name level: the names share only one of their words
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
    # A second child the record shows to be this same child: join them.
    joins: K | None = None
    # Every other child the record scores at or above the review threshold against:
    # once the record has joined its child, each may be found to be that child too.
    near: tuple[K, ...] = ()


def best_score(model: MatchModel, record: MatchRecord, records: Sequence[MatchRecord]) -> Score:
    """The best score of ``record`` against any of one child's records."""
    best = max(records, key=lambda other: model.weight(record, other))
    return model.score(record, best)


def decide(
    model: MatchModel,
    record: MatchRecord,
    candidates: Mapping[K, Sequence[MatchRecord]],
    thresholds: Thresholds,
    kept_apart: AbstractSet[frozenset[K]] = frozenset(),
) -> Decision[K]:
    """What to do with ``record`` given each candidate child's records.

    Candidates are tried best first. One a rule shows to be another child (a twin not
    yet seen, a brother or sister on the same claim, different identifiers and names) is
    passed over for the next, so a twin's strong likeness never hides the child's own
    weaker one.
    """
    # Rank children by their best record's weight (the fast path); explain only those
    # the decision turns on.
    ranked = sorted(
        (
            (max(model.weight(record, other) for other in records), child)
            for child, records in candidates.items()
            if records
        ),
        key=lambda pair: pair[0],
        reverse=True,
    )
    decision = _decide(model, record, ranked, candidates, thresholds, kept_apart)
    near = tuple(
        child for weight, child in ranked if weight >= thresholds.review and child != decision.child
    )
    return replace(decision, near=near) if near else decision


def _decide(
    model: MatchModel,
    record: MatchRecord,
    ranked: Sequence[tuple[float, K]],
    candidates: Mapping[K, Sequence[MatchRecord]],
    thresholds: Thresholds,
    kept_apart: AbstractSet[frozenset[K]],
) -> Decision[K]:
    if not ranked:
        return Decision(Outcome.NEW, None, None)
    passed_over: Decision[K] | None = None
    for position, (_weight, child) in enumerate(ranked):
        score = best_score(model, record, candidates[child])
        if score.weight < thresholds.link and not one_family(record, candidates[child]):
            if score.weight < thresholds.review:
                return passed_over or Decision(Outcome.NEW, child, score)
            return Decision(Outcome.REVIEW, child, score, BETWEEN_THRESHOLDS)
        others = [other for _w, other in ranked if other != child]
        rule = _broken_rule(
            model, thresholds, record, candidates[child], score, child, others, candidates
        )
        if rule in ANOTHER_CHILD:
            passed_over = passed_over or Decision(Outcome.NEW, child, score, rule)
            continue
        if rule:
            held = _holder_of_identifier(
                model, record, child, ranked[position + 1 :], candidates, thresholds
            )
            if held is not None:
                # Another child holds the record's very NHS number or UPN and breaks no
                # rule: link there, and ask whether the stopped child is the same one.
                return Decision(Outcome.LINK, held[0], held[1], also=child)
            return Decision(Outcome.REVIEW, child, score, rule)
        return _against_rivals(
            model, record, child, score, ranked[position + 1 :], candidates, thresholds, kept_apart
        )
    assert passed_over is not None
    return passed_over


def _holder_of_identifier(
    model: MatchModel,
    record: MatchRecord,
    stopped: K,
    rest: Sequence[tuple[float, K]],
    candidates: Mapping[K, Sequence[MatchRecord]],
    thresholds: Thresholds,
) -> tuple[K, Score] | None:
    """The next strong child holding the record's NHS number or UPN, if it breaks no
    rule."""
    mine = {("nhs", record.nhs_number), ("upn", record.upn)} - {("nhs", None), ("upn", None)}
    if not mine:
        return None
    for weight, other in rest:
        if weight < thresholds.link:
            return None
        theirs = {("nhs", r.nhs_number) for r in candidates[other]} | {
            ("upn", r.upn) for r in candidates[other]
        }
        if mine & theirs:
            score = best_score(model, record, candidates[other])
            ranked_others = [child for _w, child in rest if child != other] + [stopped]
            if _broken_rule(
                model,
                thresholds,
                record,
                candidates[other],
                score,
                other,
                ranked_others,
                candidates,
            ):
                return None
            return other, score
    return None


def _against_rivals(
    model: MatchModel,
    record: MatchRecord,
    child: K,
    score: Score,
    rest: Sequence[tuple[float, K]],
    candidates: Mapping[K, Sequence[MatchRecord]],
    thresholds: Thresholds,
    kept_apart: AbstractSet[frozenset[K]],
) -> Decision[K]:
    """Link to ``child`` unless another strong candidate makes it a person's choice.

    A runner-up the record fits just as well, under every rule, and that could be the
    same child (no conflicting identifiers, claim lines, gender or birthday) shows the
    two to be one child held twice: the record joins them, as clustering the links
    would. Otherwise a close runner-up sends the record to review, a distant one links
    it and asks whether the two children are one.
    """
    others = [other for _w, other in rest]
    for weight, other in rest:
        if (
            weight < thresholds.link
            or frozenset((child, other)) in kept_apart
            or multiple_birth(candidates[child], candidates[other])
        ):
            continue
        rival = best_score(model, record, candidates[other])
        rule = _broken_rule(
            model, thresholds, record, candidates[other], rival, other, [child, *others], candidates
        )
        if rule in ANOTHER_CHILD:
            continue
        if (
            not complete(record)
            or not all(named_or_identified(record, candidates[c]) for c in (child, other))
            or two_birthdays(
                [record, *candidates[child]], candidates[other], model.placeholder_date
            )
        ):
            # A record missing a name or its date of birth cannot be the bridge between
            # two children: it joins the one it fits best, and nothing more. Nor can
            # one whose names (or identifiers) fit only one of them (a home and a
            # birthday are shared by brothers and sisters), nor one whose birthday, or
            # its child's, is none of the other's (a placeholder, a year, a name alone).
            continue
        apart = why_two(candidates[child], candidates[other])
        if rule is None and apart is None:
            return Decision(Outcome.LINK, child, score, joins=other)
        if score.weight - weight < thresholds.margin:
            if (
                rule is None
                and apart == TWO_NHS_RECORDS
                and why_two(candidates[child], candidates[other], ("upn",)) is None
            ):
                registered = registered_one(child, other, candidates)
                if registered is not None:
                    # A second NHS record of a registered child (a duplicate the NHS
                    # holds): the record joins the registered child, and a data manager
                    # is asked whether the other is that child too.
                    return Decision(
                        Outcome.LINK,
                        registered,
                        score if registered == child else rival,
                        also=other if registered == child else child,
                    )
            return Decision(Outcome.REVIEW, child, score, "matches two children", also=other)
        return Decision(Outcome.LINK, child, score, also=other)
    return Decision(Outcome.LINK, child, score)


def _broken_rule(
    model: MatchModel,
    thresholds: Thresholds,
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
    given_level = given_fit(record, records)
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
    if record.registered_birth and any(r.registered_birth for r in records):
        # A second birth registration: a twin (or a brother or sister) — every child has
        # one. The same given names may be a re-registration, for a person to confirm.
        if any(same_given_names(record, r) for r in records if r.registered_birth):
            return "a second birth registration with the same names"
        return SECOND_REGISTRATION
    genders = {r.gender for r in records} - {None}
    if record.gender and genders and record.gender not in genders and given_level != EXACT:
        # Olivia and Oliver: a different gender needs the very same given name.
        return "different gender and given names that are not the same"
    if shares_identifier:
        return None
    if int(score.levels[BIRTH]) == YEAR_APART and not birthday_mistyped(record, records):
        return "dates of birth more than a year apart"
    whole = incoherent(model, thresholds.review, record, records)
    if whole:
        return whole
    for other in others:
        if other != child and multiple_birth(records, candidates[other]):
            fit = given_fit(record, candidates[other])
            if fit and (fit < given_level or (given_level == 0 and fit not in NOT_VARIANTS)):
                return FITS_A_TWIN_BETTER
            if fit == given_level and fit:
                # Both twins' first names fit as well (both Mohammed): the whole given
                # names tell them apart, where they are one twin's and not the other's.
                mine = any(same_given_names(record, r) for r in records)
                theirs = any(same_given_names(record, r) for r in candidates[other])
                if theirs and not mine:
                    return FITS_A_TWIN_BETTER
                if mine and not theirs:
                    continue
            if fit == given_level or (
                short_form_of(record, candidates[other])
                and not any(same_given_names(record, r) for r in records)
            ):
                # "Abdi" is one twin's first name and may be the other's (Abdirahman)
                # cut short: which twin the record is, only a person can tell.
                return "a twin or other multiple birth: the given name fits a sibling as well"
    same_birth = int(score.levels[BIRTH]) == EXACT and int(score.levels[FAMILY]) in SAME_FAMILY
    if same_birth and not record.registered_birth and any(r.registered_birth for r in records):
        # The child's birth registration is in the index, and a twin's would be too: a
        # twin would be a candidate of its own (same birthday and family), so there is
        # no unseen twin to fear. (A second registration is itself the twin.)
        return None
    if same_birth and given_level in NOT_VARIANTS:
        return UNSEEN_TWIN
    named = [r for r in records if r.given_first]
    if (
        same_birth
        and given_level == EXACT
        and named
        and not any(one_childs_names(record, r) for r in named)
    ):
        # Mohammed Talha beside Mohammed Ibrahim, born the same day: a twin.
        return UNSEEN_TWIN
    if (
        same_birth
        and given_level == ANOTHER_GIVEN_NAME
        and not any(same_given_names(record, r) for r in records)
    ):
        # "Grace" and "Lottie Grace" born the same day: one child, or twins?
        return "same date of birth and family; the given names share only one name"
    return None
