from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from contactpoint.web.app import create_app

PAGES_AND_ANSWERS = ["/", "/healthz", "/api/v1/stats", "/no-such-page", "/api/docs"]


def csp(response_headers: dict[str, str] | object) -> dict[str, str]:
    policy = response_headers["content-security-policy"]  # type: ignore[index]
    return dict(directive.strip().split(" ", 1) for directive in policy.split(";"))


@pytest.mark.parametrize("path", PAGES_AND_ANSWERS)
def test_every_response_carries_the_security_headers(signed_in: TestClient, path: str) -> None:
    headers = signed_in.get(path).headers

    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "camera=()" in headers["permissions-policy"]
    assert headers["cache-control"] == "no-store"
    policy = csp(headers)
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert "strict-transport-security" not in headers


def test_the_inline_script_runs_by_a_nonce_that_changes_with_every_request(
    signed_in: TestClient,
) -> None:
    first, second = signed_in.get("/"), signed_in.get("/")

    nonces = []
    for response in (first, second):
        inline = re.findall(r'<script nonce="([^"]+)">document\.body\.className', response.text)
        allowed = re.findall(r"'nonce-([^']+)'", csp(response.headers)["script-src"])
        assert inline == allowed
        nonces.append(allowed[0])
    assert nonces[0] != nonces[1]


def test_pages_load_scripts_and_styles_only_from_the_service_itself(signed_in: TestClient) -> None:
    page = signed_in.get("/").text

    assert csp(signed_in.get("/").headers)["style-src"] == "'self'"
    for url in re.findall(r'(?:src|href)="([^"#]+)"', page):
        assert url.startswith("/"), url
    assert 'style="' not in page


def test_strict_transport_security_is_sent_only_over_https(committed_engine: Engine) -> None:
    with TestClient(create_app(), base_url="https://contactpoint.test") as secure:
        assert "max-age=" in secure.get("/").headers["strict-transport-security"]


def test_static_files_may_be_cached_but_pages_may_not(signed_in: TestClient) -> None:
    stylesheet = signed_in.get("/static/govuk/govuk-frontend.min.css")

    assert stylesheet.status_code == 200
    assert "cache-control" not in stylesheet.headers
    assert stylesheet.headers["x-content-type-options"] == "nosniff"
