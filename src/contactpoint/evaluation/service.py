"""Evaluating ContactPoint's matcher on a labelled dataset, beside a Splink baseline.

``evaluate`` does what an operator would, and scores the outcome against the truth:

1. checks the dataset: its truth names the child of every row, record ids are distinct;
2. takes a fresh database — a new SQLite file in ``work`` unless a URL is given —
   refusing one that holds anything, and builds the schema with the real migrations;
3. loads each file through the real feed pipeline (``feeds.pipeline.load_file``, the
   ``local`` source) in a unit of work of its own, as ``contactpoint feed load`` does,
   with the active model (the shipped one, in a fresh database), timed;
4. reads back the child of every source record (as ``contactpoint match export`` does),
   the open review tasks, and the dates of birth the loader left out. A row the loader
   refused has no source record: it counts as refused, and as a cluster of its own;
5. scores that clustering (``metrics.py``) and links the same rows of the same files
   with the Splink baseline (``baseline.py``) to score it the same way.

Two more ContactPoint results on request, each scored the same way: a ``candidate``
model (a model document: loaded into a second fresh SQLite index in ``work``, with the
candidate registered and active before the load), for comparing it with the active one
before ``match activate``; and ``retrain``: the loaded index retrained on itself
(``match train --activate``) and re-decided (``match relink``), as an operator adapting
to a new source would.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from contactpoint import db, migrate
from contactpoint.errors import Conflict
from contactpoint.evaluation import store
from contactpoint.evaluation.baseline import BaselineFailed, cluster
from contactpoint.evaluation.datasets import DatasetRequest, materialise
from contactpoint.evaluation.labelled import SOURCE, LabelledSet, RowKey, check
from contactpoint.evaluation.metrics import Scores, score, with_singletons
from contactpoint.feeds.pipeline import configured_thresholds, load_file
from contactpoint.linkage import registry
from contactpoint.linkage import store as match_store
from contactpoint.matching.train import train
from contactpoint.review import relink

LOADED_BY = "evaluation"
CONTACTPOINT = "ContactPoint"
SPLINK = "Splink 5 baseline"
# The baseline's seed for random sampling: fixed, so a run can be repeated exactly.
BASELINE_SEED = 1


class DatabaseNotEmpty(Conflict):
    """The database given for an evaluation already holds data; nothing was changed."""


@dataclass(frozen=True, slots=True)
class SystemResult:
    """How one system clustered the dataset's rows. ``seconds``: ContactPoint's load of
    every file (matching included), or the baseline's training, prediction and
    clustering. The rest are ContactPoint's alone (``None`` for the baseline)."""

    system: str
    scores: Scores
    seconds: float
    rows_refused: int | None = None
    open_review_tasks: int | None = None
    review_tasks_per_1000_rows: float | None = None
    dates_of_birth_left_out: int | None = None
    compared: tuple[str, ...] = ()


CANDIDATE = "ContactPoint, candidate model"
RETRAINED = "ContactPoint after match train + match relink"


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One dataset's evaluation: both systems over the same rows."""

    dataset: str
    description: str
    database: str
    today: date
    rows: int
    entities: int
    pairs_true: int
    contactpoint: SystemResult
    baseline: SystemResult | None
    # Why the baseline has no result although it was asked for (Splink could not train).
    baseline_failure: str | None = None
    # ContactPoint with a candidate model, or retrained and relinked (on request).
    variants: tuple[SystemResult, ...] = ()


def evaluate(
    labelled: LabelledSet,
    *,
    work: Path,
    database_url: str | None = None,
    baseline: bool = True,
    candidate: dict[str, Any] | None = None,
    retrain: bool = False,
) -> Evaluation:
    """Load ``labelled`` into a fresh index, score the matcher against the truth and,
    with ``baseline``, the Splink baseline on the same rows."""
    rows, truth = check(labelled)
    variants: list[SystemResult] = []
    engine = db.make_engine(database_url or f"sqlite:///{work / 'index.db'}")
    try:
        prepare(engine)
        contactpoint = _result(engine, CONTACTPOINT, truth, load(engine, labelled))
        database = engine.url.get_backend_name()
        if retrain:
            variants.append(_result(engine, RETRAINED, truth, train_and_relink(engine)))
    finally:
        engine.dispose()
    if candidate is not None:
        variants.insert(0, _with_candidate(labelled, truth, work, candidate))
    splink, failure = run_baseline(rows, truth) if baseline else (None, None)
    return Evaluation(
        dataset=labelled.name,
        description=labelled.description,
        database=database,
        today=labelled.today,
        rows=len(truth),
        entities=contactpoint.scores.entities,
        pairs_true=contactpoint.scores.pairs_true,
        contactpoint=contactpoint,
        baseline=splink,
        baseline_failure=failure,
        variants=tuple(variants),
    )


