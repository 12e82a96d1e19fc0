"""``contactpoint review``, ``merge`` and ``unmerge``: a data manager's identity decisions."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from contactpoint.cli.console import operator, out, reported_errors, unit_of_work
from contactpoint.review import service
from contactpoint.tables.review import ReviewKind

review_app = typer.Typer(help="Review tasks raised by matching.", no_args_is_help=True)
Reason = Annotated[str, typer.Option(help="Why: kept with the decision.")]


@review_app.command("list")
def review_list(
    limit: int = 50,
    kind: Annotated[ReviewKind | None, typer.Option(help="Only tasks of this kind.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON, for scripts.")] = False,
) -> None:
    """Open review tasks, oldest first."""
    with unit_of_work() as session:
        tasks = service.open_tasks(session, limit=limit, kind=kind)
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "task": t.id,
                        "kind": t.kind.value,
                        "child": t.child.cp_id,
                        "candidate": t.candidate.cp_id,
                        "weight": round(t.weight, 2),
                        "why": t.note,
                    }
                    for t in tasks
                ],
                indent=1,
            )
        )
        return
    table = Table("task", "kind", "child", "candidate", "weight", "why")
    for task in tasks:
        table.add_row(
            str(task.id),
            task.kind.value,
            _child(task.child),
            _child(task.candidate),
            f"{task.weight:+.1f}",
            task.note or "",
        )
    out.print(table)


@review_app.command("show")
def review_show(task_id: int) -> None:
    """One task: the pair side by side and the field-by-field explanation."""
    with reported_errors(), unit_of_work() as session:
        task = service.get_task(session, task_id)
    out.print(f"Task {task.id} ({task.kind.value}, {task.status.value}): {task.note or ''}")
    out.print(f"  child:     {_child(task.child)}")
    out.print(f"  candidate: {_child(task.candidate)}")
    table = Table("comparison", "level", "weight")
    for part in task.explanation:
        table.add_row(part["comparison"], part["level"], f"{part['weight']:+.2f}")
    out.print(table)
    out.print(f"Match weight {task.weight:+.2f} with model {task.model_version}.")


@review_app.command("link")
def review_link(task_id: int, reason: Reason) -> None:
    """The same child: merge the pair (the older record survives)."""
    with reported_errors(), unit_of_work() as session:
        merge = service.link(session, task_id=task_id, actor=operator(), reason=reason)
    done = f" as merge {merge.id}" if merge else " (already one child)"
    out.print(f"Task {task_id}: linked{done}.")


@review_app.command("separate")
def review_separate(task_id: int, reason: Reason) -> None:
    """Different children: keep them apart, now and in all later matching."""
    with reported_errors(), unit_of_work() as session:
        service.separate(session, task_id=task_id, actor=operator(), reason=reason)
    out.print(f"Task {task_id}: kept apart.")


def merge_children(survivor: str, merged: str, reason: Reason) -> None:
    """Merge the child MERGED into SURVIVOR (ContactPoint IDs); MERGED's ID redirects."""
    with reported_errors(), unit_of_work() as session:
        keep = service.resolve(session, survivor)
        gone = service.resolve(session, merged)
        merge = service.merge(
            session, survivor_id=keep.id, merged_id=gone.id, actor=operator(), reason=reason
        )
    out.print(f"Merge {merge.id}: {merged} now redirects to {survivor}.")


def list_merges(
    by: Annotated[
        str | None, typer.Option(help="Only merges by this actor, e.g. 'matcher'.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 50,
) -> None:
    """List the latest merges: by people, and the joins the matcher made."""
    with reported_errors(), unit_of_work() as session:
        merges = service.recent_merges(session, by=by, limit=limit)
    if not merges:
        out.print("No merges.")
        return
    for m in merges:
        undone = f" — undone by {m.undone_by}" if m.undone_by else ""
        out.print(
            f"Merge {m.id}: {m.merged_cp_id} into {m.survivor_cp_id}"
            f" ({len(m.source_record_ids)} record(s)) by {m.by} at {m.at:%Y-%m-%d %H:%M}:"
            f" {m.reason}{undone}"
        )


def unmerge_children(merge_id: int, reason: Reason) -> None:
    """Undo a merge exactly: the moved records go back and the ID stands again."""
    with reported_errors(), unit_of_work() as session:
        service.unmerge(session, merge_id=merge_id, actor=operator(), reason=reason)
    out.print(f"Merge {merge_id} undone.")


def _child(child: service.ChildSummaryRead) -> str:
    born = f"{child.date_of_birth:%d/%m/%Y}" if child.date_of_birth else "no DOB"
    return f"{child.cp_id} {child.given_names or ''} {child.family_name or ''}, {born}".strip()
