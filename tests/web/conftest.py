"""A client of the whole web application, on each test database (``committed_engine``)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from contactpoint import db
from contactpoint.feeds import pipeline
from contactpoint.kinds.access import Role
from contactpoint.web.app import create_app
from tests.builders import write_feed
from tests.people import active_user, sign_in

LoadLocal = Callable[[list[dict[str, Any]]], None]


@pytest.fixture
def client(committed_engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app()) as test_client:
        yield test_client


@pytest.fixture
def signed_in(client: TestClient) -> TestClient:
    """The client, signed in as a practitioner and data manager of Leeds."""
    with db.unit_of_work() as session:
        user = active_user(session, "dana.manager", Role.PRACTITIONER, Role.DATA_MANAGER)
        secret = user.totp_secret
    assert secret
    sign_in(client, "dana.manager", secret)
    return client


@pytest.fixture
def load_local(committed_engine: Engine, tmp_path: Path) -> LoadLocal:
    """Load rows as one ``local`` file, through the pipeline and committed as the CLI does."""

    def load(rows: list[dict[str, Any]]) -> None:
        path = write_feed(tmp_path / "local.csv", "local", rows)
        with db.unit_of_work() as session:
            pipeline.load_file(session, source_name="local", path=path, loaded_by="test")

    return load


def page_text(page: str) -> str:
    """The words a reader sees: tags and scripts removed, white space collapsed."""
    without_scripts = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", without_scripts)).split())
