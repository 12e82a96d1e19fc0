"""The audit trail's reports for auditors: who accessed a given child, what a given user
did, and whether the chain is intact. Reading the trail is itself audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from contactpoint.access.policy import Action
from contactpoint.audit import service as audit
from contactpoint.audit.actions import AuditAction
from contactpoint.errors import NotFound
from contactpoint.review.service import resolve
from contactpoint.web.auth import require
from contactpoint.web.pages import PageDep

router = APIRouter(include_in_schema=False)


@router.get("/audit", response_class=HTMLResponse)
def reports(
    page: PageDep,
    cp_id: Annotated[str, Query(max_length=20)] = "",
    username: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    session, user = page.session, page.user
    require(user, Action.READ_AUDIT)
    entries, subject, error = [], None, None
    if cp_id.strip():
        try:
            child = resolve(session, cp_id.strip())
        except NotFound:
            error = f"No child has the ContactPoint ID {cp_id.strip()}"
        else:
            subject = f"Who accessed {child.cp_id}"
            entries = audit.accesses_to_child(session, child.id)
            audit.record(session, user.actor, AuditAction.AUDIT_CHILD_REPORT, child_id=child.id)
    elif username.strip():
        subject = f"What {username.strip()} did"
        entries = audit.actions_of_user(session, username.strip())
        audit.record(
            session,
            user.actor,
            AuditAction.AUDIT_USER_REPORT,
            details={"username": username.strip()},
        )
    verification = audit.verify(session) if not (cp_id or username) else None
    return page.render(
        "audit/reports.html",
        {
            "entries": entries,
            "subject": subject,
            "error": error,
            "cp_id": cp_id,
            "username": username,
            "verification": verification,
        },
        404 if error else 200,
    )
