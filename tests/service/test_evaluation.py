"""The evaluation harness end to end: real feed loads into fresh databases, both systems scored."""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from contactpoint import db
from contactpoint.cli import app
from contactpoint.evaluation import report
from contactpoint.evaluation.datasets import DatasetName, DatasetRequest
from contactpoint.evaluation.service import (
    CANDIDATE,
    CONTACTPOINT,
    RETRAINED,
    DatabaseNotEmpty,
    evaluate_dataset,
)
from contactpoint.linkage.export import export_links
from contactpoint.linkage.registry import shipped_document
from tests.builders import local_row, write_feed


def exported_rows(url: str, tmp_path: Path) -> int:
    """The rows ``contactpoint match export`` writes for the database at ``url``."""
    engine = db.make_engine(url)
    try:
        with db.unit_of_work(engine, read_only=True) as session:
            return export_links(session, tmp_path / "links.csv")
    finally:
        engine.dispose()


def labelled_file(tmp_path: Path) -> DatasetRequest:
    """Five rows of three children; the fifth has no name, so the loader refuses it."""
    rows = [
        local_row(1),
        local_row(1, record_id="L1-again"),
        local_row(2),
        local_row(3),
        local_row(3, record_id="L3-nameless", given_names="", family_name=""),
    ]
    local = write_feed(tmp_path / "local.csv", "local", rows)
    truth = tmp_path / "truth.csv"
    truth.write_text(
        "source,record_id,child_key\n"
        "local,L1,one\nlocal,L1-again,one\nlocal,L2,two\nlocal,L3,three\nlocal,L3-nameless,three\n"
    )
    return DatasetRequest(DatasetName.FILE, files=(local,), truth=truth)


def _real_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return not value  # an empty cell is not a date left out
    return True


def test_the_first_300_rows_of_febrl1_are_scored_for_contactpoint_and_splink(
    tmp_path: Path,
) -> None:
    evaluation = evaluate_dataset(DatasetRequest(DatasetName.FEBRL1, rows=300), work=tmp_path)
    contactpoint, splink = evaluation.contactpoint, evaluation.baseline
    exported = exported_rows(f"sqlite:///{tmp_path / 'index.db'}", tmp_path)
    assert contactpoint.rows_refused is not None
    assert exported + contactpoint.rows_refused == evaluation.rows == 300
    assert evaluation.pairs_true > 0
    assert contactpoint.scores.pairwise_precision > 0.95
    assert splink is not None and splink.scores.rows == 300
    assert splink.scores.pairwise_f1 > 0.5
    # FEBRL has no gender, postcode or identifiers: Splink compares what there is.
    assert splink.compared == ("given_names", "family_name", "date_of_birth", "address")
    # FEBRL's people are adults: the loader's child-age limit is lifted for them, so
    # only the dates that are not real dates are left out.
    with (tmp_path / "dataset" / "febrl1.csv").open(encoding="utf-8") as handle:
        unreal = sum(1 for row in csv.DictReader(handle) if not _real_date(row["date_of_birth"]))
    assert contactpoint.dates_of_birth_left_out == unreal


def test_a_row_the_loader_refuses_is_counted_and_stands_alone(tmp_path: Path) -> None:
    evaluation = evaluate_dataset(labelled_file(tmp_path), work=tmp_path, baseline=False)
    result = evaluation.contactpoint
    assert evaluation.baseline is None
    assert result.rows_refused == 1
    assert exported_rows(f"sqlite:///{tmp_path / 'index.db'}", tmp_path) == 4
    assert (result.scores.rows, result.scores.pairs_true) == (5, 2)
    # The nameless row's pair cannot be found; the identical rows of child one are.
    assert result.scores.pairs_correct == result.scores.pairs_predicted == 1
    assert result.review_tasks_per_1000_rows == 1000 * (result.open_review_tasks or 0) / 4


