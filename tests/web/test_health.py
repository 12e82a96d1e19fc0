from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from contactpoint import db, migrate
from contactpoint.settings import get_settings
from contactpoint.web.app import create_app


@pytest.fixture
def database_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], TestClient]]:
    """Point the service at another database URL for one test."""

    def use(url: str) -> TestClient:
        monkeypatch.setenv("CONTACTPOINT_DATABASE_URL", url)
        get_settings.cache_clear()
        db.get_engine.cache_clear()
        return TestClient(create_app())

    yield use
    db.get_engine.cache_clear()
    get_settings.cache_clear()


def test_liveness_answers_without_a_database(database_at: Callable[[str], TestClient]) -> None:
    client = database_at("postgresql+psycopg://nobody@127.0.0.1:1/nothing")

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readiness_reports_the_schema_revision(
    client: TestClient, committed_engine: Engine
) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "database": "ok",
        "schema": migrate.head_revision(committed_engine),
    }


def test_readiness_fails_when_the_database_has_no_schema(
    database_at: Callable[[str], TestClient], tmp_path: Path
) -> None:
    client = database_at(f"sqlite:///{tmp_path / 'empty.db'}")

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["database"] == "ok"
    assert "has no schema" in body["reason"]
    assert "contactpoint db upgrade" in body["reason"]


def test_readiness_fails_without_naming_the_database_when_it_cannot_be_reached(
    database_at: Callable[[str], TestClient],
) -> None:
    client = database_at("postgresql+psycopg://secret_user@127.0.0.1:1/hidden")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    assert "secret_user" not in response.text
    assert "hidden" not in response.text
