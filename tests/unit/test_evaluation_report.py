"""An evaluation's report: both systems side by side, in JSON and in Markdown."""

from __future__ import annotations

import json
from datetime import date

from contactpoint.evaluation.metrics import score
from contactpoint.evaluation.report import as_json, markdown, side_by_side
from contactpoint.evaluation.service import Evaluation, SystemResult

TRUTH = {1: "a", 2: "a", 3: "b"}


def evaluation(*, baseline: bool) -> Evaluation:
    contactpoint = SystemResult(
        "ContactPoint",
        score({1: "x", 2: "y", 3: "z"}, TRUTH),
        1.25,
        rows_refused=1,
        open_review_tasks=2,
        review_tasks_per_1000_rows=1000.0,
        dates_of_birth_left_out=0,
    )
    splink = SystemResult("Splink 5 baseline", score(dict.fromkeys(TRUTH, "x"), TRUTH), 3.5)
    return Evaluation(
        "tiny", "three rows", "sqlite", date(2026, 11, 1), 3, 2, 1, contactpoint,
        splink if baseline else None,
    )  # fmt: skip


def test_the_side_by_side_table_has_a_column_per_system_and_dashes_for_the_unmeasured() -> None:
    rows = {row[0]: row[1:] for row in side_by_side(evaluation(baseline=True))}
    assert rows["pairwise recall"] == ["0.0000", "1.0000"]
    assert rows["largest impure cluster"] == ["—", "3 rows, 2 entities"]
    assert rows["rows refused"] == ["1", "—"]
    assert rows["open review tasks per 1,000 rows loaded"] == ["1000.0", "—"]
    assert all(len(row) == 2 for row in side_by_side(evaluation(baseline=False)))


def test_the_markdown_table_has_a_row_per_system_and_dataset() -> None:
    lines = markdown([evaluation(baseline=True), evaluation(baseline=False)]).splitlines()
    assert len(lines) == 2 + 3
    assert all(line.count("|") == lines[0].count("|") for line in lines)
    assert lines[3].startswith("| tiny | 3 | 1 | Splink 5 baseline | 0.3333 | 1.0000 |")


def test_the_json_holds_every_figure() -> None:
    document = json.loads(json.dumps(as_json(evaluation(baseline=True))))
    assert document["today"] == "2026-11-01"
    assert document["baseline"]["scores"]["impure_clusters"] == 1
    assert document["contactpoint"]["rows_refused"] == 1
