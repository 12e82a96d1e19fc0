"""An evaluation as JSON, as a table of both systems side by side, and as Markdown rows."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from contactpoint.evaluation.service import Evaluation, SystemResult

NOT_MEASURED = "—"

# (label, value of a system's result as text) for the side-by-side table.
Measure = tuple[str, Callable[[SystemResult], str]]


def _ratio(value: float) -> str:
    return f"{value:.4f}"


def _count(value: int | None) -> str:
    return NOT_MEASURED if value is None else f"{value:,}"


def _largest_impure(result: SystemResult) -> str:
    scores = result.scores
    if not scores.impure_clusters:
        return NOT_MEASURED
    return f"{scores.largest_impure_rows:,} rows, {scores.largest_impure_entities:,} entities"


def _per_thousand(result: SystemResult) -> str:
    value = result.review_tasks_per_1000_rows
    return NOT_MEASURED if value is None else f"{value:.1f}"


MEASURES: tuple[Measure, ...] = (
    ("clusters", lambda r: _count(r.scores.clusters)),
    ("pairs predicted", lambda r: _count(r.scores.pairs_predicted)),
    ("pairs correct", lambda r: _count(r.scores.pairs_correct)),
    ("pairwise precision", lambda r: _ratio(r.scores.pairwise_precision)),
    ("pairwise recall", lambda r: _ratio(r.scores.pairwise_recall)),
    ("pairwise F1", lambda r: _ratio(r.scores.pairwise_f1)),
    ("B-cubed precision", lambda r: _ratio(r.scores.bcubed_precision)),
    ("B-cubed recall", lambda r: _ratio(r.scores.bcubed_recall)),
    ("B-cubed F1", lambda r: _ratio(r.scores.bcubed_f1)),
    ("impure clusters", lambda r: _count(r.scores.impure_clusters)),
    ("largest impure cluster", _largest_impure),
    ("rows refused", lambda r: _count(r.rows_refused)),
    ("dates of birth left out", lambda r: _count(r.dates_of_birth_left_out)),
    ("open review tasks", lambda r: _count(r.open_review_tasks)),
    ("open review tasks per 1,000 rows loaded", _per_thousand),
    ("seconds", lambda r: f"{r.seconds:.1f}"),
)


def as_json(evaluation: Evaluation) -> dict[str, Any]:
    """Every figure of ``evaluation``, ready for ``json.dumps``."""
    document = dataclasses.asdict(evaluation)
    document["today"] = evaluation.today.isoformat()
    return document


def systems(evaluation: Evaluation) -> list[SystemResult]:
    """ContactPoint's result (and its variants), and the baseline's if it ran."""
    baseline = [evaluation.baseline] if evaluation.baseline else []
    return [evaluation.contactpoint, *evaluation.variants, *baseline]


def side_by_side(evaluation: Evaluation) -> list[list[str]]:
    """One row per measure: its label, then its value for each system."""
    results = systems(evaluation)
    return [[label, *(value(result) for result in results)] for label, value in MEASURES]


def summary(evaluation: Evaluation) -> str:
    """What was measured, and why the baseline did not run if it did not."""
    said = (
        f"{evaluation.description}: {evaluation.rows:,} rows, {evaluation.entities:,} true"
        f" entities, {evaluation.pairs_true:,} true pairs; loaded into {evaluation.database}"
        f" as of {evaluation.today.isoformat()}"
    )
    if evaluation.baseline_failure:
        said += f"\nNo Splink baseline: {evaluation.baseline_failure}"
    return said


MARKDOWN_COLUMNS = (
    ("dataset", "---"),
    ("rows", "---:"),
    ("true pairs", "---:"),
    ("system", "---"),
    ("pairwise P", "---:"),
    ("pairwise R", "---:"),
    ("pairwise F1", "---:"),
    ("B³ P", "---:"),
    ("B³ R", "---:"),
    ("B³ F1", "---:"),
    ("impure clusters", "---:"),
    ("largest impure (rows / entities)", "---:"),
    ("rows refused", "---:"),
    ("dates of birth left out", "---:"),
    ("open reviews per 1,000 rows", "---:"),
    ("seconds", "---:"),
)


def markdown_rows(evaluation: Evaluation) -> list[str]:
    """The Markdown table rows of ``evaluation``: one per system."""
    lines = []
    for result in systems(evaluation):
        s = result.scores
        largest = (
            f"{s.largest_impure_rows} / {s.largest_impure_entities}"
            if s.impure_clusters
            else NOT_MEASURED
        )
        cells = [
            evaluation.dataset,
            f"{evaluation.rows:,}",
            f"{evaluation.pairs_true:,}",
            result.system,
            _ratio(s.pairwise_precision),
            _ratio(s.pairwise_recall),
            _ratio(s.pairwise_f1),
            _ratio(s.bcubed_precision),
            _ratio(s.bcubed_recall),
            _ratio(s.bcubed_f1),
            f"{s.impure_clusters:,}",
            largest,
            _count(result.rows_refused),
            _count(result.dates_of_birth_left_out),
            _per_thousand(result),
            f"{result.seconds:.1f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def markdown(evaluations: Sequence[Evaluation]) -> str:
    """A Markdown table of every evaluation, both systems on rows of their own."""
    header = "| " + " | ".join(name for name, _ in MARKDOWN_COLUMNS) + " |"
    rule = "|" + "|".join(align for _, align in MARKDOWN_COLUMNS) + "|"
    body = [line for evaluation in evaluations for line in markdown_rows(evaluation)]
    return "\n".join([header, rule, *body])
