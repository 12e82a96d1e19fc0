"""FEBRL's sets in the local format: each column mapped as docs/benchmarks.md says."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from contactpoint.evaluation.febrl import (
    check_links,
    child_key,
    local_address,
    local_date,
    local_row,
    write_febrl,
)
from contactpoint.evaluation.labelled import LOCAL_COLUMNS, LabelledSetInvalid, read_truth

RECORD = {
    "given_name": "michaela",
    "surname": "neumann",
    "street_number": "8",
    "address_1": "stanley street",
    "address_2": "miami",
    "suburb": "winston hills",
    "postcode": "4223",
    "state": "nsw",
    "date_of_birth": "19151111",
    "soc_sec_id": "5304218",
}


def test_the_local_format_has_exactly_the_columns_the_evaluation_writes() -> None:
    assert LOCAL_COLUMNS == (
        "record_id",
        "given_names",
        "family_name",
        "date_of_birth",
        "gender",
        "postcode",
        "address",
        "nhs_number",
        "upn",
    )


def test_a_febrl_row_becomes_a_local_row() -> None:
    assert local_row("rec-1070-org", RECORD) == {
        "record_id": "rec-1070-org",
        "given_names": "michaela",
        "family_name": "neumann",
        "date_of_birth": "1915-11-11",
        "gender": "",
        "postcode": "",
        "address": "8 stanley street, miami, winston hills, nsw 4223",
        "nhs_number": "",
        "upn": "",
    }


def test_the_social_security_number_is_dropped() -> None:
    assert "5304218" not in local_row("rec-1-org", RECORD).values()


@pytest.mark.parametrize(
    ("febrl", "local"),
    [
        ("19151111", "1915-11-11"),
        ("19801301", "1980-13-01"),  # eight digits but no such month: the loader decides
        ("1980011", "1980011"),  # not eight digits: as received
        ("  19990219 ", "1999-02-19"),
        (math.nan, ""),
        (None, ""),
    ],
)
def test_dates_of_eight_digits_are_rewritten_and_any_other_text_kept_as_received(
    febrl: object, local: str
) -> None:
    assert local_date(febrl) == local


def test_missing_parts_of_the_address_are_left_out() -> None:
    record = {**RECORD, "street_number": math.nan, "address_2": math.nan, "state": None}
    assert local_address(record) == "stanley street, winston hills, 4223"
    assert local_address({}) == ""


def test_the_original_and_its_duplicates_are_one_person() -> None:
    assert child_key("rec-12-org") == child_key("rec-12-dup-0") == child_key("rec-12-dup-3")
    assert child_key("rec-12-org") != child_key("rec-1-org")


def test_a_record_id_not_in_febrls_form_is_refused() -> None:
    with pytest.raises(LabelledSetInvalid, match="not a FEBRL record id"):
        child_key("12")


def test_true_links_that_disagree_with_the_record_ids_are_refused() -> None:
    ids = ["rec-1-org", "rec-1-dup-0", "rec-2-org"]
    check_links(ids, [("rec-1-org", "rec-1-dup-0")])
    with pytest.raises(LabelledSetInvalid, match="differ"):
        check_links(ids, [("rec-1-org", "rec-2-org")])


def test_febrl4_is_written_as_file_a_then_file_b_with_one_truth(tmp_path: Path) -> None:
    files, truth = write_febrl("febrl4", tmp_path, rows=50)
    assert [path.name for path in files] == ["febrl4-A.csv", "febrl4-B.csv"]
    rows = [row for path in files for row in csv.DictReader(path.open(encoding="utf-8"))]
    assert len(rows) == 100
    assert tuple(rows[0]) == LOCAL_COLUMNS
    assert all(row["record_id"].endswith("-org") for row in rows[:50])
    assert all("-dup-" in row["record_id"] for row in rows[50:])
    assert all(row["postcode"] == "" and row["gender"] == "" for row in rows)
    assert set(read_truth(truth)) == {("local", row["record_id"]) for row in rows}


def test_febrl1_keeps_every_row_and_its_truth_matches_the_true_links(tmp_path: Path) -> None:
    (file,), truth = write_febrl("febrl1", tmp_path)
    children = read_truth(truth)
    assert sum(1 for _ in csv.DictReader(file.open(encoding="utf-8"))) == len(children) == 1000
    assert len(set(children.values())) == 500
