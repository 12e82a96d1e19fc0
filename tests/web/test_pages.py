from __future__ import annotations

import re
from itertools import pairwise

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import page_text

PAGES = ["/", "/no-such-page"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_an_internal_service_without_gov_uk_branding(
    signed_in: TestClient, path: str
) -> None:
    page = signed_in.get(path).text

    assert "GOV.UK" not in page
    assert "<svg" not in page  # the crown and the licence logo are both SVGs
    for branding in (
        "govuk-header__logotype",
        "govuk-footer__crown",
        "govuk-footer__copyright-logo",
        "govuk-crest",
        "/assets/images/",
        "Open Government Licence",
        "Crown copyright",
    ):
        assert branding not in page


@pytest.mark.parametrize("path", PAGES)
def test_pages_follow_the_gov_uk_page_template(signed_in: TestClient, path: str) -> None:
    page = signed_in.get(path).text

    assert '<html lang="en-GB" class="govuk-template">' in page
    assert '<a href="#main-content" class="govuk-skip-link"' in page
    assert '<main class="govuk-main-wrapper" id="main-content"' in page
    assert '<link rel="stylesheet" href="/static/govuk/govuk-frontend.min.css">' in page
    assert '<script type="module" src="/static/contactpoint/init.js">' in page
    text = page_text(page)
    assert "ContactPoint" in text
    assert (
        "Scaled down ContactPoint is running in a reduced form while its replacement is agreed"
        in text
    )
    assert len(re.findall(r"<h1\b", page)) == 1


def test_headings_go_down_one_level_at_a_time(signed_in: TestClient) -> None:
    levels = [int(level) for level in re.findall(r"<h([1-6])\b", signed_in.get("/").text)]

    assert levels[0] == 1
    assert all(later - earlier <= 1 for earlier, later in pairwise(levels))


def test_every_table_has_a_caption_and_column_headers(signed_in: TestClient) -> None:
    page = signed_in.get("/").text

    tables = re.findall(r"<table\b.*?</table>", page, flags=re.S)
    assert tables
    for table in tables:
        assert "<caption" in table
        assert '<th scope="col"' in table


def test_an_unknown_address_shows_the_gov_uk_page_not_found(signed_in: TestClient) -> None:
    response = signed_in.get("/no-such-page")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>Page not found – ContactPoint</title>" in response.text
    assert "If you typed the web address, check it is correct." in page_text(response.text)


def test_an_unknown_api_address_answers_json(signed_in: TestClient) -> None:
    response = signed_in.get("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_the_stylesheet_and_every_font_and_image_it_asks_for_are_served(
    signed_in: TestClient,
) -> None:
    stylesheet = signed_in.get("/static/govuk/govuk-frontend.min.css")
    assert stylesheet.status_code == 200, "GOV.UK Frontend is missing: run 'make install'"
    assert stylesheet.headers["content-type"].startswith("text/css")

    urls = set(re.findall(r"url\((/assets/[^)]+)\)", stylesheet.text))
    assert any("/fonts/" in url for url in urls)
    for url in urls:
        assert signed_in.get(url).status_code == 200, url


def test_gov_uk_frontend_javascript_is_served(signed_in: TestClient) -> None:
    for path in ("/static/govuk/govuk-frontend.min.js", "/static/contactpoint/init.js"):
        response = signed_in.get(path)
        assert response.status_code == 200, path
        assert "javascript" in response.headers["content-type"]


def test_the_api_documentation_is_for_signed_in_users_only(client: TestClient) -> None:
    docs = client.get("/api/docs", follow_redirects=False)
    schema = client.get("/api/openapi.json")

    assert docs.status_code == 303 and docs.headers["location"].startswith("/sign-in")
    assert schema.status_code == 401
    assert "paths" not in schema.text


def test_the_api_is_documented_at_api_docs(signed_in: TestClient) -> None:
    docs = signed_in.get("/api/docs")
    schema = signed_in.get("/api/openapi.json").json()

    assert docs.status_code == 200
    assert 'data-openapi-url="/api/openapi.json"' in docs.text
    assert "<script>" not in docs.text  # no inline script: the CSP would refuse it
    assert "/api/v1/stats" in schema["paths"]
    assert "/" not in schema["paths"]
