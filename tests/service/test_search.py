"""Practitioner search, on SQLite and PostgreSQL: a partial record matched against the
index with the matching engine's own standardisation, keys and model."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from contactpoint.errors import InvalidValue, InvalidValues, SearchTooBroad
from contactpoint.feeds.pipeline import load_file
from contactpoint.identifiers import format_nhs_number
from contactpoint.kinds.children import ChildStatus
from contactpoint.review.merge import merge
from contactpoint.search.query import SearchQuery
from contactpoint.search.service import LIMIT, Outcome, SearchOutcome, search
from contactpoint.tables.children import Child, ChildIdentifier
from tests.builders import birth, death, local_row, nhs_number, upn, write_feed

TODAY = date(2026, 11, 1)
# birth(n): given names cycle through eight, the family name changes every eight births,
# the date of birth is 2015-03-(1 + n % 8). birth(1) is Zain Hussain, born 2 March 2015.
ZAIN = {"given_names": "Zain", "family_name": "Hussain"}


def load(session: Session, tmp_path: Path, source: str, rows: list[dict[str, Any]]) -> None:
    path = write_feed(tmp_path / f"{source}-{len(list(tmp_path.iterdir()))}.csv", source, rows)
    load_file(session, source_name=source, path=path, loaded_by="test", today=TODAY)


def find(session: Session, **fields: str) -> SearchOutcome:
    return search(session, SearchQuery(**fields), today=TODAY)


def child_of(session: Session, n: int) -> Child:
    """The child holding birth(n)'s NHS number."""
    child_id = session.scalar(
        select(ChildIdentifier.child_id).where(ChildIdentifier.value == nhs_number(n))
    )
    child = session.get(Child, child_id)
    assert child is not None
    return child


def school_row(n: int, **changes: Any) -> dict[str, Any]:
    """Child ``n``'s school census row, with a UPN."""
    born = birth(n)
    return {
        "record_id": f"S{n}",
        "upn": upn(n),
        "given_names": born["given_names"],
        "family_name": born["family_name"],
        "date_of_birth": born["date_of_birth"],
        "gender": born["gender"],
        "school_urn": "107990",
        "school_name": "Hyde Park Primary School",
        "la_code": "E08000035",
        "census_date": "2026-10-01",
        "postcode": born["postcode"],
        **changes,
    }


@pytest.fixture
def births(session: Session, tmp_path: Path) -> Session:
    """Sixteen children born in March 2015 at one address: Zain, Oliver James, Freya …
    Hussain (births 1 to 7), Walker (8 to 15) and Kowalski (16)."""
    load(session, tmp_path, "gro-births", [birth(n) for n in range(1, 17)])
    return session


def ids(outcome: SearchOutcome) -> list[int]:
    return [result.child_id for result in outcome.results]


def test_an_exact_search_finds_the_child_first_and_says_why(births: Session) -> None:
    outcome = find(births, **ZAIN, date_of_birth="02/03/2015")
    assert outcome.outcome is Outcome.RESULTS
    (first, *_rest) = outcome.results
    zain = child_of(births, 1)
    assert (first.child_id, first.cp_id) == (zain.id, zain.cp_id)
    assert first.reason == "exact given name, exact family name, exact date of birth"
    assert first.status is ChildStatus.ACTIVE
    assert first.responsible_la_code == "E08000035"
    # Zain Walker, born the same day, is not Zain Hussain.
    assert child_of(births, 9).id not in ids(outcome)


def test_results_are_ranked_best_first(births: Session) -> None:
    outcome = find(births, family_name="Hussain", date_of_birth="2015")
    weights = [result.weight for result in outcome.results]
    assert len(weights) == 7 and weights == sorted(weights, reverse=True)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        (
            {"given_names": "Zane", "family_name": "Husain"},
            "given name sounds alike, family name spelt differently",
        ),
        ({"given_names": "Zain", "family_name": "HUSSIAN"}, "family name spelt differently"),
    ],
)
@pytest.mark.parametrize("born", ["2015-03-02", "2015"])
def test_a_misspelt_name_still_finds_the_child(
    births: Session, fields: dict[str, str], reason: str, born: str
) -> None:
    outcome = find(births, **fields, date_of_birth=born)
    assert ids(outcome)[0] == child_of(births, 1).id
    assert reason in outcome.results[0].reason


