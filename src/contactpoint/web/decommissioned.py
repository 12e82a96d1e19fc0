"""After decommissioning, the service refuses every request with one page (410 Gone)
saying so; the API answers the same in JSON. The database is asked at most every few
seconds, and once the answer is yes it never changes."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from contactpoint import db
from contactpoint.decommission.service import decommissioned

RECHECK_SECONDS = 5.0
MESSAGE = "ContactPoint has been decommissioned and its data destroyed."


class Decommissioned:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.closed = False
        self.checked_at = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(("/assets/", "/static/")):
            await self.app(scope, receive, send)
            return
        if not self.closed and time.monotonic() - self.checked_at > RECHECK_SECONDS:
            self.closed = await run_in_threadpool(_closed)
            self.checked_at = time.monotonic()
        if not self.closed:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        response: Any
        if path.startswith("/api/"):
            response = JSONResponse({"detail": MESSAGE}, status_code=410)
        else:
            response = request.app.state.templates.TemplateResponse(
                request, "errors/decommissioned.html", {"message": MESSAGE}, status_code=410
            )
        await response(scope, receive, send)


def _closed() -> bool:
    try:
        with db.unit_of_work() as session:
            return decommissioned(session)
    except SQLAlchemyError:
        return False  # a database not ready yet: the routes answer that themselves
