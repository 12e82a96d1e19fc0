"""Undoing a relink run (``contactpoint match relink --undo RUN``): every change put
back, newest first, in one savepoint — or, when a change can no longer be undone exactly
(a record moved or a child merged since), nothing changed at all."""

from __future__ import annotations

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from contactpoint.kinds.children import ChildStatus
from contactpoint.review.merge import move_records, rebuild, unmerge
from contactpoint.review.relink import RelinkRefused, run_of
from contactpoint.tables.children import Child, SourceRecord
from contactpoint.tables.linkage import LinkEvent, RelinkChange

RELINK_UNDONE = "relink undone"


def undo(session: Session, run_id: int, *, actor: str, reason: str) -> int:
    """Put back every change of the run, newest first; how many changes were undone.
    Refused (nothing changed) when a change can no longer be undone exactly — a record
    moved or a child merged since — or the run was undone already."""
    with session.begin_nested():
        run = run_of(session, run_id, lock=True)
        if run.undone_at is not None:
            raise RelinkRefused(
                f"relink run {run_id} was already undone by {run.undone_by}; nothing was changed"
            )
        changes = list(
            session.scalars(
                select(RelinkChange)
                .where(RelinkChange.run_id == run_id)
                .order_by(RelinkChange.id.desc())
            )
        )
        for change in changes:
            if change.merge_id is not None:
                unmerge(session, merge_id=change.merge_id, actor=actor, reason=reason)
            else:
                _move_back(session, change, actor, reason)
        run.undone_by, run.undone_at, run.undo_reason = actor, func.now(), reason
        if run.finished_at is None:
            run.finished_at = func.now()
        session.flush()
    return len(changes)


def _move_back(session: Session, change: RelinkChange, actor: str, reason: str) -> None:
    ids = change.source_record_ids
    held = dict(
        session.execute(
            select(SourceRecord.id, SourceRecord.child_id).where(SourceRecord.id.in_(ids))
        ).all()
    )
    strays = [uid for uid in ids if held.get(uid) != change.to_child_id]
    if strays:
        raise RelinkRefused(
            f"source records {', '.join(map(str, strays))} have moved since relink change"
            f" {change.id}; the run cannot be undone exactly, and nothing was changed"
        )
    move_records(session, ids, change.from_child_id, {})
    session.execute(
        insert(LinkEvent),
        [
            {
                "source_record_id": uid,
                "from_child_id": change.to_child_id,
                "to_child_id": change.from_child_id,
                "action": RELINK_UNDONE,
                "explanation": [{"relink_change_id": change.id}],
                "by": actor,
                "reason": reason,
            }
            for uid in ids
        ],
    )
    left = session.scalar(
        select(SourceRecord.id).where(SourceRecord.child_id == change.to_child_id)
    )
    if change.founded and left is None:
        # The child the relink created is empty again: its ContactPoint ID, which may
        # have been seen meanwhile, leads to the child its record came back to.
        session.execute(
            update(Child)
            .where(Child.id == change.to_child_id)
            .values(status=ChildStatus.MERGED, merged_into_id=change.from_child_id)
        )
    rebuild(session, [change.from_child_id, change.to_child_id])
