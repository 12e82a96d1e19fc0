"""Dependencies for routes, as ``Annotated`` aliases so signatures read like prose.

``SessionDep`` is one unit of work per request: it commits after the route returns and
before the response is sent (so a failed commit is an error page, not a false success),
and rolls back if the route raises. While it is open it is ``request.state.session``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Annotated

import anyio.to_thread
from anyio import CancelScope, CapacityLimiter
from fastapi import Depends, Path, Query, Request
from sqlalchemy.orm import Session
from starlette.templating import Jinja2Templates

from contactpoint import db
from contactpoint.access.reasons import MAX_OTHER
from contactpoint.audit.service import leave_sealing_to_background
from contactpoint.web.replica import note_written, replica_for


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's unit of work; pages rendered while it is open read from it too
    (``templating.page_context``: the unread count in the navigation). Its audit entries
    are sealed by the server's background sealer when that runs, else after the commit.

    Opening it touches no database (a session connects on its first statement, in a
    worker thread), so it opens on the event loop; only the commit or rollback goes to a
    worker thread, shielded from cancellation as FastAPI shields its own. A sync
    dependency would cost a second hand-off to a thread on every request (measured: each
    hand-off is about a twentieth of a search's CPU in the web server)."""
    unit = request_unit(request)
    session = unit.__enter__()
    # Its own limiter: ending a unit of work must never wait for a free worker thread.
    ending = CapacityLimiter(1)
    try:
        yield session
    except BaseException as error:
        with CancelScope(shield=True):
            handled = await anyio.to_thread.run_sync(
                unit.__exit__, type(error), error, error.__traceback__, limiter=ending
            )
        if not handled:
            raise
    else:
        with CancelScope(shield=True):
            await anyio.to_thread.run_sync(unit.__exit__, None, None, None, limiter=ending)


@contextmanager
def request_unit(request: Request) -> Iterator[Session]:
    """A request's unit of work (``db.unit_of_work``), kept on ``request.state`` while it
    is open, its audit entries left to the server's background sealer when that runs.
    A search or record view reads the index from the replica, if there is one
    (``web.replica``); a request that may have written notes how far it wrote."""
    reading = replica_for(request)
    engine = db.get_engine()
    with db.unit_of_work(engine, replica=reading[0] if reading else None) as session:
        if reading and reading[1]:
            session.info[db.MUST_REACH] = reading[1]
        if getattr(request.app.state, "sealing_in_background", False):
            leave_sealing_to_background(session)
        request.state.session = session
        try:
            yield session
        finally:
            request.state.session = None
    # The error page tells the truth: a failure after this point lost nothing.
    request.state.committed = True
    note_written(request, engine)


def get_templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
Templates = Annotated[Jinja2Templates, Depends(get_templates)]
# A row's id in an address: a whole number either database can hold (a larger one is a
# bad address, 400, never a failed query).
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]
# What a page just did, for its success banner (``?done=linked``).
Done = Annotated[str, Query(max_length=20)]
# A reason for access given in an address (a record or signposting link followed): a
# little over the limits, so a too-long value is told by the reasons' own message.
ReasonCode = Annotated[str | None, Query(max_length=60)]
ReasonDetail = Annotated[str | None, Query(max_length=MAX_OTHER + 100)]
