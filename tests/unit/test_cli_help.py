"""The top-level ``--help`` lists commands by name (issue 16: they came in the order
the code happened to register them)."""

from __future__ import annotations

from typer.testing import CliRunner

from contactpoint.cli import app


def test_the_commands_are_listed_by_name() -> None:
    shown = CliRunner().invoke(app, ["--help"], terminal_width=120).output
    listed = [
        line.split()[1]
        for line in shown.splitlines()
        if line.startswith("│ ") and line[2].isalpha()
    ]
    assert listed == sorted(listed) and {"feed", "match", "serve", "user"} <= set(listed)
