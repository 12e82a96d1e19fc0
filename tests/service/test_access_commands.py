"""Accounts, policy, demo users and the audit trail from the command line."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from contactpoint import db
from contactpoint.audit import service as audit
from contactpoint.cli import app
from contactpoint.tables.audit import lift_guard, restore_guard

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


def test_the_user_list_names_each_accounts_organisation_and_never_cuts_a_username(
    committed_engine: Engine,
) -> None:
    run("org", "create", "LEEDS", "Leeds City Council", "--la-code", "E08000035")
    run("org", "create", "HULL", "Hull City Council", "--la-code", "E06000010")
    for username, org in (("bartholomew.featherstonehaugh", "LEEDS"), ("ann.lee", "HULL")):
        code, output = run(
            "user", "create", username, "--name", "Someone With A Long Display Name",
            "--email", f"{username}@example.gov.uk", "--org", org, "--role", "practitioner",
        )  # fmt: skip
        assert code == 0, output

    code, output = run("user", "list")

    assert code == 0
    assert max(len(line) for line in output.splitlines()) <= 80
    hull, leeds = output.split("Leeds City Council (LEEDS)")
    assert "Hull City Council (HULL)" in hull and "ann.lee" in hull
    assert "bartholomew.featherstonehaugh" in leeds and "ann.lee" not in leeds


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


def _tamper(engine: Engine, statement: str) -> None:
    """Change the log as only the database's owner could: around its triggers."""
    with engine.begin() as connection:
        lift_guard(connection)
        connection.execute(text(statement))
        restore_guard(connection)


def test_audit_verify_names_the_first_entry_altered_in_the_database(
    committed_engine: Engine,
) -> None:
    run("demo", "users")
    with committed_engine.connect() as connection:
        seventh = connection.execute(
            text("SELECT id FROM audit_log WHERE position = 7")
        ).scalar_one()
    _tamper(committed_engine, f"UPDATE audit_log SET actor = 'someone else' WHERE id = {seventh}")
    code, output = run("audit", "verify")
    assert code == 1
    assert f"audit entry {seventh} at position 7" in output
    assert "altered" in output


def test_audit_verify_notices_a_deleted_last_entry(committed_engine: Engine) -> None:
    run("demo", "users")
    with committed_engine.connect() as connection:
        last = connection.execute(text("SELECT max(position) FROM audit_log")).scalar_one()
    _tamper(committed_engine, f"DELETE FROM audit_log WHERE position = {last}")
    code, output = run("audit", "verify")
    assert code == 1
    assert f"position {last}" in output
    assert "missing" in output


def test_audit_verify_seals_what_was_committed_unsealed(committed_engine: Engine) -> None:
    """Entries a server's background sealer had not reached yet are sealed, then checked."""
    with db.unit_of_work(committed_engine) as session:
        audit.leave_sealing_to_background(session)
        audit.record(session, audit.Actor("ann"), "search", reason="identity")
    code, output = run("audit", "verify")
    assert code == 0, output
    assert "intact: 1 entries" in output
