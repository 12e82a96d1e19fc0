"""Blocking keys: two records of one child share one; a common name does not make every
record of it a candidate."""

from __future__ import annotations

from datetime import date

from contactpoint.matching.keys import KEY_LENGTH, blocking_keys, search_keys
from tests.unit.test_decide import record


def test_a_record_with_no_date_of_birth_finds_the_records_of_its_names_that_have_one() -> None:
    dated, undated = record(1, address=None, postcode=None), record(2, born=None)
    assert search_keys(undated) & blocking_keys(dated)


def test_a_dated_record_does_not_look_up_every_record_of_its_names_whatever_the_year() -> None:
    elsewhere = {"address": None, "postcode": None}
    dated, other_year = record(1, **elsewhere), record(2, born=date(2009, 1, 1), **elsewhere)
    assert not search_keys(dated) & blocking_keys(other_year)


def test_a_date_of_birth_years_out_still_meets_its_child_at_a_numbered_house() -> None:
    slip = record(2, born=date(2009, 3, 2))
    assert search_keys(slip) & blocking_keys(record(1))
    in_a_street = {"address": "Cardigan Road, Leeds", "postcode": None}
    assert not search_keys(record(2, born=date(2009, 3, 2), **in_a_street)) & blocking_keys(
        record(1, **in_a_street)
    )


def test_both_names_mistyped_still_meet_their_child_by_the_birthday_at_a_numbered_house() -> None:
    # A postcode of another district, so only the house is left to meet by.
    mistyped = {"given_names": "Eva Rose", "family_name": "Hugues", "postcode": "M1 1AE"}
    assert search_keys(record(2, **mistyped)) & blocking_keys(record(1))
    in_a_street = {**mistyped, "address": "Cardigan Road, Leeds"}
    assert not search_keys(record(2, **in_a_street)) & blocking_keys(
        record(1, address="Cardigan Road, Leeds")
    )


def test_a_given_name_garbled_and_no_date_of_birth_still_meet_at_a_numbered_house() -> None:
    # "Blae" for Blake, the date of birth unreadable: the family name, the given name's
    # first sound and the house are left. Another first sound (a brother, Tyler) is not
    # filed with him.
    blake = record(1, given_names="Blake", family_name="Sterry")
    blae = record(2, given_names="Blae", family_name="Sterry", born=None)
    assert search_keys(blae) & blocking_keys(blake)
    tyler = record(3, given_names="Tyler", family_name="Sterry", born=None)
    assert not search_keys(tyler) & blocking_keys(blake)


def test_the_family_name_mistyped_and_the_date_with_it_still_meet_at_a_numbered_house() -> None:
    # "Annabelle Conzens, born 1925-05-08" for Annabelle Couzens, born 1926-05-08.
    couzens = record(1, given_names="Annabelle", family_name="Couzens", born=date(1926, 5, 8))
    conzens = record(2, given_names="Annabelle", family_name="Conzens", born=date(1925, 5, 8))
    assert search_keys(conzens) & blocking_keys(couzens)
    assert not search_keys(conzens) & blocking_keys(record(3, given_names="Annabelle"))


def test_no_key_is_longer_than_the_column_that_holds_it() -> None:
    long = record(
        1,
        family_name="Featherstonehaugh-Cholmondeley-Marjoribanks",
        address="1234 Wolfeschlegelsteinhausenbergerdorff Boulevard Extension, Leeds",
    )
    assert max(len(key) for key in blocking_keys(long) | search_keys(long)) <= KEY_LENGTH
