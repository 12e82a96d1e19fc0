"""Values longer than their column, in every column of every source (issue 18, item 4):
each is a row problem with its reason — refused or loaded without the value — never a
crash of the whole file, and no value is ever printed (a name in a traceback is personal
data in an operator's terminal and logs)."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from contextlib import nullcontext
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from contactpoint.cli import app, console
from contactpoint.feeds.sources import SOURCES, get_source
from contactpoint.synth import generate
from tests.builders import death, local_row

# Sources the small population has too few rows of, or none.
BUILDERS: dict[str, Callable[[int], dict[str, object]]] = {"gro-deaths": death, "local": local_row}

AS_OF = date(2026, 6, 1)
# A name of letters (its sound-alike keys are long too), an e-mail address, digits.
LONG = {
    "name": "Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewissenhaft" * 3,
    "email": "a" * 200 + "@" + "b" * 40 + ".example",
    "digits": "7" * 150,
}


def oversized(column: str) -> str:
    if "email" in column:
        return LONG["email"]
    if any(part in column for part in ("phone", "number", "upn")):
        return LONG["digits"]
    return LONG["name"]


def unique(record_id: str, index: int) -> str:
    """The record id with ``index`` added to its serial number: unique in the file."""
    return re.sub(
        r"(\d+)$", lambda m: str(int(m.group(1)) + index).zfill(len(m.group(1))), record_id
    )


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("population")
    generate(out, children=200, seed=20261206, as_of=AS_OF)
    return out


@pytest.mark.parametrize("source", list(SOURCES))
def test_every_column_too_long_is_a_row_problem_and_never_printed(
    committed_engine: Engine, population: Path, tmp_path: Path, source: str
) -> None:
    columns = [column.name for column in get_source(source).columns]
    found = population / f"{source}.csv"
    with found.open(encoding="utf-8", newline="") if found.exists() else nullcontext() as file:
        base = list(csv.DictReader(file)) if file else []
    base = base or [BUILDERS[source](n) for n in range(1, 4)]
    # Row i carries column i too long (the record id too: a rejected row's id is kept).
    rows = []
    for index, column in enumerate(columns):
        row = {name: str(base[index % len(base)].get(name, "")) for name in columns}
        row["record_id"] = unique(row["record_id"], index)
        row[column] = oversized(column)
        rows.append(row)
    path = tmp_path / f"{source}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)
    argv = ["feed", "load", source, str(path), "--today", AS_OF.isoformat()]
    with CliRunner().isolation() as (out, err, *_):
        code = console.run(app, argv)
        said = out.getvalue().decode() + err.getvalue().decode()
    assert code in (0, console.EXIT_ROWS_REJECTED), said
    for value in LONG.values():
        assert value[:40] not in said