def test_the_harness_builds_the_schema_of_an_empty_database_and_refuses_a_loaded_one(
    empty_engine: Engine, tmp_path: Path
) -> None:
    url = empty_engine.url.render_as_string(hide_password=False)
    first = evaluate_dataset(
        labelled_file(tmp_path), work=tmp_path, database_url=url, baseline=False
    )
    assert first.database == empty_engine.dialect.name
    assert first.contactpoint.rows_refused == 1
    with pytest.raises(DatabaseNotEmpty, match="already holds 1 feed runs and 4 source records"):
        evaluate_dataset(labelled_file(tmp_path), work=tmp_path, database_url=url, baseline=False)


def test_a_database_holding_something_else_is_refused_and_left_alone(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE patients (id INTEGER PRIMARY KEY)")
    with pytest.raises(DatabaseNotEmpty, match="not a ContactPoint index"):
        evaluate_dataset(labelled_file(tmp_path), work=tmp_path, database_url=f"sqlite:///{other}")
    with sqlite3.connect(other) as connection:
        tables = connection.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
    assert tables == [("patients",)]


def test_match_evaluate_prints_both_measures_as_json_and_refuses_a_bad_truth(
    tmp_path: Path,
) -> None:
    request = labelled_file(tmp_path)
    runner = CliRunner()
    args = ["match", "evaluate", "file", "--local", str(request.files[0]), "--no-baseline"]
    result = runner.invoke(app, [*args, "--truth", str(request.truth), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["rows"] == 5 and document["baseline"] is None
    assert document["contactpoint"]["rows_refused"] == 1
    assert 0 <= document["contactpoint"]["scores"]["pairwise_precision"] <= 1
    short = tmp_path / "short-truth.csv"
    short.write_text("source,record_id,child_key\nlocal,L1,one\n")
    refused = runner.invoke(app, [*args, "--truth", str(short)])
    assert refused.exit_code == 1
    assert "4 rows have no child" in refused.output


def test_when_splink_cannot_train_the_matchers_result_stands_and_the_reason_is_given(
    tmp_path: Path,
) -> None:
    local = write_feed(tmp_path / "two.csv", "local", [local_row(1), local_row(2)])
    truth = tmp_path / "truth.csv"
    truth.write_text("source,record_id,child_key\nlocal,L1,one\nlocal,L2,two\n")
    request = DatasetRequest(DatasetName.FILE, files=(local,), truth=truth)
    evaluation = evaluate_dataset(request, work=tmp_path)
    assert evaluation.baseline is None
    assert evaluation.baseline_failure is not None
    assert evaluation.baseline_failure.startswith("Splink could not train on these rows")
    assert evaluation.contactpoint.scores.rows == 2


def test_a_candidate_model_and_a_retrained_relinked_index_are_scored_beside_the_active_one(
    tmp_path: Path,
) -> None:
    # The shipped model's weights under another version: a candidate that must cluster
    # the rows exactly as the active model does.
    same = dict(shipped_document(), version="candidate-same-weights")
    request = DatasetRequest(DatasetName.MESSY, seed=4711, size=110)

    evaluation = evaluate_dataset(
        request, work=tmp_path, baseline=False, candidate=same, retrain=True
    )

    candidate, retrained = evaluation.variants
    assert candidate.system == f"{CANDIDATE} candidate-same-weights"
    assert candidate.scores == evaluation.contactpoint.scores
    assert retrained.system == RETRAINED
    assert retrained.scores.rows == evaluation.rows >= 1000
    with sqlite3.connect(tmp_path / "index.db") as connection:
        active = connection.execute("SELECT version FROM match_models WHERE active").fetchall()
        runs = connection.execute("SELECT model_version, finished_at FROM relink_runs").fetchall()
    assert len(active) == 1 and active[0][0].startswith("retrained-")
    assert [version for version, _ in runs] == [active[0][0]] and runs[0][1] is not None
    assert [r.system for r in report.systems(evaluation)] == [
        CONTACTPOINT,
        candidate.system,
        RETRAINED,
    ]
