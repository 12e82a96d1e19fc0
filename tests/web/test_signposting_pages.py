"""Signposting through the pages and the API, on both databases: registering involvement,
match signals in the inbox and the outbox, the signposting question for key
professionals, flags and requests for contact for data managers. Every refusal is a
status (never a server error), changes nothing, and the policy's are audited."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, func, select

from contactpoint import db
from contactpoint.access import accounts
from contactpoint.access.policy import Principal
from contactpoint.errors import NotFound
from contactpoint.feeds import pipeline
from contactpoint.kinds.access import Role
from contactpoint.signposting import flags
from contactpoint.tables.access import Organisation
from contactpoint.tables.audit import AuditEntry
from contactpoint.tables.children import Child, ChildIdentifier
from contactpoint.tables.notify import Notification, OutboxEmail
from contactpoint.tables.signposting import FlagKind, Involvement, Signal
from contactpoint.web.app import create_app
from tests.builders import birth, nhs_number, write_feed
from tests.people import HULL, LEEDS, active_user, field, sign_in
from tests.web.conftest import page_text

NOWHERE = "CP-0000-0000-0"  # a well-formed ContactPoint ID that no child has
WHY = {"reason": "safeguarding"}
UNREAD_ONE = 'Inbox (1)<span class="govuk-visually-hidden"> unread</span>'


@dataclass(frozen=True)
class World:
    ava: str  # flagged: a child protection plan
    cara: str  # not flagged


SignIn = Callable[..., TestClient]


def _principal(username: str) -> Principal:
    with db.unit_of_work() as session:
        user = accounts.user(session, username)
        org = session.get(Organisation, user.organisation_id)
        assert org is not None
        return Principal(user.id, user.username, accounts.roles_of(session, user.id), org.la_code)


def _cp_id(session: Any, n: int) -> str:
    child_id = session.scalar(
        select(ChildIdentifier.child_id).where(ChildIdentifier.value == nhs_number(n))
    )
    cp_id: str = session.scalar(select(Child.cp_id).where(Child.id == child_id))
    return cp_id


@pytest.fixture
def world(committed_engine: Engine, tmp_path: Path) -> World:
    other_family = {"mother_given_names": "Jo", "mother_family_name": "Reid", "postcode": "LS8 2QB"}
    path = write_feed(tmp_path / "births.csv", "gro-births", [birth(1), birth(3, **other_family)])
    with db.unit_of_work() as session:
        pipeline.load_file(session, source_name="gro-births", path=path, loaded_by="test")
        active_user(session, "dee.manager", Role.DATA_MANAGER)
        here = World(_cp_id(session, 1), _cp_id(session, 3))
    with db.unit_of_work() as session:
        flags.set_flag(
            session,
            _principal("dee.manager"),
            here.ava,
            FlagKind.CHILD_PROTECTION_PLAN,
            date(2026, 1, 5),
        )
    return here


@pytest.fixture
def people(client: TestClient, world: World) -> Iterator[SignIn]:
    """Sign someone in (made with ``roles`` unless they exist), in a browser of their
    own: ``people("kim.key", Role.KEY_PROFESSIONAL)``. The first uses the test's client."""
    with ExitStack() as stack:
        used: list[TestClient] = []

        def as_user(username: str, *roles: Role) -> TestClient:
            with db.unit_of_work() as session:
                try:
                    secret = accounts.user(session, username).totp_secret
                except NotFound:
                    secret = active_user(session, username, *roles).totp_secret
            assert secret
            browser = client if not used else stack.enter_context(TestClient(create_app()))
            used.append(browser)
            sign_in(browser, username, secret)
            return browser

        yield as_user


def value_of(page: str, name: str) -> str:
    """A text input's value as the form shows it (GOV.UK's inputs put it after the name)."""
    found = re.search(rf'<input[^>]* name="{name}"[^>]* value="([^"]*)"', page)
    assert found, f"no {name} input on the page"
    return html.unescape(found.group(1))


