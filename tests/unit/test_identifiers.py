"""ContactPoint IDs, NHS numbers, UPNs and postcodes: validation and normalisation."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactpoint.errors import InvalidValue
from contactpoint.identifiers import (
    CROCKFORD,
    UPN_LETTERS,
    format_nhs_number,
    is_valid,
    new_cp_id,
    nhs_check_digit,
    normalise_cp_id,
    normalise_nhs_number,
    normalise_postcode,
    normalise_upn,
    parse_postcode,
    upn_check_letter,
)

cp_ids = st.randoms(use_true_random=False).map(new_cp_id)
# England and Wales allocate 400 000 000-499 999 999 and 600 000 000-799 999 999.
nhs_bodies = st.from_regex(r"\A[467][0-9]{8}\Z").filter(
    lambda body: nhs_check_digit(body) is not None
)


@given(cp_ids)
def test_a_new_contactpoint_id_is_canonical_and_valid(cp_id: str) -> None:
    assert normalise_cp_id(cp_id) == cp_id
    assert len(cp_id) == len("CP-XXXX-XXXX-C")


@given(cp_ids)
def test_contactpoint_ids_are_read_back_however_they_are_typed(cp_id: str) -> None:
    typed = cp_id.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert normalise_cp_id(typed) == cp_id


@given(cp_ids, st.integers(min_value=0, max_value=8), st.sampled_from(CROCKFORD))
def test_any_single_character_error_in_a_contactpoint_id_is_caught(
    cp_id: str, position: int, replacement: str
) -> None:
    symbols = cp_id.replace("-", "")[2:]
    if symbols[position] == replacement:
        return
    wrong = symbols[:position] + replacement + symbols[position + 1 :]
    with pytest.raises(InvalidValue, match="check character"):
        normalise_cp_id(wrong)


def test_a_bare_contactpoint_id_whose_symbols_begin_with_cp_is_not_mistaken_for_the_prefix() -> (
    None
):
    with pytest.raises(InvalidValue, match="check character"):
        normalise_cp_id("CP1000006")
    assert normalise_cp_id("cpcp00-0000-6") == "CP-CP00-0000-6"


@given(cp_ids, st.integers(min_value=0, max_value=7))
def test_swapping_two_neighbouring_characters_of_a_contactpoint_id_is_caught(
    cp_id: str, position: int
) -> None:
    symbols = cp_id.replace("-", "")[2:]
    if symbols[position] == symbols[position + 1]:
        return
    swapped = (
        symbols[:position] + symbols[position + 1] + symbols[position] + symbols[position + 2 :]
    )
    assert not is_valid(normalise_cp_id, swapped)


def test_contactpoint_ids_are_random_not_sequential() -> None:
    assert len({new_cp_id() for _ in range(1000)}) == 1000


@given(nhs_bodies)
def test_an_nhs_number_with_its_check_digit_is_valid_in_any_spacing(body: str) -> None:
    number = body + str(nhs_check_digit(body))
    assert normalise_nhs_number(number) == number
    assert normalise_nhs_number(format_nhs_number(number)) == number
    assert normalise_nhs_number(number[:3] + "-" + number[3:]) == number


@given(nhs_bodies, st.integers(min_value=1, max_value=9))
def test_an_nhs_number_with_a_wrong_check_digit_is_refused(body: str, offset: int) -> None:
    wrong = (nhs_check_digit(body) or 0) + offset
    with pytest.raises(InvalidValue, match="modulus 11"):
        normalise_nhs_number(body + str(wrong % 10))


@pytest.mark.parametrize("value", ["", "12345", "94347659191", "943476591X"])
def test_an_nhs_number_that_is_not_ten_digits_is_refused(value: str) -> None:
    with pytest.raises(InvalidValue, match="10 digits"):
        normalise_nhs_number(value)


def test_a_known_good_nhs_number_is_accepted() -> None:
    assert normalise_nhs_number("943 476 5919") == "9434765919"


@given(st.from_regex(r"\A[0-9]{12}\Z"))
def test_a_upn_with_its_check_letter_is_valid(body: str) -> None:
    upn = upn_check_letter(body) + body
    assert normalise_upn(upn.lower()) == upn


@given(st.from_regex(r"\A[0-9]{12}\Z"), st.sampled_from(UPN_LETTERS))
def test_a_upn_with_another_check_letter_is_refused(body: str, letter: str) -> None:
    if letter == upn_check_letter(body):
        return
    with pytest.raises(InvalidValue, match="check letter"):
        normalise_upn(letter + body)


def test_a_temporary_upn_ending_in_a_letter_is_checked_too() -> None:
    body = "80120000101A"
    assert normalise_upn(upn_check_letter(body) + body)[-1] == "A"


@pytest.mark.parametrize(
    ("typed", "canonical", "district", "sector", "area"),
    [
        ("ls62ab", "LS6 2AB", "LS6", "LS6 2", "LS"),
        (" sw1a 1aa ", "SW1A 1AA", "SW1A", "SW1A 1", "SW"),
        ("M1 1AE", "M1 1AE", "M1", "M1 1", "M"),
        ("B33 8TH", "B33 8TH", "B33", "B33 8", "B"),
        ("cr2 6xh", "CR2 6XH", "CR2", "CR2 6", "CR"),
    ],
)
def test_postcodes_are_normalised_and_split(
    typed: str, canonical: str, district: str, sector: str, area: str
) -> None:
    postcode = parse_postcode(typed)
    assert (str(postcode), postcode.district, postcode.sector, postcode.area) == (
        canonical,
        district,
        sector,
        area,
    )


@pytest.mark.parametrize("value", ["", "LS6", "12345", "LS6 2CI", "QQQ 1AA", "LS6 2AB X"])
def test_something_that_is_not_a_postcode_is_refused(value: str) -> None:
    with pytest.raises(InvalidValue, match="not a UK postcode"):
        normalise_postcode(value)


def test_seeded_contactpoint_ids_repeat_for_the_same_seed() -> None:
    assert new_cp_id(random.Random(7)) == new_cp_id(random.Random(7))
