"""Dependencies for routes, as ``Annotated`` aliases so signatures read like prose.

``SessionDep`` is one unit of work per request: it commits after the route returns and
before the response is sent (so a failed commit is an error page, not a false success),
and rolls back if the route raises. While it is open it is ``request.state.session``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session
from starlette.templating import Jinja2Templates

from contactpoint import db
from contactpoint.audit.service import leave_sealing_to_background


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work; pages rendered while it is open read from it too
    (``templating.page_context``: the unread count in the navigation). Its audit entries
    are sealed by the server's background sealer when that runs, else after the commit."""
    with db.unit_of_work() as session:
        if getattr(request.app.state, "sealing_in_background", False):
            leave_sealing_to_background(session)
        request.state.session = session
        try:
            yield session
        finally:
            request.state.session = None


def get_templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
Templates = Annotated[Jinja2Templates, Depends(get_templates)]
# A row's id in an address: a whole number either database can hold (a larger one is a
# bad address, 400, never a failed query).
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]
