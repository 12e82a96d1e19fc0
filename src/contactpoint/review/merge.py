"""Merging one child into another, and undoing it exactly.

A merge moves every source record of the merged child — with its facts and match rows —
to the survivor and marks each record as linked by a person. The merged child stays as a
redirect (status ``merged``, ``merged_into_id``), so its ContactPoint ID keeps its
meaning (DESIGN §5, stable IDs). The ``Merge`` row lists the records moved and the merged
child's previous status; each moved record's ``LinkEvent`` carries, in ``explanation``,
the merge id and the record's link kind before the merge. Together they let an unmerge
put back exactly what was there.

Nothing here commits. Each decision runs in a savepoint, so a refused one leaves the
caller's session as it was; rows are locked (``FOR UPDATE`` on PostgreSQL) and status
changes are conditional, so two people deciding at once cannot both succeed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from contactpoint import bulk
from contactpoint.children.store import rebuild_golden_records
from contactpoint.errors import MergeRefused, NotFound, UnmergeRefused
from contactpoint.kinds.children import ChildStatus, LinkKind
from contactpoint.linkage import store as match_store
from contactpoint.tables.children import FACT_TABLES, Child, SourceRecord
from contactpoint.tables.linkage import KeptApart, LinkEvent
from contactpoint.tables.review import Merge, ReviewStatus, ReviewTask

MERGE = "merge"
UNMERGE = "unmerge"
# The golden record derives only "active" or "deceased"; a lifecycle status it cannot
# derive survives a rebuild.
_LIFECYCLE = (ChildStatus.ARCHIVED,)


def when(moment: datetime | None) -> str:
    """A timestamp as people read it in messages."""
    return f"{moment:%Y-%m-%d %H:%M}" if moment else "an unknown time"


def merge(session: Session, *, survivor_id: int, merged_id: int, actor: str, reason: str) -> Merge:
    """Join child ``merged_id`` into ``survivor_id``: the same child, in a person's view.

    Every source record moves to the survivor as a manual link, the merged child becomes
    a redirect to the survivor, and the survivor's golden record is rebuilt. Refused
    (nothing changed) for one child, a missing, merged or destroyed child, or a pair a
    person kept apart.
    """
    with session.begin_nested():
        return merge_children(session, survivor_id, merged_id, actor, reason)


def merge_children(
    session: Session,
    survivor_id: int,
    merged_id: int,
    actor: str,
    reason: str,
    *,
    by_person: bool = True,
) -> Merge:
    """``merge`` inside the caller's savepoint (for a review decision, or for the matcher
    when a record shows two children to be one: ``by_person=False`` keeps each moved
    record's link kind)."""
    if survivor_id == merged_id:
        raise MergeRefused(f"child {survivor_id} cannot be merged into itself")
    children = lock_children(session, (survivor_id, merged_id))
    survivor, merged = children[survivor_id], children[merged_id]
    for child in (survivor, merged):
        if child.status is ChildStatus.MERGED:
            into = session.get(Child, child.merged_into_id) if child.merged_into_id else None
            target = into.cp_id if into else "another child"
            raise MergeRefused(
                f"{child.cp_id} was already merged into {target}; decide on {target} instead"
            )
        if child.status is ChildStatus.DESTROYED:
            raise MergeRefused(f"{child.cp_id} has been destroyed and cannot be merged")
    pair = kept_apart_between(session, survivor_id, merged_id)
    if pair is not None:
        raise MergeRefused(
            f"{survivor.cp_id} and {merged.cp_id} were kept apart by {pair.by} at"
            f" {when(pair.at)} ({pair.reason or 'no reason given'}); they cannot be merged"
        )
    moved = session.execute(
        select(SourceRecord.id, SourceRecord.link_kind)
        .where(SourceRecord.child_id == merged_id)
        .order_by(SourceRecord.id)
    ).all()
    record = Merge(
        survivor_id=survivor_id,
        merged_id=merged_id,
        merged_status=merged.status.value,
        source_record_ids=[record_id for record_id, _ in moved],
        by=actor,
        reason=reason,
    )
    session.add(record)
    session.flush()
    ids = record.source_record_ids
    kinds: dict[LinkKind, list[int]] = {}
    for record_id, kind in moved:
        kinds.setdefault(LinkKind.MANUAL if by_person else kind, []).append(record_id)
    move_records(session, ids, survivor_id, kinds)
    log_moves(
        session,
        [
            (
                record_id,
                merged_id,
                survivor_id,
                {"merge_id": record.id, "link_kind_before": kind.value},
            )
            for record_id, kind in moved
        ],
        MERGE,
        actor,
        reason,
    )
    session.execute(
        update(Child)
        .where(Child.id == merged_id)
        .values(status=ChildStatus.MERGED, merged_into_id=survivor_id)
    )
    if merged.shielded and not survivor.shielded:
        # A merge involving a shielded child yields a shielded child (and an unmerge
        # leaves both shielded: it never lifts a shield).
        session.execute(update(Child).where(Child.id == survivor_id).values(shielded=True))
    rebuild(session, [survivor_id])
    session.expire(survivor)
    session.expire(merged)
    return record


