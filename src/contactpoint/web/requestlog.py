"""The request log, without personal data: method, the route's *template* (``/children/
{cp_id}``, never the ID), status and time taken. Query strings — search criteria, reasons —
are never logged. Uvicorn's own access log, which prints whole URLs, is switched off.
The same figures are counted for ``/metrics`` (``web.metrics``).

Each request has an id — the caller's ``X-Request-ID`` when it is a plain token, else a
new one — sent back in that header and carried by every log line written while the
request is answered (``logs.REQUEST_ID``), so the lines of one request can be found."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import Message, Receive, Scope, Send

from contactpoint.logs import REQUEST_ID
from contactpoint.web.metrics import observe
from contactpoint.web.middleware import HttpMiddleware

log = logging.getLogger("contactpoint.requests")
HEADER = b"x-request-id"
_PLAIN = re.compile(rb"[A-Za-z0-9._-]{8,64}")


class RequestLog(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500
        request_id = _request_id(scope)
        # Not reset afterwards: each request runs in a task (and context) of its own, and
        # the handler of unexpected errors, outside this middleware, logs with the id too.
        REQUEST_ID.set(request_id)

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or _static_or_unknown(scope["path"])
            seconds = time.perf_counter() - started
            observe(scope["method"], template, status, seconds)
            log.info("%s %s %d %.1fms", scope["method"], template, status, seconds * 1000)


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == HEADER and _PLAIN.fullmatch(value):
            return str(value.decode())
    return uuid.uuid4().hex


def _static_or_unknown(path: str) -> str:
    """A path no route matched: static files by their prefix, anything else unnamed."""
    for prefix in ("/static/", "/assets/"):
        if path.startswith(prefix):
            return prefix + "…"
    return "(no route)"
