"""The synthetic population generator: determinism, formats, truth and realism."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path
from random import Random
from typing import Any

import phonenumbers
import pytest

from contactpoint.identifiers import (
    is_valid,
    normalise_nhs_number,
    normalise_postcode,
    normalise_upn,
    parse_postcode,
)
from contactpoint.synth import (
    HEADERS,
    SOURCES,
    SynthSummary,
    build_population,
    generate,
    generate_local,
)
from contactpoint.synth.errors import ERROR_KINDS, INVALID_KINDS, ErrorRates, Recorder
from contactpoint.synth.lives import year_group
from contactpoint.synth.names import NameBook
from contactpoint.synth.population import Population

AS_OF = date(2025, 6, 1)
CHILDREN = 2000
DOCS = Path(__file__).parents[2] / "docs"
FEEDS_MD = DOCS / "feeds.md"

Rows = list[dict[str, str]]


def read(path: Path) -> Rows:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as file:
        return next(csv.reader(file))


@pytest.fixture(scope="module")
def delivery(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SynthSummary]:
    out = tmp_path_factory.mktemp("synth")
    return out, generate(out, children=CHILDREN, seed=11, as_of=AS_OF)


@pytest.fixture(scope="module")
def files(delivery: tuple[Path, SynthSummary]) -> dict[str, Rows]:
    out, _ = delivery
    return {source: read(out / f"{source}.csv") for source in SOURCES}


@pytest.fixture(scope="module")
def manifest(delivery: tuple[Path, SynthSummary]) -> dict[str, Any]:
    out, _ = delivery
    loaded: dict[str, Any] = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def population() -> Population:
    return build_population(children=CHILDREN, seed=11, as_of=AS_OF)


# --- determinism ------------------------------------------------------------------------


def test_the_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(first, children=300, seed=3, as_of=AS_OF)
    generate(second, children=300, seed=3, as_of=AS_OF)
    generate(other, children=300, seed=4, as_of=AS_OF)
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert (first / "gro-births.csv").read_bytes() != (other / "gro-births.csv").read_bytes()
    assert (first / "truth.csv").read_bytes() != (other / "truth.csv").read_bytes()


def test_a_population_is_the_same_however_often_it_is_built() -> None:
    one = build_population(children=300, seed=9, as_of=AS_OF)
    two = build_population(children=300, seed=9, as_of=AS_OF)
    assert [(c.key, c.given_names, c.date_of_birth, c.nhs_number) for c in one.people] == [
        (c.key, c.given_names, c.date_of_birth, c.nhs_number) for c in two.people
    ]


# --- formats ----------------------------------------------------------------------------


def documented_columns() -> dict[str, list[str]]:
    """Columns of each source's table in docs/feeds.md, in order."""
    columns: dict[str, list[str]] = {}
    section = ""
    for line in FEEDS_MD.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].split()[0]
        elif section in HEADERS and line.startswith("| "):
            cell = line.split("|")[1].strip()
            if cell != "column" and not set(cell) <= {"-"}:
                columns.setdefault(section, []).append(cell)
    return columns


def test_every_source_file_has_exactly_the_documented_columns(
    delivery: tuple[Path, SynthSummary],
) -> None:
    out, _ = delivery
    documented = documented_columns()
    assert set(documented) == {*SOURCES, "local"}
    for source in SOURCES:
        assert header(out / f"{source}.csv") == documented[source], source
    assert list(HEADERS["local"]) == documented["local"]


def test_truth_names_the_child_of_every_row_and_only_those_rows(
    delivery: tuple[Path, SynthSummary], files: dict[str, Rows]
) -> None:
    out, _ = delivery
    truth = read(out / "truth.csv")
    assert header(out / "truth.csv") == ["source", "record_id", "child_key"]
    named = {(row["source"], row["record_id"]) for row in truth}
    assert len(named) == len(truth)
    delivered = {(source, row["record_id"]) for source, rows in files.items() for row in rows}
    assert named == delivered
    keys = {row["child_key"] for row in truth}
    assert all(re.fullmatch(r"[CU]\d{7}", key) for key in keys)
    assert sum(key.startswith("C") for key in keys) <= CHILDREN


def test_record_ids_are_unique_within_each_file(files: dict[str, Rows]) -> None:
    for source, rows in files.items():
        ids = [row["record_id"] for row in rows]
        assert len(ids) == len(set(ids)), source


