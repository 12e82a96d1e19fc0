"""The home page, "What the index holds", and the same counts as JSON.

These show aggregate counts and the state of each source feed only: never a child's
details, nor who changed a feed's state; anything added here must stay aggregate. Like
every page but sign-in and the health checks, they need a signed-in user.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from pydantic import Field
from starlette.responses import Response

from contactpoint.feeds import control
from contactpoint.stats import index_counts
from contactpoint.web.api import Schema
from contactpoint.web.auth import CurrentUser
from contactpoint.web.deps import SessionDep
from contactpoint.web.pages import PageDep

router = APIRouter()
api = APIRouter(prefix="/api/v1", tags=["index"])


class ChildCountsRead(Schema):
    """Children in the index by status; ``incomplete`` counts across statuses; ``merged``
    counts records joined into another child (not in ``total``); ``closed`` counts old
    records closed for a new identity (adoption)."""

    total: int
    active: int
    deceased: int
    archived: int
    destroyed: int
    merged: int
    closed: int
    incomplete: int


class IndexCountsRead(Schema):
    """What the index holds, as ``contactpoint stats --json`` prints it."""

    children: ChildCountsRead
    source_records: dict[str, int] = Field(
        description="Source records held: 'total' and one count per source."
    )
    feed_runs: dict[str, int] = Field(description="Files loaded: 'total' and one count per source.")


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(page: PageDep) -> Response:
    session = page.session
    return page.render(
        "home/index.html", {"counts": index_counts(session), "sources": control.status(session)}
    )


@api.get("/stats", summary="What the index holds")
def stats(session: SessionDep, _user: CurrentUser) -> IndexCountsRead:
    return IndexCountsRead.model_validate(index_counts(session))
