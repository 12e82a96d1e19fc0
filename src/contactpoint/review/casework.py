"""A data manager's review work as the pages do it: the pair of a task side by side, and
each decision (link, keep apart, unmerge) checked against the policy and written to the
audit trail in the same transaction.

The decisions themselves are ``review.service``'s and ``review.merge``'s; this module
adds who may make them (``Action.REVIEW_MATCHES``) and the audit entries: opening a task
shows two children's records, so it is audited once for each child, and the queue
(names and dates of birth of each pair) once for what it listed. Reviewing is also
reading: a pair is shown, decided or unmerged only when the policy would show the
reviewer both records in full (``Action.VIEW``) — never a record shielded from them,
closed for a new identity, destroyed, or deep in the archive — and the queue lists only
such pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.access.policy import Action, Principal, decide
from contactpoint.access.state import listing_state
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import Actor, record
from contactpoint.children.facts import facts_from_json
from contactpoint.errors import AccessRefused, InvalidValue, NotFound
from contactpoint.kinds.access import Role
from contactpoint.kinds.children import ChildStatus
from contactpoint.review import service
from contactpoint.review.merge import unmerge
from contactpoint.review.service import MergeRead, ReviewTaskRead
from contactpoint.tables.children import Child, SourceRecord
from contactpoint.tables.review import Merge


@dataclass(frozen=True, slots=True)
class StatementRead:
    """One source record of a child, as the source said it."""

    source: str
    record_id: str
    received_at: datetime
    link_kind: str
    given_names: str | None
    family_name: str | None
    date_of_birth: date | None
    gender: str
    postcode: str | None
    identifiers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SideRead:
    """One child of the pair: its golden record and the source records behind it."""

    cp_id: str
    status: str
    given_names: str | None
    family_name: str | None
    date_of_birth: date | None
    gender: str
    address_line: str | None
    postcode: str | None
    responsible_la_code: str | None
    records: tuple[StatementRead, ...]


@dataclass(frozen=True, slots=True)
class PairRead:
    """A review task and its two children side by side."""

    task: ReviewTaskRead
    child: SideRead
    candidate: SideRead


def _allowed(principal: Principal) -> Actor:
    verdict = decide(principal, Action.REVIEW_MATCHES)
    if not verdict.allowed:
        raise AccessRefused(verdict.reason)
    return Actor(principal.username, principal.user_id)


def _in_full_view(session: Session, principal: Principal, child_id: int) -> bool:
    """Whether the policy lets the reviewer take this child into a match review
    (``Action.REVIEW_RECORD``): a child merged into another stands for the record it is
    part of now."""
    child = session.get(Child, child_id)
    while child is not None and child.status is ChildStatus.MERGED and child.merged_into_id:
        child = session.get(Child, child.merged_into_id)
    if child is None:
        return False
    return decide(principal, Action.REVIEW_RECORD, listing_state(child)).allowed


def _require_view(session: Session, principal: Principal, *child_ids: int) -> None:
    if not all(_in_full_view(session, principal, child_id) for child_id in child_ids):
        raise AccessRefused(
            "a record of this pair is another authority's, or not one you may see in full"
        )


def _reason(reason: str) -> str:
    if not reason.strip():
        raise InvalidValue("reason", "", "say why: it is kept with the decision")
    return reason.strip()


@dataclass(frozen=True, slots=True)
class Queue:
    """One page of the tasks a data manager may decide, oldest first, and how many
    there are in all."""

    tasks: list[ReviewTaskRead]
    total: int
    page: int = 1
    pages: int = 1
    first: int = 1  # the place in the queue of the page's first task


def queue(session: Session, principal: Principal, limit: int = 100, page: int = 1) -> Queue:
    """The review queue, oldest first, for a data manager: the pairs whose records they
    may both see in full — however many other authorities' tasks are older — ``limit``
    a page (a page past the last is the last); the listing is audited."""
    actor = _allowed(principal)
    national = Role.NATIONAL_ADMIN in principal.roles
    mine = [
        task
        for task in service.answerable_tasks(session, principal.la_code, national=national)
        if _in_full_view(session, principal, task.child_id)
        and _in_full_view(session, principal, task.candidate_child_id)
    ]
    pages = max(1, -(-len(mine) // limit))
    page = min(max(page, 1), pages)
    start = (page - 1) * limit
    tasks = service.read_tasks(session, mine[start : start + limit])
    record(session, actor, AuditAction.REVIEW_QUEUE, details={"tasks": [task.id for task in tasks]})
    return Queue(tasks, len(mine), page, pages, start + 1)


def open_tasks(session: Session, principal: Principal, limit: int = 100) -> list[ReviewTaskRead]:
    """The first ``limit`` tasks of the data manager's queue."""
    return queue(session, principal, limit).tasks


