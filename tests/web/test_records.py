"""A child's record: the page and the API, on both databases. Children are loaded through
the real feeds; each look is checked against the audit trail."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from contactpoint import db
from contactpoint.feeds import pipeline
from contactpoint.kinds.access import Role
from contactpoint.kinds.children import ChildStatus
from contactpoint.review.service import merge
from contactpoint.tables.access import LoginSession
from contactpoint.tables.audit import AuditEntry
from contactpoint.tables.children import Child, ChildIdentifier, SensitiveConsent
from tests.builders import birth, death, nhs_number, nhs_record, write_feed
from tests.people import HULL, LEEDS, active_user, field, sign_in
from tests.web.conftest import page_text

WHY = {"reason": "safeguarding"}
SAFEGUARDING = "A safeguarding or child protection concern"


def la_row(n: int, record_id: str, **changes: Any) -> dict[str, Any]:
    """Leeds children's services' row about child ``n`` of ``birth(n)``."""
    born = birth(n)
    return {
        "record_id": record_id,
        "la_code": LEEDS,
        "la_child_id": f"C{n:05d}",
        "given_names": born["given_names"],
        "family_name": born["family_name"],
        "date_of_birth": born["date_of_birth"],
        "gender": born["gender"],
        "nhs_number": nhs_number(n),
        "service_type": "social care",
        "organisation": "Leeds Children's Social Care",
        "practitioner_name": "Priya Shah",
        "practitioner_role": "Social Worker",
        "practitioner_email": "priya.shah@leeds.example",
        "practitioner_phone": "0113 496 0123",
        "involvement_start": "2024-01-08",
        "lead_professional": "Y",
        "early_help_assessment": "Y",
        "cp_plan_start": "2024-01-10",
        **changes,
    }


@dataclass(frozen=True)
class World:
    zain: str  # born Zain Hussain, now Zain Walker (NHS); social care and CAMHS involved
    oliver: str  # deceased


@pytest.fixture
def world(committed_engine: Engine, tmp_path: Path) -> World:
    def load(source: str, rows: list[dict[str, Any]]) -> None:
        path = write_feed(tmp_path / f"{source}.csv", source, rows)
        with db.unit_of_work() as session:
            pipeline.load_file(session, source_name=source, path=path, loaded_by="test")

    load("gro-births", [birth(1), birth(2)])
    load("nhs-demographics", [nhs_record(1, family_name="Walker")])
    load("gro-deaths", [death(2)])
    camhs = {
        "service_type": "CAMHS",
        "organisation": "Leeds Child and Adolescent Mental Health Service",
        "practitioner_name": "Tom Reed",
        "practitioner_email": "tom.reed@nhs.example",
        "lead_professional": "N",
        "early_help_assessment": "N",
        "cp_plan_start": "",
    }
    load("la-childrens-services", [la_row(1, "LA-1"), la_row(1, "LA-2", **camhs)])
    with db.unit_of_work() as session:
        assert len(session.scalars(select(Child)).all()) == 2
        return World(_cp_id(session, 1), _cp_id(session, 2))


def _cp_id(session: Any, n: int) -> str:
    child_id = session.scalar(
        select(ChildIdentifier.child_id).where(ChildIdentifier.value == nhs_number(n))
    )
    cp_id: str = session.get(Child, child_id).cp_id
    return cp_id


def as_user(client: TestClient, username: str, *roles: Role, la_code: str = LEEDS) -> TestClient:
    """The client, signed in as a new user with ``roles`` in authority ``la_code``."""
    with db.unit_of_work() as session:
        secret = active_user(session, username, *roles, la_code=la_code).totp_secret
    assert secret
    sign_in(client, username, secret)
    return client


def change(cp_id: str, **values: Any) -> None:
    with db.unit_of_work() as session:
        child = session.scalars(select(Child).where(Child.cp_id == cp_id)).one()
        for name, value in values.items():
            setattr(child, name, value)


def views() -> list[dict[str, Any]]:
    """Every ``record.view`` entry committed to the audit trail, oldest first."""
    with db.unit_of_work() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "record.view").order_by(AuditEntry.id)
        ).all()
        return [
            {
                "actor": e.actor,
                "outcome": e.outcome,
                "child_id": e.child_id,
                "reason": e.reason,
                "details": e.details,
            }
            for e in entries
        ]


def child_id(cp_id: str) -> int:
    with db.unit_of_work(read_only=True) as session:
        found: int = session.scalars(select(Child.id).where(Child.cp_id == cp_id)).one()
        return found


def the_one_view(cp_id: str | None, outcome: str, disclosure: str) -> dict[str, Any]:
    [entry] = views()
    assert entry["outcome"] == outcome
    assert entry["child_id"] == (child_id(cp_id) if cp_id else None)
    assert entry["reason"] == SAFEGUARDING
    assert entry["details"]["disclosure"] == disclosure
    return entry


def test_a_practitioner_sees_the_record_with_the_provenance_of_each_value(
    client: TestClient, world: World
) -> None:
    as_user(client, "pat.practitioner", Role.PRACTITIONER)

    response = client.get(f"/children/{world.zain}", params=WHY)

    assert response.status_code == 200
    text = page_text(response.text)
    assert "Zain Walker" in text
    assert "from NHS demographics" in text
    assert "from GRO birth registrations, 21 March 2015" in text  # date of birth
    assert "Hyde Park Surgery B86012 1 June 2020" in text
    assert "Priya Shah, Social Worker" in text
    assert "priya.shah@leeds.example" in text
    assert "Lead professional Yes Early-help assessment completed Yes" in text
    assert "Child protection plan 10 January 2024 Continuing Leeds" in text
    assert "Tom Reed" not in text  # CAMHS: sensitive, no consent
    assert "Address history" not in text
    assert "3 Otley Road, Leeds LS6 3AA from NHS demographics" in text
    entry = the_one_view(world.zain, "allowed", "full")
    assert entry["actor"] == "pat.practitioner"
    assert entry["details"]["sensitive_services_shown"] == 0


def test_the_api_gives_each_value_with_its_source_and_date(
    client: TestClient, world: World
) -> None:
    as_user(client, "pat.practitioner", Role.PRACTITIONER)

    body = client.get(f"/api/v1/children/{world.zain}", params=WHY).json()

    assert body["cp_id"] == world.zain
    assert body["disclosure"] == "full"
    assert body["date_of_birth"] == {
        "value": "2015-03-02",
        "provenance": {
            "source": "gro-births",
            "recorded_on": "2015-03-21",
            "received_on": body["date_of_birth"]["provenance"]["received_on"],
        },
    }
    assert body["address_history"] is None
    assert [s["service_type"] for s in body["services"]] == ["social care"]
    assert body["services"][0]["lead_professional"] is True
    assert body["vulnerabilities"][0]["kind"] == "child protection plan"
    assert body["vulnerabilities"][0]["la_code"] == LEEDS
    the_one_view(world.zain, "allowed", "full")


def test_former_names_are_the_names_sources_hold_other_than_the_current_one(
    client: TestClient, world: World
) -> None:
    as_user(client, "pat.practitioner", Role.PRACTITIONER)

    body = client.get(f"/api/v1/children/{world.zain}", params=WHY).json()

    assert (body["name"]["given_names"], body["name"]["family_name"]) == ("Zain", "Walker")
    assert body["name"]["provenance"]["source"] == "nhs-demographics"
    assert [(n["given_names"], n["family_name"]) for n in body["former_names"]] == [
        ("Zain", "Hussain")
    ]
    assert body["former_names"][0]["provenance"]["source"] == "gro-births"


def test_a_deceased_child_is_clearly_marked(client: TestClient, world: World) -> None:
    as_user(client, "pat.practitioner", Role.PRACTITIONER)

    response = client.get(f"/children/{world.oliver}", params=WHY)

    assert response.status_code == 200
    assert "govuk-tag--red" in response.text
    text = page_text(response.text)
    assert "Deceased" in text
    assert "This child died on 2 May 2022" in text
    assert "Date of death 2 May 2022 from GRO death registrations" in text
    the_one_view(world.oliver, "allowed", "full")


def test_a_shielded_record_shows_a_practitioner_only_that_it_exists_and_whom_to_contact(
    client: TestClient, world: World
) -> None:
    change(world.zain, shielded=True)
    as_user(client, "pat.practitioner", Role.PRACTITIONER)

    page = client.get(f"/children/{world.zain}", params=WHY)
    body = client.get(f"/api/v1/children/{world.zain}", params=WHY).json()

    assert page.status_code == 200
    text = page_text(page.text)
    assert "This record is shielded" in text
    assert "contactpoint@e08000035.example" in text
    for detail in ("Zain", "Walker", "Hussain", "2015", "Otley", "Priya", nhs_number(1)):
        assert detail not in text
    assert body == {
        "cp_id": world.zain,
        "disclosure": "exists_only",
        "shielded": True,
        "contact": {
            "authority": f"Council {LEEDS}",
            "email": "contactpoint@e08000035.example",
            "phone": "0113 496 0000",
            "national": False,
        },
    }
    assert [(v["outcome"], v["details"]["disclosure"]) for v in views()] == [
        ("allowed", "exists_only"),
        ("allowed", "exists_only"),
    ]


def test_a_shielded_record_without_a_team_contact_points_to_the_national_team(
    client: TestClient, world: World
) -> None:
    change(world.zain, shielded=True)
    as_user(client, "hal.practitioner", Role.PRACTITIONER, la_code=HULL)

    text = page_text(client.get(f"/children/{world.zain}", params=WHY).text)

    assert "contact the national ContactPoint team" in text
    the_one_view(world.zain, "allowed", "exists_only")


def test_the_owning_authoritys_data_manager_sees_a_shielded_record_in_full(
    client: TestClient, world: World
) -> None:
    change(world.zain, shielded=True)
    as_user(client, "dana.manager", Role.DATA_MANAGER)

    text = page_text(client.get(f"/children/{world.zain}", params=WHY).text)

    assert "Zain Walker" in text
    assert "This record is shielded. Other practitioners see only that it exists" in text
    the_one_view(world.zain, "allowed", "full")


def test_another_authoritys_data_manager_sees_a_shielded_record_as_a_stub(
    client: TestClient, world: World
) -> None:
    change(world.zain, shielded=True)
    with db.unit_of_work() as session:
        active_user(session, "dana.manager", Role.DATA_MANAGER)  # Leeds has a team
    as_user(client, "hugh.manager", Role.DATA_MANAGER, la_code=HULL)

    body = client.get(f"/api/v1/children/{world.zain}", params=WHY).json()

    assert body["shielded"] is True
    assert body["contact"]["email"] == "contactpoint@e08000035.example"
    assert "name" not in body
    the_one_view(world.zain, "allowed", "exists_only")


def test_an_archived_record_is_refused_to_a_practitioner_and_the_refusal_is_audited(
    client: TestClient, world: World
) -> None:
    change(world.zain, status=ChildStatus.ARCHIVED)
    as_user(client, "pat.practitioner", Role.PRACTITIONER)

    page = client.get(f"/children/{world.zain}", params=WHY)
    api = client.get(f"/api/v1/children/{world.zain}", params=WHY)

    assert page.status_code == 403
    assert "archived records are for data managers only" in page_text(page.text)
    assert "Zain" not in page_text(page.text)
    assert api.status_code == 403
    assert api.json() == {"detail": "archived records are for data managers only"}
    entries = views()
    assert [(v["outcome"], v["child_id"], v["reason"]) for v in entries] == [
        ("refused", child_id(world.zain), SAFEGUARDING)
    ] * 2


def test_an_archived_record_is_shown_to_a_data_manager(client: TestClient, world: World) -> None:
    change(world.zain, status=ChildStatus.ARCHIVED)
    as_user(client, "dana.manager", Role.DATA_MANAGER)

    response = client.get(f"/children/{world.zain}", params=WHY)

    assert response.status_code == 200
    assert "Archived" in page_text(response.text)
    the_one_view(world.zain, "allowed", "full")


def test_a_sensitive_service_is_shown_only_while_consent_is_recorded(
    client: TestClient, world: World
) -> None:
    as_user(client, "pat.practitioner", Role.PRACTITIONER)
    with db.unit_of_work() as session:
        consent = SensitiveConsent(
            child_id=child_id(world.zain),
            service_type="Mental health",
            evidence="signed consent form",
            recorded_by="dana.manager",
        )
        session.add(consent)

    shown = client.get(f"/api/v1/children/{world.zain}", params=WHY).json()
    with db.unit_of_work() as session:
        for found in session.scalars(select(SensitiveConsent)):
            found.withdrawn_at = datetime.now(UTC)
    hidden = client.get(f"/api/v1/children/{world.zain}", params=WHY).json()

    camhs = [s for s in shown["services"] if s["sensitive"]]
    assert [(s["service_type"], s["practitioner_name"]) for s in camhs] == [("CAMHS", "Tom Reed")]
    assert [s["service_type"] for s in hidden["services"]] == ["social care"]
    first, second = views()
    assert first["details"]["sensitive_services_shown"] == 1
    assert second["details"]["sensitive_services_shown"] == 0


def test_address_history_is_shown_only_to_the_owning_authoritys_data_managers(
    client: TestClient, world: World
) -> None:
    as_user(client, "dana.manager", Role.DATA_MANAGER)
    page = client.get(f"/children/{world.zain}", params=WHY)
    body = client.get(f"/api/v1/children/{world.zain}", params=WHY).json()
    as_user(client, "hugh.manager", Role.DATA_MANAGER, la_code=HULL)
    elsewhere = client.get(f"/api/v1/children/{world.zain}", params=WHY).json()

    text = page_text(page.text)
    assert "Address history" in text
    assert text.index("3 Otley Road") < text.index("12 Cardigan Road")
    assert [a["postcode"] for a in body["address_history"]] == ["LS6 3AA", "LS6 1LF"]
    assert elsewhere["address_history"] is None
    assert [v["details"]["address_history"] for v in views()] == [True, True, False]


def test_without_a_reason_the_page_asks_for_one_and_nothing_is_audited(
    client: TestClient, world: World
) -> None:
    as_user(client, "pat.practitioner", Role.PRACTITIONER)

    form = client.get(f"/children/{world.zain}")
    unchosen = client.get(f"/children/{world.zain}", params={"reason_detail": ""})
    unsaid = client.get(f"/children/{world.zain}", params={"reason": "other"})
    api = client.get(f"/api/v1/children/{world.zain}")
    invented = client.get(f"/api/v1/children/{world.zain}", params={"reason": "curious"})

    assert form.status_code == 200
    assert "Why do you need to see this record?" in page_text(form.text)
    assert f'action="/children/{world.zain}"' in form.text
    # A POST with the page's CSRF token: the reason stays out of the address.
    assert 'method="post"' in form.text
    assert 'name="csrf_token"' in form.text
    for code in ("safeguarding", "other"):
        assert f'value="{code}"' in form.text
    assert 'name="reason_detail"' in form.text
    assert "Zain" not in page_text(form.text)
    assert unchosen.status_code == 422
    assert "Choose a reason for looking at this record" in page_text(unchosen.text)
    assert unsaid.status_code == 422
    assert "Say why you need to look" in page_text(unsaid.text)
    assert api.status_code == 422
    assert invented.status_code == 422
    assert views() == []
    chosen = client.post(
        f"/children/{world.zain}",
        data={"reason": "identity", "csrf_token": field(form.text, "csrf_token")},
    )
    assert chosen.status_code == 200
    assert "Zain" in page_text(chosen.text)
    assert len(views()) == 1
    forged = client.post(f"/children/{world.zain}", data={"reason": "identity"})
    assert forged.status_code == 403


def test_another_reason_is_audited_in_the_users_own_words(client: TestClient, world: World) -> None:
    as_user(client, "pat.practitioner", Role.PRACTITIONER)

    response = client.get(
        f"/children/{world.zain}", params={"reason": "other", "reason_detail": "School trip"}
    )

    assert response.status_code == 200
    [entry] = views()
    assert entry["reason"] == "Another reason (say what): School trip"
    assert entry["details"]["reason_code"] == "other"


def test_an_unknown_contactpoint_id_is_not_found_and_audited(
    client: TestClient, world: World
) -> None:
    as_user(client, "pat.practitioner", Role.PRACTITIONER)

    page = client.get("/children/CP-0000-0000-0", params=WHY)
    api = client.get("/api/v1/children/not-an-id", params=WHY)

    assert page.status_code == 404
    assert api.status_code == 404
    assert [(v["outcome"], v["child_id"], v["details"]["cp_id"]) for v in views()] == [
        ("refused", None, "CP-0000-0000-0"),
        ("refused", None, "not-an-id"),
    ]


def test_a_merged_away_contactpoint_id_leads_to_the_surviving_child(
    client: TestClient, world: World
) -> None:
    with db.unit_of_work() as session:
        merge(
            session,
            survivor_id=child_id(world.zain),
            merged_id=child_id(world.oliver),
            actor="dana.manager",
            reason="test",
        )
    as_user(client, "pat.practitioner", Role.PRACTITIONER)

    body = client.get(f"/api/v1/children/{world.oliver}", params=WHY).json()

    assert body["cp_id"] == world.zain
    assert body["merged_from"] == world.oliver
    entry = the_one_view(world.zain, "allowed", "full")
    assert entry["details"]["merged_from"] == world.oliver


def test_looking_needs_a_signed_in_user(client: TestClient, world: World) -> None:
    assert client.get(f"/api/v1/children/{world.zain}", params=WHY).status_code == 401
    page = client.get(f"/children/{world.zain}", params=WHY, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/sign-in?next=")
    assert views() == []


def test_the_record_page_has_ordered_headings_and_labelled_tables(
    client: TestClient, world: World
) -> None:
    as_user(client, "dana.manager", Role.DATA_MANAGER)

    page = client.get(f"/children/{world.zain}", params=WHY).text

    levels = [int(level) for level in re.findall(r"<h([1-6])\b", page)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(later - earlier <= 1 for earlier, later in pairwise(levels))
    tables = re.findall(r"<table\b.*?</table>", page, flags=re.S)
    assert len(tables) >= 4
    for table in tables:
        assert "<caption" in table
        assert '<th scope="col"' in table


def test_a_key_professional_who_overrode_the_shield_sees_the_record_and_it_is_flagged(
    client: TestClient, world: World
) -> None:
    change(world.zain, shielded=True)
    as_user(client, "kim.key", Role.KEY_PROFESSIONAL, la_code=HULL)
    with db.unit_of_work() as session:
        for login in session.scalars(select(LoginSession)):
            login.overrides = [child_id(world.zain)]

    response = client.get(f"/children/{world.zain}", params=WHY)

    text = page_text(response.text)
    assert "Zain Walker" in text
    assert "You overrode the shield on this record" in text
    entry = the_one_view(world.zain, "allowed", "full")
    assert entry["details"]["overridden"] is True


# Break glass: a key professional overrides a shield after saying why; the override is
# flagged in the audit trail and lasts for the session. Nobody else may.


def overrides() -> list[AuditEntry]:
    with db.unit_of_work() as session:
        found = list(
            session.scalars(select(AuditEntry).where(AuditEntry.action == "record.override"))
        )
        session.expunge_all()
        return found


def test_a_key_professional_overrides_a_shield_saying_why(client: TestClient, world: World) -> None:
    change(world.zain, shielded=True)
    as_user(client, "kim.keyprofessional", Role.KEY_PROFESSIONAL)
    stub = client.get(f"/children/{world.zain}", params=WHY)
    assert "Override the shield" in stub.text
    token = field(stub.text, "csrf_token")

    silent = client.post(
        f"/children/{world.zain}/override", data={"csrf_token": token, "reason": "safeguarding"}
    )
    assert silent.status_code == 422
    assert overrides() == []

    opened = client.post(
        f"/children/{world.zain}/override",
        data={
            "csrf_token": token,
            "reason": "safeguarding",
            "override_reason": "Police report of immediate risk; team unreachable out of hours",
        },
    )
    assert opened.status_code == 200
    assert "Zain" in page_text(opened.text)
    (entry,) = overrides()
    assert entry.details["flagged_for_investigation"] is True
    assert entry.reason and "immediate risk" in entry.reason
    # The override lasts for the session.
    again = client.get(f"/children/{world.zain}", params=WHY)
    assert "Zain" in page_text(again.text)


def test_a_practitioner_is_offered_no_override_and_is_refused_one(
    client: TestClient, world: World
) -> None:
    change(world.zain, shielded=True)
    as_user(client, "pat.practitioner", Role.PRACTITIONER)
    stub = client.get(f"/children/{world.zain}", params=WHY)
    assert "Override the shield" not in stub.text
    refused = client.post(
        f"/children/{world.zain}/override",
        data={
            "csrf_token": field(stub.text, "csrf_token"),
            "reason": "safeguarding",
            "override_reason": "curious",
        },
    )
    assert refused.status_code == 403
    assert overrides() == []
    with db.unit_of_work() as session:
        outcomes = session.scalars(select(AuditEntry.action).where(AuditEntry.outcome == "refused"))
        assert "refused" in list(outcomes)


def test_a_record_closed_for_a_new_identity_answers_exactly_as_an_unknown_id(
    client: TestClient, world: World
) -> None:
    # Security review S9: the closed record answered 403 "there is no record to show"
    # and an unknown ID 404, so holding an old ID told that it had been closed.
    from contactpoint.access import accounts
    from contactpoint.access.policy import Principal
    from contactpoint.records.identity import close_for_new_identity

    with db.unit_of_work() as session:
        admin = active_user(session, "nat.admin", Role.NATIONAL_ADMIN)
        national = Principal(admin.id, admin.username, accounts.roles_of(session, admin.id), None)
        close_for_new_identity(session, national, world.zain, "adoption order", world.oliver)
    as_user(client, "pat.practitioner", Role.PRACTITIONER)
    unknown = "CP-0000-0000-0"
    for path in ("/children/{}", "/api/v1/children/{}"):
        closed_answer = client.get(path.format(world.zain), params=WHY)
        unknown_answer = client.get(path.format(unknown), params=WHY)
        assert closed_answer.status_code == unknown_answer.status_code == 404
        shown = [page_text(a.text) for a in (closed_answer, unknown_answer)]
        assert shown[0].replace(world.zain, "ID") == shown[1].replace(unknown, "ID")
