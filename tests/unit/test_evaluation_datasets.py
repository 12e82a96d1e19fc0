"""Each dataset the evaluation runs becomes local-format files whose truth names every row."""

from __future__ import annotations

import csv
import importlib.util
from collections import Counter
from pathlib import Path

import pytest

from contactpoint.evaluation.datasets import (
    DatasetName,
    DatasetRequest,
    DatasetUnavailable,
    materialise,
)
from contactpoint.evaluation.labelled import LOCAL_COLUMNS, LabelledSetInvalid, check
from tests.builders import local_row, write_feed


def test_the_synthetic_set_is_two_partners_files_about_one_population(tmp_path: Path) -> None:
    labelled = materialise(DatasetRequest(DatasetName.SYNTHETIC, seed=5, size=200), tmp_path)
    rows, truth = check(labelled)
    assert len(labelled.files) == 2 and len(rows) == 200
    assert {row["record_id"][:3] for row in rows} == {"P1-", "P2-"}
    assert tuple(rows[0]) == LOCAL_COLUMNS
    # Some children are known to both partners: pairs for the matcher to find.
    assert max(Counter(truth.values()).values()) == 2


@pytest.mark.skipif(
    importlib.util.find_spec("contactpoint.synth.messy") is None, reason="no messy generator"
)
def test_the_messy_set_holds_many_rows_a_child(tmp_path: Path) -> None:
    labelled = materialise(DatasetRequest(DatasetName.MESSY, seed=5, size=20), tmp_path)
    rows, truth = check(labelled)
    assert len(rows) > len(set(truth.values())) == 20


def test_a_users_file_runs_as_given_or_cut_to_its_first_rows(tmp_path: Path) -> None:
    local = write_feed(tmp_path / "mine.csv", "local", [local_row(n) for n in range(5)])
    truth = tmp_path / "truth.csv"
    truth.write_text(
        "source,record_id,child_key\n" + "".join(f"local,L{n},c{n}\n" for n in range(5))
    )
    request = DatasetRequest(DatasetName.FILE, files=(local,), truth=truth)
    assert materialise(request, tmp_path / "out").files == (local,)
    cut = materialise(
        DatasetRequest(DatasetName.FILE, files=(local,), truth=truth, rows=2), tmp_path
    )
    rows, kept = check(cut)
    assert [row["record_id"] for row in rows] == ["L0", "L1"]
    assert set(kept) == {("local", "L0"), ("local", "L1")}


def test_a_truth_that_misses_a_row_is_refused(tmp_path: Path) -> None:
    local = write_feed(tmp_path / "mine.csv", "local", [local_row(1), local_row(2)])
    truth = tmp_path / "truth.csv"
    truth.write_text("source,record_id,child_key\nlocal,L1,c1\n")
    labelled = materialise(DatasetRequest(DatasetName.FILE, files=(local,), truth=truth), tmp_path)
    with pytest.raises(LabelledSetInvalid, match="1 rows have no child"):
        check(labelled)


def test_a_record_id_used_in_two_files_is_refused(tmp_path: Path) -> None:
    first = write_feed(tmp_path / "a.csv", "local", [local_row(1)])
    second = write_feed(tmp_path / "b.csv", "local", [local_row(1)])
    truth = tmp_path / "truth.csv"
    truth.write_text("source,record_id,child_key\nlocal,L1,c1\n")
    request = DatasetRequest(DatasetName.FILE, files=(first, second), truth=truth)
    with pytest.raises(LabelledSetInvalid, match="used more than once"):
        check(materialise(request, tmp_path))


def test_the_file_dataset_needs_files_that_exist(tmp_path: Path) -> None:
    with pytest.raises(DatasetUnavailable, match="needs one or more local files"):
        materialise(DatasetRequest(DatasetName.FILE), tmp_path)
    missing = DatasetRequest(DatasetName.FILE, files=(tmp_path / "no.csv",), truth=tmp_path)
    with pytest.raises(DatasetUnavailable, match="no such file"):
        materialise(missing, tmp_path)


def test_febrl_truth_is_written_beside_its_file(tmp_path: Path) -> None:
    labelled = materialise(DatasetRequest(DatasetName.FEBRL2, rows=10), tmp_path)
    with labelled.truth.open(encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == ["source", "record_id", "child_key"]
    assert len(check(labelled)[0]) == 10
