"""The messy mode of the synthetic population: one local file with real sources' failures."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest
from typer.testing import CliRunner

from contactpoint.cli import app
from contactpoint.feeds.fields import ISO_DATE, UK_DATE, RowReader
from contactpoint.identifiers import is_valid, normalise_postcode
from contactpoint.synth import HEADERS, LocalFile, build_population, generate_messy
from contactpoint.synth.errors import ERROR_KINDS
from contactpoint.synth.messy import messy_population
from contactpoint.synth.messy_errors import MESSY_KINDS, MESSY_RATES, MessyRates

AS_OF = date(2025, 6, 1)
PEOPLE = 2500
RECORDS_PER_PERSON = 8.0
DOCS = Path(__file__).parents[2] / "docs"

Rows = list[dict[str, str]]


def read(path: Path) -> Rows:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> tuple[LocalFile, Rows, Rows]:
    out = tmp_path_factory.mktemp("messy")
    local = generate_messy(
        out, people=PEOPLE, seed=3, as_of=AS_OF, records_per_person=RECORDS_PER_PERSON
    )
    return local, read(local.path), read(local.truth)


def about(observed: int, rows: int, rate: float, tolerance: float = 0.2) -> bool:
    """The observed share is within ``tolerance`` (relative) of ``rate``."""
    return abs(observed / rows - rate) <= rate * tolerance


def rejected_as_a_date(value: str) -> bool:
    """The repo's date reader refuses the value in both forms it reads."""
    for fmt in (ISO_DATE, UK_DATE):
        reader = RowReader(2, {"date_of_birth": value}, today=AS_OF)
        if reader.date("date_of_birth", fmt=fmt, birth=True) is not None:
            return False
    return True


# --- the file -----------------------------------------------------------------------------


def test_the_same_seed_gives_byte_identical_messy_files(tmp_path: Path) -> None:
    first = generate_messy(tmp_path / "a", people=300, seed=9, as_of=AS_OF, records_per_person=4)
    again = generate_messy(tmp_path / "b", people=300, seed=9, as_of=AS_OF, records_per_person=4)
    other = generate_messy(tmp_path / "c", people=300, seed=10, as_of=AS_OF, records_per_person=4)
    assert first.path.read_bytes() == again.path.read_bytes()
    assert first.truth.read_bytes() == again.truth.read_bytes()
    assert first.errors == again.errors
    assert first.path.read_bytes() != other.path.read_bytes()


def test_the_messy_file_is_in_the_local_feed_format(messy: tuple[LocalFile, Rows, Rows]) -> None:
    local, rows, _ = messy
    with local.path.open(encoding="utf-8", newline="") as file:
        assert next(csv.reader(file)) == list(HEADERS["local"])
    assert local.rows == len(rows)


def test_every_record_names_a_person_in_the_truth_file(
    messy: tuple[LocalFile, Rows, Rows],
) -> None:
    _, rows, truth = messy
    keys = {child.key for child in build_population(children=PEOPLE, seed=3, as_of=AS_OF).people}
    assert [row["record_id"] for row in rows] == [named["record_id"] for named in truth]
    assert len({row["record_id"] for row in rows}) == len(rows)
    assert {named["source"] for named in truth} == {"local"}
    assert {named["child_key"] for named in truth} == keys


def test_record_ids_and_order_say_nothing_about_the_person(
    messy: tuple[LocalFile, Rows, Rows],
) -> None:
    _, rows, truth = messy
    assert [row["record_id"] for row in rows[:3]] == ["R0000001", "R0000002", "R0000003"]
    children = [named["child_key"] for named in truth]
    neighbours = sum(a == b for a, b in pairwise(children))
    assert neighbours < len(children) * 0.01


def test_the_number_of_records_per_person_varies_around_the_mean(
    messy: tuple[LocalFile, Rows, Rows],
) -> None:
    _, rows, truth = messy
    per_person = Counter(named["child_key"] for named in truth)
    assert abs(len(rows) / PEOPLE - RECORDS_PER_PERSON) < RECORDS_PER_PERSON * 0.1
    assert sum(n == 1 for n in per_person.values()) > PEOPLE * 0.05
    assert sum(n >= 25 for n in per_person.values()) > PEOPLE * 0.01


# --- the errors ---------------------------------------------------------------------------


