"""A practitioner's whole journey in a real browser against the served app on PostgreSQL:
sign in with a TOTP code, search with a misspelt name, open the record with a reason —
and an auditor then sees that look in the audit trail. axe checks every page on the way."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from contactpoint import db
from contactpoint.feeds import pipeline
from contactpoint.kinds.access import Role
from tests.browser.axe import assert_accessible
from tests.browser.conftest import AddUser, LiveServer, NewPage, search_for_child, sign_in
from tests.builders import birth, write_feed


def load_births(live_server: LiveServer, tmp_path: Path) -> None:
    rows = [birth(41, given_names="Amelia Rose", family_name="Okafor", date_of_birth="2015-03-06")]
    path = write_feed(tmp_path / "births.csv", "gro-births", rows)
    with db.unit_of_work(live_server.engine) as session:
        pipeline.load_file(session, source_name="gro-births", path=path, loaded_by="test")


def test_sign_in_search_open_a_record_and_the_look_is_in_the_audit_trail(
    page: Page, new_page: NewPage, add_user: AddUser, live_server: LiveServer, tmp_path: Path
) -> None:
    load_births(live_server, tmp_path)
    practitioner = add_user(Role.PRACTITIONER)

    page.goto("/")
    sign_in(page, practitioner)
    expect(page).to_have_title("Search for a child – ContactPoint")
    assert_accessible(page)

    search_for_child(page, "Emelia", "Okafor", "6/3/2015")
    results = page.get_by_role("table", name="1 child matches, best first")
    expect(results).to_contain_text("Amelia Rose Okafor")
    assert_accessible(page)

    page.get_by_role("button", name="View the record of Amelia Rose Okafor").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amelia Rose Okafor")
    cp_id = page.url.rsplit("/", 1)[-1]
    assert "reason" not in page.url  # the reason travelled in the form, not the address
    assert_accessible(page)

    auditor = add_user(Role.AUDITOR)
    audit_page = new_page()
    audit_page.goto("/")
    sign_in(audit_page, auditor)
    expect(audit_page).to_have_title("Audit trail – ContactPoint")
    assert_accessible(audit_page)
    audit_page.get_by_label("Who accessed a child: ContactPoint ID").fill(cp_id)
    audit_page.get_by_role("button", name="Show entries").click()
    entries = audit_page.get_by_role("table", name=f"Who accessed {cp_id}")
    expect(entries).to_contain_text(practitioner.username)
    expect(entries).to_contain_text("Looked at a record")  # the action in words
    expect(entries).to_contain_text("Assessing the child's needs")
    assert_accessible(audit_page)
