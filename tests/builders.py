"""Small builders for feed files, so each test states only what matters to it."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from contactpoint.feeds.pipeline import LoadResult, load_file
from contactpoint.feeds.sources import get_source
from contactpoint.identifiers import nhs_check_digit, upn_check_letter
from contactpoint.synth import SOURCES
from contactpoint.tables import Base


def nhs_number(serial: int) -> str:
    """A valid English NHS number, distinct for each serial."""
    body = 400_000_000 + serial * 7
    while nhs_check_digit(str(body)) is None:
        body += 1
    return f"{body}{nhs_check_digit(str(body))}"


def upn(serial: int) -> str:
    body = f"8012000{serial:05d}"
    return upn_check_letter(body) + body


def write_feed(path: Path, source: str, rows: Sequence[dict[str, Any]]) -> Path:
    """A CSV in ``source``'s format with every column, cells from ``rows``."""
    columns = [column.name for column in get_source(source).columns]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({name: row.get(name, "") for name in columns})
    return path


GIVEN = (
    ("Amelia Rose", "F"),
    ("Zain", "M"),
    ("Oliver James", "M"),
    ("Freya", "F"),
    ("Muhammad Ali", "M"),
    ("Grace", "F"),
    ("Leo", "M"),
    ("Isla", "F"),
)
FAMILY = ("Hussain", "Walker", "Kowalski", "Okafor", "Patel", "Murphy", "Taylor", "Nguyen")


def birth(n: int, **changes: Any) -> dict[str, Any]:
    """A GRO birth of child ``n``: each ``n`` a different child, unless changed."""
    return {
        "record_id": f"2015/LDS/{n:05d}",
        "registration_date": f"2015-03-{20 + n % 8:02d}",
        "given_names": GIVEN[n % len(GIVEN)][0],
        "family_name": FAMILY[(n // len(GIVEN)) % len(FAMILY)],
        "date_of_birth": f"2015-03-{1 + n % 8:02d}",
        "gender": GIVEN[n % len(GIVEN)][1],
        "nhs_number": nhs_number(n),
        "mother_given_names": "Sara",
        "mother_family_name": "Hussain",
        "address": "12 Cardigan Road, Leeds",
        "postcode": "LS6 1LF",
        **changes,
    }


def nhs_record(n: int, **changes: Any) -> dict[str, Any]:
    """Child ``n``'s NHS record, with the NHS number of ``birth(n)``."""
    born = birth(n)
    return {
        "record_id": f"PDS{n:06d}",
        "nhs_number": nhs_number(n),
        "given_names": born["given_names"].split()[0],
        "family_name": born["family_name"],
        "date_of_birth": born["date_of_birth"],
        "gender": {"M": "1", "F": "2"}[born["gender"]],
        "address": "3 Otley Road, Leeds",
        "postcode": "LS6 3AA",
        "gp_practice_code": "B86012",
        "gp_practice_name": "Hyde Park Surgery",
        "gp_registration_date": "2020-06-01",
        **changes,
    }


def death(n: int, **changes: Any) -> dict[str, Any]:
    """The death registration of child ``n``."""
    born = birth(n)
    return {
        "record_id": f"2022/LDS/D{n:05d}",
        "registration_date": "2022-05-10",
        "given_names": born["given_names"],
        "family_name": born["family_name"],
        "date_of_birth": born["date_of_birth"],
        "date_of_death": "2022-05-02",
        "gender": born["gender"],
        "nhs_number": nhs_number(n),
        **changes,
    }


LOCAL_PEOPLE = (("Jack", "Smith", "M"), ("Sofia", "Nowak", "F"), ("Ibrahim", "Ahmed", "M"))


def local_row(n: int, **changes: Any) -> dict[str, Any]:
    """A local partner's row about child ``n``: each ``n`` a different child."""
    given, family, gender = LOCAL_PEOPLE[n % len(LOCAL_PEOPLE)]
    return {
        "record_id": f"L{n}",
        "given_names": given,
        "family_name": family,
        "date_of_birth": f"2016-07-{1 + n % 28:02d}",
        "gender": gender,
        "postcode": ("M1 1AE", "B33 8TH", "LS6 2AB")[n % 3],
        **changes,
    }


def snapshot(bind: Connection | Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in key order: equal snapshots mean nothing changed."""
    result: dict[str, list[tuple[Any, ...]]] = {}
    for table in Base.metadata.sorted_tables:
        statement = select(table).order_by(*table.primary_key.columns)
        rows = bind.execute(statement).all()
        result[table.name] = [tuple(row) for row in rows]
    return result


def load_population(session: Session, directory: Path, today: date) -> list[LoadResult]:
    """Load every source file of a synthetic population, in the demo's order."""
    return [
        load_file(
            session,
            source_name=source,
            path=directory / f"{source}.csv",
            loaded_by="test",
            today=today,
        )
        for source in SOURCES
    ]
