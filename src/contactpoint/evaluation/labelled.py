"""A labelled dataset on disk: ``local``-format files and a truth file naming each row's child.

Every dataset the evaluation runs (``datasets.py``) becomes one of these: one or more
CSV files in the ``local`` feed format (``docs/feeds.md``), loaded in order into one
index, and ``truth.csv`` (``source,record_id,child_key``) with a row for every row of
the files. Record ids are distinct across the files, so the rows of every file can be
told apart in one index (all of them are the ``local`` source's).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import islice
from pathlib import Path

from contactpoint.errors import Invalid
from contactpoint.feeds.fields import OLDEST_PLAUSIBLE_AGE_YEARS
from contactpoint.feeds.sources import get_source

SOURCE = "local"
LOCAL_COLUMNS: tuple[str, ...] = tuple(column.name for column in get_source(SOURCE).columns)
TRUTH_COLUMNS = ("source", "record_id", "child_key")

# A row of a labelled set, as the index exports it: (source, record_id).
RowKey = tuple[str, str]


class LabelledSetInvalid(Invalid):
    """A labelled set's files do not agree with its truth; the message says how."""


@dataclass(frozen=True, slots=True)
class LabelledSet:
    """A dataset ready to load: ``files`` in order, their ``truth``, and the day to load
    them as of (``today``: dates of birth after it, or more than ``oldest_age_years``
    before it, are left out by the loader)."""

    name: str
    description: str
    files: tuple[Path, ...]
    truth: Path
    today: date
    oldest_age_years: int = OLDEST_PLAUSIBLE_AGE_YEARS


def write_local(path: Path, rows: Iterable[Mapping[str, str]]) -> Path:
    """Write ``rows`` as a ``local``-format CSV (every column, in the format's order)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, LOCAL_COLUMNS)
        writer.writeheader()
        writer.writerows({name: row.get(name, "") for name in LOCAL_COLUMNS} for row in rows)
    return path


def write_truth(path: Path, keys: Iterable[tuple[str, str]]) -> Path:
    """Write the truth: ``(record_id, child_key)`` for each row, all of the local source."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(TRUTH_COLUMNS)
        writer.writerows((SOURCE, record_id, child) for record_id, child in keys)
    return path


def read_rows(files: Sequence[Path]) -> list[dict[str, str]]:
    """Every row of ``files``, in order, as its cells (missing cells empty)."""
    rows: list[dict[str, str]] = []
    for path in files:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows.extend(
                {name: (value or "") for name, value in row.items() if name is not None}
                for row in csv.DictReader(handle)
            )
    return rows


def read_truth(path: Path) -> dict[RowKey, str]:
    """The truth file: the child of each (source, record_id)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not set(TRUTH_COLUMNS) <= set(reader.fieldnames or ()):
            raise LabelledSetInvalid(
                f"{path.name}: a truth file needs the columns {','.join(TRUTH_COLUMNS)}"
            )
        return {(row["source"], row["record_id"]): row["child_key"] for row in reader}


def check(labelled: LabelledSet) -> tuple[list[dict[str, str]], dict[RowKey, str]]:
    """The rows of the set's files and its truth, once it is known that the truth names
    the child of every row and of nothing else, and that no record id is used twice."""
    rows = read_rows(labelled.files)
    truth = read_truth(labelled.truth)
    ids = [row.get("record_id", "").strip() for row in rows]
    if len(set(ids)) != len(ids):
        raise LabelledSetInvalid(
            f"{labelled.name}: {len(ids) - len(set(ids))} record ids are used more than once"
            " across the files; each row needs its own"
        )
    in_files = {(SOURCE, record_id) for record_id in ids}
    if in_files != truth.keys():
        raise LabelledSetInvalid(
            f"{labelled.name}: the truth must name the child of every row and nothing else:"
            f" {len(in_files - truth.keys())} rows have no child in {labelled.truth.name},"
            f" {len(truth.keys() - in_files)} truth rows are not in the files"
            f" (the source must be '{SOURCE}')"
        )
    return rows, truth


def first_rows(source: Path, target: Path, limit: int) -> Path:
    """Copy the header and the first ``limit`` rows of the CSV ``source`` to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        source.open(encoding="utf-8-sig", newline="") as reading,
        target.open("w", encoding="utf-8", newline="") as writing,
    ):
        csv.writer(writing).writerows(islice(csv.reader(reading), limit + 1))
    return target


def keep_truth_of(truth: Path, target: Path, files: Sequence[Path]) -> Path:
    """Write to ``target`` the rows of the truth file ``truth`` about rows of ``files``."""
    ids = {(SOURCE, row.get("record_id", "").strip()) for row in read_rows(files)}
    kept = [(key[1], child) for key, child in read_truth(truth).items() if key in ids]
    return write_truth(target, kept)