def unmerge(session: Session, *, merge_id: int, actor: str, reason: str) -> Merge:
    """Undo a merge exactly: the recorded source records go back with their previous link
    kinds, the merged child gets its status back, and both golden records are rebuilt.

    Records linked to the survivor since the merge stay with it. Refused (nothing
    changed) for an unknown or already undone merge, or while the survivor is itself
    merged into another child.
    """
    with session.begin_nested():
        record = session.scalars(
            select(Merge)
            .where(Merge.id == merge_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one_or_none()
        if record is None:
            raise NotFound(f"no merge with id {merge_id}")
        if record.undone_at is not None:
            raise UnmergeRefused(
                f"merge {merge_id} was already undone by {record.undone_by} at"
                f" {when(record.undone_at)}; nothing was changed"
            )
        children = lock_children(session, (record.survivor_id, record.merged_id))
        survivor, merged = children[record.survivor_id], children[record.merged_id]
        _check_undoable(session, record, survivor, merged)
        kinds_before = _link_kinds_before(session, record)
        marked = session.execute(
            update(Merge)
            .where(Merge.id == merge_id, Merge.undone_at.is_(None))
            .values(undone_by=actor, undone_at=func.now(), undo_reason=reason)
        )
        if cast(CursorResult[Any], marked).rowcount != 1:
            raise UnmergeRefused(f"merge {merge_id} was undone by someone else just now")
        ids = record.source_record_ids
        by_kind: dict[LinkKind, list[int]] = {}
        for record_id in ids:
            by_kind.setdefault(kinds_before[record_id], []).append(record_id)
        move_records(session, ids, merged.id, by_kind)
        log_moves(
            session,
            [(rid, survivor.id, merged.id, {"merge_id": merge_id}) for rid in ids],
            UNMERGE,
            actor,
            reason,
        )
        rebuild(session, [survivor.id, merged.id])
        session.execute(
            update(Child)
            .where(Child.id == merged.id)
            .values(status=ChildStatus(record.merged_status), merged_into_id=None)
        )
        session.expire(survivor)
        session.expire(merged)
    session.refresh(record)
    return record


def _check_undoable(session: Session, record: Merge, survivor: Child, merged: Child) -> None:
    if survivor.status is ChildStatus.MERGED:
        later = session.scalars(
            select(Merge).where(Merge.merged_id == survivor.id, Merge.undone_at.is_(None))
        ).first()
        into = session.get(Child, survivor.merged_into_id) if survivor.merged_into_id else None
        raise UnmergeRefused(
            f"{survivor.cp_id} has since been merged into"
            f" {into.cp_id if into else 'another child'}"
            f"{f' (merge {later.id})' if later else ''}; undo that merge first"
        )
    if merged.status is not ChildStatus.MERGED or merged.merged_into_id != survivor.id:
        raise UnmergeRefused(
            f"{merged.cp_id} is no longer merged into {survivor.cp_id}; merge {record.id}"
            " cannot be undone"
        )
    held = {
        record_id: child_id
        for part in bulk.parts(session, record.source_record_ids)
        for record_id, child_id in session.execute(
            select(SourceRecord.id, SourceRecord.child_id).where(SourceRecord.id.in_(part))
        )
    }
    strays = [rid for rid in record.source_record_ids if held.get(rid) != survivor.id]
    if strays:
        raise UnmergeRefused(
            f"source records {', '.join(map(str, strays))} are no longer with"
            f" {survivor.cp_id}; merge {record.id} cannot be undone exactly"
        )


def _link_kinds_before(session: Session, record: Merge) -> dict[int, LinkKind]:
    """Each moved record's link kind before the merge, from the merge's link events."""
    found: dict[int, LinkKind] = {}
    for part in bulk.parts(session, record.source_record_ids):
        events = session.execute(
            select(LinkEvent.source_record_id, LinkEvent.explanation).where(
                LinkEvent.source_record_id.in_(part), LinkEvent.action == MERGE
            )
        )
        for record_id, explanation in events:
            for entry in explanation or ():
                if entry.get("merge_id") == record.id and "link_kind_before" in entry:
                    found[record_id] = LinkKind(entry["link_kind_before"])
    missing = [rid for rid in record.source_record_ids if rid not in found]
    if missing:
        raise UnmergeRefused(
            f"the link history of source records {', '.join(map(str, missing))} is missing;"
            f" merge {record.id} cannot be undone exactly"
        )
    return found


def lock_children(session: Session, child_ids: Sequence[int]) -> dict[int, Child]:
    """The children, freshly read and locked until the transaction ends (in id order, so
    two decisions never wait on each other)."""
    found = {
        child.id: child
        for child in session.scalars(
            select(Child)
            .where(Child.id.in_(child_ids))
            .order_by(Child.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    for child_id in child_ids:
        if child_id not in found:
            raise NotFound(f"no child with id {child_id}")
    return found


def kept_apart_between(session: Session, child_id: int, other_id: int) -> KeptApart | None:
    """A kept-apart pair between the two children or any child merged into either."""
    ours, theirs = absorbed(session, child_id), absorbed(session, other_id)
    return session.scalars(
        select(KeptApart)
        .where(
            or_(
                and_(KeptApart.child_a_id.in_(ours), KeptApart.child_b_id.in_(theirs)),
                and_(KeptApart.child_a_id.in_(theirs), KeptApart.child_b_id.in_(ours)),
            )
        )
        .order_by(KeptApart.id)
    ).first()


def absorbed(session: Session, child_id: int) -> set[int]:
    """The child and every child merged into it, directly or in turn."""
    group, frontier = {child_id}, {child_id}
    while frontier:
        frontier = (
            set(
                session.scalars(
                    select(Child.id).where(
                        Child.merged_into_id.in_(frontier), Child.status == ChildStatus.MERGED
                    )
                )
            )
            - group
        )
        group |= frontier
    return group


def move_records(
    session: Session,
    source_record_ids: Sequence[int],
    child_id: int,
    link_kinds: dict[LinkKind, list[int]],
) -> None:
    """Re-file source records, their facts and match rows under ``child_id``."""
    for part in bulk.parts(session, source_record_ids):
        session.execute(
            update(SourceRecord).where(SourceRecord.id.in_(part)).values(child_id=child_id)
        )
        for table in FACT_TABLES:
            session.execute(
                update(table).where(table.source_record_id.in_(part)).values(child_id=child_id)
            )
    for kind, ids in link_kinds.items():
        for part in bulk.parts(session, ids):
            session.execute(
                update(SourceRecord).where(SourceRecord.id.in_(part)).values(link_kind=kind)
            )
    match_store.move(session, source_record_ids, child_id)


def log_moves(
    session: Session,
    moves: Sequence[tuple[int, int, int, dict[str, Any]]],
    action: str,
    actor: str,
    reason: str,
) -> None:
    """One link event per moved record: who moved it, when, why, and in which decision."""
    if not moves:
        return
    session.execute(
        insert(LinkEvent),
        [
            {
                "source_record_id": record_id,
                "from_child_id": from_id,
                "to_child_id": to_id,
                "action": action,
                "explanation": [detail],
                "by": actor,
                "reason": reason,
            }
            for record_id, from_id, to_id, detail in moves
        ],
    )


def rebuild(session: Session, child_ids: Sequence[int]) -> None:
    """Rebuild golden records of the children that hold records, keeping a lifecycle
    status the golden record cannot derive."""
    kept = session.execute(
        select(Child.id, Child.status).where(Child.id.in_(child_ids), Child.status.in_(_LIFECYCLE))
    ).all()
    holding = session.scalars(
        select(SourceRecord.child_id).where(SourceRecord.child_id.in_(child_ids)).distinct()
    ).all()
    rebuild_golden_records(session, sorted(holding))
    for child_id, status in kept:
        session.execute(update(Child).where(Child.id == child_id).values(status=status))


def close_tasks_between(session: Session, one: int, other: int, actor: str, reason: str) -> int:
    """Mark open review tasks about these two children as linked (a join answered them);
    return how many."""
    pair = or_(
        and_(ReviewTask.child_id == one, ReviewTask.candidate_child_id == other),
        and_(ReviewTask.child_id == other, ReviewTask.candidate_child_id == one),
    )
    closed = session.execute(
        update(ReviewTask)
        .where(pair, ReviewTask.status == ReviewStatus.OPEN)
        .values(status=ReviewStatus.LINKED, decided_by=actor, decided_at=func.now(), reason=reason)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], closed).rowcount