def test_identifiers_are_valid_except_in_the_counted_invalid_rows(
    files: dict[str, Rows], manifest: dict[str, Any]
) -> None:
    for source, rows in files.items():
        found: Counter[str] = Counter()
        day_first = source == "dwp-child-benefit"
        for row in rows:
            if row.get("nhs_number") and not is_valid(normalise_nhs_number, row["nhs_number"]):
                found["nhs_number_check_digit"] += 1
            for column in ("upn", "former_upn"):
                if row.get(column) and not is_valid(normalise_upn, row[column]):
                    found["upn_check_letter"] += 1
            if row.get("postcode") and not is_valid(normalise_postcode, row["postcode"]):
                found["unparseable_postcode"] += 1
            for column, value in row.items():
                if value and ("date" in column or column.endswith(("_start", "_end"))):
                    try:
                        day = datetime.strptime(value, "%d/%m/%Y" if day_first else "%Y-%m-%d")
                    except ValueError:
                        found["impossible_date"] += 1
                        continue
                    if day.date() > AS_OF:
                        found["future_date"] += 1
        assert dict(found) == manifest["invalid_rows"][source], source


def test_invalid_rows_are_rare_but_present(manifest: dict[str, Any]) -> None:
    invalid = sum(sum(kinds.values()) for kinds in manifest["invalid_rows"].values())
    rows = sum(manifest["rows"].values())
    assert 0 < invalid <= rows * 0.002


def test_required_values_are_never_empty(files: dict[str, Rows]) -> None:
    required = {
        "gro-births": ("given_names", "family_name", "date_of_birth", "gender"),
        "gro-deaths": ("given_names", "family_name", "date_of_birth", "date_of_death"),
        "dwp-child-benefit": ("child_benefit_reference", "child_number", "child_given_names"),
        "nhs-demographics": ("nhs_number", "given_names", "family_name", "gender"),
        "school-census": ("upn", "given_names", "family_name", "school_urn", "census_date"),
        "la-childrens-services": ("la_code", "la_child_id", "given_names", "family_name"),
    }
    for source, columns in required.items():
        for row in files[source]:
            for column in columns:
                assert row[column].strip(), (source, column, row)


def test_genders_use_each_sources_codes(files: dict[str, Rows]) -> None:
    assert {r["gender"] for r in files["gro-births"]} <= {"M", "F", "U"}
    assert {r["gender"] for r in files["nhs-demographics"]} <= {"0", "1", "2", "9"}
    assert {r["gender"] for r in files["school-census"]} <= {"M", "F"}
    assert {r["child_gender"] for r in files["dwp-child-benefit"]} <= {"M", "F", "U", ""}


def test_identifier_formats_follow_the_feeds(files: dict[str, Rows]) -> None:
    assert all(re.fullmatch(r"\d{4}/[A-Z]{3}/\d{5}", r["record_id"]) for r in files["gro-births"])
    assert all(re.fullmatch(r"\d{4}/[A-Z]{3}/D\d{5}", r["record_id"]) for r in files["gro-deaths"])
    assert all(
        re.fullmatch(r"CHB\d{8}[A-Z]{2}", r["child_benefit_reference"])
        for r in files["dwp-child-benefit"]
    )
    assert all(
        re.fullmatch(r"[A-Z]\d{5}", r["gp_practice_code"])
        for r in files["nhs-demographics"]
        if r["gp_practice_code"]
    )
    assert all(re.fullmatch(r"\d{6}", r["school_urn"]) for r in files["school-census"])
    assert all(
        re.fullmatch(r"E\d{8}", r["la_code"])
        for source in ("school-census", "la-childrens-services")
        for r in files[source]
    )


def test_practitioners_have_work_emails_and_valid_uk_phone_numbers(
    files: dict[str, Rows],
) -> None:
    for row in files["la-childrens-services"]:
        number = phonenumbers.parse(row["practitioner_phone"], "GB")
        assert phonenumbers.is_valid_number(number), row["practitioner_phone"]
        assert re.fullmatch(r"[a-z.'\-0-9]+@([a-z]+\.gov\.uk|nhs\.net)", row["practitioner_email"])
        assert row["lead_professional"] in ("Y", "N")


# --- the population ---------------------------------------------------------------------


