"""Subject access: everything held on a child and every access to it, for the owning
authority's data managers to give to the family — as an HTML page, a PDF or JSON
(``/children/{cp_id}/subject-access?format=pdf``). Producing it is audited."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from contactpoint.records.subject_access import as_json, subject_access
from contactpoint.web.documents import subject_access_pdf
from contactpoint.web.pages import PageDep

router = APIRouter(include_in_schema=False)


@router.get("/children/{cp_id}/subject-access", response_class=HTMLResponse)
def subject_access_report(
    page: PageDep, cp_id: str, format: Annotated[Literal["html", "pdf", "json"], Query()] = "html"
) -> Response:
    report = subject_access(page.session, page.user.principal, cp_id)
    name = f"subject-access-{report.record.cp_id}"
    if format == "json":
        return Response(
            json.dumps(as_json(report), indent=2, ensure_ascii=False),
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="{name}.json"'},
        )
    if format == "pdf":
        return Response(
            subject_access_pdf(report),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
        )
    return page.render("records/subject_access.html", {"report": as_json(report)})
