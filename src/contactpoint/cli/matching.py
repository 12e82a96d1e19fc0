"""``contactpoint match`` and ``contactpoint trace``: models, explanations, export, evaluation."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from contactpoint import db, migrate
from contactpoint.cli.console import operator, out, parse_date, reported_errors, unit_of_work
from contactpoint.evaluation.datasets import DEFAULT_SEED, DatasetName, DatasetRequest
from contactpoint.feeds import pipeline

match_app = typer.Typer(
    help="Identity matching: models, explanations, export.", no_args_is_help=True
)


@match_app.command("export")
def match_export(
    out_file: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
) -> None:
    """Write source,record_id,cp_id for every source record."""
    from contactpoint.linkage.export import export_links

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
    work: Annotated[
        Path | None, typer.Option(help="Keep the dataset's files (and SQLite index) here.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Load a labelled dataset into a fresh index and score the matcher (and Splink)."""
    from contactpoint.evaluation import report
    from contactpoint.evaluation.service import evaluate_dataset

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
        evaluation = evaluate_dataset(request, work=work, database_url=database, baseline=baseline)
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
    from contactpoint.linkage.explain import explain

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
    from contactpoint.linkage import registry
    from contactpoint.linkage import store as match_store
    from contactpoint.matching.train import train

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
    from contactpoint.linkage import registry
    from contactpoint.matching.model import MatchModel

    with reported_errors():
        model = MatchModel.load(file)
        with unit_of_work() as session:
            registry.save(session, model.document, by=operator(), activate=activate)
    out.print(f"Model {model.version} registered{' and active' if activate else ''}.")


@match_app.command("activate")
def match_activate(version: str) -> None:
    """Switch matching to a registered model version."""
    from contactpoint.linkage import registry

    with reported_errors(), unit_of_work() as session:
        registry.activate_version(session, version)
    out.print(f"Model {version} is now active.")


@match_app.command("models")
def match_models() -> None:
    """Registered model versions."""
    from contactpoint.linkage import registry

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


def trace_file(
    file: Annotated[Path, typer.Argument(help="A CSV in the local format.")],
    out_file: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
) -> None:
    """Match a list of children against the index without changing it."""
    from contactpoint.linkage.trace import trace, write_trace

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
