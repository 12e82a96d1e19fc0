"""A relink whose candidates are found set-based — every record blocked and scored at once
by Splink on DuckDB, or on Spark — reaches the same children as a relink that looks each
record's keys up in the index (issue 17, deliver 3: the bulk path and the online path),
on SQLite and PostgreSQL.

The index is one an old model built — every source of a synthetic population loaded with
strict thresholds, or with records then moved into strangers' children as chained links
leave them — so the relink has real work: children to merge, records to move. Each path
relinks it; an undo between them puts the index back.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.feeds.pipeline import load_file, standardise_rows
from contactpoint.feeds.sources import get_source
from contactpoint.linkage.registry import shipped_document
from contactpoint.matching.decide import Thresholds
from contactpoint.matching.engines import EngineUnavailable, bulk_scores, local_spark
from contactpoint.matching.keys import BULK_BLOCKING, blocking_keys, search_keys
from contactpoint.matching.record import MatchRecord, match_record
from contactpoint.review import relink, relink_engines, relink_undo
from contactpoint.review.merge import move_records, rebuild
from contactpoint.synth import SOURCES, generate
from contactpoint.synth.messy import generate_messy
from contactpoint.tables.children import SourceRecord
from tests.conftest import IN_CI

AS_OF = date(2026, 11, 1)
ACTIVE = Thresholds(link=3.0, review=-3.0, margin=5.0)  # the service's defaults
STRICT = Thresholds(link=14.0, review=9.0, margin=5.0)  # an old model: too little linked
# Every source that describes children (a small population's deaths file may be empty).
FILES = tuple(source for source in SOURCES if source != "gro-deaths")


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("relink-engines")
    generate(out, children=400, seed=31, as_of=AS_OF)
    return out


def file_records(directory: Path, sources: tuple[str, ...]) -> list[MatchRecord]:
    facts = []
    for source in sources:
        checked = standardise_rows(
            get_source(source),
            (directory / f"{source}.csv").read_bytes(),
            file_name=f"{source}.csv",
            today=AS_OF,
        )
        facts += [row.facts for row in checked.rows]
    return [match_record(uid, fact) for uid, fact in enumerate(facts)]


def key_pairs(records: list[MatchRecord]) -> set[tuple[int, int]]:
    """Pairs as the online matcher finds them: one record's search key, the other's
    blocking key."""
    filed: dict[str, set[int]] = defaultdict(set)
    for record in records:
        for key in blocking_keys(record):
            filed[key].add(record.uid)
    return {
        (min(uid, record.uid), max(uid, record.uid))
        for record in records
        for key in search_keys(record)
        for uid in filed.get(key, ())
        if uid != record.uid
    }


def sql_pairs(records: list[MatchRecord], **engine: Any) -> set[tuple[int, int]]:
    scored = bulk_scores(shipped_document(), records, blocking=BULK_BLOCKING, **engine)
    return {(left, right) for left, right, _weight in scored}


def test_blocking_in_sql_finds_exactly_the_pairs_the_keys_find(
    population: Path, tmp_path: Path
) -> None:
    children = file_records(population, FILES)
    generate_messy(tmp_path, people=150, seed=8, as_of=AS_OF, identifier_rate=0.3)
    messy = file_records(tmp_path, ("local",))
    for records in (children, messy):
        expected = key_pairs(records)
        assert len(expected) > 2 * len(records) / 3
        assert sql_pairs(records) == expected


def partition(session: Session) -> set[frozenset[int]]:
    """The index's children as sets of source records."""
    held: dict[int, set[int]] = defaultdict(set)
    for record_id, child_id in session.execute(select(SourceRecord.id, SourceRecord.child_id)):
        held[child_id].add(record_id)
    return {frozenset(records) for records in held.values()}


def relinked(session: Session, partners: relink.Partners | None) -> tuple[Any, ...]:
    run_id = relink.start(session, actor="cli:ops").id
    model = relink.model_for(session, run_id)
    while not relink.step(
        session, run_id, thresholds=ACTIVE, chunk=150, model=model, partners=partners
    ):
        pass
    state = relink.progress(session, run_id)
    return run_id, partition(session), (state.moved, state.founded, state.merged, state.left)


def chained(session: Session, count: int = 30) -> None:
    """What an old model's chains leave: a record of each of ``count`` children in a
    stranger's child."""
    held: dict[int, list[int]] = defaultdict(list)
    for record_id, child_id in session.execute(
        select(SourceRecord.id, SourceRecord.child_id).order_by(SourceRecord.id)
    ):
        held[child_id].append(record_id)
    several = sorted(child for child, records in held.items() if len(records) > 1)
    pick = random.Random(5)
    for child in pick.sample(several, count):
        stranger = pick.choice([other for other in several if other != child])
        move_records(session, [held[child][-1]], stranger, {})
        rebuild(session, [child, stranger])


@pytest.mark.parametrize("old", ["strict", "chained"])
def test_a_relink_on_duckdb_reaches_the_children_an_online_relink_does(
    session: Session, population: Path, old: str
) -> None:
    # An index an old model built: one that linked too little (children left as two),
    # or one whose chains put records in strangers' children.
    for source in FILES:
        load_file(
            session, source_name=source, path=population / f"{source}.csv", loaded_by="test",
            today=AS_OF, thresholds=STRICT if old == "strict" else ACTIVE,
        )  # fmt: skip
    if old == "chained":
        chained(session)
    before = partition(session)
    run_id, online, online_counts = relinked(session, None)
    relink_undo.undo(session, run_id, actor="cli:ops", reason="the other path")
    assert partition(session) == before

    run = relink.start(session, actor="cli:ops")
    model = relink.model_for(session, run.id)
    partners = relink_engines.partners(session, model, engine="duckdb")
    _run_id, on_duckdb, duckdb_counts = relinked(session, partners)

    moved, _founded, merged, _left = online_counts
    assert online != before  # the relink had work to do
    assert merged >= 10 if old == "strict" else moved >= 25
    assert on_duckdb == online
    assert duckdb_counts == online_counts


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """Spark in local mode; without Java a skip, or under CI a failure."""
    try:
        session = local_spark(cores=2, memory="1g")
    except EngineUnavailable as missing:
        if IN_CI:
            pytest.fail(f"{missing} (CI=true)")
        pytest.skip(str(missing))
    yield session
    session.stop()


def test_a_relink_finds_the_same_candidates_on_spark_as_on_duckdb(
    session: Session, population: Path, spark: Any
) -> None:
    # The engine a national relink spreads over a cluster, in local mode on a small index.
    for source in ("gro-births", "nhs-demographics"):
        load_file(
            session, source_name=source, path=population / f"{source}.csv", loaded_by="test",
            today=AS_OF, thresholds=STRICT,
        )  # fmt: skip
    run = relink.start(session, actor="cli:ops")
    model = relink.model_for(session, run.id)
    on_duckdb = relink_engines.partners(session, model, engine="duckdb")
    on_spark = relink_engines.partners(session, model, engine="spark", spark=spark)
    assert on_duckdb.pairs > 300
    assert dict(on_spark) == dict(on_duckdb)
