"""Suspending and resuming sources: the scaled-down mode (DESIGN §4), and each
source's state and latest deliveries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.access.policy import Action, Principal, decide
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import Actor, record
from contactpoint.errors import AccessRefused, InvalidValue, SourceSuspended
from contactpoint.feeds.sources import SOURCES, get_source
from contactpoint.tables.feeds import FeedControlEvent, FeedRun, FeedSourceState


@dataclass(frozen=True, slots=True)
class SourceStatus:
    source: str
    title: str
    suspended: bool
    changed_at: datetime | None
    changed_by: str | None
    reason: str | None
    continues_when_scaled_down: bool
    runs: int
    last_run_at: datetime | None


def _set(session: Session, source: str, *, suspended: bool, by: str, reason: str | None) -> None:
    name = get_source(source).name
    state = session.get(FeedSourceState, name)
    if state is None:
        state = FeedSourceState(source=name, suspended=suspended, changed_by=by, reason=reason)
        session.add(state)
    else:
        state.suspended = suspended
        state.changed_by = by
        state.reason = reason
        state.changed_at = datetime.now(UTC)
    session.add(
        FeedControlEvent(
            source=name, action="suspend" if suspended else "resume", by=by, reason=reason
        )
    )
    session.flush()


def suspend(session: Session, source: str, *, by: str, reason: str | None = None) -> None:
    """Refuse the source's files from now on."""
    _set(session, source, suspended=True, by=by, reason=reason)


def resume(session: Session, source: str, *, by: str, reason: str | None = None) -> None:
    """Accept the source's files again."""
    _set(session, source, suspended=False, by=by, reason=reason)


def change(
    session: Session, principal: Principal, source: str, *, suspended: bool, reason: str
) -> None:
    """A national administrator suspends or resumes a source, saying why: checked
    against the policy and audited."""
    verdict = decide(principal, Action.CONTROL_FEEDS)
    if not verdict.allowed:
        raise AccessRefused(verdict.reason)
    if not reason.strip():
        raise InvalidValue("reason", "", "say why the source is suspended or resumed")
    name = get_source(source).name
    _set(session, name, suspended=suspended, by=principal.username, reason=reason)
    action = AuditAction.FEED_SUSPEND if suspended else AuditAction.FEED_RESUME
    record(
        session,
        Actor(principal.username, principal.user_id),
        action,
        reason=reason,
        details={"source": name},
    )


@dataclass(frozen=True, slots=True)
class FeedRunRead:
    """One delivery of a source: the file, when it was loaded and what it did."""

    id: int
    source: str
    file_name: str
    status: str
    started_at: datetime
    rows_read: int
    new_children: int
    linked: int
    for_review: int
    rejected: int
    rows_with_warnings: int


def recent_runs(session: Session, per_source: int = 5) -> dict[str, list[FeedRunRead]]:
    """Each source's latest deliveries, newest first."""
    found: dict[str, list[FeedRunRead]] = {}
    for name in SOURCES:
        runs = session.scalars(
            select(FeedRun)
            .where(FeedRun.source == name)
            .order_by(FeedRun.started_at.desc(), FeedRun.id.desc())
            .limit(per_source)
        )
        found[name] = [
            FeedRunRead(
                id=run.id,
                source=run.source,
                file_name=run.file_name,
                status=run.status.value,
                started_at=run.started_at,
                rows_read=run.rows_read,
                new_children=run.new_children,
                linked=run.linked,
                for_review=run.for_review,
                rejected=run.rejected,
                rows_with_warnings=run.rows_with_warnings,
            )
            for run in runs
        ]
    return found


def ensure_accepting(session: Session, source: str, file_name: str) -> None:
    """Raise ``SourceSuspended`` if the source's files are currently refused."""
    state = session.get(FeedSourceState, source)
    if state is not None and state.suspended:
        why = f" ({state.reason})" if state.reason else ""
        raise SourceSuspended(
            file_name,
            f"source '{source}' is suspended since {state.changed_at:%Y-%m-%d}{why};"
            " its files are refused until it is resumed",
        )


def status(session: Session) -> list[SourceStatus]:
    """Every source with its state and how many files it has delivered."""
    states = {s.source: s for s in session.scalars(select(FeedSourceState))}
    result = []
    for name, source in SOURCES.items():
        state = states.get(name)
        runs = list(session.scalars(select(FeedRun.started_at).where(FeedRun.source == name)))
        result.append(
            SourceStatus(
                source=name,
                title=source.title,
                suspended=bool(state and state.suspended),
                changed_at=state.changed_at if state else None,
                changed_by=state.changed_by if state else None,
                reason=state.reason if state else None,
                continues_when_scaled_down=source.continues_when_scaled_down,
                runs=len(runs),
                last_run_at=max(runs) if runs else None,
            )
        )
    return result
