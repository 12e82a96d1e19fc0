"""The auditor's analytics page: findings, alerts and activity per day as a chart and a
table; for auditors only, and reading it is audited."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from contactpoint import db
from contactpoint.audit.service import Actor, record
from contactpoint.kinds.access import Role
from contactpoint.tables.audit import AuditEntry
from tests.people import active_user, sign_in
from tests.web.conftest import page_text


def signed_in_as(client: TestClient, username: str, *roles: Role) -> None:
    with db.unit_of_work() as session:
        secret = active_user(session, username, *roles).totp_secret
    assert secret
    sign_in(client, username, secret)


def test_an_auditor_sees_findings_and_activity_per_day(
    client: TestClient, committed_engine: Engine
) -> None:
    with db.unit_of_work() as session:
        trawler = active_user(session, "tara.trawler", Role.PRACTITIONER)
        for _ in range(51):
            record(session, Actor(trawler.username, trawler.id), "search", reason="test")
    signed_in_as(client, "avery.auditor", Role.AUDITOR)

    page = client.get("/audit/analytics")

    assert page.status_code == 200
    text = page_text(page.text)
    assert "tara.trawler" in text and "far more searches and views than peers" in text
    assert "51 searches and views in a day" in text
    assert re.search(r'<svg[^>]*role="img"[^>]*aria-label="Searches and views per day', page.text)
    assert "Searches and views per day, by kind" in text
    with db.unit_of_work() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert last is not None and last.action == "audit.analytics"
    assert last.actor == "avery.auditor"


def test_a_practitioner_may_not_read_the_analytics_and_the_refusal_is_audited(
    client: TestClient, committed_engine: Engine
) -> None:
    signed_in_as(client, "pat.practitioner", Role.PRACTITIONER)

    page = client.get("/audit/analytics")

    assert page.status_code == 403
    with db.unit_of_work() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert last is not None and (last.action, last.outcome) == ("refused", "refused")
    assert last.details["route"] == "/audit/analytics"