def register(browser: TestClient, cp_id: str, **changes: Any) -> Response:
    """Register through the form, as a browser does: the form's own values (filled in
    from the account), with ``changes``."""
    form = browser.get(f"/children/{cp_id}/involvement")
    assert form.status_code == 200, form.text
    values = {
        "csrf_token": field(form.text, "csrf_token"),
        "service_type": "health visiting",
        "organisation": value_of(form.text, "organisation"),
        "practitioner_name": value_of(form.text, "practitioner_name"),
        "email": value_of(form.text, "email"),
        "phone": "0113 496 0123",
        "started_on-day": "1",
        "started_on-month": "3",
        "started_on-year": "2026",
    } | changes
    return browser.post(
        f"/children/{cp_id}/involvement",
        data={name: value for name, value in values.items() if value is not None},
        follow_redirects=False,
    )


def token(browser: TestClient) -> str:
    return field(browser.get("/inbox").text, "csrf_token")


def count(model: type[Any]) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def refusals(route: str) -> list[AuditEntry]:
    with db.unit_of_work() as session:
        found = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "refused").order_by(AuditEntry.id)
        ).all()
        session.expunge_all()
        return [entry for entry in found if entry.details["route"] == route]


def inbox_of(username: str) -> list[Notification]:
    with db.unit_of_work() as session:
        user = accounts.user(session, username)
        found = session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        ).all()
        session.expunge_all()
        return list(found)


def test_registering_through_the_form_then_a_second_practitioner_signals_both(
    people: SignIn, world: World
) -> None:
    kim = people("kim.key", Role.KEY_PROFESSIONAL)
    form = kim.get(f"/children/{world.ava}/involvement")
    assert value_of(form.text, "practitioner_name") == "Kim Key"  # from the account
    assert value_of(form.text, "email") == "kim.key@example.org"
    assert value_of(form.text, "organisation") == "Council E08000035"

    answer = register(kim, world.ava, service_type="school nursing", choices="lead_professional")

    assert answer.status_code == 303
    assert answer.headers["location"].endswith("?done=registered")
    page = page_text(kim.get(answer.headers["location"]).text)
    assert "Your involvement is registered" in page
    assert "school nursing" in page and "Lead professional" in page
    assert "Tell the family" in page
    assert count(Signal) == 0

    lee = people("lee.key", Role.KEY_PROFESSIONAL)
    assert register(lee, world.ava).status_code == 303

    assert [n.kind for n in inbox_of("kim.key")] == ["match_signal"]
    assert [n.kind for n in inbox_of("lee.key")] == ["match_signal"]
    assert "lee.key@example.org" in inbox_of("kim.key")[0].body
    with db.unit_of_work() as session:
        addresses = sorted(session.scalars(select(OutboxEmail.to_address)))
    assert addresses == ["kim.key@example.org", "lee.key@example.org"]
    page = kim.get("/inbox").text
    assert UNREAD_ONE in page  # in the navigation
    inbox = page_text(page)
    assert "You have 1 unread notification." in inbox
    assert f"Match: ContactPoint ID {world.ava}" in inbox
    assert "Lee Key" in inbox and "(you)" in inbox


def test_a_duplicate_registration_is_refused_on_the_form_and_changes_nothing(
    people: SignIn, world: World
) -> None:
    kim = people("kim.key", Role.KEY_PROFESSIONAL)
    assert register(kim, world.ava).status_code == 303
    before = (count(Involvement), count(Notification), count(OutboxEmail))

    again = register(kim, world.ava, service_type=" Health  Visiting ")

    assert again.status_code == 409
    assert "already registered as involved" in page_text(again.text)
    assert (count(Involvement), count(Notification), count(OutboxEmail)) == before


