"""How a command fails (issue 18, items 7 and 9): one exit code per kind of failure and
one line saying it — never a traceback, which may hold a name — and a file no row of
which could be loaded is refused, not recorded as delivered."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from contactpoint import db
from contactpoint.cli import app, console
from contactpoint.cli.console import EXIT_INTERNAL, EXIT_REFUSED, EXIT_UNAVAILABLE
from contactpoint.feeds import pipeline
from contactpoint.tables.feeds import FeedRun
from tests.builders import local_row, write_feed


def command(*args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """``contactpoint ARGS`` as an operator runs it: a real process."""
    return subprocess.run(
        [sys.executable, "-m", "contactpoint", *args],
        capture_output=True,
        text=True,
        env=os.environ | environment,
        timeout=120,
    )


def test_an_unreachable_database_is_exit_4_in_one_line(tmp_path: Path) -> None:
    path = write_feed(tmp_path / "local.csv", "local", [local_row(1)])
    nobody = "postgresql+psycopg://postgres@127.0.0.1:1/contactpoint"  # nothing listens
    done = command("feed", "load", "local", str(path), CONTACTPOINT_DATABASE_URL=nobody)
    # 1 means "file refused": an operator's script must tell a crash from a refusal.
    assert done.returncode == EXIT_UNAVAILABLE, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "the database is unavailable" in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 2  # one line, wrapped at most once


def test_an_internal_error_is_exit_5_without_its_words_unless_debugging(
    committed_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("Jayden Okafor, born 2015-03-02")  # as a fault might quote

    monkeypatch.setattr(pipeline, "ingest", broken)
    path = write_feed(tmp_path / "local.csv", "local", [local_row(1)])
    runner = CliRunner()
    with runner.isolation() as (_out, errors, *_):
        code = console.run(app, ["feed", "load", "local", str(path)])
        said = errors.getvalue().decode()
    assert code == EXIT_INTERNAL
    assert "internal error (RuntimeError)" in said and "Jayden" not in said
    with pytest.raises(RuntimeError), runner.isolation():
        console.run(app, ["feed", "load", "local", str(path), "--debug"])


def test_a_file_no_row_of_which_loads_is_refused_and_a_corrected_one_then_loads(
    committed_engine: Engine, tmp_path: Path
) -> None:
    # No name at all: each row is refused (a garbled date would be left out instead).
    bad = [local_row(n, given_names="", family_name="") for n in (1, 2, 3)]
    path = write_feed(tmp_path / "local.csv", "local", bad)
    runner = CliRunner()
    for _ in range(2):  # and again: still refused, never "already loaded"
        answer = runner.invoke(app, ["feed", "load", "local", str(path)])
        assert answer.exit_code == EXIT_REFUSED, answer.output
        assert "no row could be loaded" in answer.output
    with db.unit_of_work(committed_engine, read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(FeedRun)) == 0
    write_feed(path, "local", [local_row(n) for n in (1, 2, 3)])
    answer = runner.invoke(app, ["feed", "load", "local", str(path)])
    assert answer.exit_code == 0, answer.output
