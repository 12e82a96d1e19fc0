"""Shielding as a capability, on both databases: the responsible authority's data
manager shields a child and lifts the shield, with a reason, through the page and the
API; every change is audited and listed; a practitioner then sees only the stub; nobody
else may change it, and a missing reason changes nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select, update

from contactpoint import db
from contactpoint.kinds.access import Role
from contactpoint.tables.audit import AuditEntry
from contactpoint.tables.children import Child
from tests.builders import local_row
from tests.people import HULL, LEEDS, active_user, field, sign_in
from tests.web.conftest import LoadLocal, page_text

WHY = {"reason": "safeguarding"}


@pytest.fixture
def cp_id(load_local: LoadLocal) -> str:
    load_local([local_row(1, given_names="Kris", family_name="Pathak", postcode="LS6 2AB")])
    with db.unit_of_work() as session:
        session.execute(update(Child).values(responsible_la_code=LEEDS))
        found: str = session.scalars(select(Child.cp_id)).one()
        return found


def as_user(client: TestClient, username: str, role: Role, la_code: str = LEEDS) -> TestClient:
    with db.unit_of_work() as session:
        secret = active_user(session, username, role, la_code=la_code).totp_secret
    assert secret
    sign_in(client, username, secret)
    return client


def post(client: TestClient, path: str, data: dict[str, str]) -> Response:
    token = field(client.get("/inbox").text, "csrf_token")
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def shielded(cp_id: str) -> bool:
    with db.unit_of_work(read_only=True) as session:
        value: bool = session.scalars(select(Child.shielded).where(Child.cp_id == cp_id)).one()
        return value


def changes() -> list[tuple[str, str, str | None]]:
    with db.unit_of_work(read_only=True) as session:
        query = select(AuditEntry.action, AuditEntry.actor, AuditEntry.reason).where(
            AuditEntry.action.in_(("child.shield", "child.unshield"))
        )
        return [tuple(row) for row in session.execute(query.order_by(AuditEntry.id))]  # type: ignore[misc]


def test_the_owning_data_manager_shields_and_lifts_the_shield_with_a_reason(
    client: TestClient, cp_id: str
) -> None:
    as_user(client, "dee.manager", Role.DATA_MANAGER)
    record = page_text(client.get(f"/children/{cp_id}", params=WHY).text)
    assert "Shield this record" in record
    page = client.get(f"/children/{cp_id}/shield")
    assert page.status_code == 200 and "This record is not shielded" in page_text(page.text)

    missing = post(client, f"/children/{cp_id}/shield", {"shielded": "yes", "reason": " "})
    assert missing.status_code == 400
    assert "say why" in page_text(missing.text).lower()
    assert not shielded(cp_id)

    done = post(
        client, f"/children/{cp_id}/shield", {"shielded": "yes", "reason": "Family in a refuge"}
    )
    assert done.status_code == 303
    assert shielded(cp_id)
    shown = page_text(client.get(done.headers["location"]).text)
    assert "The record is shielded" in shown and "Family in a refuge" in shown

    lifted = post(
        client, f"/children/{cp_id}/shield", {"shielded": "no", "reason": "Court order ended"}
    )
    assert lifted.status_code == 303 and not shielded(cp_id)
    assert changes() == [
        ("child.shield", "dee.manager", "Family in a refuge"),
        ("child.unshield", "dee.manager", "Court order ended"),
    ]


def test_a_shielded_record_is_a_stub_to_a_practitioner_elsewhere(
    client: TestClient, cp_id: str
) -> None:
    as_user(client, "dee.manager", Role.DATA_MANAGER)
    post(client, f"/children/{cp_id}/shield", {"shielded": "yes", "reason": "Refuge"})
    client.cookies.clear()
    as_user(client, "hal.practitioner", Role.PRACTITIONER, la_code=HULL)
    answer = client.get(f"/api/v1/children/{cp_id}", params=WHY).json()
    assert answer["shielded"] is True
    assert "Pathak" not in str(answer) and "LS6" not in str(answer)


@pytest.mark.parametrize(
    ("username", "role", "la_code"),
    [
        ("hal.manager", Role.DATA_MANAGER, HULL),
        ("pat.practitioner", Role.PRACTITIONER, LEEDS),
        ("kim.key", Role.KEY_PROFESSIONAL, LEEDS),
    ],
)
def test_nobody_else_may_shield_or_lift_a_shield(
    client: TestClient, cp_id: str, username: str, role: Role, la_code: str
) -> None:
    as_user(client, username, role, la_code)
    assert client.get(f"/children/{cp_id}/shield").status_code == 403
    refused = post(client, f"/children/{cp_id}/shield", {"shielded": "yes", "reason": "x"})
    assert refused.status_code == 403
    body = {"shielded": True, "reason": "x"}
    assert client.put(f"/api/v1/children/{cp_id}/shield", json=body).status_code == 403
    assert not shielded(cp_id)
    assert changes() == []


def test_the_api_shields_and_reads_the_history(client: TestClient, cp_id: str) -> None:
    as_user(client, "dee.manager", Role.DATA_MANAGER)
    token = field(client.get("/inbox").text, "csrf_token")
    headers = {"X-CSRF-Token": token}
    answer = client.put(
        f"/api/v1/children/{cp_id}/shield", json={"shielded": True, "reason": "Refuge"},
        headers=headers,
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.json()["shielded"] is True
    again = client.put(
        f"/api/v1/children/{cp_id}/shield", json={"shielded": True, "reason": "Again"},
        headers=headers,
    )  # fmt: skip
    assert again.status_code == 409
    history = client.get(f"/api/v1/children/{cp_id}/shield").json()["history"]
    assert [(h["shielded"], h["by"], h["reason"]) for h in history] == [
        (True, "dee.manager", "Refuge")
    ]
