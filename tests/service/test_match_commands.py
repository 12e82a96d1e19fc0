"""Matching from the command line: export, explain, trace, train and model files."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, select
from typer.testing import CliRunner

from contactpoint import db
from contactpoint.cli import app
from contactpoint.kinds.children import ChildStatus
from contactpoint.tables.children import Child
from tests.builders import birth, local_row, nhs_record, snapshot, write_feed

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def cp_ids(engine: Engine) -> list[str]:
    with db.unit_of_work(engine) as session:
        return list(session.scalars(select(Child.cp_id).order_by(Child.id)))


def test_export_names_the_child_of_every_source_record(
    committed_engine: Engine, tmp_path: Path
) -> None:
    run("feed", "load", "gro-births", str(write_feed(tmp_path / "b.csv", "gro-births", [birth(1)])))
    run(
        "feed",
        "load",
        "nhs-demographics",
        str(write_feed(tmp_path / "n.csv", "nhs-demographics", [nhs_record(1)])),
    )
    code, output = run("match", "export", "--out", str(tmp_path / "links.csv"))
    assert code == 0, output
    rows = list(csv.DictReader((tmp_path / "links.csv").open()))
    assert [r["source"] for r in rows] == ["gro-births", "nhs-demographics"]
    assert {r["cp_id"] for r in rows} == set(cp_ids(committed_engine))


def test_explain_shows_each_fields_contribution(committed_engine: Engine, tmp_path: Path) -> None:
    births = [birth(1), birth(2)]
    run("feed", "load", "gro-births", str(write_feed(tmp_path / "b.csv", "gro-births", births)))
    first, second = cp_ids(committed_engine)
    code, output = run("match", "explain", first, "gro-births:2015/LDS/00002")
    assert code == 0, output
    for comparison in ("given_name", "family_name", "date_of_birth", "nhs_number"):
        assert comparison in output
    assert "match weight" in output and second not in output
    assert run("match", "explain", first, "CP-0000-0000-0")[0] == 1


def test_trace_matches_a_list_without_changing_the_index(
    committed_engine: Engine, tmp_path: Path
) -> None:
    run(
        "feed",
        "load",
        "local",
        str(write_feed(tmp_path / "l.csv", "local", [local_row(1), local_row(2)])),
    )
    with committed_engine.connect() as connection:
        before = snapshot(connection)
    traced = write_feed(
        tmp_path / "t.csv",
        "local",
        [
            local_row(1, record_id="T1"),
            local_row(
                7,
                record_id="T2",
                given_names="Priya",
                family_name="Sharma",
                date_of_birth="2011-02-03",
                postcode="E1 6AN",
            ),
            local_row(3, record_id="T3", given_names="", family_name=""),
        ],
    )
    code, output = run("trace", str(traced), "--out", str(tmp_path / "out.csv"))
    assert code == 0, output
    rows = {r["record_id"]: r for r in csv.DictReader((tmp_path / "out.csv").open())}
    assert (
        rows["T1"]["decision"] == "matched" and rows["T1"]["cp_id"] == cp_ids(committed_engine)[0]
    )
    assert rows["T2"]["decision"] == "no match" and rows["T2"]["cp_id"] == ""
    assert rows["T3"]["decision"].startswith("rejected: given_names")
    with committed_engine.connect() as connection:
        assert snapshot(connection) == before


def test_training_on_too_little_data_is_refused(committed_engine: Engine, tmp_path: Path) -> None:
    run("feed", "load", "local", str(write_feed(tmp_path / "l.csv", "local", [local_row(1)])))
    code, output = run("match", "train")
    assert code == 1 and "too few" in output


def test_a_model_file_from_another_version_is_refused(
    committed_engine: Engine, tmp_path: Path
) -> None:
    old = tmp_path / "old-model.json"
    old.write_text(json.dumps({"format": "contactpoint-match-model/0", "version": "x"}))
    code, output = run("match", "load-model", str(old))
    assert code == 1 and "this version reads" in output
    code, output = run("match", "models")
    assert code == 0 and "x" not in output.split()


def one_child_loaded_as_two(
    tmp_path: Path, settings_env: Callable[[str, str | None], None]
) -> None:
    """Sofia and "Sofai", loaded by a model that links almost nothing: two children."""
    settings_env("CONTACTPOINT_MATCH_LINK_THRESHOLD", "60")
    settings_env("CONTACTPOINT_MATCH_REVIEW_THRESHOLD", "50")
    rows = [local_row(1), local_row(1, record_id="L1b", given_names="Sofai")]
    assert run("feed", "load", "local", str(write_feed(tmp_path / "l.csv", "local", rows)))[0] == 0
    settings_env("CONTACTPOINT_MATCH_LINK_THRESHOLD", None)
    settings_env("CONTACTPOINT_MATCH_REVIEW_THRESHOLD", None)


def test_relink_redecides_the_index_in_a_run_that_can_be_listed_and_undone(
    committed_engine: Engine, tmp_path: Path, settings_env: Callable[[str, str | None], None]
) -> None:
    one_child_loaded_as_two(tmp_path, settings_env)
    assert len(cp_ids(committed_engine)) == 2

    code, output = run("match", "relink", "--chunk", "1")

    assert code == 0, output
    assert "re-decided 1 children" in " ".join(output.split()) and "1 children merged" in output
    run_id = output.split("Relink run ")[1].split()[0]  # PostgreSQL's ids go on across tests
    code, output = run("match", "relinks")
    assert code == 0 and f"Run {run_id}: finished" in output
    code, output = run("match", "relink", "--undo", run_id)
    assert code == 2 and "--reason" in output
    code, output = run("match", "relink", "--undo", run_id, "--reason", "checking")
    assert code == 0 and "1 changes put back" in output, output
    with db.unit_of_work(committed_engine) as session:
        assert set(session.scalars(select(Child.status))) == {ChildStatus.ACTIVE}
    code, output = run("match", "relink", "--undo", "999999", "--reason", "x")
    assert code == 1 and "no relink run" in output


def test_relink_finds_its_candidates_set_based_on_duckdb_when_asked(
    committed_engine: Engine, tmp_path: Path, settings_env: Callable[[str, str | None], None]
) -> None:
    one_child_loaded_as_two(tmp_path, settings_env)

    # As an operator runs it, in a process of its own: Splink's chatter stays off.
    cli = Path(sys.executable).with_name("contactpoint")
    done = subprocess.run(
        [str(cli), "match", "relink", "--engine", "duckdb"], capture_output=True, text=True
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 children merged" in done.stdout
    assert "Blocking time" not in done.stdout + done.stderr
    with db.unit_of_work(committed_engine) as session:
        statuses = sorted(session.scalars(select(Child.status)))
    assert statuses == sorted([ChildStatus.ACTIVE, ChildStatus.MERGED])
    code, output = run("match", "relink", "--engine", "sparkle")
    assert code == 2 and "--engine must be one of online, duckdb, spark" in output


def test_trying_a_model_on_the_index_says_what_it_would_change_and_keeps_nothing(
    committed_engine: Engine, tmp_path: Path, settings_env: Callable[[str, str | None], None]
) -> None:
    one_child_loaded_as_two(tmp_path, settings_env)
    with committed_engine.connect() as connection:
        before = snapshot(connection)
    active = before["match_models"][0][0]

    code, output = run("match", "relink", "--try", active)

    assert code == 0, output
    assert "nothing kept" in output and "1 children merged" in output
    with committed_engine.connect() as connection:
        assert snapshot(connection) == before
    assert run("match", "relink", "--try", "no-such-model")[0] == 1
