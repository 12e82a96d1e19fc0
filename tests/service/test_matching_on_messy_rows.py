"""The matcher on rows as real sources send them, through the feed path, on SQLite and
PostgreSQL: a chain through an incomplete record never joins two people, a child
founded by an incomplete record joins its fuller records once they arrive, a date in
the other common form loads, a placeholder birthday counts for little, names written the
other way round are put back (and a child founded so joins the child written right),
and two letters swapped in a name are a typo, not a twin."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.linkage import frequencies, store
from contactpoint.linkage.frequencies import adapted_model
from contactpoint.matching.frequencies import ValueCounts
from contactpoint.tables.children import SourceRecord
from contactpoint.tables.review import ReviewStatus, ReviewTask
from tests.builders import local_row
from tests.service.test_review import load

T = TypeVar("T")
COOPER = {"given_names": "William", "family_name": "Cooper", "gender": "M"}


def child_of(session: Session) -> dict[str, int]:
    rows = session.execute(select(SourceRecord.record_id, SourceRecord.child_id))
    return {record_id: child_id for record_id, child_id in rows}


def load_names(
    session: Session, tmp_path: Path, home: dict[str, str], *named: tuple[Any, ...]
) -> dict[str, int]:
    """Load one local file of rows about one home, each ``(record_id, given_names,
    family_name[, changes])``; each row's child, by record id."""
    rows = [
        local_row(n, record_id=row[0], given_names=row[1], family_name=row[2],
                  **{**home, **(row[3] if len(row) > 3 else {})})
        for n, row in enumerate(named, start=1)
    ]  # fmt: skip
    load(session, tmp_path, "local", rows)
    return child_of(session)


def test_a_chain_through_a_record_without_a_family_name_joins_nobody(
    session: Session, tmp_path: Path
) -> None:
    # William Cooper of Sheffield; a record of a William born the same day, with no
    # family name, at Cooper's postcode but another street's address; William Routledge
    # at that address in Newport. Each fits the incomplete record strongly.
    rows = [
        local_row(1, record_id="C1", **COOPER, date_of_birth="2014-01-01", postcode="S10 2TN",
                  address="4 Mill Lane, Sheffield"),
        local_row(2, record_id="B1", given_names="William", family_name="", gender="M",
                  date_of_birth="2014-01-01", postcode="S10 2TN",
                  address="9 High Street, Sheffield"),
        local_row(3, record_id="R1", given_names="William", family_name="Routledge", gender="M",
                  date_of_birth="2014-01-01", postcode="NP20 1AA",
                  address="9 High Street, Newport"),
    ]  # fmt: skip
    load(session, tmp_path, "local", rows)
    placed = child_of(session)
    assert placed["B1"] == placed["C1"]
    assert placed["R1"] != placed["C1"]


def test_a_child_founded_by_an_incomplete_record_joins_its_fuller_records(
    session: Session, tmp_path: Path
) -> None:
    rows = [
        local_row(1, record_id="I1", given_names="", family_name="Cooper", gender="M",
                  date_of_birth="2014-05-17", postcode="S10 2TN"),
        local_row(2, record_id="F1", **COOPER, date_of_birth="2014-05-17", postcode="S10 2TN"),
        local_row(3, record_id="F2", **COOPER, date_of_birth="17/05/2014", postcode="S10 2TN"),
    ]  # fmt: skip
    result = load(session, tmp_path, "local", rows)
    assert result.warnings == []  # DD/MM/YYYY is a date in a local file
    placed = child_of(session)
    assert placed["I1"] == placed["F1"] == placed["F2"]


def test_a_birthday_many_families_share_counts_for_little(session: Session, tmp_path: Path) -> None:
    # Sixty families' children all recorded as born 1 January 2014 (the year known, no
    # more), and one child born on 17 May 2014.
    rows = [
        local_row(n, record_id=f"P{n}", family_name=f"Family{chr(65 + n % 26)}{n}",
                  date_of_birth="2014-01-01")
        for n in range(60)
    ]  # fmt: skip
    rows.append(local_row(99, record_id="M1", date_of_birth="2014-05-17"))
    load(session, tmp_path, "local", rows)
    model = adapted_model(session)
    records = store.all_records(session)
    common = next(r for r in records if r.dob == "2014-01-01")
    rare = next(r for r in records if r.dob == "2014-05-17")
    assert model.score(common, common).contributions[2].tf_adjustment < -1.0
    assert (
        model.score(rare, rare).contributions[2].tf_adjustment
        > model.score(common, common).contributions[2].tf_adjustment
    )


