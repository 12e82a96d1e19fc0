"""The pages in a real browser: they load, are titled, have a main landmark, pass axe."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Page, StorageState, expect
from sqlalchemy import select

from contactpoint import db
from contactpoint.access import accounts
from contactpoint.access.policy import Principal
from contactpoint.audit.service import Actor, record
from contactpoint.feeds import pipeline
from contactpoint.kinds.access import Role
from contactpoint.signposting import flags, involvement
from contactpoint.signposting.involvement import InvolvementCreate
from contactpoint.tables.access import Organisation
from contactpoint.tables.children import Child, ChildIdentifier
from contactpoint.tables.signposting import FlagKind
from tests.browser.axe import assert_accessible
from tests.browser.conftest import AddUser, LiveServer, NewPage, sign_in
from tests.builders import birth, nhs_number, write_feed
from tests.people import HULL, active_user


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
    page.goto("/inbox")

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

    expect(page).to_have_title("Inbox – ContactPoint")


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

    # The front door asks for no page: a practitioner lands on their own, search.
    expect(page).to_have_title("Search for a child – ContactPoint")


def test_the_api_documentation_is_titled_has_a_main_landmark_and_passes_axe(
    signed_in_page: Page,
) -> None:
    page = signed_in_page
    page.goto("/api/docs")
    # Swagger UI builds the page from the OpenAPI document: wait until it has.
    expect(page.get_by_role("heading", name="ContactPoint API")).to_be_visible()

    expect(page).to_have_title("API documentation – ContactPoint")
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("button", name="What the index holds")).to_be_visible()
    assert_accessible(page)


def test_an_api_call_tried_out_from_the_documentation_passes_axe(signed_in_page: Page) -> None:
    page = signed_in_page
    page.goto("/api/docs")
    page.get_by_role("button", name="Liveness: the process is up").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()

    expect(page.locator(".live-responses-table .response .response-col_status")).to_have_text("200")
    assert_accessible(page)


def test_the_api_documentation_without_javascript_points_to_the_openapi_document(
    new_page: NewPage, signed_in_state: StorageState
) -> None:
    page = new_page(java_script_enabled=False, storage_state=signed_in_state)

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


def _principal(live_server: LiveServer, username: str) -> Principal:
    with db.unit_of_work(live_server.engine) as session:
        user = accounts.user(session, username)
        organisation = session.get(Organisation, user.organisation_id)
        assert organisation is not None
        roles = accounts.roles_of(session, user.id)
        return Principal(user.id, user.username, roles, organisation.la_code)


def _involved(live_server: LiveServer, username: str, cp_id: str, service: str) -> None:
    details = InvolvementCreate(
        service_type=service,
        organisation="Leeds Community Health",
        practitioner_name=username,
        email=f"{username}@example.org",
        started_on=date.today(),
        consent_evidence="verbal, from the young person",
    )
    with db.unit_of_work(live_server.engine) as session:
        involvement.register(session, _principal(live_server, username), cp_id, details)


def test_the_signposting_pages_and_their_errors_pass_axe(
    new_page: NewPage, add_user: AddUser, live_server: LiveServer, tmp_path: Path
) -> None:
    family = {"mother_given_names": "Ines", "mother_family_name": "Okonjo", "postcode": "LS6 2AB"}
    path = write_feed(tmp_path / "births-71.csv", "gro-births", [birth(71, **family)])
    with db.unit_of_work(live_server.engine) as session:
        pipeline.load_file(session, source_name="gro-births", path=path, loaded_by="test")
        child_id = session.scalar(
            select(ChildIdentifier.child_id).where(ChildIdentifier.value == nhs_number(71))
        )
        cp_id = session.get(Child, child_id).cp_id  # type: ignore[union-attr]
        hull = active_user(session, "hal.browser", Role.PRACTITIONER, la_code=HULL).username
    manager = add_user(Role.DATA_MANAGER)
    with db.unit_of_work(live_server.engine) as session:
        flags.set_flag(
            session,
            _principal(live_server, manager.username),
            cp_id,
            FlagKind.LOOKED_AFTER,
            date.today(),
        )
    _involved(live_server, hull, cp_id, "CAMHS")  # sensitive, from outside the authority
    key = add_user(Role.KEY_PROFESSIONAL)
    page = new_page()
    page.goto(f"/children/{cp_id}/involvement")
    sign_in(page, key)

    page.get_by_label("Service", exact=True).fill("")
    page.get_by_label("Email address").fill("not an address")
    page.get_by_role("button", name="Register involvement").click()
    expect(page).to_have_title("Error: Register your involvement with a child – ContactPoint")
    expect(page.get_by_role("alert")).to_contain_text("Enter the service")
    assert_accessible(page)
    page.get_by_label("Service", exact=True).fill("Youth justice")
    page.get_by_label("Email address").fill(f"{key.username}@example.org")
    page.get_by_role("button", name="Register involvement").click()
    expect(page.get_by_text("Your involvement is registered")).to_be_visible()
    _involved(live_server, add_user().username, cp_id, "Health visiting")

    for path, title in (
        ("/involvements", "Your involvements with children"),
        ("/inbox", "Inbox"),
    ):
        page.goto(path)
        expect(page).to_have_title(f"{title} – ContactPoint")
        expect(page.get_by_role("main")).to_have_count(1)
        assert_accessible(page)
    page.get_by_role("button", name=re.compile("^Record who coordinates")).click()
    expect(page).to_have_title("Error: Inbox – ContactPoint")
    assert_accessible(page)

    page.goto(f"/signposting/{cp_id}")
    page.get_by_role("button", name="Show who is involved").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose a reason")
    assert_accessible(page)
    page.get_by_label("A safeguarding or child protection concern").check()
    page.get_by_role("button", name="Show who is involved").click()
    expect(page.get_by_role("heading", name="Another service is involved")).to_be_visible()
    expect(page.get_by_role("table", name="The last 25 contacts, newest first")).to_contain_text(
        "registered involvement"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Ask to be put in touch").click()
    expect(page).to_have_title("Error: Ask to be put in touch – ContactPoint")
    assert_accessible(page)
    page.get_by_label("Why do you need to be in touch?").fill("About the move to a new school")
    page.get_by_role("button", name="Ask to be put in touch").click()
    expect(page).to_have_title("Request sent – ContactPoint")
    assert_accessible(page)

    requests = new_page()
    requests.goto("/contact-requests")
    sign_in(requests, manager)
    expect(requests).to_have_title("Requests for contact – ContactPoint")
    expect(requests.get_by_text("About the move to a new school")).to_be_visible()
    assert_accessible(requests)


def test_registering_involvement_works_without_javascript(
    new_page: NewPage, add_user: AddUser, live_server: LiveServer, tmp_path: Path
) -> None:
    family = {"mother_given_names": "Rhea", "mother_family_name": "Lund", "postcode": "LS6 2AB"}
    path = write_feed(tmp_path / "births-72.csv", "gro-births", [birth(72, **family)])
    with db.unit_of_work(live_server.engine) as session:
        pipeline.load_file(session, source_name="gro-births", path=path, loaded_by="test")
        child_id = session.scalar(
            select(ChildIdentifier.child_id).where(ChildIdentifier.value == nhs_number(72))
        )
        cp_id = session.get(Child, child_id).cp_id  # type: ignore[union-attr]
    page = new_page(java_script_enabled=False)
    page.goto(f"/children/{cp_id}/involvement")
    sign_in(page, add_user())

    page.get_by_label("Service", exact=True).fill("School nursing")
    page.get_by_role("button", name="Register involvement").click()

    expect(page.get_by_text("Your involvement is registered")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your involvement: School nursing")


def test_the_subject_access_report_passes_axe(
    new_page: NewPage, add_user: AddUser, live_server: LiveServer, tmp_path: Path
) -> None:
    path = write_feed(tmp_path / "births-72.csv", "gro-births", [birth(72)])
    with db.unit_of_work(live_server.engine) as session:
        pipeline.load_file(session, source_name="gro-births", path=path, loaded_by="test")
        child_id = session.scalar(
            select(ChildIdentifier.child_id).where(ChildIdentifier.value == nhs_number(72))
        )
        cp_id = session.get(Child, child_id).cp_id  # type: ignore[union-attr]
    page = new_page()
    page.goto(f"/children/{cp_id}/subject-access")
    sign_in(page, add_user(Role.DATA_MANAGER))
    expect(page).to_have_title(f"Information held about {cp_id} – ContactPoint")
    expect(page.get_by_role("main")).to_have_count(1)
    assert_accessible(page)


def test_the_audit_analytics_page_passes_axe_and_works_without_javascript(
    new_page: NewPage, add_user: AddUser, live_server: LiveServer
) -> None:
    with db.unit_of_work(live_server.engine) as session:
        trawler = active_user(session, "tara.trawler", Role.PRACTITIONER)
        for _ in range(51):
            record(session, Actor(trawler.username, trawler.id), "search", reason="test")
    for scripts in (True, False):
        page = new_page(java_script_enabled=scripts)
        page.goto("/audit/analytics")
        # A new auditor each time: an authenticator code is never accepted twice.
        sign_in(page, add_user(Role.AUDITOR))

        expect(page).to_have_title("Likely misuse – ContactPoint")
        expect(page.get_by_role("main")).to_have_count(1)
        expect(page.get_by_role("table", name="Findings (1)")).to_contain_text("tara.trawler")
        expect(
            page.get_by_role("img", name=re.compile("Searches and views per day"))
        ).to_be_visible()
        expect(
            page.get_by_role("table", name="Searches and views per day, by kind")
        ).to_be_visible()
        if scripts:
            assert_accessible(page)
