"""``/metrics`` for Prometheus: open without sign-in, counts by route template (never an
ID or a query string), and the queues read from the database; requests carry an id."""

from __future__ import annotations

import io
import json
import logging
import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from contactpoint import db
from contactpoint.kinds.access import Role
from contactpoint.logs import JsonFormatter
from contactpoint.notify.service import notify
from tests.people import active_user


def test_metrics_count_requests_by_route_template_without_signing_in(
    client: TestClient, committed_engine: Engine
) -> None:
    client.get("/children/CP-7K3M-Q9XW-4", params={"reason": "Ava Walker"})
    client.get("/healthz")

    page = client.get("/metrics")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/plain")
    text = page.text
    assert re.search(
        r'contactpoint_http_requests_total\{method="GET",route="/children/\{cp_id\}",'
        r'status="\d+"\} \d',
        text,
    )
    assert re.search(
        r'contactpoint_http_request_duration_seconds_count\{method="GET",route="/healthz"\} \d',
        text,
    )
    assert "CP-7K3M" not in text and "Ava" not in text


def test_metrics_report_the_queues_from_the_database(
    client: TestClient, committed_engine: Engine
) -> None:
    with db.unit_of_work() as session:
        user = active_user(session, "pat.practitioner", Role.PRACTITIONER)
        notify(session, user, "reminder", "A reminder", "Renew your involvement.")

    text = client.get("/metrics").text

    assert "contactpoint_database_up 1.0" in text
    assert "contactpoint_emails_pending 1.0" in text
    assert "contactpoint_review_tasks_open 0.0" in text
    assert "contactpoint_contact_requests_open 0.0" in text
    assert "pat.practitioner" not in text and "example.org" not in text


def test_each_response_names_its_request_id(client: TestClient) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "lb-0123456789"})
    made = client.get("/healthz", headers={"X-Request-ID": "not plain; <script>"})

    assert given.headers["x-request-id"] == "lb-0123456789"
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])


def test_a_requests_json_log_line_carries_its_id_and_no_query_string(client: TestClient) -> None:
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("contactpoint.requests")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        client.get("/healthz?name=Ava", headers={"X-Request-ID": "lb-0123456789"})
    finally:
        logger.removeHandler(handler)
    [line] = [json.loads(text) for text in lines.getvalue().splitlines()]
    assert line["request_id"] == "lb-0123456789"
    assert line["message"].startswith("GET /healthz 200 ")
    assert "Ava" not in lines.getvalue()
