"""Source systems deliver files over the API with scoped tokens."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from contactpoint import db
from contactpoint.access import accounts
from contactpoint.audit.service import Actor
from contactpoint.errors import InvalidValue
from contactpoint.feeds import tokens
from contactpoint.kinds.access import OrganisationKind
from contactpoint.tables.audit import AuditEntry
from contactpoint.tables.children import Child
from tests.builders import birth, write_feed


@pytest.fixture
def token(committed_engine: Engine) -> str:
    with db.unit_of_work() as session:
        accounts.create_organisation(
            session, Actor("ops"), code="GRO", name="General Register Office",
            kind=OrganisationKind.NATIONAL,
        )  # fmt: skip
        return tokens.create_api_token(
            session, Actor("ops"), name="gro-system", organisation_code="GRO",
            scopes=["feeds:gro-births"],
        )  # fmt: skip


def children() -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(Child)) or 0


def csv_of(tmp_path: Path, rows: list[dict[str, str]]) -> bytes:
    return write_feed(tmp_path / "births.csv", "gro-births", rows).read_bytes()


def test_a_source_system_delivers_its_file_with_its_token(
    client: TestClient, token: str, tmp_path: Path
) -> None:
    answer = client.post(
        "/api/v1/feeds/gro-births",
        content=csv_of(
            tmp_path,
            [birth(1), birth(2, given_names=""), birth(3, date_of_birth="not a date")],
        ),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["rows_read"], body["new_children"], body["rejected"]) == (3, 2, 1)
    assert body["rows_with_warnings"] == 1
    assert [(e["line"], e["field"]) for e in body["rejected_rows"]] == [(3, "given_names")]
    assert [(w["line"], w["field"]) for w in body["warnings"]] == [(4, "date_of_birth")]
    assert "not a date" not in answer.text  # row problems never repeat a value
    assert children() == 2
    with db.unit_of_work() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "feed.load")).one()
        assert entry.actor == "token:gro-system"


def test_without_a_token_or_for_another_source_the_delivery_is_refused(
    client: TestClient, token: str, tmp_path: Path
) -> None:
    data = csv_of(tmp_path, [birth(1)])
    assert client.post("/api/v1/feeds/gro-births", content=data).status_code == 401
    wrong = client.post(
        "/api/v1/feeds/gro-births", content=data, headers={"Authorization": "Bearer nonsense"}
    )
    assert wrong.status_code == 401
    other = client.post(
        "/api/v1/feeds/gro-deaths", content=data, headers={"Authorization": f"Bearer {token}"}
    )
    assert other.status_code == 403
    assert children() == 0
    with db.unit_of_work() as session:
        refused = session.scalars(select(AuditEntry.outcome).where(AuditEntry.action == "refused"))
        assert list(refused) == ["refused"] * 3


def test_a_broken_file_is_refused_whole(client: TestClient, token: str) -> None:
    answer = client.post(
        "/api/v1/feeds/gro-births",
        content=b"this,is,not\nthe,right,header\n",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 422
    assert children() == 0


@pytest.mark.parametrize("scopes", [["*"], ["admin"], ["feeds:no-such-source"], []])
def test_a_token_is_made_only_with_scopes_the_service_checks(
    committed_engine: Engine, scopes: list[str]
) -> None:
    # Security review S13: '*' and 'admin' were accepted at creation.
    with db.unit_of_work() as session:
        accounts.create_organisation(
            session, Actor("setup"), code="GRO2", name="General Register Office",
            kind=OrganisationKind.NATIONAL,
        )  # fmt: skip
        with pytest.raises(InvalidValue, match="feeds:gro-births"):
            tokens.create_api_token(
                session, Actor("ops"), name="x", organisation_code="GRO2", scopes=scopes
            )
