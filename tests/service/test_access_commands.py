"""Accounts, policy, demo users and the audit trail from the command line."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from contactpoint.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_a_user_is_created_checked_enrolled_and_activated(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("org", "create", "LEEDS", "Leeds City Council", "--la-code", "E08000035")[0] == 0
    code, output = run(
        "user", "create", "ann.smith", "--name", "Ann Smith", "--email", "ann@leeds.gov.uk",
        "--org", "LEEDS", "--role", "practitioner",
    )  # fmt: skip
    assert code == 0, output
    code, output = run("user", "activate", "ann.smith")
    assert code == 1
    assert "needs training completion" in output
    passwords = iter(["tangerine-otter-lamp-92", "tangerine-otter-lamp-92"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt: next(passwords))
    assert run("user", "password", "ann.smith")[0] == 0
    checks = ("--training", "2026-01-05", "--vetting", "2025-09-01", "--agreement", "2026-01-05")
    assert run("user", "checks", "ann.smith", *checks)[0] == 0
    code, output = run("user", "enrol", "ann.smith")
    assert code == 0 and "confirm it" in output
    # The demo command reads the current code (as an authenticator app would show it).
    code, output = run("demo", "code", "ann.smith")
    assert code == 0
    assert run("user", "enrol", "ann.smith", "--code", output.strip())[0] == 0
    code, output = run("user", "activate", "ann.smith")
    assert code == 0, output
    assert "active until" in output
    assert run("user", "suspend", "ann.smith", "--reason", "left")[0] == 0
    assert "suspended" in run("user", "list")[1]


def test_closing_onboarding_nationally_refuses_new_users(committed_engine: Engine) -> None:
    run("org", "create", "LEEDS", "Leeds City Council", "--la-code", "E08000035")
    assert run("policy", "onboarding", "closed", "--reason", "scaled down")[0] == 0
    code, output = run(
        "user", "create", "bob", "--name", "Bob", "--email", "bob@leeds.gov.uk",
        "--org", "LEEDS", "--role", "practitioner",
    )  # fmt: skip
    assert code == 1
    assert "onboarding of new users is closed" in output


def test_demo_users_one_per_role_and_the_audit_chain_verifies(committed_engine: Engine) -> None:
    code, output = run("demo", "users")
    assert code == 0, output
    for role in ("practitioner", "key_professional", "data_manager", "user_admin",
                 "national_admin", "auditor"):  # fmt: skip
        assert role in output
    assert re.search(r"Password of every demo user \(new on each run\): demo-\S+", output)
    code, output = run("audit", "verify")
    assert code == 0
    assert "intact" in output


def test_audit_verify_names_the_first_entry_altered_in_the_database(
    committed_engine: Engine,
) -> None:
    run("demo", "users")
    with committed_engine.begin() as connection:
        if committed_engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
            connection.execute(text("UPDATE audit_log SET actor = 'someone else' WHERE id = 7"))
            connection.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
        else:
            connection.execute(text("DROP TRIGGER audit_log_no_update"))
            connection.execute(text("UPDATE audit_log SET actor = 'someone else' WHERE id = 7"))
            connection.execute(
                text(
                    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
                    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
                )
            )
    code, output = run("audit", "verify")
    assert code == 1
    assert "audit entry 7" in output
    assert "altered" in output


def test_audit_verify_notices_a_deleted_last_entry(committed_engine: Engine) -> None:
    run("demo", "users")
    with committed_engine.begin() as connection:
        last = connection.execute(text("SELECT max(id) FROM audit_log")).scalar_one()
        if committed_engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        else:
            connection.execute(text("DROP TRIGGER audit_log_no_delete"))
        connection.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": last})
        if committed_engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
        else:
            connection.execute(
                text(
                    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
                    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
                )
            )
    code, output = run("audit", "verify")
    assert code == 1
    assert f"audit entry {last}" in output
