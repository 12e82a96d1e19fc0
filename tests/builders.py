"""Small builders for feed files, so each test states only what matters to it."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from contactpoint.feeds.sources import get_source
from contactpoint.identifiers import nhs_check_digit, upn_check_letter
from contactpoint.models import Base


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


def birth(n: int, **changes: Any) -> dict[str, Any]:
    return {
        "record_id": f"2015/LDS/{n:05d}",
        "registration_date": "2015-03-20",
        "given_names": "Amelia Rose",
        "family_name": "Hussain",
        "date_of_birth": "2015-03-04",
        "gender": "F",
        "nhs_number": nhs_number(n),
        "mother_given_names": "Sara",
        "mother_family_name": "Hussain",
        "address": "12 Cardigan Road, Leeds",
        "postcode": "LS6 1LF",
        **changes,
    }


def nhs_record(n: int, **changes: Any) -> dict[str, Any]:
    return {
        "record_id": f"PDS{n:06d}",
        "nhs_number": nhs_number(n),
        "given_names": "Amelia",
        "family_name": "Hussain",
        "date_of_birth": "2015-03-04",
        "gender": "2",
        "address": "3 Otley Road, Leeds",
        "postcode": "LS6 3AA",
        "gp_practice_code": "B86012",
        "gp_practice_name": "Hyde Park Surgery",
        "gp_registration_date": "2020-06-01",
        **changes,
    }


def death(n: int, **changes: Any) -> dict[str, Any]:
    return {
        "record_id": f"2022/LDS/D{n:05d}",
        "registration_date": "2022-05-10",
        "given_names": "Amelia Rose",
        "family_name": "Hussain",
        "date_of_birth": "2015-03-04",
        "date_of_death": "2022-05-02",
        "gender": "F",
        "nhs_number": nhs_number(n),
        **changes,
    }


def local_row(n: int, **changes: Any) -> dict[str, Any]:
    return {
        "record_id": f"L{n}",
        "given_names": "Jack",
        "family_name": "Smith",
        "date_of_birth": "2016-07-01",
        "gender": "M",
        "postcode": "M1 1AE",
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
