"""The pages in a real browser: they load, are titled, have a main landmark, pass axe."""

from __future__ import annotations

from playwright.sync_api import ConsoleMessage, Page, StorageState, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import AddUser, NewPage, sign_in


def test_the_home_page_is_titled_has_a_main_landmark_and_passes_axe(
    signed_in_page: Page,
) -> None:
    page = signed_in_page

    page.goto("/")

    expect(page).to_have_title("What the index holds – ContactPoint")
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_text("What the index holds")
    assert_accessible(page)


def test_the_home_page_works_without_javascript(
    new_page: NewPage, signed_in_state: StorageState
) -> None:
    page = new_page(java_script_enabled=False, storage_state=signed_in_state)

    page.goto("/")

    expect(page).to_have_title("What the index holds – ContactPoint")
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.locator("body")).not_to_have_class("govuk-frontend-supported")
    expect(page.get_by_role("table", name="Each source")).to_be_visible()
    expect(page.get_by_role("link", name="API documentation")).to_be_visible()


def test_signing_in_leads_to_the_page_asked_for_and_each_step_passes_axe(
    page: Page, add_user: AddUser
) -> None:
    page.goto("/")

    expect(page).to_have_title("Sign in – ContactPoint")
    expect(page.get_by_role("main")).to_have_count(1)
    assert_accessible(page)
    person = add_user()
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title("Enter the code from your authenticator app – ContactPoint")
    assert_accessible(page)
    page.get_by_label("Enter the code from your authenticator app").fill(person.code())
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_title("What the index holds – ContactPoint")


def test_a_wrong_password_is_reported_accessibly(page: Page, add_user: AddUser) -> None:
    person = add_user()
    page.goto("/")

    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_title("Error: Sign in – ContactPoint")
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert_accessible(page)


def test_signing_in_works_without_javascript(new_page: NewPage, add_user: AddUser) -> None:
    page = new_page(java_script_enabled=False)
    page.goto("/")

    sign_in(page, add_user())

    expect(page).to_have_title("What the index holds – ContactPoint")


def test_the_api_documentation_is_titled_has_a_main_landmark_and_passes_axe(
    page: Page,
) -> None:
    page.goto("/api/docs")
    # Swagger UI builds the page from the OpenAPI document: wait until it has.
    expect(page.get_by_role("heading", name="ContactPoint API")).to_be_visible()

    expect(page).to_have_title("API documentation – ContactPoint")
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("button", name="What the index holds")).to_be_visible()
    assert_accessible(page)


def test_an_api_call_tried_out_from_the_documentation_passes_axe(page: Page) -> None:
    page.goto("/api/docs")
    page.get_by_role("button", name="Liveness: the process is up").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()

    expect(page.locator(".live-responses-table .response .response-col_status")).to_have_text("200")
    assert_accessible(page)


def test_the_api_documentation_without_javascript_points_to_the_openapi_document(
    new_page: NewPage,
) -> None:
    page = new_page(java_script_enabled=False)

    page.goto("/api/docs")

    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_text("API documentation")
    expect(page.get_by_role("link", name="OpenAPI document")).to_have_attribute(
        "href", "/api/openapi.json"
    )


def test_pages_run_no_script_the_content_security_policy_refuses(signed_in_page: Page) -> None:
    page = signed_in_page
    problems: list[str] = []
    page.on("console", lambda message: _record_error(problems, message))
    page.on("pageerror", lambda error: problems.append(str(error)))

    for path in ("/", "/api/docs"):
        page.goto(path)
        page.wait_for_load_state("networkidle")

    assert problems == []


def _record_error(problems: list[str], message: ConsoleMessage) -> None:
    if message.type == "error":
        problems.append(message.text)
