"""Audit analytics for auditors: the searches and views of a period read from the audit
trail, the patterns of likely misuse found in them (``audit.misuse``), daily counts for
the charts, and alerts to every auditor — each finding alerted once, through the
notification outbox. Nothing here commits: the caller's unit of work does.

A period is read into memory (a few columns per search or view), which suits the daily
analysis and the auditor's page (a week by default); a long period takes longer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.audit.actions import AuditAction
from contactpoint.audit.misuse import (
    ACCESS_ACTIONS,
    SEARCH,
    UK,
    Access,
    Finding,
    Thresholds,
    daily_counts,
    detect,
)
from contactpoint.audit.service import SYSTEM, record
from contactpoint.kinds.access import OrganisationKind, Role, UserStatus
from contactpoint.notify.message import valid_address
from contactpoint.notify.service import notify
from contactpoint.settings import Settings, get_settings
from contactpoint.tables.access import Organisation, User, UserRole
from contactpoint.tables.audit import AuditAlert, AuditEntry
from contactpoint.tables.children import Child

ALERT_KIND = "misuse_alert"
ALERT_LINK = "/audit/analytics"


@dataclass(frozen=True, slots=True)
class MisuseReport:
    """What the trail shows for ``since`` to ``until``."""

    since: datetime
    until: datetime
    findings: tuple[Finding, ...]
    # Searches and views per UK day and action.
    daily: dict[date, Counter[str]]


def thresholds(settings: Settings | None = None) -> Thresholds:
    """The limits the settings give."""
    chosen = settings or get_settings()
    return Thresholds(
        volume_factor=chosen.audit_volume_factor,
        volume_floor=chosen.audit_volume_floor,
        outside_area=chosen.audit_outside_area_threshold,
        shielded=chosen.audit_shielded_threshold,
        same_child=chosen.audit_same_child_threshold,
        night_start_hour=chosen.audit_night_start_hour,
        night_end_hour=chosen.audit_night_end_hour,
        night=chosen.audit_night_threshold,
    )


def misuse_report(
    session: Session,
    since: datetime,
    until: datetime | None = None,
    *,
    now: datetime | None = None,
    limits: Thresholds | None = None,
) -> MisuseReport:
    """Findings and daily counts for the searches and views from ``since`` up to
    ``until`` (default ``now``, default the present moment)."""
    end = until or now or datetime.now(UTC)
    accesses = list(_accesses(session, since, end))
    return MisuseReport(
        since, end, tuple(detect(accesses, limits or thresholds())), daily_counts(accesses)
    )


def active_auditors(session: Session) -> list[User]:
    """Every active auditor, oldest account first."""
    return list(
        session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.AUDITOR, User.status == UserStatus.ACTIVE)
            .order_by(User.id)
        )
    )


def raise_alerts(
    session: Session, findings: tuple[Finding, ...] | list[Finding], now: datetime
) -> list[AuditAlert]:
    """Alert every active auditor to each finding not alerted before (the flagged user
    is not told of their own); each alert is recorded and audited as ``audit.alert``.
    The message names the user, the pattern and ContactPoint IDs — never a child's name."""
    keys = sorted({finding.key for finding in findings})
    known = set(session.scalars(select(AuditAlert.key).where(AuditAlert.key.in_(keys))))
    fresh = [finding for finding in findings if finding.key not in known]
    if not fresh:
        return []
    auditors = active_auditors(session)
    raised = []
    for finding in dict((f.key, f) for f in fresh).values():
        evidence = _evidence(finding)
        alert = AuditAlert(
            key=finding.key,
            pattern=finding.pattern.value,
            user_id=finding.user_id,
            day=finding.day,
            raised_at=now,
            evidence=evidence,
        )
        session.add(alert)
        subject = f"Possible misuse by {finding.username}: {finding.name}"
        body = f"{finding.username} on {finding.day:%d %B %Y}: {finding.why}."
        if finding.cp_ids:
            body += " Children concerned: " + ", ".join(finding.cp_ids) + "."
        told = [a for a in auditors if a.id != finding.user_id]
        for auditor in told:
            # An address the outbox could not send to must not stop the alert: the
            # inbox still gets it.
            emailed = bool(auditor.email) and valid_address(auditor.email.strip())
            notify(session, auditor, ALERT_KIND, subject[:200], body, ALERT_LINK, email=emailed)
        record(
            session, SYSTEM, AuditAction.AUDIT_ALERT,
            details={"key": finding.key, "user": finding.username, "auditors": len(told)},
        )  # fmt: skip
        raised.append(alert)
    session.flush()
    return raised


def daily_report(session: Session, now: datetime) -> MisuseReport:
    """The daily job's reading: yesterday and today so far, as whole UK days from
    midnight (so a day that ended after the last run is seen whole, and no day is cut
    part-way, which would compare a user's part of a day with the peers')."""
    yesterday = now.astimezone(UK).date() - timedelta(days=1)
    since = datetime.combine(yesterday, time(), UK)
    return misuse_report(session, since, now, now=now)


def analyse_and_alert(session: Session, now: datetime) -> list[AuditAlert]:
    """The daily report's new findings alerted, in one transaction."""
    return raise_alerts(session, daily_report(session, now).findings, now)


def alerts_raised(session: Session, since: datetime) -> list[AuditAlert]:
    """The alerts raised since ``since``, newest first."""
    return list(
        session.scalars(
            select(AuditAlert)
            .where(AuditAlert.raised_at >= since)
            .order_by(AuditAlert.id.desc())
            .limit(200)
        )
    )


def _evidence(finding: Finding) -> dict[str, Any]:
    return {
        "user": finding.username,
        "count": finding.count,
        "peer_median": finding.peer_median,
        "cp_ids": list(finding.cp_ids),
        "why": finding.why,
    }


def _accesses(session: Session, since: datetime, until: datetime) -> Iterator[Access]:
    """Each search and view by a signed-in user in the period, with the child opened."""
    rows = session.execute(
        select(
            AuditEntry.user_id,
            User.username,
            AuditEntry.at,
            AuditEntry.action,
            AuditEntry.details,
            Child.cp_id,
            Child.responsible_la_code,
            Child.shielded,
            Organisation.la_code,
            Organisation.kind,
        )
        .join(User, User.id == AuditEntry.user_id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .outerjoin(Child, Child.id == AuditEntry.child_id)
        .where(
            AuditEntry.action.in_(ACCESS_ACTIONS),
            AuditEntry.at >= since,
            AuditEntry.at < until,
        )
        .order_by(AuditEntry.id)
    )
    for user_id, username, at, action, details, cp_id, la, shielded, own_la, kind in rows:
        listed = details.get("cp_ids") if action == SEARCH and details else None
        yield Access(
            user_id=user_id,
            username=username,
            at=at if at.tzinfo else at.replace(tzinfo=UTC),
            action=action,
            cp_id=cp_id,
            child_la_code=la,
            child_shielded=bool(shielded),
            user_la_code=own_la if kind is OrganisationKind.LOCAL_AUTHORITY else None,
            listed=tuple(str(x) for x in listed) if isinstance(listed, list) else (),
        )
