"""The policy matrix through the API: every role × record state, as a client sees it.

The expected disclosure for each role and state is the hand-written table of the policy's
own tests (``tests/unit/test_policy.py``); here each cell is a real request to
``GET /api/v1/children/{cp_id}``, and each must be audited.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update

from contactpoint import db
from contactpoint.access.policy import Disclosure
from contactpoint.feeds import pipeline
from contactpoint.kinds.access import Role
from contactpoint.kinds.children import ChildStatus
from contactpoint.tables.audit import AuditEntry
from contactpoint.tables.children import Child, ChildIdentifier, SensitiveConsent
from tests.builders import birth, nhs_number, write_feed
from tests.people import HULL, LEEDS, active_user, sign_in
from tests.unit.test_policy import EXPECTED_VIEW
from tests.web.test_records import la_row

# The record states of the matrix, one child each (birth n), and how each is made.
STATES = {
    "normal": (1, {}),
    "shielded": (2, {"shielded": True}),
    "shielded_elsewhere": (3, {"shielded": True, "responsible_la_code": HULL}),
    "archived": (4, {"status": ChildStatus.ARCHIVED}),
    "deceased": (5, {"status": ChildStatus.DECEASED}),
    "sensitive": (6, {}),
    "sensitive_consented": (7, {}),
}
CAMHS = {"service_type": "CAMHS", "cp_plan_start": "", "lead_professional": "N"}


def build_world(tmp_path: Path) -> dict[str, str]:
    """One child per state; their ContactPoint IDs by state."""
    files = {
        "gro-births": [birth(n) for n, _ in STATES.values()],
        "la-childrens-services": [
            la_row(6, "LA-6", **CAMHS),
            la_row(7, "LA-7", **CAMHS),
        ],
    }
    for source, rows in files.items():
        path = write_feed(tmp_path / f"{source}.csv", source, rows)
        with db.unit_of_work() as session:
            pipeline.load_file(session, source_name=source, path=path, loaded_by="test")
    cp_ids = {}
    with db.unit_of_work() as session:
        for state, (n, values) in STATES.items():
            child_id = session.scalar(
                select(ChildIdentifier.child_id).where(ChildIdentifier.value == nhs_number(n))
            )
            session.execute(
                update(Child)
                .where(Child.id == child_id)
                .values(**({"responsible_la_code": LEEDS} | values))
            )
            cp_ids[state] = session.get(Child, child_id).cp_id  # type: ignore[union-attr]
            if state == "sensitive_consented":
                session.add(
                    SensitiveConsent(
                        child_id=child_id,
                        service_type="CAMHS",
                        evidence="signed form",
                        recorded_by="dm",
                    )
                )
    return cp_ids


def audited() -> int:
    with db.unit_of_work() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "record.view")
            )
            or 0
        )


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_every_record_state_through_the_api(
    client: TestClient, committed_engine: Engine, tmp_path: Path, role: Role
) -> None:
    cp_ids = build_world(tmp_path)
    with db.unit_of_work() as session:
        username = f"someone.{role.value.replace('_', '-')}"
        secret = active_user(session, username, role, la_code=LEEDS).totp_secret
    assert secret
    sign_in(client, username, secret)

    for state, cp_id in cp_ids.items():
        before = audited()
        answer = client.get(f"/api/v1/children/{cp_id}", params={"reason": "safeguarding"})
        expected = EXPECTED_VIEW[role][state]
        assert audited() == before + 1, (role, state)
        if expected is Disclosure.NONE:
            assert answer.status_code == 403, (role, state, answer.text)
            continue
        assert answer.status_code == 200, (role, state, answer.text)
        body = answer.json()
        assert body["disclosure"] == expected.value, (role, state)
        if expected is Disclosure.EXISTS_ONLY:
            assert set(body) == {"cp_id", "disclosure", "shielded", "contact"}, (role, state)
            continue
        services = {s["service_type"] for s in body["services"]}
        assert ("CAMHS" in services) is (state == "sensitive_consented"), (role, state)
        history_allowed = role is Role.DATA_MANAGER and state != "shielded_elsewhere"
        assert (body["address_history"] is not None) is history_allowed, (role, state)

    query = {"family_name": "Hussain", "date_of_birth": "2015", "reason": "identity"}
    search = client.get("/api/v1/children", params=query)
    readers = {Role.PRACTITIONER, Role.KEY_PROFESSIONAL, Role.DATA_MANAGER}
    assert search.status_code == (200 if role in readers else 403)