def test_letters_transposed_in_a_short_name_still_find_the_child(
    session: Session, tmp_path: Path
) -> None:
    load(session, tmp_path, "gro-births", [birth(1, given_names="Hafsa"), birth(9)])
    outcome = find(session, given_names="Hasfa", family_name="Hussain", date_of_birth="2015")
    assert ids(outcome) == [child_of(session, 1).id]
    assert outcome.results[0].reason.startswith("given name spelt differently, exact family")


def test_a_nickname_finds_the_child(births: Session) -> None:
    outcome = find(births, given_names="Ollie", family_name="Hussain", date_of_birth="03/03/2015")
    assert ids(outcome)[0] == child_of(births, 2).id
    assert "given name a nickname" in outcome.results[0].reason


def test_a_nickname_and_a_date_find_the_child_without_a_family_name(
    session: Session, tmp_path: Path
) -> None:
    load(session, tmp_path, "gro-births", [birth(1, given_names="William George")])
    outcome = find(session, given_names="Bill", date_of_birth="2015-03-02")
    assert ids(outcome) == [child_of(session, 1).id]


def test_a_date_of_birth_with_day_and_month_swapped_still_finds_the_child(
    births: Session,
) -> None:
    outcome = find(births, family_name="Hussain", date_of_birth="03/02/2015", postcode="LS6")
    assert ids(outcome)[0] == child_of(births, 1).id
    assert outcome.results[0].reason == (
        "exact family name, date of birth day and month swapped, same postcode district"
    )


def test_a_year_or_a_range_finds_the_children_born_in_it(births: Session) -> None:
    hussains = {child_of(births, n).id for n in range(1, 8)}
    assert set(ids(find(births, family_name="Hussain", date_of_birth="2015"))) == hussains
    in_march = find(births, family_name="hussain", born_from="2015-03-02", born_to="2015-03-03")
    assert set(ids(in_march)) == {child_of(births, 1).id, child_of(births, 2).id}
    assert in_march.results[0].reason == "exact family name, born between 02/03/2015 and 03/03/2015"
    assert find(births, family_name="Hussain", born_from="2016", born_to="2018").results == ()
    month = find(births, given_names="Zain", family_name="Walker", date_of_birth="03/2015")
    assert ids(month) == [child_of(births, 9).id]
    assert month.results[0].reason == "exact given name, exact family name, born in March 2015"


def test_a_family_name_misspelt_beyond_its_sound_is_found_by_the_given_name(
    births: Session,
) -> None:
    outcome = find(births, given_names="Zain", family_name="Hushain", date_of_birth="2015")
    assert ids(outcome) == [child_of(births, 1).id]
    assert outcome.results[0].reason.startswith("exact given name, family name spelt differently")


def test_a_postcode_with_a_family_name_or_a_year_finds_the_children_there(
    births: Session,
) -> None:
    hussains = {child_of(births, n).id for n in range(1, 8)}
    assert set(ids(find(births, family_name="Hussain", postcode="ls61lf"))) == hussains
    everyone = find(births, postcode="LS6 1LF", born_from="2015", born_to="2015")
    assert len(everyone.results) == 16
    assert everyone.results[0].reason == "born in 2015, same postcode"
    # The postcode typed at the end of the address.
    at_home = find(births, family_name="Walker", address="12 Cardigan Road, Leeds LS6 1LF")
    assert len(at_home.results) == 8
    assert "same address" in at_home.results[0].reason


