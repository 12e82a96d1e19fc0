from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError

from contactpoint import db
from contactpoint.errors import (
    ContactPointError,
    FileRefused,
    InvalidValue,
    NotFound,
    SourceSuspended,
    UnknownSource,
)
from contactpoint.feeds import control
from contactpoint.kinds.access import Role
from contactpoint.logs import TextFormatter
from contactpoint.migrate import SchemaNotReady
from contactpoint.tables.feeds import FeedSourceState
from contactpoint.web.app import create_app
from contactpoint.web.deps import SessionDep
from tests.people import active_user, sign_in
from tests.web.conftest import page_text

ERRORS: dict[str, tuple[ContactPointError, int]] = {
    "unknown-source": (UnknownSource("unknown source 'x': use one of local"), 404),
    "not-found": (NotFound("no child CP-0000-0000-00"), 404),
    "suspended": (SourceSuspended("births.csv", "source 'gro-births' is suspended"), 409),
    "refused": (FileRefused("births.csv", "the column date_of_birth is missing"), 422),
    "invalid": (InvalidValue("postcode", "XX", "not a UK postcode"), 422),
    "schema": (SchemaNotReady("the database has no schema"), 503),
    "other": (ContactPointError("onboarding of new users is closed"), 400),
}


def fails_on_the_way_out() -> Iterator[None]:
    yield
    raise RuntimeError("after the commit")


def app_that_raises() -> FastAPI:
    app = create_app()

    @app.get("/raise/{name}")
    @app.get("/api/v1/raise/{name}")
    def raise_error(name: str) -> None:
        raise ERRORS[name][0]

    @app.get("/crash")
    @app.get("/api/v1/crash")
    def crash() -> None:
        raise RuntimeError("password=hunter2")

    @app.get("/database-down")
    @app.get("/api/v1/database-down")
    def database_down() -> None:
        # What the driver raises when the server is gone (its words can quote values).
        raise OperationalError("SELECT 1", {}, Exception("server closed: Jayden Okafor"))

    @app.get("/number/{n}")
    @app.get("/api/v1/number/{n}")
    def number(n: int) -> int:
        return n

    @app.post("/suspend-then-fail")
    def suspend_then_fail(session: SessionDep) -> None:
        control.suspend(session, "gro-births", by="test")
        raise SourceSuspended("x.csv", "refused after the change")

    @app.post("/suspend")
    def suspend(session: SessionDep) -> None:
        control.suspend(session, "gro-births", by="test")

    @app.post("/suspend-then-crash")
    def suspend_then_crash(session: SessionDep) -> None:
        control.suspend(session, "gro-births", by="test")
        raise RuntimeError("after the change")

    # Dependencies end in reverse order: this one fails once the unit of work committed.
    @app.post("/suspend-then-fail-after-commit")
    def suspend_then_fail_after_commit(
        _: Annotated[None, Depends(fails_on_the_way_out, scope="function")],
        session: SessionDep,
    ) -> None:
        control.suspend(session, "gro-births", by="test")

    return app


@pytest.fixture
def raising(committed_engine: Engine) -> Iterator[TestClient]:
    with TestClient(app_that_raises(), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.mark.parametrize("name", ERRORS)
def test_a_domain_error_in_the_api_answers_json_with_its_status(
    raising: TestClient, name: str
) -> None:
    error, status = ERRORS[name]

    response = raising.get(f"/api/v1/raise/{name}")

    assert response.status_code == status
    assert response.json() == {"detail": str(error)}


@pytest.mark.parametrize("name", ERRORS)
def test_a_domain_error_on_a_page_shows_its_message_on_a_gov_uk_error_page(
    raising: TestClient, name: str
) -> None:
    error, status = ERRORS[name]

    response = raising.get(f"/raise/{name}")

    assert response.status_code == status
    assert 'class="govuk-template"' in response.text
    assert str(error) in page_text(response.text)


def test_an_unexpected_error_shows_the_problem_page_and_nothing_of_the_error(
    raising: TestClient,
) -> None:
    response = raising.get("/crash", headers={"X-Request-ID": "lb-0123456789"})

    assert response.status_code == 500
    assert response.headers["x-request-id"] == "lb-0123456789"
    text = page_text(response.text)
    assert "Sorry, there is a problem with the service" in text
    assert "hunter2" not in response.text
    assert response.headers["x-frame-options"] == "DENY"
    assert "nonce-" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"


def test_an_unexpected_error_in_the_api_answers_json_with_its_reference(
    raising: TestClient,
) -> None:
    response = raising.get("/api/v1/crash")

    assert response.status_code == 500
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])
    assert "hunter2" not in response.text
    assert response.json() == {
        "detail": "Internal Server Error",
        "reference": response.headers["x-request-id"],
        "saved": False,
    }


