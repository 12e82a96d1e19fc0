"""Writing a synthetic population's source files, ground truth and manifest.

``generate`` is deterministic: the same (children, seed, as_of) gives byte-identical
files, because every random draw comes from a ``random.Random`` seeded from the seed and
a fixed stage name, no Faker instance is called (only its static word lists are read),
and nothing iterates over an unordered collection.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from random import Random

from contactpoint.synth import families, involvement, lives
from contactpoint.synth.errors import INVALID_KINDS, Recorder
from contactpoint.synth.geography import lay_out_streets, load_geography
from contactpoint.synth.names import NameBook
from contactpoint.synth.population import Population, Progress
from contactpoint.synth.sampling import chance
from contactpoint.synth.services import set_up_services
from contactpoint.synth.sources import HEADERS, SOURCES, WRITERS, Row, Rows


@dataclass(frozen=True)
class SynthSummary:
    """What ``generate`` wrote: rows per source and recording errors per source and kind."""

    seed: int
    as_of: date
    children: int
    rows: Mapping[str, int]
    errors: Mapping[str, Mapping[str, int]]
    invalid_rows: Mapping[str, Mapping[str, int]]
    population: Mapping[str, int] = field(default_factory=dict)

    @property
    def error_totals(self) -> dict[str, int]:
        """Errors of each kind over all sources."""
        totals: dict[str, int] = {}
        for counts in self.errors.values():
            for kind, count in counts.items():
                totals[kind] = totals.get(kind, 0) + count
        return dict(sorted(totals.items()))


@dataclass(frozen=True)
class LocalFile:
    """What ``generate_local`` wrote."""

    path: Path
    truth: Path
    rows: int
    errors: Mapping[str, int]


def build_population(
    *, children: int, seed: int, as_of: date, progress: Progress | None = None
) -> Population:
    """The population of ``children`` children under 18 on ``as_of`` for ``seed``."""
    if children < 1:
        raise ValueError("children must be at least 1")
    names = NameBook()
    geography = load_geography()
    lay_out_streets(Random(f"{seed}:streets"), geography, children)
    services = set_up_services(Random(f"{seed}:services"), geography, names, children)
    made = families.make_families(
        Random(f"{seed}:families"), names, geography, children=children, as_of=as_of,
        progress=progress,
    )  # fmt: skip
    people = [child for family in made for child in family.children]
    census = lives.census_date(as_of)
    lives.live(Random(f"{seed}:lives"), names, made, services, as_of, census)
    unborn = involvement.involve(
        Random(f"{seed}:involvement"), names, people, made, services, geography, as_of
    )
    if progress is not None:
        progress("population", children, children)
    return Population(
        children, seed, as_of, census, geography, services, names, made, people, unborn
    )


def generate(
    out: Path,
    *,
    children: int,
    seed: int,
    as_of: date,
    progress: Progress | None = None,
) -> SynthSummary:
    """Write ``out/<source>.csv`` for every source, ``out/truth.csv`` and
    ``out/manifest.json`` for a population of ``children`` children."""
    population = build_population(children=children, seed=seed, as_of=as_of, progress=progress)
    out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = {}
    errors: dict[str, dict[str, int]] = {}
    invalid: dict[str, dict[str, int]] = {}
    truth: list[tuple[str, str, str]] = []
    for index, source in enumerate(SOURCES):
        rec = Recorder(
            source,
            Random(f"{seed}:{source}"),
            population.names,
            as_of=as_of,
            day_first=source == "dwp-child-benefit",
        )
        written = WRITERS[source](population, rec)
        _write_csv(out / f"{source}.csv", HEADERS[source], written)
        truth += [(source, row["record_id"], key) for row, key in written]
        rows[source] = len(written)
        errors[source] = dict(sorted(rec.errors.items()))
        invalid[source] = {kind: rec.invalid[kind] for kind in INVALID_KINDS if kind in rec.invalid}
        if progress is not None:
            progress("sources", index + 1, len(SOURCES))
    with (out / "truth.csv").open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(("source", "record_id", "child_key"))
        writer.writerows(truth)
    summary = SynthSummary(
        seed=seed,
        as_of=as_of,
        children=children,
        rows=rows,
        errors=errors,
        invalid_rows=invalid,
        population=population.facts(),
    )
    manifest = {
        "seed": seed,
        "as_of": as_of.isoformat(),
        "children": children,
        "census_date": population.census_date.isoformat(),
        "rows": rows,
        "errors": errors,
        "error_totals": summary.error_totals,
        "invalid_rows": invalid,
        "population": summary.population,
    }
    (out / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return summary


def generate_local(
    out: Path,
    *,
    children: int,
    seed: int,
    as_of: date,
    rows: int = 200,
    local_seed: int = 0,
) -> LocalFile:
    """Write ``out/local.csv`` (the ``local`` feed format) about ``rows`` children of the
    same population as ``generate(children, seed, as_of)``, and ``out/local-truth.csv``.

    A local partner (a youth service, a GP federation, a school trust) knows a child's
    name and usually the date of birth; sometimes an NHS number or UPN; often nothing
    else. No invalid rows: the file is for tracing, and the errors are recording errors.
    """
    population = build_population(children=children, seed=seed, as_of=as_of)
    rng = Random(f"{seed}:local:{local_seed}")
    rec = Recorder("local", rng, population.names, as_of=as_of)
    living = [c for c in population.people if c.alive_on(as_of)]
    chosen = rng.sample(living, min(rows, len(living)))
    written: Rows = []
    for number, child in enumerate(chosen, start=1):
        given, family = rec.noise(
            rec.given_names(child.given_names), rec.family_name(rec.family_name_of(child, as_of))
        )
        home = rec.address_of(child, as_of)
        born = rec.write_date(rec.date_of_birth(child.date_of_birth, as_of))
        if chance(rng, 0.03):
            rec.count("missing_date_of_birth")
            born = ""
        row: Row = {
            "record_id": f"L{number:06d}",
            "given_names": given,
            "family_name": family,
            "date_of_birth": born,
            "gender": rec.gender(child.sex),
            "postcode": rec.postcode(home.postcode),
            "address": rec.address(home),
            "nhs_number": child.nhs_number if chance(rng, 0.4) else "",
            "upn": child.upn if chance(rng, 0.3) else "",
        }
        written.append((row, child.key))
    path, truth = write_local_file(out, written)
    return LocalFile(path, truth, len(written), dict(sorted(rec.errors.items())))


def write_local_file(out: Path, written: Rows) -> tuple[Path, Path]:
    """Write ``out/local.csv`` and its truth ``out/local-truth.csv``, in ``written``'s order."""
    out.mkdir(parents=True, exist_ok=True)
    path, truth = out / "local.csv", out / "local-truth.csv"
    _write_csv(path, HEADERS["local"], written)
    with truth.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(("source", "record_id", "child_key"))
        writer.writerows(("local", row["record_id"], key) for row, key in written)
    return path, truth


def _write_csv(path: Path, header: tuple[str, ...], rows: Rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows([row[column] for column in header] for row, _ in rows)
