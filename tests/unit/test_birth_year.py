"""A year alone, or a date of birth garbled in its day or month, still gives the year:
the date is reported and left out as before, and the year tells children born years
apart from each other."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from contactpoint.children.facts import facts_from_json, facts_to_json
from contactpoint.feeds.fields import ISO_DATE, UK_DATE, RowReader
from contactpoint.feeds.pipeline import standardise_rows
from contactpoint.feeds.sources import get_source
from contactpoint.matching.coherence import DATE_OF_BIRTH_CONFLICT, incoherent
from contactpoint.matching.record import match_record
from tests.unit.test_decide import THRESHOLDS, model, record

TODAY = date(2026, 11, 1)


@pytest.mark.parametrize(
    ("value", "year"),
    [
        ("2014", 2014),  # a year alone
        ("2014-86-18", 2014),  # the month garbled
        ("31/02/2014", 2014),  # no 31 February
        ("2026-13-01", 2026),  # this year
        ("2030-01-01", None),  # in the future
        ("1890-01-01", None),  # more than the oldest age a feed takes
        ("abcd", None),
        ("14", None),
        ("", None),
    ],
)
def test_the_year_of_a_date_given_only_in_part(value: str, year: int | None) -> None:
    reader = RowReader(2, {"date_of_birth": value}, today=TODAY)
    assert reader.date("date_of_birth", birth=True, fmt=(ISO_DATE, UK_DATE)) is None
    assert reader.birth_year("date_of_birth") == year


def test_a_local_row_with_a_year_alone_loads_with_the_year_and_a_warning() -> None:
    data = (
        b"record_id,given_names,family_name,date_of_birth,gender,postcode,address,nhs_number,upn\n"
        b"R1,Holly,Gibson,2011,F,L7 4ZS,11 Victoria Road,,\n"
        b"R2,Holly,Gibson,2011-05-23,F,L7 4ZS,11 Victoria Road,,\n"
    )
    checked = standardise_rows(get_source("local"), data, file_name="local", today=TODAY)
    year_only, dated = (row.facts for row in checked.rows)
    assert (year_only.date_of_birth, year_only.birth_year) == (None, 2011)
    assert (dated.date_of_birth, dated.birth_year) == (date(2011, 5, 23), None)
    assert [(w.line, w.field) for w in checked.warnings] == [(2, "date_of_birth")]
    assert facts_from_json(facts_to_json(year_only)) == year_only
    assert "birth_year" not in facts_to_json(dated)  # stored as before
    matched = match_record(0, year_only)
    assert (matched.dob, matched.birth_year) == (None, 2011)


def test_a_year_years_from_the_childs_dates_of_birth_is_another_child() -> None:
    # Kavya Kaur Gill, born 4 November 2015 on three records; a record of a Kavya Kaur
    # Gill whose date was garbled but whose year is 2013 is another girl.
    known = [record(n, given_names="Kavya Kaur", family_name="Gill") for n in (1, 2, 3)]
    elsewhere = {"address": "1 Oak Road, Nottingham", "postcode": "NG7 2BQ"}
    garbled = record(4, given_names="Kavya Kaur", family_name="Gill", born=None, **elsewhere)
    assert incoherent(model(), THRESHOLDS.review, garbled, known) is None
    older = replace(garbled, birth_year=2013)
    assert incoherent(model(), THRESHOLDS.review, older, known) == DATE_OF_BIRTH_CONFLICT
    # The year before or after is a slip of the year, not another child.
    assert incoherent(model(), THRESHOLDS.review, replace(garbled, birth_year=2014), known) is None
