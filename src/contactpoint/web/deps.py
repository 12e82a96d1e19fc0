"""Dependencies for routes, as ``Annotated`` aliases so signatures read like prose.

``SessionDep`` is one unit of work per request: it commits after the route returns and
before the response is sent (so a failed commit is an error page, not a false success),
and rolls back if the route raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.templating import Jinja2Templates

from contactpoint import db


def get_session() -> Iterator[Session]:
    with db.unit_of_work() as session:
        yield session


def get_templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
Templates = Annotated[Jinja2Templates, Depends(get_templates)]