def test_the_problem_page_gives_the_reference_that_finds_the_log_line(
    raising: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.setFormatter(TextFormatter())  # the service's own log lines
    response = raising.get("/crash")

    reference = response.headers["x-request-id"]
    assert reference in page_text(response.text)
    assert any(reference in line for line in caplog.text.splitlines()), caplog.text


@pytest.mark.parametrize("path", ["/database-down", "/api/v1/database-down"])
def test_a_database_out_of_reach_answers_503_with_when_to_try_again(
    raising: TestClient, path: str
) -> None:
    # Issue 18, item 8: a database outage answered 500, as if the service were broken.
    response = raising.get(path)

    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"
    assert response.headers["connection"] == "close"
    assert "Try again in a minute" in response.text and "Jayden" not in response.text


def test_a_failure_is_one_log_line_with_its_reference_and_the_connection_is_closed(
    raising: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    # Issue 18, item 8: after a 500 the server dropped the kept-alive connection without
    # a word (the client's next request: "connection reset by peer"), and each failure
    # logged two tracebacks.
    caplog.set_level("INFO")
    response = raising.get("/crash")

    assert response.status_code == 500 and response.headers["connection"] == "close"
    failures = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(failures) == 1 and failures[0].exc_info is None
    assert failures[0].getMessage() == "unexpected error on GET /crash: RuntimeError"
    assert "hunter2" not in caplog.text
    # The request log counted it as what it was.
    assert any("GET /crash 500" in r.getMessage() for r in caplog.records)


def test_a_failure_before_the_commit_says_nothing_was_saved_and_nothing_was(
    raising: TestClient,
) -> None:
    response = raising.post("/suspend-then-crash")

    assert response.status_code == 500
    assert "nothing from it was saved" in page_text(response.text)
    with db.unit_of_work() as session:
        assert session.scalar(select(FeedSourceState)) is None


def test_a_failure_after_the_commit_says_what_was_done_was_saved(raising: TestClient) -> None:
    response = raising.post("/suspend-then-fail-after-commit")

    assert response.status_code == 500
    with db.unit_of_work() as session:
        assert session.scalar(select(FeedSourceState.suspended)) is True
    assert "What you just did was saved" in page_text(response.text)


def test_an_invalid_address_shows_an_error_page_but_the_api_lists_the_problems(
    raising: TestClient,
) -> None:
    # Anonymous: who is asking comes first, whatever is wrong with the address.
    assert raising.get("/api/v1/number/twelve").status_code == 401
    assert raising.get("/number/twelve", follow_redirects=False).status_code == 303
    with db.unit_of_work() as session:
        secret = active_user(session, "pat.practitioner", Role.PRACTITIONER).totp_secret
    assert secret
    sign_in(raising, "pat.practitioner", secret)

    page = raising.get("/number/twelve")
    answer = raising.get("/api/v1/number/twelve")

    assert page.status_code == 400
    assert "There is a problem with your request" in page_text(page.text)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["path", "n"]


def test_a_method_a_page_does_not_allow_shows_an_error_page(client: TestClient) -> None:
    response = client.post("/")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert "This page cannot be used that way" in page_text(response.text)


def test_a_request_that_succeeds_is_committed(raising: TestClient) -> None:
    assert raising.post("/suspend").status_code == 200

    with db.unit_of_work() as session:
        assert session.scalar(select(FeedSourceState.suspended)) is True


def test_a_request_that_fails_changes_nothing(raising: TestClient) -> None:
    assert raising.post("/suspend-then-fail").status_code == 409

    with db.unit_of_work() as session:
        assert session.scalar(select(FeedSourceState)) is None
