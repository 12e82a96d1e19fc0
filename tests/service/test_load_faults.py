"""Loads killed part way (issue 18's fault injection, small and quick; the long soak is
``bench/load_faults.py``): ``contactpoint feed load`` as a real process, killed with
SIGKILL at a random moment, then run again to the end, file after file — the index must
be exactly the one clean loads make, on both databases. A load is one transaction, so a
kill leaves nothing of it; the re-run loads it whole."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from contactpoint import db
from contactpoint.synth import generate
from contactpoint.tables.children import SourceRecord
from tests.conftest import empty_all_tables

AS_OF = date(2026, 6, 1)
FILES = ("gro-births", "nhs-demographics", "school-census")
Partition = frozenset[frozenset[tuple[str, str]]]


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("population")
    generate(out, children=120, seed=61, as_of=AS_OF)
    return out


def load(source: str, path: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "contactpoint", "feed", "load", source, str(path)]
    command += ["--today", AS_OF.isoformat()]
    return subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ)
    )


def children(engine: Engine) -> Partition:
    """The index as who is one child: each child's source records (IDs aside)."""
    with db.unit_of_work(engine, read_only=True) as session:
        rows = session.execute(
            select(SourceRecord.child_id, SourceRecord.source, SourceRecord.record_id)
        )
        grouped: dict[int, set[tuple[str, str]]] = {}
        for child_id, source, record_id in rows:
            grouped.setdefault(child_id, set()).add((source, record_id))
    return frozenset(frozenset(records) for records in grouped.values())


def test_loads_killed_at_random_then_run_again_make_the_index_clean_loads_make(
    process_index: Engine, population: Path
) -> None:
    for source in FILES:
        assert load(source, population / f"{source}.csv").wait(timeout=300) in (0, 3)
    clean = children(process_index)
    empty_all_tables(process_index)

    chance = random.Random(int(os.environ.get("CONTACTPOINT_FAULT_SEED", "20261206")))
    killed = 0
    for source in FILES:
        process = load(source, population / f"{source}.csv")
        # Somewhere between starting up and finishing: import, read, match, write, commit.
        time.sleep(chance.uniform(0.5, 3.5))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait(timeout=60)
        assert load(source, population / f"{source}.csv").wait(timeout=300) in (0, 3)
    assert killed, "no load was killed: the moments chosen were all too late"
    assert children(process_index) == clean