def _result(engine: Engine, system: str, truth: dict[RowKey, str], seconds: float) -> SystemResult:
    """Score the index ``engine`` holds: the child of every row, and the open tasks."""
    with db.unit_of_work(engine, read_only=True) as session:
        placed = store.clusters(session)
        tasks = store.open_review_tasks(session)
        dates_left_out = store.dates_of_birth_left_out(session)
    loaded = len(placed)
    return SystemResult(
        system,
        score(with_singletons(placed, truth), truth),
        seconds,
        rows_refused=len(truth.keys() - placed.keys()),
        open_review_tasks=tasks,
        review_tasks_per_1000_rows=1000 * tasks / loaded if loaded else 0.0,
        dates_of_birth_left_out=dates_left_out,
    )


def _with_candidate(
    labelled: LabelledSet, truth: dict[RowKey, str], work: Path, document: dict[str, Any]
) -> SystemResult:
    engine = db.make_engine(f"sqlite:///{work / 'candidate.db'}")
    try:
        prepare(engine)
        with db.unit_of_work(engine) as session:
            version = registry.save(session, document, by=LOADED_BY, activate=True)
        return _result(engine, f"{CANDIDATE} {version}", truth, load(engine, labelled))
    finally:
        engine.dispose()


def train_and_relink(engine: Engine) -> float:
    """``match train --activate`` then ``match relink`` on the index; the seconds taken."""
    started = time.perf_counter()
    with db.unit_of_work(engine) as session:
        records = match_store.all_records(session)
        previous = registry.active_model(session).document
        document = train(records, version=f"retrained-{len(records)}", seed=1, previous=previous)
        registry.save(session, document, by=LOADED_BY, activate=True)
        run_id = relink.start(session, actor=LOADED_BY).id
        model = relink.model_for(session, run_id)
    finished = False
    while not finished:
        with db.unit_of_work(engine) as session:
            finished = relink.step(session, run_id, thresholds=configured_thresholds(), model=model)
    return time.perf_counter() - started


def run_baseline(
    rows: list[dict[str, str]], truth: dict[RowKey, str]
) -> tuple[SystemResult | None, str | None]:
    """The Splink baseline's result on ``rows``, or why Splink could not train on them."""

    try:
        run = cluster(rows, seed=BASELINE_SEED)
    except BaselineFailed as failed:
        return None, str(failed)
    clustered = {(SOURCE, record_id): label for record_id, label in run.clusters.items()}
    result = SystemResult(
        SPLINK, score(with_singletons(clustered, truth), truth), run.seconds, compared=run.compared
    )
    return result, None


def prepare(engine: Engine) -> None:
    """Refuse a database that holds anything; build or upgrade an empty one's schema."""
    tables = store.table_names(engine)
    if tables and not {"alembic_version", "feed_runs"} <= tables:
        raise DatabaseNotEmpty(
            f"the database holds {len(tables)} tables and is not a ContactPoint index:"
            " evaluate on an empty database"
        )
    if tables:
        with db.unit_of_work(engine, read_only=True) as session:
            runs, records = store.rows_loaded_before(session)
        if runs or records:
            raise DatabaseNotEmpty(
                f"the database already holds {runs} feed runs and {records} source records:"
                " evaluate on an empty database (a new --work directory, or another --database)"
            )
    migrate.upgrade(engine)


def load(engine: Engine, labelled: LabelledSet) -> float:
    """Load each file of ``labelled`` in its own unit of work; the seconds taken in all."""
    seconds = 0.0
    for path in labelled.files:
        started = time.perf_counter()
        with db.unit_of_work(engine) as session:
            load_file(
                session,
                source_name=SOURCE,
                path=path,
                loaded_by=LOADED_BY,
                today=labelled.today,
                oldest_age_years=labelled.oldest_age_years,
            )
        seconds += time.perf_counter() - started
    return seconds


def evaluate_dataset(
    request: DatasetRequest,
    *,
    work: Path | None = None,
    database_url: str | None = None,
    baseline: bool = True,
    candidate: dict[str, Any] | None = None,
    retrain: bool = False,
) -> Evaluation:
    """Write the requested dataset and evaluate it. Its files (and the SQLite index, when
    no database is given) go to ``work``, or to a temporary directory removed afterwards."""
    options: dict[str, Any] = {
        "database_url": database_url, "baseline": baseline, "candidate": candidate,
        "retrain": retrain,
    }  # fmt: skip
    if work is not None:
        work.mkdir(parents=True, exist_ok=True)
        return evaluate(materialise(request, work / "dataset"), work=work, **options)
    with tempfile.TemporaryDirectory(prefix="contactpoint-evaluation-") as temporary:
        labelled = materialise(request, Path(temporary) / "dataset")
        return evaluate(labelled, work=Path(temporary), **options)
