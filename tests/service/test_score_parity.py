"""Bulk scoring (Splink on DuckDB, and on Spark) and online scoring (our scorer) agree
on every pair.

The records are the index's own, loaded through the feeds into each database and read
back; Splink scores the blocked pairs with the shipped model's parameters and term
frequencies; the online scorer must give the same weight for each of them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from contactpoint.feeds.pipeline import standardise_rows
from contactpoint.feeds.sources import get_source
from contactpoint.linkage import registry
from contactpoint.linkage import store as match_store
from contactpoint.linkage.registry import shipped_document
from contactpoint.matching.engines import EngineUnavailable, bulk_scores, local_spark
from contactpoint.matching.record import match_record
from contactpoint.synth import generate
from tests.builders import load_population
from tests.conftest import IN_CI

AS_OF = date(2026, 11, 1)


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("parity")
    generate(out, children=1200, seed=23, as_of=AS_OF)
    return out


def test_bulk_and_online_scoring_give_the_same_weight_for_every_pair(
    session: Session, population: Path
) -> None:
    load_population(session, population, AS_OF)
    records = {r.uid: r for r in match_store.all_records(session)}
    model = registry.active_model(session)
    pairs = bulk_scores(model.document, list(records.values()))
    assert len(pairs) >= 1000
    sample = random.Random(1).sample(pairs, 1500) if len(pairs) > 1500 else pairs
    differences = [
        abs(model.weight(records[left], records[right]) - weight) for left, right, weight in sample
    ]
    assert max(differences) < 1e-9
    # The sample spans the range of scores, not only certain matches.
    weights = sorted(weight for _l, _r, weight in sample)
    assert weights[0] < 0 < weights[-1]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """A Spark session in local mode; without Java a skip, or under CI a failure (a real
    component missing, like every other)."""
    try:
        session = local_spark(cores=2, memory="1g")
    except EngineUnavailable as missing:
        if IN_CI:
            pytest.fail(f"{missing} (CI=true)")
        pytest.skip(str(missing))
    yield session
    session.stop()


def test_spark_scores_every_blocked_pair_as_duckdb_does(population: Path, spark: Any) -> None:
    # The engine a national re-link spreads over a cluster, here in local mode on a few
    # hundred children's records (read from the files: the engines need no database).
    checked = standardise_rows(
        get_source("nhs-demographics"),
        (population / "nhs-demographics.csv").read_bytes(),
        file_name="nhs-demographics.csv",
        today=AS_OF,
    )
    births = standardise_rows(
        get_source("gro-births"),
        (population / "gro-births.csv").read_bytes(),
        file_name="gro-births.csv",
        today=AS_OF,
    )
    facts = [row.facts for row in (*checked.rows[:400], *births.rows[:400])]
    records = [match_record(uid, fact) for uid, fact in enumerate(facts)]
    document = shipped_document()
    on_duckdb = {(left, right): weight for left, right, weight in bulk_scores(document, records)}
    on_spark = bulk_scores(document, records, engine="spark", spark=spark)
    assert len(on_duckdb) >= 100
    assert min(on_duckdb.values()) < 0 < max(on_duckdb.values())
    assert {(left, right) for left, right, _w in on_spark} == set(on_duckdb)
    assert max(abs(on_duckdb[(left, right)] - weight) for left, right, weight in on_spark) < 1e-9
