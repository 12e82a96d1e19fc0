"""Loads started at the same time, as real ``contactpoint feed load`` processes on both
databases (issue 18, items 1–3): they take turns, and the index is the one loading them
one after the other makes; the same file sent twice at once is "already loaded"; two
loads into a new database both find the shipped model installed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, func, select

from contactpoint import db
from contactpoint.tables.children import Child
from contactpoint.tables.feeds import FeedRun
from contactpoint.tables.linkage import MatchModelVersion
from tests.builders import birth, local_row, nhs_record, write_feed
from tests.conftest import empty_all_tables

CHILDREN = range(1, 151)


def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A one-row local file, then two sources about the same 150 children."""
    first = write_feed(tmp_path / "local.csv", "local", [local_row(1)])
    births = write_feed(tmp_path / "births.csv", "gro-births", [birth(n) for n in CHILDREN])
    nhs = write_feed(tmp_path / "nhs.csv", "nhs-demographics", [nhs_record(n) for n in CHILDREN])
    return first, births, nhs


def start(source: str, path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "contactpoint", "feed", "load", source, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ),
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    output, _ = process.communicate(timeout=300)
    return process.returncode, output


def children(engine: Engine) -> int:
    with db.unit_of_work(engine, read_only=True) as session:
        return session.scalar(select(func.count()).select_from(Child)) or 0


def test_two_feeds_loaded_at_once_make_the_index_one_after_the_other_makes(
    process_index: Engine, tmp_path: Path
) -> None:
    first, births, nhs = files(tmp_path)
    for source, path in (("local", first), ("gro-births", births), ("nhs-demographics", nhs)):
        assert finish(start(source, path))[0] == 0
    one_after_the_other = children(process_index)
    empty_all_tables(process_index)

    assert finish(start("local", first))[0] == 0
    both = [start("gro-births", births), start("nhs-demographics", nhs)]
    answers = [finish(process) for process in both]
    assert [code for code, _ in answers] == [0, 0], answers
    # Before, each decided its rows against an index without the other's children:
    # 301 children, not 151.
    assert children(process_index) == one_after_the_other
    assert "Traceback" not in "".join(output for _, output in answers)


def test_the_same_file_sent_twice_at_once_is_loaded_once(
    process_index: Engine, tmp_path: Path
) -> None:
    # Into a new database (no model installed yet): the two loads also race to install
    # the shipped model, which one of them found already there before (UniqueViolation).
    _first, births, _nhs = files(tmp_path)
    with db.unit_of_work(process_index) as session:
        assert session.scalar(select(func.count()).select_from(MatchModelVersion)) == 0
    both = [start("gro-births", births), start("gro-births", births)]
    answers = [finish(process) for process in both]
    assert [code for code, _ in answers] == [0, 0], answers
    assert sum("already loaded" in output for _, output in answers) == 1, answers
    assert "Traceback" not in "".join(output for _, output in answers)
    with db.unit_of_work(process_index, read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(FeedRun)) == 1
    assert children(process_index) == len(CHILDREN)
