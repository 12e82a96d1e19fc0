"""Fitness tests: the shape of the code that keeps it easy to change safely."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from contactpoint.web import routes
from contactpoint.web.auth import current_user

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
    if in_layer(path, "web", "cli", "__main__"):  # ``python -m contactpoint`` runs the CLI
        return
    assert not any(
        name.startswith(("contactpoint.cli", "contactpoint.web")) for name in imports_of(path)
    )


PURE_MODULES = (
    [
        p
        for p in MODULES
        if p.name in ("parse.py", "fields.py", "facts.py", "golden.py", "identifiers.py")
    ]
    + sorted((PACKAGE / "synth").rglob("*.py"))
    + sorted((PACKAGE / "matching").rglob("*.py"))
    + sorted((PACKAGE / "feeds" / "sources").rglob("*.py"))
    + [PACKAGE / "evaluation" / "metrics.py", PACKAGE / "evaluation" / "febrl.py"]
    + sorted((PACKAGE / "kinds").rglob("*.py"))
    + [PACKAGE / "access" / "policy.py", PACKAGE / "audit" / "actions.py"]
    + [PACKAGE / "audit" / "misuse.py"]
)
DATABASE = ("sqlalchemy", "contactpoint.db", "psycopg")


@pytest.mark.parametrize("path", PURE_MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_pure_modules_touch_no_database(path: Path) -> None:
    assert not any(name.startswith(DATABASE) for name in imports_of(path))


@pytest.mark.parametrize("path", PURE_MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_pure_module_loads_no_database_even_through_what_it_imports(path: Path) -> None:
    """Imported alone in a fresh interpreter, a pure module loads neither SQLAlchemy nor
    the database module: one that imported an ORM module only for an enumeration would
    load both (the direct-import test above cannot see that)."""
    name = ".".join(path.with_suffix("").relative_to(PACKAGE.parent).parts)
    script = (
        f"import importlib, sys; importlib.import_module({name.removesuffix('.__init__')!r}); "
        f"print(sorted(m for m in sys.modules if m.startswith({DATABASE!r})))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert loaded.stdout.strip() == "[]"


def test_the_import_contracts_hold() -> None:
    """``.importlinter``: pure modules load no database code through anything they
    import, nothing below the edges imports the web, the CLI or their frameworks, and
    each package imports only the layers below its own (docs/architecture.md) — imports
    inside functions included."""
    checked = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=PACKAGE.parent.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-2000:]


def package_of(module: str) -> str:
    """``contactpoint.children.store`` and ``contactpoint.children`` are ``children``."""
    return module.split(".")[1] if module.count(".") else module


def package_imports() -> dict[str, set[str]]:
    """Each package of ``contactpoint`` (a top-level module counts as one) and the other
    packages it imports, at module level or inside a function."""
    graph: dict[str, set[str]] = {}
    for path in MODULES:
        own = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        found = graph.setdefault(own, set())
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "contactpoint":
                names = [f"contactpoint.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            found.update(
                package_of(name)
                for name in names
                if name.startswith("contactpoint.") and package_of(name) != own
            )
    return graph


def a_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph (its packages in import order), or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for other in sorted(graph.get(node, ())):
            if cycle := visit(other, [*path, node]):
                return cycle
        done.add(node)
        return None

    return next((c for node in sorted(graph) if (c := visit(node, []))), None)


def test_the_package_graph_has_no_cycle() -> None:
    """Packages import one another one way only: the layers import-linter holds are
    a consequence, and this says which packages close a cycle if one comes back."""
    assert a_cycle(package_imports()) is None


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"children": {"audit"}, "review": {"linkage"}, "linkage": {"children", "review"}}
    assert a_cycle(graph) == ["linkage", "review", "linkage"]
    assert a_cycle({"records": {"children"}, "children": set()}) is None


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_import_inside_a_function_reaches_the_package_itself(path: Path) -> None:
    """Imports inside functions are for heavy third-party libraries only (Splink,
    recordlinkage, uvicorn: loaded by the commands that use them); an import of the
    service's own modules inside a function would be hiding a cycle."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom):
                    assert not (inner.module or "").startswith("contactpoint"), node.name
                elif isinstance(inner, ast.Import):
                    assert not any(a.name.startswith("contactpoint") for a in inner.names)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_dialects_module_tells_the_databases_apart(path: Path) -> None:
    """PostgreSQL and SQLite differ in one place (``contactpoint.dialects``); everything
    else asks it, so the next difference has one home."""
    if path.relative_to(PACKAGE).as_posix() != "dialects.py":
        assert ".dialect.name" not in path.read_text()


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_refusals_are_written_to_the_audit_trail_in_one_place(path: Path) -> None:
    """Every refused action's entry goes through ``audit.service.record_refusal`` (the
    refusing service, and the web layer when the request rolled back): no module writes
    an entry with the refused outcome by hand."""
    if path.relative_to(PACKAGE).as_posix() != "audit/service.py":
        assert "outcome=REFUSED" not in path.read_text()
        assert "outcome=audit.REFUSED" not in path.read_text()


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