def test_a_large_index_adds_new_records_to_its_counts_without_counting_again(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if the index were national: counted once, then each load's records added.
    monkeypatch.setattr(frequencies, "REUSE_COUNTS_FROM", 1)
    monkeypatch.setattr(frequencies, "_COUNTED", {})
    first = [local_row(n, record_id=f"A{n}", date_of_birth="2014-01-01") for n in range(20)]
    load(session, tmp_path, "local", first)
    frequencies.live_counts(session)
    counted = []
    monkeypatch.setattr(store, "value_counts", spy(store.value_counts, counted))
    # Other people: born another year, living elsewhere (else they are counted again).
    born = {"date_of_birth": "2015-06-02", "postcode": "SW1A 1AA"}
    later = [local_row(n, record_id=f"B{n}", **born) for n in range(20, 30)]
    load(session, tmp_path, "local", later)
    kept_up = frequencies.live_counts(session).counts
    assert counted == [{"after": store.newest_record(session) - len(later)}]
    assert kept_up == ValueCounts((store.value_counts(session),)).counts


def spy(function: Callable[..., T], calls: list[dict[str, object]]) -> Callable[..., T]:
    def called(*args: object, **options: object) -> T:
        calls.append(options)
        return function(*args, **options)

    return called


def test_names_written_in_each_others_field_are_put_back_and_link(
    session: Session, tmp_path: Path
) -> None:
    # The index knows Jacob as a given name and Hassall as a family name; a row with the
    # two the other way round is the same child.
    known = [
        local_row(n, record_id=f"K{n}", given_names="Jacob", family_name=f"Family{n}",
                  date_of_birth=f"2015-06-{n:02d}")
        for n in range(1, 6)
    ] + [
        local_row(6, record_id="H1", given_names="Jacob", family_name="Hassall",
                  date_of_birth="2014-06-19", postcode="S10 2TN"),
    ]  # fmt: skip
    load(session, tmp_path, "local", known)
    swapped = local_row(
        7, record_id="H2", given_names="Hassall", family_name="Jacob",
        date_of_birth="2014-06-19", postcode="S10 2TN",
    )  # fmt: skip
    load(session, tmp_path, "local", [swapped])
    placed = child_of(session)
    assert placed["H2"] == placed["H1"]
    # Filed with its names put back, so the next record fits it as written.
    filed = {r.uid: r for r in store.all_records(session)}
    h2 = session.scalar(select(SourceRecord.id).where(SourceRecord.record_id == "H2"))
    assert (filed[h2].given_first, filed[h2].family) == ("jacob", "hassall")


def test_records_with_the_names_reversed_link_whichever_came_first(
    session: Session, tmp_path: Path
) -> None:
    # The first record has the names the wrong way round; the child's later records
    # have them right, one misspelt so that nothing counts it as reversed. A twin born
    # the same day at the same home must not be joined through the reversed names.
    home = {"gender": "M", "date_of_birth": "2013-10-08", "postcode": "",
            "address": "15 Sangster Place, Broome"}  # fmt: skip
    placed = load_names(
        session, tmp_path, home,
        ("J1", "Desilva", "Jasper"), ("J2", "Jasper", "Desilva"), ("J3", "Jasper", "Desilva"),
        ("J4", "Jaspe", "Desilva"), ("T1", "Oscar", "Desilva"),
    )  # fmt: skip
    assert placed["J1"] == placed["J2"] == placed["J3"] == placed["J4"] != placed["T1"]


def test_a_child_founded_with_the_names_reversed_joins_the_child_written_right(
    session: Session, tmp_path: Path
) -> None:
    # Riley Speight's first record has the names the wrong way round (and the house
    # number wrong) and founds a child; a record without a given name founds another;
    # "Riley Speight" written right links to the second as written and, with the names
    # put back, fits the first: one child held twice. His twin Oscar, born the same day
    # at the same home, is not.
    home = {"gender": "M", "date_of_birth": "2013-06-27", "postcode": "",
            "address": "27 Daley Crescent, Labrador"}  # fmt: skip
    placed = load_names(
        session, tmp_path, home,
        ("R1", "Speight", "Riley", {"address": "35 Daley Crescent, Labrador"}),
        ("R2", "", "Speight"), ("R3", "Riley", "Speight"), ("T1", "Oscar", "Speight"),
    )  # fmt: skip
    assert placed["R1"] == placed["R2"] == placed["R3"] != placed["T1"]


def test_a_child_founded_with_the_names_reversed_is_compared_with_them_put_back(
    session: Session, tmp_path: Path
) -> None:
    # Jacob Kopievsky's first record has no family name; his second has the names the
    # wrong way round and, put back, fits no child with both names, so founds another.
    # "Jacob Kopievsky" written right links to the first and, put back, fits the second:
    # compared as written, "Kopievsky" and "Jacob" born the same day at one home looked
    # like twins. His twin Oscar is still another child.
    home = {"gender": "M", "date_of_birth": "2013-05-30", "postcode": "",
            "address": "24 Downward Place, Bunbury"}  # fmt: skip
    placed = load_names(
        session, tmp_path, home,
        ("K1", "Jacob", ""), ("K2", "Kopievsky", "Jacob"),
        ("K3", "Jacob", "Kopievsky"), ("T1", "Oscar", "Kopievsky"),
    )  # fmt: skip
    assert placed["K1"] == placed["K2"] == placed["K3"] != placed["T1"]


def test_two_letters_swapped_in_a_given_name_is_a_typo_not_a_twin(
    session: Session, tmp_path: Path
) -> None:
    # "Haryr" for Harry, same birthday, family and home: one child whose name was
    # mistyped, not a twin — while a twin with another name stays apart.
    rows = [
        local_row(1, record_id="H1", gender="M", given_names="Harry", family_name="Clarke",
                  date_of_birth="2017-10-21", postcode="LS6 1AA", address="4 Hyde Park Road"),
        local_row(2, record_id="H2", gender="M", given_names="Haryr", family_name="Clarke",
                  date_of_birth="2017-10-21", postcode="LS6 1AA", address="4 Hyde Park Road"),
        local_row(3, record_id="T1", gender="M", given_names="Oliver", family_name="Clarke",
                  date_of_birth="2017-10-21", postcode="LS6 1AA", address="4 Hyde Park Road"),
    ]  # fmt: skip
    load(session, tmp_path, "local", rows)
    placed = child_of(session)
    assert placed["H1"] == placed["H2"] != placed["T1"]


def test_a_child_is_not_two_genders_for_one_mis_keyed_record(
    session: Session, tmp_path: Path
) -> None:
    # Two children of one boy (a split): one of their records mis-keys his gender. A
    # full record fitting both joins them, as it would without the slip.
    rows = [
        local_row(1, record_id="A1", **COOPER, date_of_birth="2014-05-17", postcode="S10 2TN"),
        local_row(2, record_id="A2", **{**COOPER, "gender": "F"}, date_of_birth="2014-05-17",
                  postcode="S10 2TN"),
        local_row(3, record_id="A3", **COOPER, date_of_birth="2014-05-17", postcode="S10 2TN"),
    ]  # fmt: skip
    load(session, tmp_path, "local", rows)
    placed = child_of(session)
    assert placed["A1"] == placed["A3"]


def test_a_record_with_no_given_name_joins_neither_twin(session: Session, tmp_path: Path) -> None:
    # Anna and Jacqueline Brown, twins at one home; a record with no given name could be
    # either. It is put to a person, and no later record of either twin joins it to her.
    home = {"gender": "F", "date_of_birth": "2023-02-12", "postcode": "CM1 5EA",
            "address": "58 Gibson Road, Chelmsford"}  # fmt: skip
    placed = load_names(
        session, tmp_path, home,
        ("A1", "Anna Elise", "Brown"), ("J1", "Jacqueline Rose Anne", "Brown"),
        ("N1", "", "Brown"), ("J2", "Jacqueline Rose Anne", "Brown"), ("A2", "Anna", "Brown"),
    )  # fmt: skip
    assert placed["A1"] == placed["A2"] != placed["J1"] == placed["J2"]
    assert placed["N1"] not in {placed["A1"], placed["J1"]}
    task = session.scalars(select(ReviewTask).where(ReviewTask.child_id == placed["N1"])).one()
    assert task.status is ReviewStatus.OPEN
