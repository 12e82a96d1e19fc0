"""Which child each incoming source row describes: candidates from the blocking-key
index, scores from the active model, decisions with the hard rules — against the index
and against the rows of the same file before it (duplicates within one delivery)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from contactpoint.children.facts import ChildFacts
from contactpoint.linkage import registry, store
from contactpoint.matching.decide import (
    BETWEEN_THRESHOLDS,
    Decision,
    Outcome,
    Thresholds,
    decide,
)
from contactpoint.matching.keys import blocking_keys, search_keys
from contactpoint.matching.record import MatchRecord, match_record
from contactpoint.review.models import ReviewKind

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class Existing:
    """A child already in the index."""

    child_id: int


@dataclass(frozen=True, slots=True)
class NewChild:
    """A child to create; rows with the same ``group`` describe the same new child."""

    group: int


Target = Existing | NewChild


@dataclass(frozen=True, slots=True)
class RowLink:
    target: Target
    weight: float | None = None
    levels: str | None = None


@dataclass(frozen=True, slots=True)
class ReviewRequest:
    """A question for a data manager: is the row's child the same as ``candidate``?"""

    row: int
    candidate: Target
    kind: ReviewKind
    weight: float
    levels: str
    note: str | None


@dataclass
class LinkPlan:
    links: list[RowLink]
    records: list[MatchRecord]
    new_children: int
    reviews: list[ReviewRequest] = field(default_factory=list)
    model_version: str = ""


Ref = int | tuple[str, int]  # a child id, or ("new", group) for a child of this file


def _target(ref: Ref) -> Target:
    return Existing(ref) if isinstance(ref, int) else NewChild(ref[1])


def plan_links(
    session: Session,
    rows: Sequence[ChildFacts],
    *,
    thresholds: Thresholds,
    chunk: int = 2000,
    progress: Progress | None = None,
) -> LinkPlan:
    """Decide a target for every row, in file order."""
    model = registry.active_model(session)
    records = [match_record(index, facts) for index, facts in enumerate(rows)]
    plan = LinkPlan([], records, 0, model_version=model.version)
    indexed: dict[int, list[MatchRecord]] = {}
    kept_apart: set[frozenset[Ref]] = set()
    added: dict[Ref, list[MatchRecord]] = defaultdict(list)
    added_keys: dict[str, set[Ref]] = defaultdict(set)
    for start in range(0, len(records), chunk):
        part = records[start : start + chunk]
        wanted = {key: None for record in part for key in sorted(search_keys(record))}
        filed = store.children_for_keys(session, wanted)
        unseen = sorted({c for ids in filed.values() for c in ids} - indexed.keys())
        found = store.records_of_children(session, unseen)
        indexed.update({child: found.get(child, []) for child in unseen})
        kept_apart.update(store.kept_apart(session, unseen))
        for record in part:
            refs: set[Ref] = set()
            for key in search_keys(record):
                refs.update(filed.get(key, ()))
                refs.update(added_keys.get(key, ()))
            candidates: dict[Ref, list[MatchRecord]] = {
                ref: (indexed.get(ref, []) if isinstance(ref, int) else []) + added.get(ref, [])
                for ref in refs
            }
            decision = decide(model, record, candidates, thresholds, frozenset(kept_apart))
            ref = _apply(plan, record.uid, decision)
            added[ref].append(record)
            for key in blocking_keys(record):
                added_keys[key].add(ref)
        if progress:
            progress("match", min(start + chunk, len(records)), len(records))
    return plan


def _apply(plan: LinkPlan, row: int, decision: Decision[Ref]) -> Ref:
    """Record the row's link and any review; return the row's child."""
    score = decision.score
    ref: Ref
    if decision.outcome is Outcome.LINK and decision.child is not None and score is not None:
        ref = decision.child
        plan.links.append(RowLink(_target(ref), score.weight, score.levels))
    else:
        ref = ("new", plan.new_children)
        plan.new_children += 1
        plan.links.append(
            RowLink(_target(ref), score.weight if score else None, score.levels if score else None)
        )
    if decision.outcome is Outcome.REVIEW and score is not None and decision.child is not None:
        kind = (
            ReviewKind.POSSIBLE_DUPLICATE
            if decision.also is not None
            else ReviewKind.POSSIBLE_MATCH
            if decision.rule == BETWEEN_THRESHOLDS
            else ReviewKind.RULE_STOPPED
        )
        plan.reviews.append(
            ReviewRequest(
                row, _target(decision.child), kind, score.weight, score.levels, decision.rule
            )
        )
    if decision.also is not None and score is not None:
        # The best child and the runner-up both match strongly: they may be one child.
        plan.reviews.append(
            ReviewRequest(
                row,
                _target(decision.also),
                ReviewKind.POSSIBLE_DUPLICATE,
                score.weight,
                score.levels,
                "the record matches two children strongly",
            )
        )
    return ref
