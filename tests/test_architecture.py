"""Fitness tests: the shape of the code that keeps it easy to change safely."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "src" / "contactpoint"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def in_layer(path: Path, *layers: str) -> bool:
    relative = path.relative_to(PACKAGE).parts
    return relative[0] in layers or relative[0].removesuffix(".py") in layers


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_nothing_below_the_web_layer_imports_web_frameworks(path: Path) -> None:
    if in_layer(path, "web", "cli"):
        return
    web = {"fastapi", "starlette", "jinja2", "uvicorn"}
    assert not {name.split(".")[0] for name in imports_of(path)} & web


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_domain_code_never_imports_the_cli_or_the_web_layer(path: Path) -> None:
    if in_layer(path, "web", "cli"):
        return
    assert not any(
        name.startswith(("contactpoint.cli", "contactpoint.web")) for name in imports_of(path)
    )


@pytest.mark.parametrize(
    "path",
    [
        p
        for p in MODULES
        if p.name in ("parse.py", "fields.py", "facts.py", "golden.py", "identifiers.py")
    ]
    + sorted((PACKAGE / "synth").rglob("*.py"))
    + sorted((PACKAGE / "matching").rglob("*.py")),
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_pure_modules_touch_no_database(path: Path) -> None:
    assert not any(
        name.startswith(("sqlalchemy", "contactpoint.db", "psycopg")) for name in imports_of(path)
    )


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_unit_of_work_commits(path: Path) -> None:
    if path.name == "db.py":
        return
    assert ".commit()" not in path.read_text()


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_module_says_what_it_is_for_and_fits_in_one_sitting(path: Path) -> None:
    source = path.read_text()
    if source.strip():
        assert ast.get_docstring(ast.parse(source)), "module docstring missing"
    assert source.count("\n") <= 400


def test_no_catch_all_modules() -> None:
    names = {p.stem for p in MODULES}
    assert not names & {"utils", "helpers", "manager", "misc", "common"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_training_module_imports_splink(path: Path) -> None:
    if path.relative_to(PACKAGE).as_posix() == "matching/train.py":
        return
    assert not any(name.startswith(("splink", "duckdb")) for name in imports_of(path))
