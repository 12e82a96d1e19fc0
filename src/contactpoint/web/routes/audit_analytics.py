"""The auditor's analytics page: likely misuse found in the audit trail (``audit.
analytics``) — each finding with its evidence and why it is flagged — the alerts already
raised, and a chart and table of searches and views per day. Reading it is audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from contactpoint.access.policy import Action
from contactpoint.audit import service as audit
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.misuse import ACCESS_ACTIONS
from contactpoint.oversight import analytics
from contactpoint.web.auth import require
from contactpoint.web.pages import PageDep

router = APIRouter(include_in_schema=False)

ACTION_NAMES = {
    "search": "Searches",
    "record.view": "Records viewed",
    "record.override": "Shields overridden",
    "signposting.query": "Signposting questions",
    "review.view": "Pairs reviewed",
}


@router.get("/audit/analytics", response_class=HTMLResponse)
def analytics_page(page: PageDep, days: Annotated[int, Query(ge=1, le=92)] = 7) -> Response:
    session, user = page.session, page.user
    require(user, Action.READ_AUDIT)
    now = datetime.now(UTC)
    since = now - timedelta(days=days)
    report = analytics.misuse_report(session, since, now, now=now)
    alerts = analytics.alerts_raised(session, since)
    audit.record(
        session, user.actor, AuditAction.AUDIT_ANALYTICS,
        details={"days": days, "findings": len(report.findings)},
    )  # fmt: skip
    daily = [
        (day, [counts.get(action, 0) for action in ACCESS_ACTIONS], sum(counts.values()))
        for day, counts in report.daily.items()
    ]
    return page.render(
        "audit/analytics.html",
        {
            "report": report,
            "alerts": alerts,
            "days": days,
            "daily": daily,
            "peak": max((total for _, _, total in daily), default=0),
            "actions": [ACTION_NAMES[action] for action in ACCESS_ACTIONS],
        },
    )
