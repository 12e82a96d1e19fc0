"""Deciding what one incoming record is: an existing child, a new child, or a question
for a data manager. Pure: candidates and their records come in, a ``Decision`` comes out.

A record below the link threshold still links to a child one of whose records names the
same parent, with the same given names, birthday and gender (``evidence.one_family``).

Hard rules (``matching.rules``) stop an automatic link whatever the score: they show a
candidate to be another child (passed over for the next), or send the record to review.

Two children matching strongly are never linked to one at random: a record that fits
both as well, under every rule, joins them; otherwise a person chooses. One exception:
where the two differ only in their NHS numbers (the NHS holds a duplicate record) and
only one has a birth registration, the record links to that child and the pair is put
to a data manager.
"""

from __future__ import annotations

import enum
from collections.abc import Hashable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from contactpoint.matching.evidence import (
    TWO_NHS_RECORDS,
    multiple_birth,
    named_or_identified,
    one_family,
    registered_one,
    why_two,
)
from contactpoint.matching.model import MatchModel, Score
from contactpoint.matching.record import MatchRecord
from contactpoint.matching.rules import (
    ANOTHER_CHILD,
    NO_BIRTHDAY_IN_COMMON,
    broken_rule,
    either_twin,
    may_bridge,
    nameless,
    twins_name,
)
from contactpoint.matching.siblings import brother_or_sister

BETWEEN_THRESHOLDS = "score between the thresholds"


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
            if brother_or_sister(record, candidates[child]):
                # Only the family and the home in common: a brother or sister, no
                # question for a person (NO_BIRTHDAY_IN_COMMON, as above the threshold).
                passed_over = passed_over or Decision(
                    Outcome.NEW, child, score, NO_BIRTHDAY_IN_COMMON
                )
                continue
            return Decision(Outcome.REVIEW, child, score, BETWEEN_THRESHOLDS)
        others = [other for _w, other in ranked if other != child]
        rule = broken_rule(
            model, thresholds.review, record, candidates[child], score, child, others, candidates
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


def _identified(record: MatchRecord, records: Sequence[MatchRecord]) -> bool:
    """One of ``records`` holds the record's NHS number or UPN."""
    return any(
        (record.nhs_number and r.nhs_number == record.nhs_number)
        or (record.upn and r.upn == record.upn)
        for r in records
    )


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
            if broken_rule(
                model,
                thresholds.review,
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
        rule = broken_rule(
            model,
            thresholds.review,
            record,
            candidates[other],
            rival,
            other,
            [child, *others],
            candidates,
        )
        if rule in ANOTHER_CHILD:
            continue
        if not all(
            named_or_identified(record, candidates[c]) for c in (child, other)
        ) or not may_bridge(model, record, candidates[child], candidates[other], rival):
            # A record missing a name or its date of birth cannot be the bridge between
            # two children: it joins the one it fits best, and nothing more. Nor can
            # one whose names (or identifiers) fit only one of them (a home and a
            # birthday are shared by brothers and sisters), nor one whose birthday, or
            # its child's, is none of the other's (a placeholder, a year, a name alone),
            # nor one that fits the other on names and a placeholder's year alone.
            continue
        if either_twin(model, child, other, candidates):
            # A child known by no given name could be either twin: no record joins it
            # to one. A named record it fits best is the named child's.
            if rule is None and nameless(candidates[child]):
                return Decision(Outcome.LINK, other, rival)
            continue
        apart = why_two(candidates[child], candidates[other])
        if rule is None and apart is None:
            if twins_name(model, child, other, candidates):
                # "Mohammed" could be either of twins Mohammed Ibrahim and Mohammed: a
                # record of one is no bridge to it. It goes to the child holding its
                # NHS number or UPN, if only one does; else to the one it fits best.
                if _identified(record, candidates[other]) > _identified(record, candidates[child]):
                    return Decision(Outcome.LINK, other, rival)
                return Decision(Outcome.LINK, child, score)
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
