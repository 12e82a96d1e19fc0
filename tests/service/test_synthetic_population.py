"""A whole synthetic population through every feed, as `make demo` loads it."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from contactpoint.feeds.pipeline import load_file
from contactpoint.stats import index_counts
from contactpoint.synth import SOURCES, generate
from tests.builders import load_population, snapshot

AS_OF = date(2026, 11, 1)


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, children=800, seed=11, as_of=AS_OF)
    return out


def test_every_source_file_loads_rejecting_only_the_rows_made_invalid(
    session: Session, population: Path
) -> None:
    rows_in_file = {}
    for source in SOURCES:
        path = population / f"{source}.csv"
        with path.open(encoding="utf-8") as handle:
            rows_in_file[source] = sum(1 for _ in csv.DictReader(handle))
        result = load_file(session, source_name=source, path=path, loaded_by="test", today=AS_OF)
        assert result.run.rows_read == rows_in_file[source]
        assert result.run.rejected == len({e.line for e in result.errors})
    counts = index_counts(session)
    loaded = sum(counts["source_records"][s] for s in SOURCES)
    rejected = sum(rows_in_file.values()) - loaded
    assert 0 <= rejected <= 0.01 * sum(rows_in_file.values())
    assert counts["children"]["deceased"] > 0
    assert counts["children"]["total"] >= 800


def test_reloading_every_file_of_a_population_changes_nothing(
    session: Session, population: Path
) -> None:
    load_population(session, population, AS_OF)
    before = snapshot(session)
    assert all(result.already_loaded for result in load_population(session, population, AS_OF))
    assert snapshot(session) == before
