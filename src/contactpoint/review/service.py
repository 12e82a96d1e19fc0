"""The data manager's review work: open tasks, and deciding each one — the same child
(``link``, which merges them) or different children (``separate``, which keeps them
apart for good); following a merged-away ContactPoint ID (``resolve``) and a child's
merge history. How a merge is made and undone exactly lives in ``review.merge``.

Every decision records who made it, when (set by the database) and why. A task is
decided once: the decision is a conditional ``UPDATE … WHERE status = 'open'``, so of two
people deciding the same task at once, the second is told who was first and nothing
else changes. Nothing here commits; each decision runs in a savepoint, so a refused one
leaves the caller's session as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from contactpoint.access.policy import NATIONAL_TEAM
from contactpoint.errors import DecisionRefused, NotFound, TaskAlreadyDecided
from contactpoint.identifiers import normalise_cp_id
from contactpoint.kinds.children import ChildStatus
from contactpoint.review.merge import merge, merge_children, unmerge, when
from contactpoint.tables.children import Child
from contactpoint.tables.linkage import KeptApart
from contactpoint.tables.review import Merge, ReviewKind, ReviewStatus, ReviewTask

__all__ = [
    "ChildSummaryRead",
    "MergeRead",
    "ReviewTaskRead",
    "get_task",
    "link",
    "merge",
    "merge_history",
    "open_tasks",
    "resolve",
    "separate",
    "unmerge",
]


@dataclass(frozen=True, slots=True)
class ChildSummaryRead:
    """What a data manager needs to tell two children apart at a glance."""

    id: int
    cp_id: str
    given_names: str | None
    family_name: str | None
    date_of_birth: date | None
    postcode: str | None
    status: ChildStatus


@dataclass(frozen=True, slots=True)
class ReviewTaskRead:
    """A review task with both children and the score that raised it."""

    id: int
    kind: ReviewKind
    status: ReviewStatus
    child: ChildSummaryRead
    candidate: ChildSummaryRead
    source_record_id: int | None
    weight: float
    model_version: str
    explanation: list[dict[str, Any]]
    note: str | None
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class MergeRead:
    """One merge of a child's history, and its undoing if it was undone."""

    id: int
    survivor_id: int
    survivor_cp_id: str
    merged_id: int
    merged_cp_id: str
    merged_status: str
    source_record_ids: tuple[int, ...]
    by: str
    at: datetime
    reason: str
    undone_by: str | None
    undone_at: datetime | None
    undo_reason: str | None


def open_tasks(
    session: Session, *, limit: int = 50, kind: ReviewKind | None = None
) -> list[ReviewTaskRead]:
    """Tasks waiting for a decision, oldest first."""
    statement = select(ReviewTask).where(ReviewTask.status == ReviewStatus.OPEN)
    if kind is not None:
        statement = statement.where(ReviewTask.kind == kind)
    tasks = session.scalars(
        statement.order_by(ReviewTask.created_at, ReviewTask.id).limit(limit)
    ).all()
    return _read(session, tasks)


def answerable_tasks(
    session: Session, la_code: str | None, *, national: bool = False
) -> list[ReviewTask]:
    """Open tasks, oldest first, whose two children an authority may be answerable for
    (responsible for it, responsible for nobody yet, held for it, or merged into another
    child — resolved by the caller), and with ``national`` those about a record closed
    for a new identity or held for the national team; every open task for national
    staff (``None``)."""
    statement = select(ReviewTask).where(ReviewTask.status == ReviewStatus.OPEN)
    if la_code is not None:
        child, candidate = aliased(Child), aliased(Child)

        def answerable(side: type[Child]) -> ColumnElement[bool]:
            return or_(
                side.responsible_la_code == la_code,
                side.responsible_la_code.is_(None),
                side.held_for_la_code == la_code,
                side.status == ChildStatus.MERGED,
            )

        def nationals(side: type[Child]) -> ColumnElement[bool]:
            return or_(side.held_for_la_code == NATIONAL_TEAM, side.status == ChildStatus.CLOSED)

        theirs = and_(answerable(child), answerable(candidate))
        if national:
            theirs = or_(theirs, nationals(child), nationals(candidate))
        statement = (
            statement.join(child, child.id == ReviewTask.child_id)
            .join(candidate, candidate.id == ReviewTask.candidate_child_id)
            .where(theirs)
        )
    return list(session.scalars(statement.order_by(ReviewTask.created_at, ReviewTask.id)))