def compare(session: Session, principal: Principal, task_id: int) -> PairRead:
    """A task with both children's records side by side; audited for each child."""
    actor = _allowed(principal)
    task = service.get_task(session, task_id)
    _require_view(session, principal, task.child.id, task.candidate.id)
    sides = (_side(session, task.child.id), _side(session, task.candidate.id))
    for summary in (task.child, task.candidate):
        record(
            session, actor, AuditAction.REVIEW_VIEW, child_id=summary.id, details={"task": task.id}
        )
    return PairRead(task, *sides)


def _side(session: Session, child_id: int) -> SideRead:
    child = session.get(Child, child_id)
    if child is None:
        raise NotFound(f"no child with id {child_id}")
    rows = session.scalars(
        select(SourceRecord).where(SourceRecord.child_id == child_id).order_by(SourceRecord.id)
    ).all()
    statements = []
    for row in rows:
        facts = facts_from_json(row.facts)
        statements.append(
            StatementRead(
                source=row.source, record_id=row.record_id, received_at=row.received_at,
                link_kind=row.link_kind.value, given_names=facts.given_names,
                family_name=facts.family_name, date_of_birth=facts.date_of_birth,
                gender=facts.gender,
                postcode=facts.address.postcode if facts.address else None,
                identifiers=tuple(f"{i.scheme.value}: {i.value}" for i in facts.identifiers),
            )
        )  # fmt: skip
    return SideRead(
        cp_id=child.cp_id, status=child.status.value, given_names=child.given_names,
        family_name=child.family_name, date_of_birth=child.date_of_birth, gender=child.gender,
        address_line=child.address_line, postcode=child.postcode,
        responsible_la_code=child.responsible_la_code, records=tuple(statements),
    )  # fmt: skip


def _require_pair(session: Session, principal: Principal, task_id: int) -> None:
    task = service.get_task(session, task_id)
    _require_view(session, principal, task.child.id, task.candidate.id)


def link(session: Session, principal: Principal, task_id: int, reason: str) -> None:
    """The same child: link the pair (``service.link``), and audit the decision."""
    actor = _allowed(principal)
    why = _reason(reason)
    _require_pair(session, principal, task_id)
    merged = service.link(session, task_id=task_id, actor=principal.username, reason=why)
    details = {"task": task_id, "merge": merged.id if merged else None}
    record(session, actor, AuditAction.REVIEW_LINK, reason=why, details=details)


def keep_apart(session: Session, principal: Principal, task_id: int, reason: str) -> None:
    """Different children: keep the pair apart for good (``service.separate``), audited."""
    actor = _allowed(principal)
    why = _reason(reason)
    _require_pair(session, principal, task_id)
    service.separate(session, task_id=task_id, actor=principal.username, reason=why)
    record(session, actor, AuditAction.REVIEW_KEEP_APART, reason=why, details={"task": task_id})


def merges_of(session: Session, principal: Principal, cp_id: str) -> tuple[Child, list[MergeRead]]:
    """The child a ContactPoint ID stands for now, and every merge it took part in."""
    _allowed(principal)
    child = service.resolve(session, cp_id)
    _require_view(session, principal, child.id)
    return child, service.merge_history(session, child.id)


def undo_merge(session: Session, principal: Principal, merge_id: int, reason: str) -> None:
    """Undo a merge exactly (``merge.unmerge``), audited."""
    actor = _allowed(principal)
    why = _reason(reason)
    merge = session.get(Merge, merge_id)
    if merge is not None:  # an unknown merge is unmerge's to refuse
        _require_view(session, principal, merge.survivor_id)
    undone = unmerge(session, merge_id=merge_id, actor=principal.username, reason=why)
    record(
        session,
        actor,
        AuditAction.REVIEW_UNMERGE,
        child_id=undone.survivor_id,
        reason=why,
        details={"merge": merge_id, "merged": undone.merged_id},
    )