def test_a_practitioner_is_refused_signposting_on_the_page_and_the_api_and_it_is_audited(
    people: SignIn, world: World
) -> None:
    pat = people("pat.practitioner", Role.PRACTITIONER)

    page = pat.get(f"/signposting/{world.ava}")
    api = pat.get(f"/api/v1/children/{world.ava}/signposting", params=WHY)

    assert page.status_code == 403
    assert "only key professionals may use signposting" in page_text(page.text)
    assert api.status_code == 403
    assert api.json() == {"detail": "only key professionals may use signposting"}
    assert [e.actor for e in refusals("/signposting/{cp_id}")] == ["pat.practitioner"]
    assert [e.actor for e in refusals("/api/v1/children/{cp_id}/signposting")] == [
        "pat.practitioner"
    ]


def test_a_key_professional_asked_for_a_reason_sees_who_else_is_involved(
    people: SignIn, world: World
) -> None:
    lee = people("lee.key", Role.KEY_PROFESSIONAL)
    assert register(lee, world.ava, choices="lead_professional").status_code == 303
    kim = people("kim.key", Role.KEY_PROFESSIONAL)

    form = kim.get(f"/signposting/{world.ava}")
    assert "Why do you need to know who else is involved" in page_text(form.text)
    blank = kim.post(f"/signposting/{world.ava}", data={"csrf_token": token(kim)})
    assert blank.status_code == 422
    assert "Choose a reason for asking who else is involved" in page_text(blank.text)
    answer = kim.post(
        f"/signposting/{world.ava}", data={**WHY, "csrf_token": field(form.text, "csrf_token")}
    )

    assert answer.status_code == 200
    text = page_text(answer.text)
    assert "This child is flagged as vulnerable" in text
    assert "Child protection plan 5 January 2026 Continuing" in text
    assert "Lee Key" in text and "lee.key@example.org" in text and "Lead professional" in text
    body = kim.get(f"/api/v1/children/{world.ava}/signposting", params=WHY).json()
    assert body["flagged"] is True
    assert [p["name"] for p in body["current"]] == ["Lee Key"]
    assert body["recent_contacts"] == []
    with db.unit_of_work() as session:
        looks = session.scalars(
            select(AuditEntry.reason).where(AuditEntry.action == "signposting.query")
        ).all()
    assert looks == ["A safeguarding or child protection concern"] * 2


def test_ending_someone_elses_involvement_is_refused_and_audited(
    people: SignIn, world: World
) -> None:
    kim = people("kim.key", Role.KEY_PROFESSIONAL)
    made = register(kim, world.ava)
    involvement_id = int(made.headers["location"].split("/")[-1].split("?")[0])
    lee = people("lee.key", Role.KEY_PROFESSIONAL)

    page = lee.post(
        f"/involvements/{involvement_id}/end",
        data={"reason": "moved on", "csrf_token": token(lee)},
    )
    api = lee.post(
        f"/api/v1/involvements/{involvement_id}/end",
        json={"reason": "moved on"},
        headers={"X-CSRF-Token": token(lee)},
    )

    assert page.status_code == 403 and api.status_code == 403
    assert lee.get(f"/involvements/{involvement_id}").status_code == 403
    assert len(refusals("/involvements/{involvement_id}/end")) == 1
    assert len(refusals("/api/v1/involvements/{involvement_id}/end")) == 1
    with db.unit_of_work() as session:
        assert session.get(Involvement, involvement_id).ended_on is None  # type: ignore[union-attr]


def test_a_practitioner_ends_and_renews_their_own_involvement(people: SignIn, world: World) -> None:
    kim = people("kim.key", Role.KEY_PROFESSIONAL)
    location = register(kim, world.ava).headers["location"].split("?")[0]
    listed = page_text(kim.get("/involvements").text)
    assert f"health visiting – {world.ava}" in listed

    renewed = kim.post(f"{location}/renew", data={"csrf_token": token(kim)})
    assert "Your involvement is renewed" in page_text(renewed.text)
    blank = kim.post(f"{location}/end", data={"reason": " ", "csrf_token": token(kim)})
    assert blank.status_code == 400
    assert "Enter why the involvement ends" in page_text(blank.text)
    ended = kim.post(f"{location}/end", data={"reason": "case closed", "csrf_token": token(kim)})

    assert "The involvement has ended" in page_text(ended.text)
    assert "Ended on" in page_text(ended.text)
    assert "You have no active involvements" in page_text(kim.get("/involvements").text)


