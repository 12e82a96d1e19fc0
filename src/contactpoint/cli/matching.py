"""``contactpoint match`` and ``contactpoint trace``: models, explanations, export, evaluation."""

from __future__ import annotations

import contextlib
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import Progress
from rich.table import Table
from sqlalchemy.orm import Session

from contactpoint import db, migrate
from contactpoint.cli.console import (
    fail_usage,
    operator,
    out,
    parse_date,
    progress_bars,
    reported_errors,
    unit_of_work,
)
from contactpoint.evaluation import report
from contactpoint.evaluation.datasets import DEFAULT_SEED, DatasetName, DatasetRequest
from contactpoint.evaluation.service import evaluate_dataset
from contactpoint.feeds import pipeline
from contactpoint.feeds.trace import trace, write_trace
from contactpoint.linkage import registry
from contactpoint.linkage import store as match_store
from contactpoint.linkage.explain import explain
from contactpoint.linkage.export import export_links
from contactpoint.matching.decide import Thresholds
from contactpoint.matching.model import MatchModel
from contactpoint.matching.train import train
from contactpoint.review import relink, relink_engines, relink_undo
from contactpoint.review.relink import RelinkProgress
from contactpoint.review.relink_engines import ONLINE, RELINK_ENGINES

if TYPE_CHECKING:
    from rich.progress import Progress
    from sqlalchemy.orm import Session


match_app = typer.Typer(
    help="Identity matching: models, explanations, export.", no_args_is_help=True
)


@match_app.command("export")
def match_export(
    out_file: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
) -> None:
    """Write source,record_id,cp_id for every source record."""

    with unit_of_work() as session:
        count = export_links(session, out_file)
    out.print(f"Wrote {count} links to {out_file}.")


