"""Batch tracing: match a file of children in the ``local`` format against the index
and say, for each row, which child it is — without changing the index (as the NHS batch
tracing service does).

A file of names can hold a shielded child's or one whose record was closed for a new
identity: a row that is (or may be) a shielded child is answered as a search's stub is —
that a shielded record matches and whose it is, never its ContactPoint ID — and a row
that is a closed record is answered "no match", as a row about nobody is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint import spreadsheets
from contactpoint.feeds.fields import RowError
from contactpoint.feeds.pipeline import standardise_rows
from contactpoint.feeds.sources import get_source
from contactpoint.kinds.children import ChildStatus
from contactpoint.linkage.service import Existing, plan_links
from contactpoint.matching.decide import Thresholds
from contactpoint.tables.children import Child


@dataclass(frozen=True, slots=True)
class TraceResult:
    record_id: str
    cp_id: str | None
    match_weight: float | None
    decision: str


def trace(
    session: Session, path: Path, *, thresholds: Thresholds, today: date | None = None
) -> tuple[list[TraceResult], list[RowError]]:
    """One result per sound row (``matched``, ``possible match`` or ``no match``) and
    the rows that could not be read. The caller must not commit."""
    checked = standardise_rows(
        get_source("local"), path.read_bytes(), file_name=path.name, today=today or date.today()
    )
    rows, errors = checked.rows, checked.errors
    plan = plan_links(session, [row.facts for row in rows], thresholds=thresholds)
    possible = {r.row: r.candidate for r in plan.reviews if isinstance(r.candidate, Existing)}
    ids = {link.target.child_id for link in plan.links if isinstance(link.target, Existing)}
    ids |= {candidate.child_id for candidate in possible.values()}
    children = {
        child.id: child for child in session.scalars(select(Child).where(Child.id.in_(sorted(ids))))
    }
    results = []
    for index, (row, link) in enumerate(zip(rows, plan.links, strict=True)):
        if isinstance(link.target, Existing):
            found = children[link.target.child_id]
            decision = "matched"
        elif index in possible:
            found = children[possible[index].child_id]
            decision = "possible match"
        else:
            results.append(TraceResult(row.facts.record_id, None, link.weight, "no match"))
            continue
        if found.status is ChildStatus.CLOSED:
            results.append(TraceResult(row.facts.record_id, None, None, "no match"))
        elif found.shielded:
            owner = found.responsible_la_code or "its authority"
            results.append(
                TraceResult(
                    row.facts.record_id, None, None,
                    f"{decision}: a shielded record (ask the ContactPoint team of {owner})",
                )
            )  # fmt: skip
        else:
            results.append(TraceResult(row.facts.record_id, found.cp_id, link.weight, decision))
    return results, errors


def write_trace(results: list[TraceResult], errors: list[RowError], out: Path) -> None:
    """CSV: record_id, cp_id, match_weight, decision (and rows that could not be read)."""
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = spreadsheets.writer(handle)
        writer.writerow(["record_id", "cp_id", "match_weight", "decision"])
        for r in results:
            weight = f"{r.match_weight:.2f}" if r.match_weight is not None else ""
            writer.writerow([r.record_id, r.cp_id or "", weight, r.decision])
        for line in sorted({e.line: e for e in errors}.values(), key=lambda e: e.line):
            reasons = "; ".join(f"{e.field} {e.reason}" for e in errors if e.line == line.line)
            writer.writerow([line.record_id or f"line {line.line}", "", "", f"rejected: {reasons}"])