def test_an_identifier_finds_its_child(births: Session, tmp_path: Path) -> None:
    load(births, tmp_path, "school-census", [school_row(3)])
    zain, freya = child_of(births, 1), child_of(births, 3)
    by_nhs = find(births, identifier=format_nhs_number(nhs_number(1)))
    assert ids(by_nhs) == [zain.id] and by_nhs.results[0].reason == "same NHS number"
    by_upn = find(births, identifier=upn(3).lower())
    assert ids(by_upn) == [freya.id] and by_upn.results[0].reason == "same UPN"
    typed = zain.cp_id.lower().replace("-", " ")
    by_cp_id = find(births, identifier=typed)
    assert ids(by_cp_id) == [zain.id] and by_cp_id.results[0].reason == "same ContactPoint ID"
    # Other fields are compared too, and say where the child differs from the query.
    checked = find(births, identifier=zain.cp_id, family_name="Walker")
    assert checked.results[0].reason == "same ContactPoint ID, different family name"


def test_a_query_too_broad_to_narrow_the_index_is_refused(births: Session) -> None:
    with pytest.raises(SearchTooBroad, match=r"^gender: too broad") as refused:
        find(births, gender="female")
    assert refused.value.field == "gender"
    with pytest.raises(SearchTooBroad, match="add given_names, date_of_birth or postcode"):
        find(births, family_name="Hussain")
    with pytest.raises(SearchTooBroad, match=r"^search: nothing to search by"):
        find(births)


def test_more_than_twenty_children_ask_for_a_narrower_search(
    session: Session, tmp_path: Path
) -> None:
    names = (
        "Ada Ben Cai Dev Eli Fay Gus Hal Ivy Jon Kit Lea Max Ned Ona Pip Quin Rex Sam Tia Uma Vic"
    )
    born = {"family_name": "Smith", "registration_date": "2016-01-15"}
    rows = [
        birth(n, given_names=name, date_of_birth=f"2015-{n % 12 + 1:02d}-10", **born)
        for n, name in enumerate(names.split(), start=1)
    ]
    load(session, tmp_path, "gro-births", rows)
    outcome = find(session, family_name="Smith", date_of_birth="2015")
    assert outcome.outcome is Outcome.TOO_MANY and outcome.results == ()
    assert outcome.narrow_by[:2] == ("date_of_birth", "given_names")
    assert f"More than {LIMIT} children match" in outcome.message
    assert "an exact date of birth" in outcome.message
    narrower = find(session, given_names="Ivy", family_name="Smith", date_of_birth="2015")
    assert narrower.outcome is Outcome.RESULTS and len(narrower.results) == 1


def test_a_merged_child_is_found_as_its_survivor_once(births: Session) -> None:
    zain, walker = child_of(births, 1), child_of(births, 9)
    merge(births, survivor_id=zain.id, merged_id=walker.id, actor="dm", reason="one child")
    # The merged child's ContactPoint ID leads to the survivor.
    by_old_id = find(births, identifier=walker.cp_id)
    assert ids(by_old_id) == [zain.id]
    assert by_old_id.results[0].reason.startswith("ContactPoint ID of a child merged into")
    # Both children's records match: the survivor is listed once.
    both = find(births, given_names="Zain", date_of_birth="2015-03-02")
    assert ids(both) == [zain.id]


def test_keys_still_filed_under_a_merged_child_lead_to_its_survivor(births: Session) -> None:
    zain, walker = child_of(births, 1), child_of(births, 9)
    births.execute(
        update(Child)
        .where(Child.id == walker.id)
        .values(status=ChildStatus.MERGED, merged_into_id=zain.id)
    )
    outcome = find(births, given_names="Zain", date_of_birth="2015-03-02")
    assert ids(outcome) == [zain.id]


def test_destroyed_children_are_never_returned(births: Session) -> None:
    zain = child_of(births, 1)
    births.execute(update(Child).where(Child.id == zain.id).values(status=ChildStatus.DESTROYED))
    assert zain.id not in ids(find(births, **ZAIN, date_of_birth="2015-03-02"))
    assert find(births, identifier=zain.cp_id).results == ()
    assert find(births, identifier=nhs_number(1)).results == ()


def test_results_carry_the_status_policy_needs(births: Session, tmp_path: Path) -> None:
    load(births, tmp_path, "gro-deaths", [death(1)])
    (zain,) = find(births, identifier=nhs_number(1)).results
    assert zain.status is ChildStatus.DECEASED