def test_a_child_who_does_not_exist_is_not_found(people: SignIn, world: World) -> None:
    kim = people("kim.key", Role.KEY_PROFESSIONAL)

    assert kim.get(f"/children/{NOWHERE}/involvement").status_code == 404
    assert kim.get(f"/signposting/{NOWHERE}").status_code == 404
    assert kim.get(f"/api/v1/children/{NOWHERE}/signposting", params=WHY).status_code == 404
    answer = kim.post(
        f"/api/v1/children/{NOWHERE}/involvements",
        json={"service_type": "x", "organisation": "y", "practitioner_name": "Kim",
              "email": "kim@example.org", "started_on": "2026-01-01"},
        headers={"X-CSRF-Token": token(kim)},
    )  # fmt: skip
    assert answer.status_code == 404
    assert kim.get("/involvements/99999").status_code == 404
    assert count(Involvement) == 0


def test_a_shielded_child_is_refused_to_a_practitioner(people: SignIn, world: World) -> None:
    with db.unit_of_work() as session:
        session.scalars(select(Child).where(Child.cp_id == world.cara)).one().shielded = True
    pat = people("pat.practitioner", Role.PRACTITIONER)

    assert pat.get(f"/children/{world.cara}/involvement").status_code == 403
    posted = pat.post(
        f"/children/{world.cara}/involvement",
        data={"service_type": "early help", "organisation": "Leeds", "practitioner_name": "Pat",
              "email": "pat@example.org", "started_on-day": "1", "started_on-month": "3",
              "started_on-year": "2026", "csrf_token": token(pat)},
    )  # fmt: skip
    assert posted.status_code == 403
    assert count(Involvement) == 0
    assert len(refusals("/children/{cp_id}/involvement")) == 2


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        ({"email": "not-an-address"}, "email", "Enter an email address in the correct format"),
        ({"email": "", "phone": ""}, "email", "Enter an email address or a telephone number"),
        ({"service_type": ""}, "service_type", "Enter the service you work with the child in"),
        ({"started_on-day": "31", "started_on-month": "2"}, "started_on-day", "must be a real"),
        ({"started_on-year": "2099"}, "started_on-day", "must be today or in the past"),
        ({"service_type": "CAMHS"}, "consent_evidence", "registered only with the young"),
    ],
)
def test_a_bad_value_is_shown_at_its_field_and_nothing_is_registered(
    people: SignIn, world: World, changes: dict[str, str], field_id: str, message: str
) -> None:
    kim = people("kim.key", Role.KEY_PROFESSIONAL)

    answer = register(kim, world.ava, **changes)

    assert answer.status_code == 400
    assert f'href="#{field_id}"' in answer.text
    assert message in page_text(answer.text)
    assert count(Involvement) == 0


def test_a_sensitive_service_is_registered_with_the_evidence_of_consent(
    people: SignIn, world: World
) -> None:
    kim = people("kim.key", Role.KEY_PROFESSIONAL)

    answer = register(kim, world.ava, service_type="CAMHS", consent_evidence="verbal, 1 March")

    assert answer.status_code == 303
    with db.unit_of_work() as session:
        assert session.scalars(select(Involvement.sensitive)).one() is True


def test_a_form_or_a_call_without_its_csrf_token_is_refused(people: SignIn, world: World) -> None:
    kim = people("kim.key", Role.KEY_PROFESSIONAL)

    page = register(kim, world.ava, csrf_token=None)
    forged = register(kim, world.ava, csrf_token="forged")
    api = kim.post(
        f"/api/v1/children/{world.ava}/involvements",
        json={"service_type": "x", "organisation": "y", "practitioner_name": "Kim",
              "email": "kim@example.org", "started_on": "2026-01-01"},
    )  # fmt: skip

    assert (page.status_code, forged.status_code, api.status_code) == (403, 403, 403)
    assert count(Involvement) == 0
    assert len(refusals("/children/{cp_id}/involvement")) == 2


