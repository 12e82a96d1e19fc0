"""The audit trail's pages: for auditors only, and reading them is audited."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from contactpoint import db
from contactpoint.kinds.access import Role
from contactpoint.tables.audit import AuditEntry
from tests.people import active_user, sign_in


def signed_in_as(client: TestClient, username: str, *roles: Role) -> None:
    with db.unit_of_work() as session:
        secret = active_user(session, username, *roles).totp_secret
    assert secret
    sign_in(client, username, secret)


def test_an_auditor_sees_the_chain_and_what_a_user_did(
    client: TestClient, committed_engine: Engine
) -> None:
    signed_in_as(client, "avery.auditor", Role.AUDITOR)
    page = client.get("/audit")
    assert page.status_code == 200
    assert "is intact" in page.text
    page = client.get("/audit", params={"username": "avery.auditor"})
    assert "What avery.auditor did" in page.text
    assert "Signed in (password)" in page.text  # the action in words, not its code
    with db.unit_of_work() as session:
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-1] == "audit.user_report"


def test_an_unknown_child_is_said_so(client: TestClient, committed_engine: Engine) -> None:
    signed_in_as(client, "avery.auditor", Role.AUDITOR)
    page = client.get("/audit", params={"cp_id": "CP-0000-0000-0"})
    assert page.status_code == 404
    assert "No child has the ContactPoint ID" in page.text


def test_a_practitioner_may_not_read_the_audit_trail(
    client: TestClient, committed_engine: Engine
) -> None:
    signed_in_as(client, "pat.practitioner", Role.PRACTITIONER)
    page = client.get("/audit")
    assert page.status_code == 403
    assert "only auditors read the audit trail" in page.text
    # Nor is the page offered in the navigation.
    assert 'href="/audit"' not in client.get("/").text
