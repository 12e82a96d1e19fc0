"""``contactpoint audit analyse``: likely misuse in the audit trail (``oversight.analytics``),
printed for an auditor and, with ``--alert``, alerted to every auditor (each finding
once). Reading the analysis is audited under the operator's name."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Annotated

import typer
from rich.table import Table

from contactpoint.audit import service as audit
from contactpoint.audit.actions import AuditAction
from contactpoint.audit.misuse import UK
from contactpoint.audit.service import Actor
from contactpoint.cli.console import operator, out, parse_date, unit_of_work
from contactpoint.oversight import analytics


def audit_analyse(
    since: Annotated[
        str | None,
        typer.Option(help="First UK day to analyse (YYYY-MM-DD); default yesterday."),
    ] = None,
    alert: Annotated[
        bool, typer.Option("--alert", help="Alert every auditor to new findings.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON, for scripts.")] = False,
) -> None:
    """Find likely misuse: volume far above peers, views outside the user's authority,
    repeated views of shielded records or one child, unusual hours."""
    now = datetime.now(UTC)
    first = (
        parse_date(since, "--since") if since else (now.astimezone(UK) - timedelta(days=1)).date()
    )
    start = datetime.combine(first, time(), tzinfo=UK)
    with unit_of_work() as session:
        report = analytics.misuse_report(session, start, now, now=now)
        raised = analytics.raise_alerts(session, report.findings, now) if alert else []
        audit.record(
            session, Actor(operator()), AuditAction.AUDIT_ANALYTICS,
            details={"since": first.isoformat(), "findings": len(report.findings)},
        )  # fmt: skip
    if as_json:
        rows = [
            {
                "day": f.day.isoformat(), "user": f.username, "pattern": f.pattern.value,
                "count": f.count, "peer_median": f.peer_median, "cp_ids": list(f.cp_ids),
                "why": f.why, "key": f.key,
            }
            for f in report.findings
        ]  # fmt: skip
        out.print_json(json.dumps({"findings": rows, "alerts_raised": len(raised)}))
        return
    table = Table("day", "user", "pattern", "count", "why", "children")
    for f in report.findings:
        table.add_row(
            f.day.isoformat(), f.username, f.name, str(f.count), f.why, ", ".join(f.cp_ids)
        )
    out.print(table if report.findings else "Nothing since then looks like misuse.")
    if alert:
        out.print(f"Alerts raised: {len(raised)} (findings alerted before are not sent again).")