def test_the_inbox_counts_unread_and_opening_a_notification_marks_it_read(
    people: SignIn, world: World
) -> None:
    kim = people("kim.key", Role.KEY_PROFESSIONAL)
    register(kim, world.ava)
    lee = people("lee.key", Role.KEY_PROFESSIONAL)
    register(lee, world.ava)
    assert UNREAD_ONE in kim.get("/involvements").text  # every page's navigation
    [notification] = inbox_of("kim.key")

    opened = kim.post(
        f"/inbox/{notification.id}/read",
        data={"then": "open", "csrf_token": token(kim)},
        follow_redirects=False,
    )

    assert opened.status_code == 303
    assert opened.headers["location"] == f"/signposting/{world.ava}"
    assert inbox_of("kim.key")[0].read_at is not None
    assert "Inbox (" not in kim.get("/inbox").text
    assert kim.get("/api/v1/inbox").json()["unread"] == 0


def test_another_users_notification_cannot_be_marked_read(people: SignIn, world: World) -> None:
    kim = people("kim.key", Role.KEY_PROFESSIONAL)
    register(kim, world.ava)
    lee = people("lee.key", Role.KEY_PROFESSIONAL)
    register(lee, world.ava)
    [kims] = inbox_of("kim.key")

    page = lee.post(f"/inbox/{kims.id}/read", data={"csrf_token": token(lee)})
    api = lee.post(f"/api/v1/inbox/{kims.id}/read", headers={"X-CSRF-Token": token(lee)})

    assert page.status_code == 403 and api.status_code == 403
    assert "someone else's" in api.json()["detail"]
    assert inbox_of("kim.key")[0].read_at is None
    assert len(refusals("/inbox/{notification_id}/read")) == 1


def test_those_told_in_a_signal_record_who_coordinates(people: SignIn, world: World) -> None:
    kim = people("kim.key", Role.KEY_PROFESSIONAL)
    register(kim, world.ava)
    lee = people("lee.key", Role.KEY_PROFESSIONAL)
    register(lee, world.ava)
    signal = lee.get("/api/v1/inbox").json()["signals"][0]
    kims = next(m for m in signal["members"] if m["practitioner_name"] == "Kim Key")

    nothing = kim.post(f"/signals/{signal['id']}/coordinate", data={"csrf_token": token(kim)})
    chosen = kim.post(
        f"/signals/{signal['id']}/coordinate",
        data={"coordinator": str(kims["involvement_id"]), "csrf_token": token(kim)},
    )
    pat = people("pat.practitioner", Role.PRACTITIONER)
    outsider = pat.post(
        f"/api/v1/signals/{signal['id']}/coordinate",
        json={"coordinator_involvement_id": kims["involvement_id"]},
        headers={"X-CSRF-Token": token(pat)},
    )

    assert nothing.status_code == 400 and "Choose who coordinates" in page_text(nothing.text)
    assert "Who coordinates is recorded" in page_text(chosen.text)
    assert (
        lee.get("/api/v1/inbox").json()["signals"][0]["coordinator_involvement_id"]
        == (kims["involvement_id"])
    )
    assert outsider.status_code == 403


