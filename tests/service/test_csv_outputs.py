"""Every CSV the service writes for people neutralises cells a spreadsheet would take for
a formula (issue 18, item 5; OWASP's advice on CSV injection): the exception report, the
links export, a trace and the decommissioning export."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from contactpoint.cli import app
from contactpoint.spreadsheets import safe_cell
from tests.builders import local_row, write_feed

LINK = '=HYPERLINK("http://evil.example/","x")'
DDE = "+cmd|' /C calc'!A0"
runner = CliRunner()


def cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


def dangerous(found: list[str]) -> list[str]:
    return [c for c in found if c.startswith(("=", "+", "@", "\t", "\r"))]


def test_a_cell_a_spreadsheet_would_run_is_written_as_text() -> None:
    for formula in (LINK, "@SUM(A1)", "+1+1", "-2+3", "\t=1", "\r=1"):
        assert safe_cell(formula) == f"'{formula}"
    # The service's own numbers, and ordinary values, are as they were.
    for value in ("-3.25", "12", "+44", "rec-1-dup-0", "O'Brien", ""):
        assert safe_cell(value) == value


def test_feeds_exports_and_traces_carry_no_formula(
    committed_engine: Engine, tmp_path: Path
) -> None:
    rows = [
        local_row(1, record_id="@SUM(A1)"),
        local_row(2, record_id=LINK, given_names="", family_name=""),  # refused: no name
        local_row(3, record_id=DDE, date_of_birth=LINK),  # its date left out
    ]
    feed = write_feed(tmp_path / "local.csv", "local", rows)
    answer = runner.invoke(app, ["feed", "load", "local", str(feed)])
    assert answer.exit_code == 3, answer.output
    (report,) = (tmp_path / "var" / "reports").glob("feed-run-*-exceptions.csv")
    assert LINK not in (written := cells(report)) and f"'{LINK}" in written
    assert dangerous(written) == []

    links = tmp_path / "links.csv"
    assert runner.invoke(app, ["match", "export", "--out", str(links)]).exit_code == 0
    assert "'@SUM(A1)" in (written := cells(links)) and f"'{DDE}" in written
    assert dangerous(written) == []

    traced = tmp_path / "traced.csv"
    answer = runner.invoke(app, ["trace", str(feed), "--out", str(traced)])
    assert answer.exit_code == 0, answer.output
    assert dangerous(cells(traced)) == []
