"""Benchmark: practitioner searches against a loaded index, timed in-process.

    CONTACTPOINT_DATABASE_URL=... .venv/bin/python bench/search.py POPULATION_DIR [--n 1000]

POPULATION_DIR is what `contactpoint synth` wrote (the source files and truth.csv), all
of it loaded with `contactpoint feed load`. Builds N realistic queries from the source
rows — the names, date of birth and postcode one service holds for a child, typed as a
practitioner would (the first given name, sometimes a nickname, a misspelling or day and
month swapped; the date exact, a year or a range; sometimes only a family name and a
year, or a postcode; sometimes an NHS number or UPN) — runs `search` for each, each in
its own read-only transaction, and prints the median, 95th percentile and maximum in
milliseconds and the share of queries whose true child is in the results (and first).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from contactpoint import db
from contactpoint.errors import InvalidValue
from contactpoint.linkage import registry
from contactpoint.matching.standardise import clean_name, name_variants
from contactpoint.search.query import SearchQuery
from contactpoint.search.service import Outcome, search
from contactpoint.tables.children import SourceRecord

# Source file columns: (given names, family name, date of birth, postcode, identifiers).
COLUMNS = {
    "gro-births": ("given_names", "family_name", "date_of_birth", "postcode", ("nhs_number",)),
    "nhs-demographics": (
        "given_names",
        "family_name",
        "date_of_birth",
        "postcode",
        ("nhs_number",),
    ),
    "school-census": ("given_names", "family_name", "date_of_birth", "postcode", ("upn",)),
    "la-childrens-services": (
        "given_names",
        "family_name",
        "date_of_birth",
        "postcode",
        ("nhs_number", "upn"),
    ),
    "dwp-child-benefit": (
        "child_given_names",
        "child_family_name",
        "child_date_of_birth",
        "postcode",
        (),
    ),
}
# What the practitioner knows, and how often.
SHAPES = (
    ("names + exact date", 30),
    ("names + year", 12),
    ("names + range", 8),
    ("family + year", 10),
    ("given + exact date", 5),
    ("family + postcode", 10),
    ("names + exact date + postcode", 10),
    ("names only", 5),
    ("identifier", 10),
)


@dataclass(frozen=True, slots=True)
class Known:
    """What one source row says about a child."""

    child_key: str
    given: str
    family: str
    born: date
    postcode: str
    identifiers: tuple[str, ...]


def read_rows(directory: Path) -> tuple[list[Known], dict[tuple[str, str], str]]:
    with (directory / "truth.csv").open(encoding="utf-8") as handle:
        truth = {(r["source"], r["record_id"]): r["child_key"] for r in csv.DictReader(handle)}
    known = []
    for source, (given, family, born, postcode, ids) in COLUMNS.items():
        with (directory / f"{source}.csv").open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                key = truth.get((source, row["record_id"]))
                day = _date(row[born])
                if key is None or day is None or not row[given] or not row[family]:
                    continue
                identifiers = tuple(row[name] for name in ids if row.get(name))
                known.append(Known(key, row[given], row[family], day, row[postcode], identifiers))
    return known, truth


def _date(text: str) -> date | None:
    try:
        if "/" in text:
            day, month, year = (int(part) for part in text.split("/"))
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        return None


def misspell(name: str, rng: random.Random) -> str:
    """One typing slip: a letter dropped, doubled, swapped with the next, or replaced."""
    if len(name) < 4:
        return name
    i = rng.randrange(1, len(name) - 1)
    kind = rng.choice(("drop", "double", "swap", "replace"))
    if kind == "drop":
        return name[:i] + name[i + 1 :]
    if kind == "double":
        return name[:i] + name[i] + name[i:]
    if kind == "swap":
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return name[:i] + rng.choice("aeiouy") + name[i + 1 :]


def given_as_typed(known: Known, rng: random.Random) -> str:
    first = known.given.split()[0]
    roll = rng.random()
    if roll < 0.12:
        nicknames = sorted(name_variants(clean_name(first)) - {clean_name(first)})
        if nicknames:
            return rng.choice(nicknames).title()
    if roll < 0.22:
        return misspell(first, rng)
    if roll < 0.32:
        return known.given
    return first


def family_as_typed(known: Known, rng: random.Random) -> str:
    family = known.family
    roll = rng.random()
    if roll < 0.10:
        return misspell(family, rng)
    if roll < 0.25:
        return family.upper()
    return family


def date_as_typed(born: date, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.06 and born.day <= 12 and born.day != born.month:
        return f"{born.month:02d}/{born.day:02d}/{born.year}"  # day and month swapped
    if roll < 0.5:
        return f"{born.day:02d}/{born.month:02d}/{born.year}"
    return born.isoformat()


def make_query(known: Known, shape: str, rng: random.Random) -> SearchQuery | None:
    given, family = given_as_typed(known, rng), family_as_typed(known, rng)
    born = known.born
    if shape == "names + exact date":
        return SearchQuery(
            given_names=given, family_name=family, date_of_birth=date_as_typed(born, rng)
        )
    if shape == "names + year":
        return SearchQuery(given_names=given, family_name=family, date_of_birth=str(born.year))
    if shape == "names + range":
        return SearchQuery(
            given_names=given,
            family_name=family,
            born_from=str(born.year - rng.randint(0, 1)),
            born_to=str(born.year + rng.randint(0, 1)),
        )
    if shape == "family + year":
        return SearchQuery(family_name=family, date_of_birth=str(born.year))
    if shape == "given + exact date":
        return SearchQuery(given_names=given, date_of_birth=date_as_typed(born, rng))
    if shape == "family + postcode" and known.postcode:
        return SearchQuery(family_name=family, postcode=known.postcode)
    if shape == "names + exact date + postcode" and known.postcode:
        return SearchQuery(
            given_names=given,
            family_name=family,
            date_of_birth=date_as_typed(born, rng),
            postcode=known.postcode,
        )
    if shape == "names only":
        return SearchQuery(given_names=given, family_name=family)
    if shape == "identifier" and known.identifiers:
        return SearchQuery(identifier=rng.choice(known.identifiers))
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("population", type=Path)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    manifest = json.loads((options.population / "manifest.json").read_text())
    today = date.fromisoformat(manifest["as_of"])
    known, truth = read_rows(options.population)
    rng = random.Random(options.seed)
    factory = db.session_factory()
    with factory() as session:
        registry.active_model(session)  # load the model once, as a running server has
        children_of: dict[int, set[str]] = defaultdict(set)
        for source, record_id, child_id in session.execute(
            select(SourceRecord.source, SourceRecord.record_id, SourceRecord.child_id)
        ):
            if (source, record_id) in truth:
                children_of[child_id].add(truth[(source, record_id)])
        session.rollback()
    shapes, weights = zip(*SHAPES, strict=True)
    timings: list[float] = []
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    while len(timings) < options.n:
        row = rng.choice(known)
        shape = rng.choices(shapes, weights)[0]
        try:
            query = make_query(row, shape, rng)
        except InvalidValue:
            tally[shape]["refused"] += 1
            continue
        if query is None:
            continue
        with factory() as session:
            started = time.perf_counter()
            outcome = search(session, query, today=today)
            timings.append((time.perf_counter() - started) * 1000)
            session.rollback()
        found = [row.child_key in children_of.get(r.child_id, ()) for r in outcome.results]
        counts = tally[shape]
        counts["queries"] += 1
        counts["too many"] += outcome.outcome is Outcome.TOO_MANY
        counts["found"] += any(found)
        counts["first"] += bool(found) and found[0]
        counts["results"] += len(outcome.results)
    timings.sort()
    print(
        f"{len(timings)} searches: median {statistics.median(timings):.1f} ms,"
        f" 95th percentile {timings[int(len(timings) * 0.95) - 1]:.1f} ms,"
        f" max {timings[-1]:.1f} ms"
    )
    total: Counter[str] = sum(tally.values(), Counter())
    print(_line("all", total))
    for shape in shapes:
        if tally[shape]["queries"]:
            print(_line(shape, tally[shape]))


def _line(name: str, counts: Counter[str]) -> str:
    n = counts["queries"]
    return (
        f"  {name:32} {n:5d} queries: true child found {counts['found'] / n:6.1%},"
        f" first {counts['first'] / n:6.1%}, too many {counts['too many'] / n:5.1%},"
        f" mean results {counts['results'] / n:4.1f}"
        + (f", refused {counts['refused']}" if counts["refused"] else "")
    )


if __name__ == "__main__":
    main()
