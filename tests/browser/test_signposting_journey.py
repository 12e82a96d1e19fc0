"""Signposting in a real browser against the served app on PostgreSQL, with a real SMTP
server: a data manager flags a child; two practitioners, each signed in with a TOTP
code, register their involvement with the child; each finds the other in their inbox;
and once ``contactpoint notify send`` has run, one e-mail has reached each of them,
naming no child. A key professional signs in at the front door, lands on search, finds
a child and asks who else is involved. axe checks every page on the way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from contactpoint import db
from contactpoint.feeds import pipeline
from contactpoint.kinds.access import Role
from contactpoint.tables.children import Child, ChildIdentifier
from tests.browser.axe import assert_accessible
from tests.browser.conftest import AddUser, LiveServer, NewPage, Person, search_for_child, sign_in
from tests.builders import birth, nhs_number, write_feed

# A child of a family of its own: no other test's child shares a parent with her.
CHILD = {
    "given_names": "Maisie", "family_name": "Thornbury", "date_of_birth": "2017-05-09",
    "registration_date": "2017-05-20", "mother_given_names": "Lena",
    "mother_family_name": "Thornbury",
}  # fmt: skip


ANOTHER_CHILD = {
    "given_names": "Orla", "family_name": "Pendragon", "date_of_birth": "2016-02-14",
    "registration_date": "2016-02-25", "mother_given_names": "Carys",
    "mother_family_name": "Pendragon",
}  # fmt: skip


def load_child(
    live_server: LiveServer, tmp_path: Path, n: int, child: dict[str, str] = CHILD
) -> str:
    """Load child ``n``'s birth registration; its ContactPoint ID."""
    path = write_feed(tmp_path / f"births-{n}.csv", "gro-births", [birth(n, **child)])
    with db.unit_of_work(live_server.engine) as session:
        pipeline.load_file(session, source_name="gro-births", path=path, loaded_by="test")
        child_id = session.scalar(
            select(ChildIdentifier.child_id).where(ChildIdentifier.value == nhs_number(n))
        )
        cp_id = session.scalar(select(Child.cp_id).where(Child.id == child_id))
    assert cp_id is not None
    return cp_id


def register(page: Page, cp_id: str, service: str) -> None:
    """Register through the form, which the account fills in (name, e-mail, organisation)."""
    page.goto(f"/children/{cp_id}/involvement")
    expect(page).to_have_title("Register your involvement with a child – ContactPoint")
    assert_accessible(page)
    page.get_by_label("Service", exact=True).fill(service)
    page.get_by_label("Telephone number").fill("0113 496 0123")
    page.get_by_role("button", name="Register involvement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your involvement: {service}")
    expect(page.get_by_text("Your involvement is registered")).to_be_visible()
    assert_accessible(page)


def signed_in(new_page: NewPage, person: Person, path: str) -> Page:
    page = new_page()
    page.goto(path)
    sign_in(page, person)
    return page


def test_two_practitioners_on_a_flagged_child_are_told_of_each_other_in_the_inbox_and_by_email(
    new_page: NewPage, add_user: AddUser, live_server: LiveServer, tmp_path: Path
) -> None:
    cp_id = load_child(live_server, tmp_path, 61)

    manager = signed_in(new_page, add_user(Role.DATA_MANAGER), f"/children/{cp_id}/flags")
    expect(manager).to_have_title(f"Flags: {cp_id} – ContactPoint")
    assert_accessible(manager)
    manager.get_by_label("Child protection plan").check()
    manager.get_by_role("button", name="Set flag").click()
    expect(manager.get_by_text("Flag set")).to_be_visible()
    expect(manager.get_by_role("table", name="Flags, latest start first")).to_contain_text(
        "Child protection plan"
    )
    assert_accessible(manager)

    ann = add_user(Role.KEY_PROFESSIONAL)
    first = signed_in(new_page, ann, f"/children/{cp_id}/involvement")
    register(first, cp_id, "School nursing")
    bob = add_user(Role.PRACTITIONER)
    second = signed_in(new_page, bob, f"/children/{cp_id}/involvement")
    register(second, cp_id, "Early help")

    for page, other in ((first, bob), (second, ann)):
        page.goto("/inbox")
        expect(page).to_have_title("Inbox – ContactPoint")
        expect(page.get_by_role("link", name="Inbox (1) unread")).to_be_visible()
        signal = page.locator(".govuk-summary-card").filter(has_text="Match: ContactPoint ID")
        expect(signal).to_contain_text(f"{other.username}@example.org")
        assert_accessible(page)

    first.get_by_role("button", name="Open notification: Match signal: others are involved").click()
    expect(first).to_have_title(
        "Why do you need to know who else is involved with this child? – ContactPoint"
    )
    expect(first.get_by_role("link", name="Inbox", exact=True)).to_be_visible()  # now read
    assert_accessible(first)
    first.get_by_label("Finding other practitioners to coordinate support").check()
    first.get_by_role("button", name="Show who is involved").click()
    expect(first).to_have_title(f"Who else is involved: {cp_id} – ContactPoint")
    expect(first.get_by_text("This child is flagged as vulnerable")).to_be_visible()
    assert_accessible(first)

    sent = subprocess.run(
        [str(Path(sys.executable).with_name("contactpoint")), "notify", "send"],
        env=live_server.environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert sent.returncode == 0, sent.stdout + sent.stderr

    wanted = {f"{ann.username}@example.org", f"{bob.username}@example.org"}
    received = [e for e in live_server.mailbox.received if set(e.to) & wanted]
    assert sorted(address for e in received for address in e.to) == sorted(wanted)
    for email in received:
        assert email.subject == "ContactPoint: you have a new match signal"
        # The key professional is sent to signposting, the practitioner to the record.
        where = "signposting" if f"{ann.username}@example.org" in email.to else "children"
        assert f"{live_server.url}/{where}/{cp_id}" in email.body
        for told in ("Maisie", "Thornbury", "2017", "9 May", "09 May"):
            assert told not in email.subject and told not in email.body


def test_a_key_professional_signs_in_finds_a_child_and_who_else_is_involved(
    page: Page, new_page: NewPage, add_user: AddUser, live_server: LiveServer, tmp_path: Path
) -> None:
    cp_id = load_child(live_server, tmp_path, 62, ANOTHER_CHILD)
    health_visitor = signed_in(
        new_page, add_user(Role.PRACTITIONER), f"/children/{cp_id}/involvement"
    )
    register(health_visitor, cp_id, "Health visiting")

    page.goto("/")
    sign_in(page, add_user(Role.KEY_PROFESSIONAL))
    expect(page).to_have_title("Search for a child – ContactPoint")
    assert_accessible(page)
    search_for_child(page, "Orla", "Pendragon", "14/2/2016")
    assert_accessible(page)

    page.get_by_role("button", name="View the record of Orla Pendragon").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Orla Pendragon")
    assert_accessible(page)
    page.get_by_role("link", name="Who else is involved with this child").click()
    expect(page).to_have_title(
        "Why do you need to know who else is involved with this child? – ContactPoint"
    )
    assert_accessible(page)
    page.get_by_label("Finding other practitioners to coordinate support").check()
    page.get_by_role("button", name="Show who is involved").click()
    expect(page).to_have_title(f"Who else is involved: {cp_id} – ContactPoint")
    # The health visitor is a practitioner, not a key or lead professional: counted.
    expect(page.get_by_role("main")).to_contain_text(
        "One other practitioner is involved; they are not a key or lead professional."
    )
    assert_accessible(page)
