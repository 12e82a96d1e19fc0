"""A data manager's decisions from the command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from contactpoint.cli import app
from tests.builders import birth, nhs_number, nhs_record, write_feed

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def children() -> dict[str, int]:
    counts: dict[str, int] = json.loads(run("stats", "--json")[1])["children"]
    return counts


def raise_a_task(tmp_path: Path) -> str:
    """Load a birth and a conflicting NHS record of the same child; the task's id."""
    same_home = {"address": birth(1)["address"], "postcode": birth(1)["postcode"]}
    run("feed", "load", "gro-births", str(write_feed(tmp_path / "b.csv", "gro-births", [birth(1)])))
    conflicting = nhs_record(1, nhs_number=nhs_number(99), **same_home)
    path = write_feed(tmp_path / "n.csv", "nhs-demographics", [conflicting])
    _code, output = run("feed", "load", "nhs-demographics", str(path))
    assert "1 review task" in output, output
    (task,) = json.loads(run("review", "list", "--json")[1])
    assert (task["kind"], task["why"]) == ("rule_stopped", "conflicting nhs number")
    return str(task["task"])


def test_a_data_manager_links_a_task_and_can_undo_it(
    committed_engine: Engine, tmp_path: Path
) -> None:
    task = raise_a_task(tmp_path)
    code, output = run("review", "show", task)
    assert code == 0 and "nhs_number" in output and "different" in output
    code, output = run("review", "link", task, "--reason", "same child: NHS duplicate record")
    assert code == 0, output
    merge_id = re.search(r"as merge (\d+)", output).group(1)  # type: ignore[union-attr]
    assert (children()["total"], children()["merged"]) == (1, 1)
    code, output = run("review", "link", task, "--reason", "again")
    assert code == 1 and "already" in output
    code, output = run("unmerge", merge_id, "--reason", "linked in error")
    assert code == 0, output
    assert (children()["total"], children()["merged"]) == (2, 0)


def test_a_data_manager_keeps_a_pair_apart(committed_engine: Engine, tmp_path: Path) -> None:
    task = raise_a_task(tmp_path)
    code, output = run("review", "separate", task, "--reason", "different children: checked")
    assert code == 0, output
    assert json.loads(run("review", "list", "--json")[1]) == []
    assert children()["total"] == 2


def test_merging_a_child_into_itself_is_refused(committed_engine: Engine, tmp_path: Path) -> None:
    run("feed", "load", "gro-births", str(write_feed(tmp_path / "b.csv", "gro-births", [birth(1)])))
    code, output = run("match", "export", "--out", str(tmp_path / "links.csv"))
    cp_id = (tmp_path / "links.csv").read_text().splitlines()[1].split(",")[2]
    code, output = run("merge", cp_id, cp_id, "--reason", "test")
    assert code == 1 and "itself" in output
