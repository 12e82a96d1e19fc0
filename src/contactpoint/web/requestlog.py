"""The request log, without personal data: method, the route's *template* (``/children/
{cp_id}``, never the ID), status and time taken. Query strings — search criteria, reasons —
are never logged. Uvicorn's own access log, which prints whole URLs, is switched off."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("contactpoint.requests")


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or _static_or_unknown(scope["path"])
            log.info(
                "%s %s %d %.1fms",
                scope["method"],
                template,
                status,
                (time.perf_counter() - started) * 1000,
            )


def _static_or_unknown(path: str) -> str:
    """A path no route matched: static files by their prefix, anything else unnamed."""
    for prefix in ("/static/", "/assets/"):
        if path.startswith(prefix):
            return prefix + "…"
    return "(no route)"