def test_a_data_manager_sets_and_ends_a_flag_which_signals_those_involved(
    people: SignIn, world: World
) -> None:
    kim = people("kim.key", Role.KEY_PROFESSIONAL)
    register(kim, world.cara)
    lee = people("lee.key", Role.KEY_PROFESSIONAL)
    register(lee, world.cara)
    assert count(Signal) == 0
    dee = people("dee.manager", Role.DATA_MANAGER)

    page = dee.get(f"/children/{world.cara}/flags")
    assert "The child has no flags" in page_text(page.text)
    csrf = field(page.text, "csrf_token")
    wrong = dee.post(f"/children/{world.cara}/flags", data={"csrf_token": csrf})
    assert wrong.status_code == 400 and "Choose the flag to set" in page_text(wrong.text)
    dee.post(
        f"/children/{world.cara}/flags",
        data={"kind": "looked_after", "started_on-day": "2", "started_on-month": "2",
              "started_on-year": "2026", "csrf_token": csrf},
    )  # fmt: skip
    assert count(Signal) == 1 and len(inbox_of("kim.key")) == 1
    [flag] = dee.get(f"/api/v1/children/{world.cara}/flags").json()
    assert flag["kind"] == "looked_after" and flag["active"] is True
    name = f"ended_on-{flag['id']}"
    ended = dee.post(
        f"/children/{world.cara}/flags/{flag['id']}/end",
        data={f"{name}-day": "3", f"{name}-month": "2", f"{name}-year": "2026", "csrf_token": csrf},
    )
    assert "Flag ended" in page_text(ended.text)
    assert kim.get(f"/children/{world.cara}/flags").status_code == 403


def test_a_request_for_contact_with_an_undisclosed_service_is_passed_on(
    people: SignIn, world: World
) -> None:
    lee = people("lee.key", Role.KEY_PROFESSIONAL)
    register(lee, world.ava, service_type="CAMHS", consent_evidence="verbal, 1 March")
    kim = people("kim.key", Role.KEY_PROFESSIONAL)
    form = kim.get(f"/signposting/{world.ava}")
    answer = kim.post(
        f"/signposting/{world.ava}", data={**WHY, "csrf_token": field(form.text, "csrf_token")}
    )
    assert "A service working with this child cannot be shown to you" in page_text(answer.text)
    assert "CAMHS" not in answer.text

    empty = kim.post(f"/signposting/{world.ava}/contact-request", data={"csrf_token": token(kim)})
    sent = kim.post(
        f"/signposting/{world.ava}/contact-request",
        data={"message": "Need to talk about school", "csrf_token": token(kim)},
    )
    assert empty.status_code == 400 and "Enter why you need to be in touch" in empty.text
    assert "Request sent" in page_text(sent.text)

    pat = people("pat.practitioner", Role.PRACTITIONER)
    assert pat.get("/contact-requests").status_code == 403
    assert 'href="/contact-requests"' not in pat.get("/search").text
    dee = people("dee.manager", Role.DATA_MANAGER)
    # In the data manager's menu (issue 16: reachable only from an inbox notification).
    assert 'href="/contact-requests"' in dee.get("/review").text
    waiting = dee.get("/contact-requests")
    assert "Need to talk about school" in page_text(waiting.text)
    found = re.search(r'id="request-(\d+)"', waiting.text)
    assert found
    request_id = int(found.group(1))
    passed = dee.post(f"/contact-requests/{request_id}/pass-on", data={"csrf_token": token(dee)})
    assert "Request passed on" in page_text(passed.text)
    assert [n.kind for n in inbox_of("kim.key")][-1] == "contact_passed_on"
    assert "Need to talk about school" in inbox_of("lee.key")[-1].body


def test_the_api_registers_and_answers_with_explicit_fields(people: SignIn, world: World) -> None:
    kim = people("kim.key", Role.KEY_PROFESSIONAL)
    body = {"service_type": "youth justice", "organisation": "Leeds YJS",
            "practitioner_name": "Kim Key", "phone": "0113 496 0001",
            "started_on": "2026-02-01", "lead_professional": True}  # fmt: skip

    made = kim.post(
        f"/api/v1/children/{world.ava}/involvements",
        json=body,
        headers={"X-CSRF-Token": token(kim)},
    )
    unknown = kim.post(
        f"/api/v1/children/{world.ava}/involvements",
        json={**body, "case_notes": "never held"},
        headers={"X-CSRF-Token": token(kim)},
    )
    renewed = kim.post(
        f"/api/v1/involvements/{made.json()['id']}/renew", headers={"X-CSRF-Token": token(kim)}
    )

    assert made.status_code == 201
    assert made.json()["cp_id"] == world.ava and made.json()["active"] is True
    assert "consent_evidence" not in made.json()
    assert unknown.status_code == 422
    assert renewed.status_code == 200
    again = kim.post(
        f"/api/v1/children/{world.ava}/involvements",
        json=body,
        headers={"X-CSRF-Token": token(kim)},
    )
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/children/{cp}/involvements"),
        ("POST", "/api/v1/involvements/1/end"),
        ("POST", "/api/v1/involvements/1/renew"),
        ("GET", "/api/v1/children/{cp}/signposting?reason=safeguarding"),
        ("GET", "/api/v1/inbox"),
        ("POST", "/api/v1/inbox/1/read"),
        ("GET", "/api/v1/children/{cp}/flags"),
        ("POST", "/api/v1/children/{cp}/flags"),
        ("POST", "/api/v1/signals/1/coordinate"),
        ("POST", "/api/v1/children/{cp}/contact-requests"),
    ],
)
def test_the_api_answers_401_without_signing_in(
    client: TestClient, world: World, method: str, path: str
) -> None:
    answer = client.request(method, path.format(cp=world.ava), json={})

    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Cookie")