@match_app.command("evaluate")
def match_evaluate(
    dataset: Annotated[DatasetName, typer.Argument(help="The labelled dataset to run.")],
    seed: Annotated[int, typer.Option(help="synthetic and messy: the generator's seed.")] = (
        DEFAULT_SEED
    ),
    size: Annotated[
        int | None,
        typer.Option(help="synthetic: children in the population (5,000); messy: people (500)."),
    ] = None,
    rows: Annotated[int | None, typer.Option(help="Only the first N rows of each file.")] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Generate and load as of this day (YYYY-MM-DD)."),
    ] = None,
    local: Annotated[
        list[Path] | None,
        typer.Option(help="file: a local-format CSV (repeat for more, loaded in order)."),
    ] = None,
    truth: Annotated[
        Path | None, typer.Option(help="file: the truth CSV (source,record_id,child_key).")
    ] = None,
    database: Annotated[
        str | None,
        typer.Option(help="An empty database's URL (default: a new SQLite file)."),
    ] = None,
    baseline: Annotated[bool, typer.Option(help="Run the Splink baseline too.")] = True,
    candidate: Annotated[
        Path | None,
        typer.Option(help="A model file to compare with the active one, on the same rows."),
    ] = None,
    retrain: Annotated[
        bool, typer.Option(help="Also: match train --activate, match relink, scored again.")
    ] = False,
    work: Annotated[
        Path | None, typer.Option(help="Keep the dataset's files (and SQLite index) here.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Load a labelled dataset into a fresh index and score the matcher (and Splink)."""

    request = DatasetRequest(
        dataset,
        seed=seed,
        size=size,
        rows=rows,
        as_of=parse_date(as_of, "--as-of") if as_of else None,
        files=tuple(local or ()),
        truth=truth,
    )
    with reported_errors():
        document = MatchModel.load(candidate).document if candidate else None
        evaluation = evaluate_dataset(
            request, work=work, database_url=database, baseline=baseline, candidate=document,
            retrain=retrain,
        )  # fmt: skip
    if as_json:
        print(json.dumps(report.as_json(evaluation), indent=2))
        return
    table = Table("measure", *(result.system for result in report.systems(evaluation)))
    for row in report.side_by_side(evaluation):
        table.add_row(*row)
    out.print(report.summary(evaluation))
    out.print(table)


@match_app.command("explain")
def match_explain(
    left: Annotated[str, typer.Argument(help="A ContactPoint ID, or SOURCE:RECORD_ID.")],
    right: Annotated[str, typer.Argument(help="A ContactPoint ID, or SOURCE:RECORD_ID.")],
) -> None:
    """Each field's contribution to the match weight of two children or records."""

    with reported_errors(), unit_of_work() as session:
        result = explain(session, left, right)
    table = Table("comparison", "level", "weight", "term frequency", "total")
    for c in result.score.contributions:
        table.add_row(
            c.comparison, c.level, f"{c.weight:+.2f}", f"{c.tf_adjustment:+.2f}", f"{c.total:+.2f}"
        )
    out.print(table)
    out.print(
        f"{result.left} and {result.right}: match weight {result.score.weight:+.2f}"
        f" (probability {result.score.probability:.4f}), model {result.model_version}."
    )


@match_app.command("train")
def match_train(
    activate: Annotated[bool, typer.Option(help="Switch matching to the new model.")] = False,
    seed: int = 1,
) -> None:
    """Retrain the model with Splink on every source record in the index."""

    with reported_errors(), unit_of_work() as session:
        records = match_store.all_records(session)
        version = f"{date.today():%Y%m%d}-{len(records)}"
        previous = registry.active_model(session).document
        document = train(records, version=version, seed=seed, previous=previous)
        registry.save(session, document, by=operator(), activate=activate)
    state = "active" if activate else "saved, not active (match activate VERSION)"
    out.print(f"Model {version} trained on {len(records)} records: {state}.")
    out.print(
        f"Prior from {', '.join(document['prior_from'])}; EM blocked on"
        f" {'; '.join(document['em_sessions'])}."
    )
    if document.get("em_skipped"):
        out.print(f"EM sessions that failed, skipped: {'; '.join(document['em_skipped'])}.")
    if document["carried_over"]:
        out.print(
            f"Kept from {previous['version']} (nothing here to estimate them from):"
            f" {'; '.join(document['carried_over'])}."
        )


@match_app.command("load-model")
def match_load_model(
    file: Path, activate: Annotated[bool, typer.Option(help="Make it active.")] = False
) -> None:
    """Register a model file (for instance one trained elsewhere)."""

    with reported_errors():
        model = MatchModel.load(file)
        with unit_of_work() as session:
            registry.save(session, model.document, by=operator(), activate=activate)
    out.print(f"Model {model.version} registered{' and active' if activate else ''}.")


@match_app.command("activate")
def match_activate(version: str) -> None:
    """Switch matching to a registered model version."""

    with reported_errors(), unit_of_work() as session:
        registry.activate_version(session, version)
    out.print(f"Model {version} is now active.")


@match_app.command("models")
def match_models() -> None:
    """Registered model versions."""

    with unit_of_work() as session:
        registry.active_version(session)
        rows = [
            (m.version, m.active, m.training_records, m.created_by, m.created_at)
            for m in registry.versions(session)
        ]
    table = Table("version", "active", "trained on", "by", "registered")
    for version, active, records, by, at in rows:
        table.add_row(version, "yes" if active else "", f"{records:,}", by, f"{at:%Y-%m-%d %H:%M}")
    out.print(table)


@match_app.command("relink")
def match_relink(
    chunk: Annotated[int, typer.Option(min=1, help="Children re-decided per transaction.")] = 500,
    undo: Annotated[
        int | None, typer.Option(help="Put back every change of this relink run instead.")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why (required with --undo).")] = None,
    trial: Annotated[
        str | None,
        typer.Option(
            "--try",
            help="A registered model VERSION: count what relinking with it would change,"
            " and keep nothing.",
        ),
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            help="Where candidates are found: online (the index's keys, a chunk at a time),"
            " or every pair blocked and scored at once on duckdb, or on spark (a cluster;"
            " local mode here).",
        ),
    ] = ONLINE,
) -> None:
    """Re-decide every automatic link with the active model, in resumable chunks: an
    interrupted run resumes where it stopped. A person's links and keep-aparts, and
    shielded or closed children, are never changed; every change can be undone."""

    if undo is not None:
        if not reason:
            fail_usage("--undo needs --reason: why the relink is being undone")
        with reported_errors(), unit_of_work() as session:
            count = relink_undo.undo(session, undo, actor=operator(), reason=reason or "")
        out.print(f"Relink run {undo} undone: {count} changes put back.")
        return
    if engine not in RELINK_ENGINES:
        fail_usage(f"--engine must be one of {', '.join(RELINK_ENGINES)}, not {engine!r}")
    thresholds = pipeline.configured_thresholds()
    with reported_errors(), progress_bars() as bars:
        if trial is not None:
            # One transaction, rolled back: the index as it was, whatever happens.
            migrate.require_current(db.get_engine())
            with db.session_factory()() as session:
                try:
                    registry.activate_version(session, trial)
                    run_id = relink.start(session, actor=operator()).id
                    state = _relink(session, run_id, thresholds, chunk, bars, engine)
                finally:
                    session.rollback()
        else:
            with unit_of_work() as session:
                run_id = relink.start(session, actor=operator()).id
            state = _relink(None, run_id, thresholds, chunk, bars, engine)
    said = (
        f"re-decided {state.examined:,} children: {state.moved:,} records moved to another"
        f" child, {state.founded:,} records left their child for a new one, {state.merged:,}"
        f" children merged; {state.left:,} decisions left as they were for a data manager."
    )
    if trial is not None:
        out.print(f"Model {trial}, tried on the index and nothing kept, {said}")
        return
    out.print(
        f"Relink run {run_id} (model {state.model_version}) {said}"
        f" Undo: contactpoint match relink --undo {run_id} --reason TEXT"
    )


def _relink(
    session: Session | None,
    run_id: int,
    thresholds: Thresholds,
    chunk: int,
    bars: Progress,
    engine: str,
) -> RelinkProgress:
    """Step the run to its end: in ``session``, or in a transaction a chunk."""

    with contextlib.nullcontext(session) if session else unit_of_work() as first:
        state = relink.progress(first, run_id)
        model = relink.model_for(first, run_id)
        partners = (
            None
            if engine == ONLINE or state.finished
            else relink_engines.partners(first, model, engine=engine)
        )
    total = state.examined + state.remaining
    task = bars.add_task(f"relink run {run_id}", total=total, completed=state.examined)
    while not state.finished:
        with contextlib.nullcontext(session) if session else unit_of_work() as each:
            relink.step(
                each, run_id, thresholds=thresholds, chunk=chunk, model=model, partners=partners
            )
            state = relink.progress(each, run_id, count=False)
        # Children merged away before their turn are never examined: done is done.
        bars.update(task, completed=total if state.finished else min(state.examined, total))
    return state


@match_app.command("relinks")
def match_relinks() -> None:
    """Relink runs, newest first."""

    with unit_of_work() as session:
        lines = [
            f"Run {r.id}: {relink.state(r)} — model {r.model_version}, by {r.by},"
            f" started {r.started_at:%Y-%m-%d %H:%M};"
            f" {r.examined:,} children re-decided, {r.moved:,} records moved, {r.founded:,}"
            f" to a new child, {r.merged:,} children merged, {r.left:,} left for a data manager."
            for r in relink.runs(session)
        ]
    out.print("\n".join(lines) or "No relink has been run.")


def trace_file(
    file: Annotated[Path, typer.Argument(help="A CSV in the local format.")],
    out_file: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
) -> None:
    """Match a list of children against the index without changing it."""

    with reported_errors():
        migrate.require_current(db.get_engine())
        with db.session_factory()() as session:
            try:
                results, errors = trace(session, file, thresholds=pipeline.configured_thresholds())
            finally:
                session.rollback()
        write_trace(results, errors, out_file)
    counts = {
        d: sum(r.decision == d for r in results) for d in ("matched", "possible match", "no match")
    }
    rejected = len({e.line for e in errors})
    out.print(f"Traced {len(results)} rows: {counts}; {rejected} rejected. Wrote {out_file}.")