def test_every_child_is_under_18_on_the_as_of_date(population: Population) -> None:
    for child in population.people:
        born = child.date_of_birth
        eighteenth = date(born.year + 18, born.month, 28 if born.day == 29 else born.day)
        assert born <= AS_OF < eighteenth


def test_births_spread_over_the_18_years(population: Population) -> None:
    ages = Counter((AS_OF - c.date_of_birth).days // 365 for c in population.people)
    per_year = CHILDREN / 18
    assert all(0.6 * per_year < ages[age] < 1.4 * per_year for age in range(18))


def test_twins_share_a_birth_date_and_a_family_but_not_a_name(population: Population) -> None:
    births: defaultdict[tuple[int, date], list[str]] = defaultdict(list)
    for child in population.people:
        if child.multiple_birth:
            births[(child.family.key, child.date_of_birth)].append(" ".join(child.given_names))
    assert len(births) >= 10
    for given_names in births.values():
        assert len(given_names) >= 2
        assert len(set(given_names)) == len(given_names)


def test_boys_and_girls_are_about_even_with_a_very_few_not_specified(
    population: Population,
) -> None:
    sexes = Counter(c.sex for c in population.people)
    assert 0.47 < sexes["M"] / CHILDREN < 0.55
    assert sexes["U"] <= CHILDREN * 0.005


def test_family_names_are_skewed_like_real_life(population: Population) -> None:
    names = Counter(c.family_name for c in population.people)
    top = [name for name, _ in names.most_common(15)]
    assert "Smith" in top and "Khan" in top
    once = sum(1 for count in names.values() if count == 1)
    assert once > len(names) * 0.4  # a long tail of rare names


def test_siblings_live_together_and_share_a_benefit_claim(files: dict[str, Rows]) -> None:
    by_claim: defaultdict[str, list[dict[str, str]]] = defaultdict(list)
    for row in files["dwp-child-benefit"]:
        by_claim[row["child_benefit_reference"]].append(row)
    shared = [rows for rows in by_claim.values() if len(rows) > 1]
    assert len(shared) > 50
    for rows in shared:
        numbers = [int(r["child_number"]) for r in rows]
        assert len(set(numbers)) == len(numbers)
        assert len({r["claimant_family_name"].lower() for r in rows}) == 1


def test_addresses_have_postcodes_of_their_own_authority(population: Population) -> None:
    for family in population.families:
        for residence in family.residences:
            address = residence.address
            postcode = parse_postcode(address.postcode)
            districts = {outward for outward, _ in address.authority.districts}
            assert postcode.outward in districts


def test_each_source_covers_roughly_its_share_of_children(
    population: Population, manifest: dict[str, Any]
) -> None:
    rows = manifest["rows"]
    assert 0.88 < rows["gro-births"] / CHILDREN < 0.97
    assert 0.87 < rows["dwp-child-benefit"] / CHILDREN < 0.96
    assert 0.97 < rows["nhs-demographics"] / CHILDREN < 1.01
    assert 0.02 < rows["la-childrens-services"] / CHILDREN < 0.06
    assert rows["gro-deaths"] / CHILDREN < 0.01
    school_age = sum(
        0 <= year_group(c.date_of_birth, population.census_date) <= 11 for c in population.people
    )
    assert 0.95 < rows["school-census"] / school_age <= 1.0
    facts = manifest["population"]
    assert 0.04 < facts["born_abroad"] / CHILDREN < 0.1


def test_recording_errors_are_counted_by_kind_and_source(manifest: dict[str, Any]) -> None:
    errors = manifest["errors"]
    assert set(errors) == set(SOURCES)
    dwp, gro = errors["dwp-child-benefit"], errors["gro-births"]
    for kind in ("nickname", "stale_address", "middle_name_dropped", "postcode_format_noise"):
        assert dwp.get(kind, 0) > 0, kind
    dwp_rate = sum(dwp.values()) / manifest["rows"]["dwp-child-benefit"]
    gro_rate = sum(gro.values()) / manifest["rows"]["gro-births"]
    assert dwp_rate > 3 * gro_rate  # GRO is the most careful source


def test_unborn_children_have_no_birth_date_and_their_mothers_family_name(
    population: Population, files: dict[str, Rows], delivery: tuple[Path, SynthSummary]
) -> None:
    out, _ = delivery
    unborn_ids = {
        row["record_id"] for row in read(out / "truth.csv") if row["child_key"].startswith("U")
    }
    rows = [r for r in files["la-childrens-services"] if r["record_id"] in unborn_ids]
    assert len(rows) == len(population.unborn) >= 1
    for row in rows:
        assert row["date_of_birth"] == ""
        assert row["carer_relationship"] == "mother"
        assert row["family_name"].strip().lower()[:3] == row["carer_family_name"].lower()[:3]


def test_the_summary_matches_the_manifest(
    delivery: tuple[Path, SynthSummary], manifest: dict[str, Any]
) -> None:
    _, summary = delivery
    assert manifest["seed"] == summary.seed == 11
    assert manifest["as_of"] == AS_OF.isoformat()
    assert manifest["children"] == summary.children == CHILDREN
    assert manifest["rows"] == dict(summary.rows)
    assert manifest["error_totals"] == summary.error_totals


def test_progress_is_reported_for_population_and_sources(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    generate(
        tmp_path,
        children=300,
        seed=1,
        as_of=AS_OF,
        progress=lambda s, d, t: calls.append((s, d, t)),
    )
    assert ("population", 300, 300) in calls
    assert ("sources", len(SOURCES), len(SOURCES)) in calls


def test_the_local_file_follows_the_local_format_and_names_its_children(
    tmp_path: Path, population: Population
) -> None:
    local = generate_local(tmp_path, children=CHILDREN, seed=11, as_of=AS_OF, rows=150)
    assert header(local.path) == list(HEADERS["local"])
    rows, truth = read(local.path), read(local.truth)
    assert local.rows == len(rows) == len(truth) == 150
    keys = {c.key: c for c in population.people}
    for row, named in zip(rows, truth, strict=True):
        assert row["record_id"] == named["record_id"]
        child = keys[named["child_key"]]
        if row["nhs_number"]:
            assert row["nhs_number"] == child.nhs_number


def test_every_error_kind_and_rate_is_documented() -> None:
    text = (DOCS / "synthetic-population.md").read_text(encoding="utf-8")
    for name in (*ERROR_KINDS, *INVALID_KINDS, *ErrorRates.__dataclass_fields__):
        assert f"`{name}`" in text, name


# --- recording errors -------------------------------------------------------------------


def recorder(**rates: float) -> Recorder:
    rec = Recorder("dwp-child-benefit", Random(1), NameBook(), as_of=AS_OF)
    base = {field: 0.0 for field in rec.rates.__dataclass_fields__}
    rec.rates = type(rec.rates)(**{**base, **rates})
    return rec


def test_a_typo_changes_a_name_but_never_empties_it_or_a_two_letter_name() -> None:
    rec = recorder(typo=1.0)
    changed = 0
    for _ in range(200):
        given, family = rec.noise("Amelia", "Ng")
        assert given and given[0] == "A"
        assert family == "Ng"
        changed += given != "Amelia"
    assert changed > 50
    assert sum(n for kind, n in rec.errors.items() if kind.startswith("typo_")) == changed


def test_day_and_month_are_swapped_only_when_both_are_twelve_or_less() -> None:
    rec = recorder(day_month_swapped=1.0)
    assert rec.date_of_birth(date(2015, 3, 9), AS_OF) == date(2015, 9, 3)
    assert rec.date_of_birth(date(2015, 3, 19), AS_OF) == date(2015, 3, 19)
    assert rec.date_of_birth(date(2025, 3, 9), date(2025, 6, 1)) == date(2025, 3, 9)


def test_a_date_of_birth_one_year_out_is_never_in_the_future() -> None:
    rec = recorder(year_out=1.0)
    latest = date(2025, 5, 1)
    for _ in range(50):
        assert rec.date_of_birth(date(2025, 2, 1), latest) <= latest


def test_double_barrelled_names_are_recorded_in_their_variants() -> None:
    rec = recorder(double_barrel=1.0)
    seen = {rec.family_name("Smith-Jones") for _ in range(100)}
    assert seen <= {"Smith Jones", "Jones-Smith", "Smith", "Jones"}
    assert len(seen) >= 3


def test_every_synthetic_postcode_district_is_in_the_index_geography() -> None:
    from contactpoint.geography import la_for_postcode
    from contactpoint.synth.geography import load_geography

    geography = load_geography()
    for authority in geography.authorities:
        for district, _locality in authority.districts:
            assert la_for_postcode(f"{district} 1AA") == authority.gss
