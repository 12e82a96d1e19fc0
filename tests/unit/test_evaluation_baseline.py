"""The Splink baseline's input: cleaned as an ordinary user would, empty columns left out."""

from __future__ import annotations

from contactpoint.evaluation.baseline import clean, clean_date, present_columns


def test_only_real_dates_in_iso_form_reach_splink() -> None:
    assert clean_date("2015-03-02") == "2015-03-02"
    assert clean_date("2015-02-30") is None
    assert clean_date("02/03/2015") is None
    assert clean_date("") is None


def test_values_are_cleaned_and_empty_cells_become_null() -> None:
    record = clean(
        {
            "record_id": "L1",
            "given_names": "  Amelia   Rose ",
            "family_name": "HUSSAIN",
            "date_of_birth": "2015-13-01",
            "gender": "u",
            "postcode": "ls6  1lf",
            "address": "12 Cardigan Road",
            "nhs_number": "943 476 5919",
            "upn": "",
        }
    )
    assert record == {
        "unique_id": "L1",
        "given_names": "amelia rose",
        "family_name": "hussain",
        "date_of_birth": None,
        "gender": None,
        "postcode": "LS6 1LF",
        "address": "12 cardigan road",
        "nhs_number": "9434765919",
        "upn": None,
    }


def test_a_column_with_no_value_in_any_row_is_not_compared() -> None:
    records = [
        clean({"record_id": "1", "given_names": "Ann", "date_of_birth": "2015-01-01"}),
        clean({"record_id": "2", "family_name": "Lee", "date_of_birth": "bad"}),
    ]
    assert present_columns(records) == ("given_names", "family_name", "date_of_birth")
