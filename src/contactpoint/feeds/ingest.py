"""Use cases of the index: taking in source rows and keeping golden records true."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from contactpoint import bulk
from contactpoint.access.policy import NATIONAL_TEAM
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import Actor, record
from contactpoint.children import store
from contactpoint.children.facts import ChildFacts, facts_to_json
from contactpoint.children.golden import build_golden
from contactpoint.kinds.children import ChildStatus
from contactpoint.linkage import registry
from contactpoint.linkage import store as match_store
from contactpoint.linkage.service import Existing, LinkPlan, NewChild, Target, plan_links
from contactpoint.matching.decide import Thresholds
from contactpoint.matching.record import match_record
from contactpoint.review.merge import close_tasks_between, merge_children
from contactpoint.tables.children import Child, SourceRecord
from contactpoint.tables.linkage import MatchKey, MatchRecordRow
from contactpoint.tables.review import ReviewStatus, ReviewTask

Progress = Callable[[str, int, int], None]
# Files with at least this many new rows (and a tenth of the index's) refresh the
# planner's statistics first.
FRESH_STATISTICS_AT = 1000
INDEX_TABLES = (MatchKey, MatchRecordRow, SourceRecord, Child)
# Progress: the writing of a file's rows in steps (children, source records, changed
# rows, facts, match records, reviews), and golden records rebuilt a chunk at a time.
WRITE_STEPS = 6
GOLDEN_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class Incoming:
    """A validated source row: the cells as received and their standard facts."""

    cells: dict[str, str]
    facts: ChildFacts


@dataclass(frozen=True, slots=True)
class IngestCounts:
    new_children: int
    linked: int
    updated: int
    unchanged: int
    for_review: int
    # Pairs of indexed children a row showed to be one child, and so joined.
    joined: int = 0


def payload_hash(cells: dict[str, str]) -> str:
    """A stable hash of a row's cells, to recognise a re-delivered unchanged row."""
    canonical = json.dumps(cells, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def ingest(
    session: Session,
    *,
    source: str,
    feed_run_id: int,
    rows: Sequence[Incoming],
    thresholds: Thresholds,
    progress: Progress | None = None,
) -> IngestCounts:
    """Match each new row to its child (new or existing), store it, rebuild golden records.

    Rows already held with the same content are left alone; rows held with new content
    replace their old version on the same child (a person's or the matcher's earlier
    decision stands).
    """
    report = progress or (lambda _stage, _done, _total: None)
    hashes = [payload_hash(row.cells) for row in rows]
    held = store.existing_records(session, source, [row.facts.record_id for row in rows])
    fresh: list[int] = []
    changed: list[int] = []
    for index, row in enumerate(rows):
        previous = held.get(row.facts.record_id)
        if previous is None:
            fresh.append(index)
        elif previous[2] != hashes[index]:
            changed.append(index)
    if len(fresh) >= max(FRESH_STATISTICS_AT, match_store.newest_record(session) // 10):
        # The index grows by a tenth or more (an earlier file, an earlier chunk of this
        # one): the planner may not have seen it. A delivery small beside the index
        # changes nothing it plans by, and is spared the ANALYZE of national tables.
        bulk.refresh_statistics(session, INDEX_TABLES)
    plan = plan_links(
        session, [rows[i].facts for i in fresh], thresholds=thresholds, progress=progress
    )

    group_rows: dict[int, list[int]] = defaultdict(list)
    for index, link in zip(fresh, plan.links, strict=True):
        if isinstance(link.target, NewChild):
            group_rows[link.target.group].append(index)
    goldens = [
        build_golden([rows[i].facts for i in group_rows[g]]) for g in range(plan.new_children)
    ]
    new_ids = store.insert_children(session, goldens)
    report("write", 1, WRITE_STEPS)

    def child_id(target: Target) -> int:
        return target.child_id if isinstance(target, Existing) else new_ids[target.group]

    child_of = {i: child_id(link.target) for i, link in zip(fresh, plan.links, strict=True)}
    record_ids = store.insert_source_records(
        session,
        [
            _record_row(source, feed_run_id, rows[i], hashes[i])
            | {
                "child_id": child_of[i],
                "match_weight": link.weight,
                "match_levels": link.levels,
                "model_version": plan.model_version if link.weight is not None else None,
            }
            for i, link in zip(fresh, plan.links, strict=True)
        ],
    )
    report("write", 2, WRITE_STEPS)

    changed_ids = [held[rows[i].facts.record_id][0] for i in changed]
    store.update_source_records(
        session,
        [
            _record_row(source, feed_run_id, rows[i], hashes[i]) | {"id": record_id}
            for i, record_id in zip(changed, changed_ids, strict=True)
        ],
        5000,
    )
    store.delete_facts(session, changed_ids)
    match_store.remove(session, changed_ids)
    report("write", 3, WRITE_STEPS)
    for i in changed:
        child_of[i] = held[rows[i].facts.record_id][1]
    written = list(zip(fresh, record_ids, strict=True)) + list(
        zip(changed, changed_ids, strict=True)
    )
    store.insert_facts(session, [(child_of[i], rid, rows[i].facts) for i, rid in written])
    report("write", 4, WRITE_STEPS)
    # The new rows' match records were made while planning; changed rows need new ones.
    match_store.write(
        session,
        [
            (rid, child_of[i], record)
            for i, rid, record in zip(fresh, record_ids, plan.records, strict=True)
        ]
        + [
            (rid, child_of[i], match_record(rid, rows[i].facts))
            for i, rid in zip(changed, changed_ids, strict=True)
        ],
    )
    report("write", 5, WRITE_STEPS)
    _hold_near_shielded(session, plan, fresh, child_of)
    raised = _raise_reviews(session, plan, fresh, record_ids, child_of, child_id)
    report("write", WRITE_STEPS, WRITE_STEPS)

    _shield_marked(
        session,
        sorted({child_of[i] for i in (*fresh, *changed) if rows[i].facts.shield}),
        f"{source} marks the record sensitive (feed run {feed_run_id})",
    )
    merged: set[int] = set()
    for join in plan.joins:
        actor = f"matcher (feed run {feed_run_id})"
        record_id = rows[fresh[join.row]].facts.record_id
        reason = (
            f"{source} record {record_id} asked again whether they are one child"
            f" ({join.answers}): every record of one now links to the other"
            if join.answers is not None
            else f"{source} record {record_id} matched both children strongly, and nothing"
            " either holds says they are two children"
        )
        merge_children(session, join.survivor, join.merged, actor, reason, by_person=False)
        close_tasks_between(session, join.survivor, join.merged, actor, reason)
        merged.add(join.merged)
    touched = sorted(
        {child_of[i] for i in changed}
        | {link.target.child_id for link in plan.links if isinstance(link.target, Existing)}
    )
    rebuilt = [c for c in touched if c not in merged]
    report("golden", 0, len(rebuilt))
    for done in range(0, len(rebuilt), GOLDEN_CHUNK):
        store.rebuild_golden_records(session, rebuilt[done : done + GOLDEN_CHUNK])
        report("golden", min(done + GOLDEN_CHUNK, len(rebuilt)), len(rebuilt))
    return IngestCounts(
        new_children=plan.new_children,
        # Rows that joined a child: one already indexed, or one created earlier in the file.
        linked=len(fresh) - plan.new_children,
        updated=len(changed),
        unchanged=len(rows) - len(fresh) - len(changed),
        for_review=raised,
        joined=len(plan.joins),
    )


def _hold_near_shielded(
    session: Session, plan: LinkPlan, fresh: Sequence[int], child_of: dict[int, int]
) -> None:
    """A row made a new child although it scores at or above the review threshold
    against a shielded (or closed) child is held: its child is shielded too, and the
    question goes to the data managers (the review queue shows a pair only to an
    authority responsible for both children), so nobody else sees the new record in
    full before they have answered."""
    asked = [*plan.reviews, *plan.near]
    candidates = {r.candidate.child_id for r in asked if isinstance(r.candidate, Existing)}
    if not candidates:
        return
    hidden: set[int] = set()
    for part in bulk.parts(session, sorted(candidates)):
        for child in session.scalars(select(Child).where(bulk.among(session, Child.id, part))):
            if child.shielded or child.status is ChildStatus.CLOSED:
                hidden.add(child.id)
    held = [
        r for r in asked if isinstance(r.candidate, Existing) and r.candidate.child_id in hidden
    ]
    # A closed record's questions are the national team's: no authority may see it.
    owners = {
        child_id: NATIONAL_TEAM if status is ChildStatus.CLOSED else la_code
        for child_id, la_code, status in session.execute(
            select(Child.id, Child.responsible_la_code, Child.status).where(
                Child.id.in_(sorted(hidden))
            )
        )
    }
    for request in held:
        new = session.get(Child, child_of[fresh[request.row]])
        if new is None:
            continue
        # The question is the shielded child's owners' to answer, wherever the new
        # record's address puts it (a refuge in another authority, say).
        assert isinstance(request.candidate, Existing)
        new.held_for_la_code = new.held_for_la_code or owners.get(request.candidate.child_id)
        if not new.shielded:
            new.shielded = True
            record(
                session, Actor("feed"), AuditAction.CHILD_SHIELD, child_id=new.id,
                reason="held: the record is close to a shielded or closed record",
            )  # fmt: skip
    # The near ones get their question too (reviews already have theirs).
    plan.reviews.extend(r for r in plan.near if r in held)
    session.flush()


def _shield_marked(session: Session, child_ids: Sequence[int], reason: str) -> None:
    """Shield the children a source marks sensitive (before any join, so a merge with
    one of them yields a shielded child), each audited as the feed's doing."""
    for part in bulk.parts(session, child_ids):
        for child in session.scalars(
            select(Child).where(bulk.among(session, Child.id, part), Child.shielded.is_(False))
        ):
            child.shielded = True
            record(
                session, Actor("feed"), AuditAction.CHILD_SHIELD, child_id=child.id, reason=reason
            )
    session.flush()


def _raise_reviews(
    session: Session,
    plan: LinkPlan,
    fresh: Sequence[int],
    record_ids: Sequence[int],
    child_of: dict[int, int],
    child_id: Callable[[Target], int],
) -> int:
    """Raise the plan's review tasks and return how many: one open task for each pair of
    children the plan asks about. A second record raising the question an open task
    already asks (two records of one new child, each near the same indexed child) adds
    nothing for a person to decide, and the first task's answer settles both."""
    if not plan.reviews:
        return 0
    model = registry.model(session, plan.model_version)
    asked = _open_pairs(session, {child_of[fresh[review.row]] for review in plan.reviews})
    tasks = []
    for review in plan.reviews:
        child, candidate = child_of[fresh[review.row]], child_id(review.candidate)
        if frozenset((child, candidate)) in asked:
            continue
        asked.add(frozenset((child, candidate)))
        tasks.append(
            ReviewTask(
                kind=review.kind,
                child_id=child,
                candidate_child_id=candidate,
                source_record_id=record_ids[review.row],
                weight=review.weight,
                model_version=plan.model_version,
                explanation=[
                    {"comparison": c.comparison, "level": c.level, "weight": c.weight}
                    for c in model.explain_levels(review.levels)
                ],
                note=review.note,
            )
        )
    session.add_all(tasks)
    session.flush()
    return len(tasks)


def _open_pairs(session: Session, child_ids: set[int]) -> set[frozenset[int]]:
    """The pairs of children open review tasks already ask about, among those naming
    one of ``child_ids``."""
    pairs: set[frozenset[int]] = set()
    for part in bulk.parts(session, sorted(child_ids)):
        for one, other in session.execute(
            select(ReviewTask.child_id, ReviewTask.candidate_child_id).where(
                ReviewTask.status == ReviewStatus.OPEN,
                or_(
                    bulk.among(session, ReviewTask.child_id, part),
                    bulk.among(session, ReviewTask.candidate_child_id, part),
                ),
            )
        ):
            pairs.add(frozenset((one, other)))
    return pairs


def _record_row(source: str, feed_run_id: int, row: Incoming, digest: str) -> dict[str, Any]:
    return {
        "source": source,
        "record_id": row.facts.record_id,
        "feed_run_id": feed_run_id,
        "recorded_on": row.facts.recorded_on,
        "payload": row.cells,
        "facts": facts_to_json(row.facts),
        "payload_hash": digest,
    }