def test_a_local_partners_child_is_found_by_a_year_of_birth(
    session: Session, tmp_path: Path
) -> None:
    load(session, tmp_path, "local", [local_row(n) for n in range(3)])
    outcome = find(session, given_names="Sofia", family_name="Nowak", date_of_birth="2016")
    (sofia,) = outcome.results
    assert sofia.reason == "exact given name, exact family name, born in 2016"


INJECTIONS = (
    "Robert'); DROP TABLE children;--",
    "' OR '1'='1",
    "<script>alert(1)</script>",
    '"; DELETE FROM match_keys; --',
)


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_are_only_text(births: Session, text: str) -> None:
    before = births.scalar(select(func.count()).select_from(Child))
    outcome = find(births, given_names=text, family_name=text, date_of_birth="2015")
    assert outcome.outcome is Outcome.RESULTS
    assert find(births, family_name=text, address=text, postcode="LS6 1LF").outcome
    for field in ("identifier", "postcode", "date_of_birth", "gender"):
        with pytest.raises(InvalidValue, match=f"^{field}: "):
            find(births, family_name="Hussain", **{field: text})
    assert births.scalar(select(func.count()).select_from(Child)) == before


LONG = "a" * 101
NO_NAMES = {"given_names": None, "family_name": None}


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"date_of_birth": "31/02/2015"}, "date_of_birth", "is not a real date"),
        ({"date_of_birth": "last spring"}, "date_of_birth", "is not a date: use DD/MM/YYYY"),
        ({"date_of_birth": "2099-01-01"}, "date_of_birth", "is in the future"),
        ({"born_from": "2016", "born_to": "2015"}, "born_from", "is after born_to"),
        ({"born_from": "2015-13-01", "born_to": "2016"}, "born_from", "is not a real date"),
        ({"born_from": "2015"}, "born_to", "give both ends"),
        ({"born_to": "2015"}, "born_from", "give both ends"),
        ({"born_from": "2005", "born_to": "2015"}, "born_to", "at most 5 years"),
        (
            {"date_of_birth": "2015", "born_from": "2014", "born_to": "2015"},
            "date_of_birth",
            "not both",
        ),
        ({"given_names": LONG}, "given_names", "is longer than 100 characters"),
        ({"family_name": LONG}, "family_name", "is longer than 100 characters"),
        ({"address": "1 " + "a" * 199}, "address", "is longer than 200 characters"),
        ({"postcode": "LS6 1LF" * 2}, "postcode", "is longer than 10 characters"),
        ({"identifier": "9" * 21}, "identifier", "is longer than 20 characters"),
        ({"family_name": "!!!"}, "family_name", "must contain letters"),
        ({"identifier": "943 476 5918"}, "identifier", "NHS number: check digit does not match"),
        ({"identifier": "A801200000001"}, "identifier", "UPN: check letter does not match"),
        ({"identifier": "CP-7K3M-9Q2X-5"}, "identifier", "ContactPoint ID: check character"),
        ({"identifier": "12-ab"}, "identifier", "is not an NHS number"),
        ({"postcode": "LS6 XYZ"}, "postcode", "is not a UK postcode"),
        ({"gender": "X"}, "gender", "must be male or female"),
        ({**NO_NAMES, "gender": "F"}, "gender", "too broad to search by"),
        (NO_NAMES, "search", "nothing to search by"),
        ({**NO_NAMES, "postcode": "LS6"}, "postcode", "too broad to search by; add date_of_birth"),
    ],
)
def test_every_validation_error_names_the_field(
    fields: dict[str, str | None], field: str, reason: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        SearchQuery(**{**ZAIN, **fields})
    assert refused.value.field == field
    assert str(refused.value).startswith(f"{field}: ")
    assert reason in str(refused.value)


def test_every_field_that_is_not_valid_is_reported_at_once() -> None:
    with pytest.raises(InvalidValues) as refused:
        SearchQuery(given_names="Zain", date_of_birth="31/02/2015", gender="X", postcode="LS6 XYZ")
    fields = [problem.field for problem in refused.value.problems]
    assert fields == ["date_of_birth", "gender", "postcode"]
    assert refused.value.field == "date_of_birth"  # the first, for those naming one
