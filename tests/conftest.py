"""Test databases: SQLite and PostgreSQL, built once per worker by the real migrations.

Any test that asks for ``engine`` or ``session`` runs once on each database. ``session``
rolls back after the test; ``committed_engine`` is for tests that commit (the CLI, the web
app) and empties every table afterwards. With ``CI=true`` an unreachable PostgreSQL fails
the run instead of skipping its tests.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, delete, text
from sqlalchemy.orm import Session

from contactpoint import db, migrate
from contactpoint.settings import get_settings
from contactpoint.tables import Base
from contactpoint.tables.audit import lift_guard, restore_guard

POSTGRES_ADMIN = os.environ.get(
    "CONTACTPOINT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() == "true"
# Cheap password hashes keep sign-in fast in tests (the service's defaults cost ~0.1 s).
os.environ.setdefault("CONTACTPOINT_ARGON2_MEMORY_KIB", "1024")
os.environ.setdefault("CONTACTPOINT_ARGON2_TIME_COST", "1")
# No background e-mail sender in the apps tests build in process: tests send the outbox
# themselves. The audit sealer runs as it does on the demo and in production.
os.environ.setdefault("CONTACTPOINT_EMAIL_SEND_INTERVAL_SECONDS", "0")
# Nor background daily jobs: tests run them when they mean to. (tests/server.py serves a
# real process with all three running, as the demo does.)
os.environ.setdefault("CONTACTPOINT_SIGNPOSTING_HOUSEKEEPING_HOURS", "0")
# No unusual hours for audit analytics (22:00-06:00 by default): a suite run at night
# must find what a daytime run finds. tests/unit/test_misuse.py tests the hours themselves.
os.environ.setdefault("CONTACTPOINT_AUDIT_NIGHT_START_HOUR", "0")
os.environ.setdefault("CONTACTPOINT_AUDIT_NIGHT_END_HOUR", "0")
BACKENDS = ("sqlite", "postgresql")


# This run's own id, shared by its xdist workers: two runs on one machine (a second
# checkout, CI beside a developer) never touch each other's databases.
_RUN: dict[str, str] = {}
# The PostgreSQL databases this process made, dropped when its session ends.
_MADE: set[str] = set()


def pytest_configure(config: pytest.Config) -> None:
    worker_input = getattr(config, "workerinput", None)
    _RUN["id"] = worker_input["testrunuid"][:10] if worker_input else uuid.uuid4().hex[:10]


def _worker() -> str:
    """This worker of this run: part of every database name a test makes."""
    return f"{_RUN.get('id', 'run')}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def _admin(statement: str) -> None:
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(statement)  # type: ignore[arg-type]


def _postgres_url(name: str) -> str | None:
    """Create a fresh database ``name`` (dropped at the end of the session); None if
    PostgreSQL cannot be reached."""
    try:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _admin(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        if IN_CI:
            pytest.exit(f"PostgreSQL unreachable at {POSTGRES_ADMIN} with CI=true: {error}", 1)
        return None
    _MADE.add(name)
    base = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{name}"


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop this worker's databases: names unique to the run are never reused."""
    for name in sorted(_MADE):
        # A database still busy is left for the machine's owner; nothing depends on it.
        with contextlib.suppress(psycopg.Error):
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _MADE.clear()


def _reachable(url: str | None) -> str:
    """The URL, or skip: only outside CI, since ``_postgres_url`` exits under CI=true."""
    if url is None:
        pytest.skip("PostgreSQL is not reachable (set CI=true to make this an error)")
    return url


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | None]:
    sqlite_file = tmp_path_factory.mktemp("db") / f"contactpoint-{_worker()}.db"
    return {
        "sqlite": f"sqlite:///{sqlite_file}",
        "postgresql": _postgres_url(f"contactpoint_test_{_worker()}"),
    }


@pytest.fixture(scope="session", params=BACKENDS)
def engine(
    request: pytest.FixtureRequest, database_urls: dict[str, str | None]
) -> Iterator[Engine]:
    """A migrated database of each kind."""
    built = db.make_engine(_reachable(database_urls[request.param]))
    migrate.upgrade(built)
    yield built
    built.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work, commits included, is rolled back after the test."""
    connection = engine.connect()
    outer = connection.begin()
    with Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as test_session:
        yield test_session
    outer.rollback()
    connection.close()


@pytest.fixture
def committed_engine(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Engine]:
    """The database as the configured one, for code that commits; emptied afterwards."""
    monkeypatch.setenv("CONTACTPOINT_DATABASE_URL", engine.url.render_as_string(False))
    monkeypatch.setenv("CONTACTPOINT_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    yield engine
    # Close the app's own pool before forgetting it: an engine dropped from the cache
    # keeps its connections open until collected, and two test runs on one machine
    # then meet PostgreSQL's connection limit.
    db.get_engine().dispose()
    db.get_engine.cache_clear()
    get_settings.cache_clear()
    empty_all_tables(engine)


def empty_all_tables(engine: Engine) -> None:
    """Every table emptied and the rows the migrations seed put back. The audit log is
    append-only in the database, so its triggers are lifted for the moment (as only a
    database owner could) and restored."""
    with engine.begin() as connection:
        lift_guard(connection)
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(delete(table))
        restore_guard(connection)
        connection.execute(
            text(
                f"INSERT INTO audit_head (id, last_position, last_hash) VALUES (1, 0, '{'0' * 64}')"
            )
        )
        connection.execute(
            text("INSERT INTO national_policy (id, onboarding_open) VALUES (1, true)")
        )


@pytest.fixture
def process_index(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """A new, empty index for commands run as real processes: on PostgreSQL this
    worker's database (emptied after), on SQLite a file of its own — the worker's own
    file, open in this process throughout, is left to the tests that share it."""
    built = engine
    if engine.dialect.name == "sqlite":
        built = db.make_engine(f"sqlite:///{tmp_path / 'index.db'}")
        migrate.upgrade(built)
    monkeypatch.setenv("CONTACTPOINT_DATABASE_URL", built.url.render_as_string(False))
    monkeypatch.setenv("CONTACTPOINT_VAR_DIR", str(tmp_path / "var"))
    yield built
    if built is engine:
        empty_all_tables(engine)
    else:
        built.dispose()


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A new, empty database of each kind (no schema), for migration tests."""
    if request.param == "sqlite":
        url: str | None = f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        url = _postgres_url(f"contactpoint_empty_{_worker()}")
    built = db.make_engine(_reachable(url))
    yield built
    built.dispose()


@pytest.fixture
def settings_env() -> Iterator[Callable[[str, str | None], None]]:
    """Set (or, with None, remove) a ``CONTACTPOINT_*`` variable for one test; the
    settings are read afresh, and every variable and the settings are put back after."""
    saved: dict[str, str | None] = {}

    def put(name: str, value: str | None) -> None:
        saved.setdefault(name, os.environ.get(name))
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
        get_settings.cache_clear()

    yield put
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    get_settings.cache_clear()
