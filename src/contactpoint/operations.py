"""What the operators watch, as counts without personal data: feed runs per source and
status, and the queues — open review tasks, e-mails waiting in the outbox, contact
requests not yet passed on. Read by ``/metrics`` on each scrape."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from contactpoint.db import Base
from contactpoint.tables.feeds import FeedRun
from contactpoint.tables.notify import EmailStatus, OutboxEmail
from contactpoint.tables.review import ReviewStatus, ReviewTask
from contactpoint.tables.signposting import ContactRequest


@dataclass(frozen=True, slots=True)
class QueueSizes:
    # (source, status) → how many runs.
    feed_runs: dict[tuple[str, str], int]
    open_review_tasks: int
    emails_pending: int
    open_contact_requests: int


def queue_sizes(session: Session) -> QueueSizes:
    """The counts, in four small queries."""
    runs = session.execute(
        select(FeedRun.source, FeedRun.status, func.count()).group_by(
            FeedRun.source, FeedRun.status
        )
    ).all()
    return QueueSizes(
        feed_runs={(source, str(status)): count for source, status, count in runs},
        open_review_tasks=_count(session, ReviewTask.status == ReviewStatus.OPEN, ReviewTask),
        emails_pending=_count(
            session,
            OutboxEmail.status.in_((EmailStatus.PENDING, EmailStatus.SENDING)),
            OutboxEmail,
        ),
        open_contact_requests=_count(
            session, ContactRequest.passed_on_at.is_(None), ContactRequest
        ),
    )


def _count(session: Session, condition: ColumnElement[bool], table: type[Base]) -> int:
    return session.scalar(select(func.count()).select_from(table).where(condition)) or 0