def read_tasks(session: Session, tasks: Sequence[ReviewTask]) -> list[ReviewTaskRead]:
    return _read(session, tasks)


def get_task(session: Session, task_id: int) -> ReviewTaskRead:
    """One task, open or decided."""
    task = session.get(ReviewTask, task_id, populate_existing=True)
    if task is None:
        raise NotFound(f"no review task with id {task_id}")
    return _read(session, [task])[0]


def link(session: Session, *, task_id: int, actor: str, reason: str) -> Merge | None:
    """Decide "the same child": mark the task linked and merge its two children.

    The survivor is the older child — the lower id, created first — whichever way round
    the task names them, so the longest-held ContactPoint ID keeps the records and the
    other redirects to it. A child merged away since the task was raised stands for the
    child it was merged into. Returns the merge, or None if the two are already one
    child. Refused, with nothing changed, if the task was already decided or the merge
    is refused (``merge``).
    """
    with session.begin_nested():
        task = _decide(session, task_id, ReviewStatus.LINKED, actor, reason)
        child, candidate = _survivors(session, task)
        if child.id == candidate.id:
            return None
        older, newer = sorted((child.id, candidate.id))
        return merge_children(session, older, newer, actor, reason)


def separate(session: Session, *, task_id: int, actor: str, reason: str) -> KeptApart:
    """Decide "different children": mark the task kept apart and record the pair, so
    automatic matching never joins them. Returns the kept-apart pair (the one already
    recorded, if a person kept them apart before)."""
    with session.begin_nested():
        task = _decide(session, task_id, ReviewStatus.KEPT_APART, actor, reason)
        child, candidate = _survivors(session, task)
        if child.id == candidate.id:
            raise DecisionRefused(
                f"the two children of review task {task_id} have since been merged into"
                f" {child.cp_id}; undo that merge before keeping them apart"
            )
        low, high = sorted((child.id, candidate.id))
        existing = session.scalars(
            select(KeptApart).where(KeptApart.child_a_id == low, KeptApart.child_b_id == high)
        ).one_or_none()
        if existing is not None:
            return existing
        pair = KeptApart(child_a_id=low, child_b_id=high, by=actor, reason=reason)
        session.add(pair)
        session.flush()
        return pair


def resolve(session: Session, cp_id: str) -> Child:
    """The child a ContactPoint ID stands for now: a merged-away ID redirects to the
    child it was merged into (and on, if that child was merged in turn)."""
    child = session.scalars(
        select(Child)
        .where(Child.cp_id == normalise_cp_id(cp_id))
        .execution_options(populate_existing=True)
    ).one_or_none()
    if child is None:
        raise NotFound(f"no child with ContactPoint ID {cp_id}")
    return surviving(session, child)


def surviving(session: Session, child: Child) -> Child:
    """Follow ``child``'s merge redirects to the child that holds its records now."""
    seen = {child.id}
    while child.status is ChildStatus.MERGED and child.merged_into_id is not None:
        following = session.get(Child, child.merged_into_id, populate_existing=True)
        if following is None or following.id in seen:
            break
        seen.add(following.id)
        child = following
    return child


def merge_history(session: Session, child_id: int) -> list[MergeRead]:
    """Every merge the child took part in, as survivor or as the child merged away,
    oldest first."""
    if session.get(Child, child_id) is None:
        raise NotFound(f"no child with id {child_id}")
    merges = session.scalars(
        select(Merge)
        .where(or_(Merge.survivor_id == child_id, Merge.merged_id == child_id))
        .order_by(Merge.id)
    ).all()
    return _read_merges(session, merges)


