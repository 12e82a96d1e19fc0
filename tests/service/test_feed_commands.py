"""The feed commands as an operator runs them: exit codes, messages, committed state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from contactpoint import db
from contactpoint.children import store
from contactpoint.cli import app
from contactpoint.feeds.pipeline import load_file
from tests.builders import birth, local_row, nhs_record, snapshot, write_feed

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def stats() -> dict[str, object]:
    code, output = run("stats", "--json")
    assert code == 0, output
    return json.loads(output)  # type: ignore[no-any-return]


def test_a_clean_load_exits_zero_and_reports_its_counts(
    committed_engine: Engine, tmp_path: Path
) -> None:
    path = write_feed(tmp_path / "b.csv", "gro-births", [birth(1), birth(2)])
    code, output = run("feed", "load", "gro-births", str(path), "--today", "2026-11-01")
    assert code == 0, output
    assert "new children 2" in output
    assert stats()["children"] == {  # type: ignore[comparison-overlap]
        "total": 2,
        "active": 2,
        "deceased": 0,
        "archived": 0,
        "destroyed": 0,
        "merged": 0,
        "closed": 0,
        "incomplete": 0,
    }


def test_reloading_a_file_leaves_stats_unchanged(committed_engine: Engine, tmp_path: Path) -> None:
    path = write_feed(tmp_path / "b.csv", "gro-births", [birth(1), birth(2)])
    run("feed", "load", "gro-births", str(path))
    before = stats()
    code, output = run("feed", "load", "gro-births", str(path))
    assert code == 0 and "already loaded" in output
    assert stats() == before


def test_rejected_rows_exit_three_with_a_report_naming_line_and_field(
    committed_engine: Engine, tmp_path: Path
) -> None:
    rows = [birth(1), birth(2, given_names=""), birth(3, nhs_number="9434765918")]
    path = write_feed(tmp_path / "b.csv", "gro-births", rows)
    code, output = run("feed", "load", "gro-births", str(path))
    assert code == 3, output
    assert "1 row(s) rejected" in output
    assert "1 row(s) loaded with an invalid value left out" in output
    report = next((tmp_path / "var" / "reports").glob("feed-run-*-exceptions.csv"))
    lines = report.read_text().splitlines()
    assert lines[0] == "line,record_id,field,reason,outcome"
    assert lines[1].startswith("3,2015/LDS/00002,given_names,") and lines[1].endswith(",refused")
    assert lines[2].startswith("4,2015/LDS/00003,nhs_number,")
    assert lines[2].endswith(",loaded without value")
    # The rejected value itself is never written to the report.
    assert "9434765918" not in report.read_text()


def test_an_exception_report_lost_after_the_commit_is_written_again_from_the_database(
    committed_engine: Engine, tmp_path: Path
) -> None:
    # Issue 18, item 6: killed just after the commit, the load left no report, and the
    # same file again said only "already loaded": the report was lost for good.
    rows = [birth(1), birth(2, given_names=""), birth(3, nhs_number="9434765918")]
    path = write_feed(tmp_path / "b.csv", "gro-births", rows)
    assert run("feed", "load", "gro-births", str(path))[0] == 3
    (report,) = (tmp_path / "var" / "reports").glob("feed-run-*-exceptions.csv")
    written = report.read_text()
    report.unlink()
    code, output = run("feed", "load", "gro-births", str(path))
    assert code == 0 and "already loaded" in output and "written again" in output, output
    assert report.read_text() == written
    report.unlink()
    run_id = report.name.split("-")[2]
    code, output = run("feed", "report", run_id)
    assert code == 0 and report.read_text() == written, output
    assert run("feed", "report", "999")[0] == 1


def test_values_left_out_exit_three_though_every_row_loaded(
    committed_engine: Engine, tmp_path: Path
) -> None:
    path = write_feed(tmp_path / "b.csv", "gro-births", [birth(1), birth(2, postcode="AL7 REF")])
    code, output = run("feed", "load", "gro-births", str(path))
    assert code == 3, output
    assert stats()["children"]["total"] == 2  # type: ignore[index]
    assert "rejected 0, loaded with values left out 1" in output


def test_a_broken_file_exits_one_and_leaves_stats_unchanged(
    committed_engine: Engine, tmp_path: Path
) -> None:
    run("feed", "load", "local", str(write_feed(tmp_path / "ok.csv", "local", [local_row(1)])))
    before = stats()
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"record_id,given_names\nL9,Amy\nL10")
    code, output = run("feed", "load", "local", str(broken))
    assert code == 1
    assert "broken.csv (row 3)" in output
    assert stats() == before


def test_strict_refuses_a_file_with_any_bad_row(committed_engine: Engine, tmp_path: Path) -> None:
    path = write_feed(tmp_path / "b.csv", "gro-births", [birth(1), birth(2, gender="Q")])
    code, output = run("feed", "load", "gro-births", str(path), "--strict")
    assert code == 1 and "--strict" in output
    assert stats()["children"]["total"] == 0  # type: ignore[index]


def test_an_unknown_source_is_a_usage_error(committed_engine: Engine, tmp_path: Path) -> None:
    code, output = run("feed", "load", "hmrc", str(tmp_path / "x.csv"))
    assert code == 2 and "unknown source" in output


def test_a_missing_file_is_refused(committed_engine: Engine, tmp_path: Path) -> None:
    code, output = run("feed", "load", "local", str(tmp_path / "nowhere.csv"))
    assert code == 1 and "cannot be read" in output


def test_suspend_refuses_a_source_and_resume_accepts_it_again(
    committed_engine: Engine, tmp_path: Path
) -> None:
    path = write_feed(tmp_path / "n.csv", "nhs-demographics", [nhs_record(1)])
    assert run("feed", "suspend", "nhs-demographics", "--reason", "scaled down")[0] == 0
    code, output = run("feed", "load", "nhs-demographics", str(path))
    assert code == 1 and "suspended" in output
    code, output = run("feed", "status", "--json")
    states = {s["source"]: s for s in json.loads(output)}
    assert states["nhs-demographics"]["suspended"] is True
    assert states["nhs-demographics"]["reason"] == "scaled down"
    assert states["gro-births"]["continues_when_scaled_down"] is True
    assert run("feed", "resume", "nhs-demographics")[0] == 0
    assert run("feed", "load", "nhs-demographics", str(path))[0] == 0


def test_a_failure_part_way_through_a_load_leaves_nothing_behind(
    committed_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("feed", "load", "local", str(write_feed(tmp_path / "ok.csv", "local", [local_row(1)])))
    with committed_engine.connect() as connection:
        before = snapshot(connection)

    def crash(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "insert_facts", crash)
    path = write_feed(tmp_path / "b.csv", "gro-births", [birth(1), birth(2)])
    with pytest.raises(RuntimeError), db.unit_of_work(committed_engine) as session:
        load_file(session, source_name="gro-births", path=path, loaded_by="test")
    with committed_engine.connect() as connection:
        assert snapshot(connection) == before


def test_commands_on_a_database_without_a_schema_say_how_to_create_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from contactpoint.settings import get_settings

    monkeypatch.setenv("CONTACTPOINT_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    try:
        code, output = run("stats")
        assert code == 1 and "contactpoint db upgrade" in output
        assert run("db", "upgrade")[0] == 0
        assert run("stats", "--json")[0] == 0
    finally:
        get_settings.cache_clear()
        db.get_engine.cache_clear()
