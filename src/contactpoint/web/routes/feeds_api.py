"""Source systems deliver files over the API: ``POST /api/v1/feeds/{source}`` with the
CSV as the body and ``Authorization: Bearer <token>``. The token must hold the scope
``feeds:<source>`` (a source system may deliver only its own feed); the load is the same
pipeline as ``contactpoint feed load`` — one transaction, refused whole or loaded — and
is audited under the token's name."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Body, Header

from contactpoint.access import auth
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import record
from contactpoint.errors import FileRefused, NotSignedIn
from contactpoint.feeds.fields import RowError
from contactpoint.feeds.pipeline import load_file
from contactpoint.feeds.sources import get_source
from contactpoint.web.api import Schema
from contactpoint.web.deps import SessionDep

router = APIRouter(prefix="/api/v1/feeds", tags=["feeds"])
MAX_BYTES = 200 * 1024 * 1024
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class RowErrorRead(Schema):
    line: int
    record_id: str | None
    field: str
    reason: str


class FeedRunRead(Schema):
    """What the load did (or that these exact bytes were loaded before: nothing changed)."""

    run: int
    source: str
    already_loaded: bool
    rows_read: int
    new_children: int
    linked: int
    updated: int
    unchanged: int
    rejected: int
    rows_with_warnings: int
    for_review: int
    rejected_rows: list[RowErrorRead]
    warnings: list[RowErrorRead]


def _row_problem(problem: RowError) -> RowErrorRead:
    return RowErrorRead(
        line=problem.line, record_id=problem.record_id, field=problem.field, reason=problem.reason
    )


def _token(authorization: str | None) -> str:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise NotSignedIn("send the source system's API token: Authorization: Bearer <token>")
    return authorization[7:].strip()


@router.post("/{source}", summary="Deliver a source file")
def deliver(
    source: str,
    session: SessionDep,
    body: Annotated[bytes, Body(media_type="text/csv")],
    authorization: Annotated[str | None, Header()] = None,
    x_file_name: Annotated[str | None, Header(max_length=200)] = None,
) -> FeedRunRead:
    """Load the CSV in the body as ``contactpoint feed load SOURCE`` would. A file with
    bad rows loads the rest and lists the rejected rows (line, field, reason — never a
    value); a row with an invalid value that is not its key loads without that value and
    is listed under ``warnings``; a broken file is refused whole (422) and nothing changes."""
    get_source(source)  # an unknown source is a 404 before anything else
    actor = auth.machine(session, _token(authorization), f"feeds:{source}")
    name = _SAFE_NAME.sub("_", x_file_name or f"{source}.csv")[:100] or f"{source}.csv"
    if len(body) > MAX_BYTES:
        raise FileRefused(name, f"is larger than {MAX_BYTES // 1024 // 1024} MB")
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / name
        path.write_bytes(body)
        result = load_file(session, source_name=source, path=path, loaded_by=actor.name)
    run = result.run
    record(
        session,
        actor,
        AuditAction.FEED_LOAD,
        details={"source": source, "run": run.id, "already_loaded": result.already_loaded},
    )
    return FeedRunRead(
        run=run.id,
        source=run.source,
        already_loaded=result.already_loaded,
        rows_read=run.rows_read,
        new_children=run.new_children,
        linked=run.linked,
        updated=run.updated,
        unchanged=run.unchanged,
        rejected=run.rejected,
        rows_with_warnings=run.rows_with_warnings,
        for_review=run.for_review,
        rejected_rows=[_row_problem(e) for e in result.errors],
        warnings=[_row_problem(w) for w in result.warnings],
    )