# The modules that may import Splink (and DuckDB), and why.
SPLINK_MODULES = {
    "matching/train.py": "training the model",
    "matching/engines.py": "set-based scoring on DuckDB or Spark",
    "evaluation/baseline.py": "the Splink baseline the matcher is measured beside",
}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_training_module_imports_splink(path: Path) -> None:
    if path.relative_to(PACKAGE).as_posix() in SPLINK_MODULES:
        return
    assert not any(name.startswith(("splink", "duckdb", "pyspark")) for name in imports_of(path))


# Routes anyone may reach, and why; every other route needs a signed-in user.
PUBLIC_ROUTES = {
    "/healthz": "the load balancer's liveness check",
    "/readyz": "the load balancer's readiness check",
    "/metrics": "Prometheus scrapes it: counts by route template and queue, no personal data",
    "/sign-in": "signing in",
    "/sign-in/code": "signing in: the second factor",
    "/api/v1/feeds/{source}": "source systems: a scoped API token, checked by the route",
}


def _web_routes() -> list[tuple[str, APIRoute]]:
    found = []
    for module in pkgutil.iter_modules(routes.__path__):
        loaded = importlib.import_module(f"{routes.__name__}.{module.name}")
        for value in vars(loaded).values():
            if isinstance(value, APIRouter):
                found.extend(
                    (module.name, route) for route in value.routes if isinstance(route, APIRoute)
                )
    return found


def _calls(dependant: Dependant) -> Iterator[object]:
    yield dependant.call
    for dependency in dependant.dependencies:
        yield from _calls(dependency)


@pytest.mark.parametrize(
    "route", [r for _, r in _web_routes()], ids=[f"{m}:{r.path}" for m, r in _web_routes()]
)
def test_every_route_needs_a_signed_in_user_unless_it_says_why_not(route: APIRoute) -> None:
    """Who may do what is the policy's (``access.policy``), asked by the services; a
    route's part is to know who is asking — through the ``CurrentUser`` dependency, or
    by doing its work inside ``web.auth.signed_in`` — and a route that needs no
    signed-in user is listed above with the reason."""
    signed_in = current_user in set(_calls(route.dependant)) or (
        "await signed_in(request, " in inspect.getsource(route.endpoint)
    )
    assert signed_in or route.path in PUBLIC_ROUTES, f"{route.path} does not ask who is asking"


def test_the_framework_adds_no_route_of_its_own() -> None:
    """Security review S14: FastAPI serves the OpenAPI document itself, outside the
    routers above, asking no one who is asking. The service turns that off and serves
    the document from ``routes.api_docs``, to signed-in users: the framework must add no
    route (static files are mounts, not routes)."""
    from starlette.routing import Mount, Route

    from contactpoint.web.app import create_app

    ours = {route.path for _, route in _web_routes()}
    added = [
        route.path
        for route in create_app().routes
        if isinstance(route, Route)
        and not isinstance(route, (APIRoute, Mount))
        and route.path not in ours
    ]
    assert added == []