def test_each_error_class_appears_at_about_its_rate(messy: tuple[LocalFile, Rows, Rows]) -> None:
    local, rows, _ = messy
    errors, r, n = local.errors, MESSY_RATES, len(rows)
    dates = [row["date_of_birth"] for row in rows]
    first_of_january = sum(d.endswith("-01-01") or d.startswith("01/01/") for d in dates)
    year_only = sum(bool(re.fullmatch(r"\d{4}", d)) for d in dates)
    missing_date = sum(not d for d in dates)
    written = [d for d in dates if d and not re.fullmatch(r"\d{4}", d)]
    invalid_dates = sum(rejected_as_a_date(d) for d in written)
    day_first = sum(bool(re.fullmatch(r"\d\d/\d\d/\d{4}", d)) for d in written)
    postcodes = [row["postcode"] for row in rows if row["postcode"].strip()]
    invalid_postcodes = sum(not is_valid(normalise_postcode, p) for p in postcodes)

    # placeholder dates: a large share; a few children really are born on 1 January
    assert (
        errors["dob_first_of_january"] <= first_of_january <= errors["dob_first_of_january"] * 1.03
    )
    assert about(first_of_january, n, r.first_of_january, 0.1)
    assert year_only == errors["dob_year_only"] and about(year_only, n, r.year_only)
    assert missing_date == errors["missing_date_of_birth"]
    assert about(missing_date, n, r.missing_date_of_birth)
    # invalid dates as received: exactly the mistyped digits and impossible days counted
    assert invalid_dates == errors["dob_invalid_digit_typo"] + errors["dob_impossible_day"]
    full = 1 - r.missing_date_of_birth - r.year_only - r.first_of_january
    invalid_rate = (r.invalid_date_digit_typo + r.impossible_day) * full
    assert about(invalid_dates, n, invalid_rate, 0.3)
    assert day_first == errors["dob_written_day_first"]
    assert about(day_first, len(written), r.day_first, 0.1)
    # invalid postcodes: the mistyped ones and the no-fixed-abode pseudo-postcode
    assert invalid_postcodes == errors["postcode_invalid"] + errors["pseudo_postcode"]
    assert about(errors["postcode_invalid"], n, r.invalid_postcode * 0.9, 0.25)
    # names
    missing_given = sum(not row["given_names"].strip() for row in rows)
    missing_family = sum(not row["family_name"].strip() for row in rows)
    assert missing_given == errors["missing_given_name"]
    assert about(missing_given, n, r.missing_given_name)
    assert missing_family == errors["missing_family_name"]
    assert about(missing_family, n, r.missing_family_name)
    initials = sum(
        bool(re.fullmatch(r"[A-Za-z]\.?( [A-Za-z])*", row["given_names"].strip())) for row in rows
    )
    assert about(initials, n, r.initials_only, 0.25)
    # no identifiers by default; gender left out now and then
    assert sum(not row["nhs_number"] and not row["upn"] for row in rows) == n
    assert errors["no_identifiers"] == n
    assert sum(not row["gender"] for row in rows) == errors["missing_gender"]


def test_every_error_class_is_counted_under_a_known_name(
    messy: tuple[LocalFile, Rows, Rows],
) -> None:
    local, _, _ = messy
    assert set(MESSY_KINDS) <= set(local.errors)
    assert set(local.errors) <= {*MESSY_KINDS, *ERROR_KINDS}


def test_no_record_is_missing_both_names(messy: tuple[LocalFile, Rows, Rows]) -> None:
    _, rows, _ = messy
    assert all(row["given_names"].strip() or row["family_name"].strip() for row in rows)


def test_free_text_places_stand_in_for_addresses(messy: tuple[LocalFile, Rows, Rows]) -> None:
    local, rows, _ = messy
    addresses = Counter(row["address"] for row in rows)
    assert addresses["no fixed abode"] + addresses["NFA"] > 0
    assert any(address.startswith("c/o ") for address in addresses)
    assert local.errors["free_text_place"] > 0


def test_identifiers_are_written_only_when_asked_and_are_the_childs_own(tmp_path: Path) -> None:
    local = generate_messy(
        tmp_path, people=200, seed=4, as_of=AS_OF, records_per_person=3, identifier_rate=0.5
    )
    children = {c.key: c for c in build_population(children=200, seed=4, as_of=AS_OF).people}
    rows, truth = read(local.path), read(local.truth)
    with_nhs = [(row, named) for row, named in zip(rows, truth, strict=True) if row["nhs_number"]]
    assert 0.3 < len(with_nhs) / len(rows) < 0.7
    assert all(row["nhs_number"] == children[n["child_key"]].nhs_number for row, n in with_nhs)


# --- the people ---------------------------------------------------------------------------


def test_people_with_the_same_common_name_and_birth_year_exist_in_a_large_enough_file() -> None:
    population, renamed = messy_population(people=5000, seed=3, as_of=AS_OF)
    plain = build_population(children=5000, seed=3, as_of=AS_OF)
    namesakes: dict[tuple[str, str, int], set[int]] = defaultdict(set)
    for child in population.people:
        name = (child.given_names[0], child.family_name, child.date_of_birth.year)
        namesakes[name].add(child.family.key)
    # namesakes: children of different families with one name and one year of birth
    assert sum(len(families) >= 2 for families in namesakes.values()) >= 10
    # several children of one first name born in the same year, in different authorities
    places: dict[tuple[str, int], set[str]] = defaultdict(set)
    for child in population.people:
        places[(child.given_names[0], child.date_of_birth.year)].add(
            child.address_on(AS_OF).authority.gss
        )
    assert max(len(authorities) for authorities in places.values()) >= 5
    smiths = sum(child.family_name == "Smith" for child in population.people)
    assert smiths > 1.5 * sum(child.family_name == "Smith" for child in plain.people)
    assert renamed["common_given_name"] > 0 and renamed["common_family_name"] > 0


def test_twins_and_siblings_stay_distinct_people(messy: tuple[LocalFile, Rows, Rows]) -> None:
    _, _, truth = messy
    population, _ = messy_population(people=PEOPLE, seed=3, as_of=AS_OF)
    records = Counter(named["child_key"] for named in truth)
    pairs = [
        (a, b)
        for family in population.families
        for a in family.children
        for b in family.children
        if a.key < b.key and a.multiple_birth == 2 and a.date_of_birth == b.date_of_birth
    ]
    assert pairs
    assert all(records[a.key] and records[b.key] for a, b in pairs)
    siblings = [f for f in population.families if len(f.children) >= 2]
    assert all(all(records[child.key] for child in f.children) for f in siblings)


# --- docs and command line ----------------------------------------------------------------


def test_every_messy_error_kind_and_rate_is_documented() -> None:
    text = (DOCS / "synthetic-population.md").read_text(encoding="utf-8")
    for name in (*MESSY_KINDS, *MessyRates.__dataclass_fields__):
        assert f"`{name}`" in text, name


def test_the_synth_command_writes_a_messy_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["synth", "--messy", "--people", "100", "--seed", "2", "--as-of", "2025-06-01",
         "--records-per-person", "3", "--out", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "local.csv").exists() and (tmp_path / "local-truth.csv").exists()
    assert not (tmp_path / "manifest.json").exists()