def test_the_pages_send_a_stranger_to_sign_in(client: TestClient, world: World) -> None:
    for path in ("/involvements", "/inbox", f"/signposting/{world.ava}", "/contact-requests"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/sign-in")


def test_the_record_page_links_to_what_the_user_may_do(people: SignIn, world: World) -> None:
    kim = people("kim.key", Role.KEY_PROFESSIONAL)
    text = page_text(kim.get(f"/children/{world.ava}", params=WHY).text)
    assert "Register your involvement with this child" in text
    assert "Who else is involved with this child" in text
    assert "Child protection and looked-after flags" not in text

    pat = people("pat.practitioner", Role.PRACTITIONER)
    text = page_text(pat.get(f"/children/{world.ava}", params=WHY).text)
    assert "Register your involvement with this child" in text
    assert "Who else is involved with this child" not in text
    dee = people("dee.manager", Role.DATA_MANAGER)
    text = page_text(dee.get(f"/children/{world.ava}", params=WHY).text)
    assert "Child protection and looked-after flags" in text


def test_an_outsiders_views_in_a_day_are_one_alert_in_the_data_managers_inbox(
    people: SignIn, world: World
) -> None:
    # Issue 19, item 5, through the record page: each view by someone outside the
    # responsible authority was one more notification, and data managers heard nothing
    # where the authority had a team address.
    with db.unit_of_work() as session:
        secret_of_hal = active_user(
            session, "hal.practitioner", Role.PRACTITIONER, la_code=HULL
        ).totp_secret
    assert secret_of_hal
    with TestClient(create_app()) as hal:
        sign_in(hal, "hal.practitioner", secret_of_hal)
        for _ in range(3):
            assert hal.get(f"/children/{world.ava}", params=WHY).status_code == 200
    (alert,) = [n for n in inbox_of("dee.manager") if n.kind == "contact_alert"]
    assert alert.body.count("viewed the record") == 3
    assert alert.subject.endswith("(3 today)")
    with db.unit_of_work() as session:
        sent = list(session.scalars(select(OutboxEmail.to_address)))
    # E-mailed once, to the authority's team address.
    assert sent.count(f"contactpoint@{LEEDS.lower()}.example") == 1


def test_the_answer_says_when_other_practitioners_are_involved(
    people: SignIn, world: World
) -> None:
    # Issue 16: a child with a practitioner involved who was no key or lead professional
    # was answered "No other key or lead professional is registered as involved".
    pat = people("pat.practitioner", Role.PRACTITIONER)
    assert register(pat, world.cara).status_code == 303
    kim = people("kim.key", Role.KEY_PROFESSIONAL)
    form = kim.get(f"/signposting/{world.cara}")
    answer = kim.post(
        f"/signposting/{world.cara}", data={**WHY, "csrf_token": field(form.text, "csrf_token")}
    )
    text = page_text(answer.text)
    assert "One other practitioner is involved; they are not a key or lead professional" in text
    assert "Pat" not in text.split("Who else is involved", 1)[1]
