"""Which child each incoming source row describes: candidates from the blocking-key
index, scores from the active model, decisions with the hard rules — against the index
and against the rows of the same file before it (duplicates within one delivery)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from contactpoint.children.facts import ChildFacts
from contactpoint.linkage import registry, store
from contactpoint.linkage.frequencies import adapt, live_counts
from contactpoint.linkage.joins import Ask, Children, Ref, ask_again, held_questions, second_look
from contactpoint.matching.coherence import BIRTH, FAMILY
from contactpoint.matching.comparisons import COMPARISONS
from contactpoint.matching.decide import (
    BETWEEN_THRESHOLDS,
    Decision,
    Outcome,
    Thresholds,
    best_score,
    decide,
)
from contactpoint.matching.evidence import multiple_birth, why_two
from contactpoint.matching.keys import blocking_keys, search_keys
from contactpoint.matching.model import MatchModel
from contactpoint.matching.record import MatchRecord, match_record
from contactpoint.matching.rules import may_bridge
from contactpoint.matching.transposed import names_agree, put_back, reversible, with_names_of
from contactpoint.tables.review import ReviewKind

Progress = Callable[[str, int, int], None]
BIRTH_IDENTITY = "fits a record closed for a new identity"
NEAR = "a record that joined one scored as a possible match against the other"


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


@dataclass(frozen=True, slots=True)
class Join:
    """Two children already in the index that a row showed to be one: ``merged`` joins
    ``survivor`` (the older)."""

    row: int
    survivor: int
    merged: int
    # The open question this join answers (None: the row matched both children).
    answers: str | None = None


@dataclass
class LinkPlan:
    links: list[RowLink]
    records: list[MatchRecord]
    new_children: int
    reviews: list[ReviewRequest] = field(default_factory=list)
    joins: list[Join] = field(default_factory=list)
    model_version: str = ""
    # Rows made new children although a child already indexed scored at or above the
    # review threshold (a rule showed it to be another child): a shielded one among
    # them still holds the row back (``feeds.ingest``).
    near: list[ReviewRequest] = field(default_factory=list)


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
    records = [match_record(index, facts) for index, facts in enumerate(rows)]
    counts = live_counts(session, records)
    model = adapt(registry.active_model(session), counts)
    # Every record with its names put back, tried when it does not link as written.
    swapped = {r.uid: put_back(r.uid, rows[r.uid]) for r in records if reversible(r)}
    plan = LinkPlan([], records, 0, model_version=model.version)
    children = Children()
    seen: set[int] = set()
    kept_apart: set[frozenset[Ref]] = set()
    row_refs: list[Ref] = []
    # Children this file founded on a record that could not show who it was: a name
    # part or date missing, or another child nearly a match. Tried again at the end.
    doubtful: list[Ref] = []
    identities: dict[int, int] = {}  # a new identity -> the record closed for it
    near: list[Ask] = []
    for start in range(0, len(records), chunk):
        part = records[start : start + chunk]
        views = part + [swapped[r.uid] for r in part if r.uid in swapped]
        wanted = {key: None for record in views for key in sorted(search_keys(record))}
        filed = store.children_for_keys(session, wanted)
        unseen = sorted({c for ids in filed.values() for c in ids} - seen)
        found = store.records_of_children(session, unseen)
        for child in unseen:
            children.records[children.find(child)].extend(found.get(child, []))
        seen.update(unseen)
        # New identities among them, and the records closed for them (kept for the
        # clean break below, though a closed record's own keys may not be searched).
        identities.update(store.closed_identities(session, unseen))
        closed = sorted(set(identities.values()) - seen)
        for child, found_records in store.records_of_children(session, closed).items():
            children.records[children.find(child)].extend(found_records)
        seen.update(closed)
        kept_apart.update(
            frozenset(children.find(ref) for ref in pair)
            for pair in store.kept_apart(session, unseen)
        )
        for record in part:
            candidates = children.candidates(record, filed)
            decision = decide(model, record, candidates, thresholds, kept_apart)
            if decision.outcome is not Outcome.LINK and record.uid in swapped:
                view = swapped[record.uid]
                candidates = children.candidates(view, filed)
                put = decide(model, view, candidates, thresholds, kept_apart)
                if (
                    put.outcome is Outcome.LINK
                    and put.joins is None
                    and put.score is not None
                    and names_agree(put.score)
                ):
                    # Matched with its names put back: filed that way from now on.
                    record = plan.records[record.uid] = swapped[record.uid]
                    decision = put
            elif (
                decision.outcome is Outcome.LINK
                and decision.joins is None
                and record.uid in swapped
            ):
                # Linked as written; a child whose first record had the names the other
                # way round may be this one, held twice.
                other = _turned_round(
                    model, thresholds, swapped[record.uid], decision.child, children, filed
                )
                if other is not None and frozenset((decision.child, other)) not in kept_apart:
                    decision = replace(decision, joins=other)
            decision = _clean_break(model, record, decision, identities, children, thresholds)
            ref = _apply(plan, record.uid, decision)
            score = decision.score
            if (
                decision.outcome is Outcome.NEW
                and isinstance(decision.child, int)
                and score is not None
                and score.weight >= thresholds.review
            ):
                plan.near.append(
                    ReviewRequest(
                        record.uid, Existing(decision.child), ReviewKind.POSSIBLE_MATCH,
                        score.weight, score.levels, decision.rule,
                    )
                )  # fmt: skip
            if isinstance(ref, tuple) and _doubtful(record, decision, thresholds):
                doubtful.append(ref)
            if decision.joins is not None and decision.child is not None:
                ref, merged = children.join(decision.child, decision.joins, kept_apart)
                if isinstance(ref, int) and isinstance(merged, int):
                    plan.joins.append(Join(record.uid, ref, merged))
            children.records[ref].append(record)
            row_refs.append(ref)
            if decision.outcome is Outcome.LINK and isinstance(ref, int):
                # Children the record nearly matched: with it, its child may show them
                # to be one (a later record fuller than the one that founded them).
                near.extend(
                    Ask(record.uid, ref, other, NEAR)
                    for other in decision.near
                    if isinstance(other, int) and other != ref
                )
            for key in blocking_keys(record):
                children.added_keys[key].add(ref)
        if progress:
            progress("match", min(start + chunk, len(records)), len(records))
    asks = held_questions(session, children, row_refs) + near
    plan.joins.extend(
        Join(ask.row, kept, joined, answers=ask.why)
        for ask, kept, joined in ask_again(
            session, model, thresholds, children, asks, seen, kept_apart
        )
    )
    second_look(session, model, thresholds, children, doubtful, kept_apart)
    _resolve(plan, children, row_refs)
    return plan


def _turned_round(
    model: MatchModel,
    thresholds: Thresholds,
    view: MatchRecord,
    child: Ref | None,
    children: Children,
    filed: Mapping[str, set[int]],
) -> Ref | None:
    """Another child that the record, with its names put back, links to (both names
    agreeing, joining none, nothing telling the two children apart): a child founded
    by a record with the names the other way round ("Speight Riley"), which the records
    written as they should be ("Riley Speight") do not fit as written."""
    candidates = children.candidates(view, filed)
    others = {ref: recs for ref, recs in candidates.items() if ref != child and recs}
    if child is None or not any(
        max(model.weight(view, r) for r in recs) >= thresholds.link for recs in others.values()
    ):
        return None
    put = decide(model, view, candidates, thresholds)
    if not (
        put.outcome is Outcome.LINK
        and put.joins is None
        and put.child in others
        and put.score is not None
        and names_agree(put.score)
    ):
        return None
    # The other child's records named as the record put back is, turned round to how
    # the record was written: only so do the two children's names compare.
    theirs = with_names_of(view, others[put.child])
    if (
        why_two(children.records[child], theirs) is None
        and not multiple_birth(children.records[child], theirs)
        and may_bridge(model, view, children.records[child], others[put.child], put.score)
    ):
        return put.child
    return None


def _clean_break(
    model: MatchModel,
    record: MatchRecord,
    decision: Decision[Ref],
    identities: Mapping[int, int],
    children: Children,
    thresholds: Thresholds,
) -> Decision[Ref]:
    """A new identity is a clean break: a record that fits the record closed for it (at
    the review threshold or above) never links to, nor is suggested for, the new one —
    it joins the closed record, which nobody sees; so does a record with the closed
    record's family name and date of birth, whatever its given names and address. The
    new identity's own records (its NHS number or UPN) are not held back."""
    target = decision.child
    if not isinstance(target, int) or target not in identities:
        return decision
    held = children.records[target]
    mine = {("nhs", record.nhs_number), ("upn", record.upn)} - {("nhs", None), ("upn", None)}
    theirs = {("nhs", r.nhs_number) for r in held} | {("upn", r.upn) for r in held}
    if mine & theirs:
        return decision
    closed = children.find(identities[target])
    old_records = children.records[closed]
    if not old_records:
        return decision
    score = best_score(model, record, old_records)
    if score.weight < thresholds.review and not any(
        birth_surname(record, old) for old in old_records
    ):
        return decision
    return Decision(Outcome.LINK, closed, score, rule=BIRTH_IDENTITY)


