"""The administration console and the review queue in a real browser: a national
administrator suspends and resumes a source and reads the charts; a data manager opens a
review task, reads the explanation, links the pair and sees it leave the queue. Every
page passes axe."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from contactpoint import db
from contactpoint.feeds import pipeline
from contactpoint.kinds.access import Role
from contactpoint.tables.review import ReviewStatus, ReviewTask
from tests.browser.axe import assert_accessible
from tests.browser.conftest import AddUser, LiveServer, NewPage, sign_in
from tests.builders import birth, nhs_number, write_feed


def test_a_national_administrator_suspends_and_resumes_a_source_and_sees_the_charts(
    page: Page, add_user: AddUser
) -> None:
    page.goto("/")  # the front door: each role lands on its own page
    sign_in(page, add_user(Role.NATIONAL_ADMIN))

    expect(page).to_have_title("Administration – ContactPoint")
    expect(page.get_by_role("link", name="Administration")).to_be_visible()
    chart = page.get_by_role("img", name="Rows received from the feeds each day", exact=False)
    expect(chart).to_be_visible()
    # The charts' text in the service's font, not the browser's serif (issue 16).
    font = page.locator("svg.cp-chart text").first.evaluate("e => getComputedStyle(e).fontFamily")
    assert "arial" in font.lower()
    assert_accessible(page)

    page.get_by_label("Why suspend DWP child benefit?").fill("Scaled down")
    page.get_by_role("button", name="Suspend DWP child benefit").click()
    expect(page.get_by_text("Source suspended: its files will be refused")).to_be_visible()
    expect(page.get_by_role("button", name="Resume DWP child benefit")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Resume DWP child benefit").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page).to_have_title("Error: Administration – ContactPoint")
    assert_accessible(page)
    page.get_by_label("Why resume DWP child benefit?").fill("Back in service")
    page.get_by_role("button", name="Resume DWP child benefit").click()
    expect(page.get_by_text("Source resumed: its files are accepted again")).to_be_visible()
    expect(page.get_by_role("button", name="Suspend DWP child benefit")).to_be_visible()
    page.get_by_text("The numbers in this chart").first.click()
    expect(page.get_by_role("table", name="Source records per source: the numbers")).to_be_visible()


def test_the_charts_and_their_numbers_need_no_javascript(
    new_page: NewPage, add_user: AddUser
) -> None:
    page = new_page(java_script_enabled=False)
    page.goto("/admin")
    sign_in(page, add_user(Role.NATIONAL_ADMIN))

    expect(page.locator("body")).not_to_have_class("govuk-frontend-supported")
    expect(
        page.get_by_role("img", name="Review queue at the end of each day", exact=False)
    ).to_be_visible()
    page.get_by_text("The numbers in this chart").last.click()
    expect(
        page.get_by_role("table", name="Review queue at the end of each day: the numbers")
    ).to_be_visible()
    # axe runs in the page's JavaScript, so the test above runs it on the same page.


def _open_task(live_server: LiveServer, tmp_path: Path) -> int:
    """Two GRO births of one child under different NHS numbers: a task to review. Child 81
    and a mother of her own, so no other browser test's child is hers or her sibling."""
    mother = {"mother_given_names": "Nadia", "mother_family_name": "Kowalczyk"}
    rows = [
        birth(81, **mother),
        birth(81, record_id="2015/LDS/08081", nhs_number=nhs_number(981), **mother),
    ]
    for n, row in enumerate(rows):
        path = write_feed(tmp_path / f"births-81-{n}.csv", "gro-births", [row])
        with db.unit_of_work(live_server.engine) as session:
            pipeline.load_file(session, source_name="gro-births", path=path, loaded_by="test")
    with db.unit_of_work(live_server.engine) as session:
        return max(
            session.scalars(select(ReviewTask.id).where(ReviewTask.status == ReviewStatus.OPEN))
        )


def test_a_data_manager_links_a_pair_from_the_review_queue(
    page: Page, add_user: AddUser, live_server: LiveServer, tmp_path: Path
) -> None:
    task_id = _open_task(live_server, tmp_path)
    page.goto("/")
    sign_in(page, add_user(Role.DATA_MANAGER))

    expect(page).to_have_title("Review matches – ContactPoint")
    assert_accessible(page)
    page.get_by_role("link", name=f"Task {task_id}").click()

    expect(page).to_have_title(f"Review task {task_id} – ContactPoint")
    explanation = page.get_by_role("table", name="Why they may match", exact=False)
    expect(explanation).to_contain_text("NHS number")
    assert_accessible(page)

    page.get_by_role("button", name="Link these records").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Why did you decide this?").fill("The same GRO entry")
    page.get_by_role("button", name="Link these records").click()

    expect(page.get_by_text("Records linked: the two children are now one")).to_be_visible()
    expect(page.locator(f'a[href="/review/{task_id}"]')).to_have_count(0)
    assert_accessible(page)

    page.goto(f"/review/{task_id}")
    page.get_by_role("link", name="Merge history of", exact=False).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Merge history of")
    expect(page.get_by_role("button", name="Unmerge", exact=False)).to_be_visible()
    assert_accessible(page)

    # The authority's reports, from the menu, as pages (issue 16).
    page.get_by_role("link", name="Reports", exact=True).click()
    expect(page).to_have_title("Your authority’s reports – ContactPoint")
    assert_accessible(page)
    page.get_by_role("link", name="Children with no GP").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Children with no GP")
    expect(page.get_by_role("link", name="Download this list as a CSV file")).to_be_visible()
    assert_accessible(page)


def test_a_user_admin_lands_on_the_users_page_and_adds_an_account(
    page: Page, add_user: AddUser
) -> None:
    # Issue 16: every role lands on its own page and does its main task there.
    page.goto("/")
    sign_in(page, add_user(Role.USER_ADMIN))

    expect(page).to_have_title("Users – ContactPoint")
    assert_accessible(page)
    page.goto("/users/new")
    expect(page).to_have_title("Add a user – ContactPoint")
    assert_accessible(page)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Username").fill("new.worker")
    page.get_by_label("Name", exact=True).fill("New Worker")
    page.get_by_label("Email address").fill("new.worker@leeds.example")
    # A user admin adds accounts to their own organisation (a national one chooses).
    organisation = page.get_by_label("Organisation")
    if organisation.count():
        organisation.select_option(index=1)
    page.get_by_label("Practitioner").check()
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("New Worker")
    assert_accessible(page)