def recent_merges(session: Session, *, by: str | None = None, limit: int = 50) -> list[MergeRead]:
    """The latest merges, newest first; ``by`` keeps those whose actor starts with it
    (``matcher`` for the joins the matcher made)."""
    query = select(Merge).order_by(Merge.id.desc()).limit(limit)
    if by:
        query = query.where(Merge.by.startswith(by, autoescape=True))
    return _read_merges(session, session.scalars(query).all())


def _read_merges(session: Session, merges: Sequence[Merge]) -> list[MergeRead]:
    ids = {m.survivor_id for m in merges} | {m.merged_id for m in merges}
    cp_ids = dict(session.execute(select(Child.id, Child.cp_id).where(Child.id.in_(ids))).all())
    return [
        MergeRead(
            id=m.id,
            survivor_id=m.survivor_id,
            survivor_cp_id=cp_ids[m.survivor_id],
            merged_id=m.merged_id,
            merged_cp_id=cp_ids[m.merged_id],
            merged_status=m.merged_status,
            source_record_ids=tuple(m.source_record_ids),
            by=m.by,
            at=m.at,
            reason=m.reason,
            undone_by=m.undone_by,
            undone_at=m.undone_at,
            undo_reason=m.undo_reason,
        )
        for m in merges
    ]


def _decide(
    session: Session, task_id: int, status: ReviewStatus, actor: str, reason: str
) -> ReviewTask:
    """Decide an open task, once: whoever updates it first wins."""
    decided = session.execute(
        update(ReviewTask)
        .where(ReviewTask.id == task_id, ReviewTask.status == ReviewStatus.OPEN)
        .values(status=status, decided_by=actor, decided_at=func.now(), reason=reason)
        .execution_options(synchronize_session=False)
    )
    task = session.get(ReviewTask, task_id, populate_existing=True)
    if task is None:
        raise NotFound(f"no review task with id {task_id}")
    if cast(CursorResult[Any], decided).rowcount != 1:
        raise TaskAlreadyDecided(task.id, task.status.value, task.decided_by, when(task.decided_at))
    return task


def _survivors(session: Session, task: ReviewTask) -> tuple[Child, Child]:
    """The children the task's two children stand for now."""
    found = []
    for child_id in (task.child_id, task.candidate_child_id):
        child = session.get(Child, child_id, populate_existing=True)
        if child is None:
            raise NotFound(f"no child with id {child_id}")
        found.append(surviving(session, child))
    return found[0], found[1]


def _read(session: Session, tasks: Sequence[ReviewTask]) -> list[ReviewTaskRead]:
    ids = {t.child_id for t in tasks} | {t.candidate_child_id for t in tasks}
    children = {
        child.id: child
        for child in session.scalars(
            select(Child).where(Child.id.in_(ids)).execution_options(populate_existing=True)
        )
    }
    return [
        ReviewTaskRead(
            id=task.id,
            kind=task.kind,
            status=task.status,
            child=_summary(children[task.child_id]),
            candidate=_summary(children[task.candidate_child_id]),
            source_record_id=task.source_record_id,
            weight=task.weight,
            model_version=task.model_version,
            explanation=[dict(entry) for entry in task.explanation],
            note=task.note,
            created_at=task.created_at,
            decided_by=task.decided_by,
            decided_at=task.decided_at,
            reason=task.reason,
        )
        for task in tasks
    ]


def _summary(child: Child) -> ChildSummaryRead:
    return ChildSummaryRead(
        id=child.id,
        cp_id=child.cp_id,
        given_names=child.given_names,
        family_name=child.family_name,
        date_of_birth=child.date_of_birth,
        postcode=child.postcode,
        status=child.status,
    )