def birth_surname(record: MatchRecord, old: MatchRecord) -> bool:
    """The record carries the closed record's family name (or a variant) and its date
    of birth (or a slip of it): whatever its given names and address, the old identity."""
    family = COMPARISONS[FAMILY].level_of(record, old)
    born = COMPARISONS[BIRTH].level_of(record, old)
    return family in (1, 2, 3) and born in (1, 2, 3)


def _doubtful(record: MatchRecord, decision: Decision[Ref], thresholds: Thresholds) -> bool:
    incomplete = record.given_first is None or record.family is None or record.dob is None
    near = decision.score is not None and decision.score.weight >= thresholds.review
    return incomplete or near


def _resolve(plan: LinkPlan, children: Children, row_refs: Sequence[Ref]) -> None:
    """Point every row, and every review, at the child its set of joined children keeps;
    number the file's new children afresh; drop reviews a join has answered."""
    groups: dict[Ref, int] = {}

    def target(ref: Ref) -> Target:
        root = children.find(ref)
        if isinstance(root, int):
            return Existing(root)
        return NewChild(groups.setdefault(root, len(groups)))

    plan.links = [
        RowLink(target(ref), link.weight, link.levels)
        for ref, link in zip(row_refs, plan.links, strict=True)
    ]
    plan.new_children = len(groups)
    reviews = [replace(r, candidate=target(_ref(r.candidate))) for r in plan.reviews]
    plan.reviews = [r for r in reviews if r.candidate != plan.links[r.row].target]
    near = [replace(r, candidate=target(_ref(r.candidate))) for r in plan.near]
    plan.near = [r for r in near if r.candidate != plan.links[r.row].target]


def _ref(target: Target) -> Ref:
    return target.child_id if isinstance(target, Existing) else ("new", target.group)


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
