"""An authority's reports as pages, for its data managers (they were on the command line
only): children missing education and children with no GP practice, each as a table and
as a CSV download (``?format=csv``, every cell safe to open in a spreadsheet). Producing
either is audited by ``records.reports``."""

from __future__ import annotations

import io
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from contactpoint import spreadsheets
from contactpoint.access.policy import Action
from contactpoint.errors import NotFound
from contactpoint.records import reports
from contactpoint.web.auth import require
from contactpoint.web.pages import PageDep

router = APIRouter(include_in_schema=False)

REPORTS = {
    "missing-education": (
        "Children missing education",
        "Children of compulsory school age with no school registration.",
    ),
    "no-gp": ("Children with no GP", "Children registered with no GP practice."),
}


@router.get("/reports", response_class=HTMLResponse)
def reports_page(page: PageDep) -> Response:
    require(page.user, Action.AUTHORITY_REPORTS)
    return page.render("reports/index.html", {"reports": REPORTS})


@router.get("/reports/{name}", response_class=HTMLResponse)
def report_page(
    page: PageDep, name: str, format: Annotated[Literal["html", "csv"], Query()] = "html"
) -> Response:
    session, user = page.session, page.user
    require(user, Action.AUTHORITY_REPORTS)
    if name not in REPORTS:
        raise NotFound(f"there is no report called {name[:40]}")
    today = date.today()
    if name == "missing-education":
        listed = reports.missing_education(session, user.principal, today)
    else:
        listed = reports.no_gp(session, user.principal)
    if format == "csv":
        handle = io.StringIO()
        writer = spreadsheets.writer(handle)
        writer.writerow(["cp_id", "given_names", "family_name", "date_of_birth"])
        writer.writerows([c.cp_id, c.given_names, c.family_name, c.date_of_birth] for c in listed)
        return Response(
            handle.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}-{today}.csv"'},
        )
    title, about = REPORTS[name]
    context = {"name": name, "title": title, "about": about, "listed": listed, "today": today}
    return page.render("reports/report.html", context)
