"""Which requests read the index from the streaming replica (``read_database_url``),
and reading one's own writes.

Searches and record views — the bulk of the service's reads — read the index from the
replica; their audit entries, and every other request, stay on the primary
(``db.ReplicaReading``). A replica replays the primary's log a moment behind it, so a
user who has just changed something (registered an involvement, set a flag) must not
then be shown the record without it: after each request that may have written, the
primary's log position is kept in a cookie, and a replica-reading request carrying one
reads from the primary until the replica has replayed that far (``db.caught_up``).
"""

from __future__ import annotations

import re

from fastapi import Request
from sqlalchemy import Engine
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from contactpoint import db
from contactpoint.settings import get_settings
from contactpoint.web.middleware import HttpMiddleware

# (method, route template): the requests whose reads of the index may go to the replica.
REPLICA_ROUTES = frozenset(
    {
        ("POST", "/search"),
        ("GET", "/api/v1/children"),
        ("GET", "/children/{cp_id}"),
        ("POST", "/children/{cp_id}"),
        ("GET", "/api/v1/children/{cp_id}"),
    }
)
WRITTEN_COOKIE = "cp-written"
# A PostgreSQL log position as pg_current_wal_lsn() writes it ("16/B374D848").
POSITION = re.compile(r"[0-9A-F]{1,8}/[0-9A-F]{1,8}")
READING = frozenset({"GET", "HEAD", "OPTIONS"})
WRITTEN_KEY = "written_up_to"


def _route(request: Request) -> tuple[str, str | None]:
    return request.method, getattr(request.scope.get("route"), "path", None)


def replica_for(request: Request) -> tuple[Engine, str | None] | None:
    """The replica this request reads the index from, and the log position it must have
    replayed first (the user's last write) — or None: everything on the primary."""
    replica = db.replica_engine()
    if replica is None or _route(request) not in REPLICA_ROUTES:
        return None
    written = request.cookies.get(WRITTEN_COOKIE, "")
    return replica, written if POSITION.fullmatch(written) else None


def note_written(request: Request, engine: Engine) -> None:
    """After a committed request that may have written (on a service with a replica),
    keep the primary's log position for the response's cookie."""
    if (
        db.replica_engine() is not None
        and request.method not in READING
        and _route(request) not in REPLICA_ROUTES
    ):
        request.state.written_up_to = db.written_up_to(engine)


class WrittenPosition(HttpMiddleware):
    """ASGI middleware: the cookie saying how far this user's writes reached."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:

        async def send_with_cookie(message: Message) -> None:
            written = scope.get("state", {}).get(WRITTEN_KEY)
            if message["type"] == "http.response.start" and written:
                cookie = Response()
                cookie.set_cookie(
                    WRITTEN_COOKIE, written, httponly=True, samesite="strict", path="/",
                    secure=get_settings().secure_cookies,
                )  # fmt: skip
                headers = MutableHeaders(scope=message)
                headers.append("set-cookie", cookie.headers["set-cookie"])
            await send(message)

        await self.app(scope, receive, send_with_cookie)
