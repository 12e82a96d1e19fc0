"""Security review S15: the audit chain anchored outside the database. Deleting the
newest entries and winding the head back passes ``audit verify`` on its own; a
checkpoint taken before — signed, e-mailed to auditors, printed by the CLI — catches it,
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from contactpoint import daily, db
from contactpoint.audit import service as audit
from contactpoint.cli import app
from contactpoint.kinds.access import Role
from contactpoint.oversight import checkpoint
from contactpoint.settings import get_settings
from contactpoint.tables.audit import AuditEntry, AuditHead, lift_guard
from contactpoint.tables.notify import OutboxEmail
from tests.people import active_user

ANN = audit.Actor("ann.practitioner", None)
NOW = datetime(2026, 12, 5, 6, 0, tzinfo=UTC)
KEY = "a-checkpoint-key-held-outside-the-database"


@pytest.fixture
def signed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTACTPOINT_AUDIT_CHECKPOINT_KEY", KEY)
    get_settings.cache_clear()


def _write(session: Session, count: int) -> None:
    for n in range(count):
        audit.record(session, ANN, "search", reason="identity", details={"n": n})
    audit.seal(session)


def _wind_back(session: Session, to: int) -> None:
    """What someone holding the database can do: delete the newest entries and put the
    head back on the last one kept."""
    lift_guard(session)
    session.execute(text(f"DELETE FROM audit_log WHERE position > {to}"))
    kept = session.scalars(select(AuditEntry.hash).where(AuditEntry.position == to)).one()
    session.execute(update(AuditHead).values(last_position=to, last_hash=kept))


def test_a_chain_wound_back_passes_verify_alone_but_not_against_a_checkpoint(
    session: Session, signed: None
) -> None:
    _write(session, 6)
    taken = checkpoint.take(session, NOW)
    assert taken is not None and taken.position == 6 and taken.signature != "unsigned"
    assert checkpoint.problem(session, checkpoint.parse(taken.line)) is None
    _wind_back(session, 4)
    assert audit.verify(session).intact  # the finding: the shorter chain is a chain
    why = checkpoint.problem(session, checkpoint.parse(taken.line))
    assert why is not None and "ends at position 4" in why


def test_a_chain_altered_and_sealed_again_does_not_hold_the_checkpoint(
    session: Session, signed: None
) -> None:
    _write(session, 3)
    taken = checkpoint.take(session, NOW)
    assert taken is not None
    # Rewrite the whole chain from entry 2 on, consistently: verify passes, the
    # checkpointed entry's hash is another.
    lift_guard(session)
    session.execute(text("DELETE FROM audit_log WHERE position >= 2"))
    first = session.scalars(select(AuditEntry.hash).where(AuditEntry.position == 1)).one()
    session.execute(update(AuditHead).values(last_position=1, last_hash=first))
    _write(session, 2)
    assert audit.verify(session).intact
    why = checkpoint.problem(session, taken)
    assert why is not None and "altered and sealed again" in why


def test_a_checkpoint_this_service_did_not_sign_is_refused(session: Session, signed: None) -> None:
    _write(session, 2)
    taken = checkpoint.take(session, NOW)
    assert taken is not None
    forged = taken.line.replace(f"position={taken.position}", "position=1")
    why = checkpoint.problem(session, checkpoint.parse(forged))
    assert why is not None and "signature does not fit" in why
    with pytest.raises(checkpoint.CheckpointInvalid, match="no checkpoint found"):
        checkpoint.parse("position=1 hash=abc")


def test_the_daily_checkpoint_is_e_mailed_to_auditors_and_checked_by_the_cli(
    committed_engine: Engine, signed: None, tmp_path: Path
) -> None:
    with db.unit_of_work() as session:
        active_user(session, "aud.0", Role.AUDITOR)
        active_user(session, "prac.0", Role.PRACTITIONER)
        _write(session, 5)
    runner = CliRunner()

    taken = runner.invoke(app, ["audit", "checkpoint", "--send"])

    assert taken.exit_code == 0, taken.output
    line = next(x for x in taken.output.splitlines() if x.startswith(checkpoint.FORMAT))
    with db.unit_of_work(read_only=True) as session:
        emails = session.scalars(select(OutboxEmail)).all()
    assert [e.to_address for e in emails] == ["aud.0@example.org"]
    assert line in emails[0].body
    intact = runner.invoke(app, ["audit", "verify", "--checkpoint", emails[0].body])
    assert intact.exit_code == 0, intact.output
    assert "holds the checkpoint" in intact.output
    kept = tmp_path / "checkpoint.txt"
    kept.write_text(emails[0].body)
    assert runner.invoke(app, ["audit", "verify", "--checkpoint", str(kept)]).exit_code == 0
    missing = runner.invoke(app, ["audit", "verify", "--checkpoint", str(tmp_path / "none")])
    assert missing.exit_code != 0 and "neither a checkpoint nor a file" in missing.output
    with db.unit_of_work() as session:
        position = checkpoint.parse(line).position
        _wind_back(session, position - 2)
    broken = runner.invoke(app, ["audit", "verify", "--checkpoint", line])
    assert broken.exit_code != 0
    assert "entries were removed" in broken.output


def test_the_daily_jobs_e_mail_a_checkpoint_the_chain_holds(
    committed_engine: Engine, signed: None
) -> None:
    with db.unit_of_work() as session:
        active_user(session, "aud.0", Role.AUDITOR)
        _write(session, 3)

    assert daily.CHECKPOINT in daily.run_daily_jobs(committed_engine, NOW.date(), NOW)

    with db.unit_of_work(read_only=True) as session:
        (email,) = session.scalars(select(OutboxEmail)).all()
        sent = checkpoint.parse(email.body)
        assert email.to_address == "aud.0@example.org" and "holds no details" in email.body
        assert sent.at == NOW and checkpoint.problem(session, sent) is None
        actions = session.scalars(select(AuditEntry.action)).all()
    assert actions.count("audit.checkpoint") == 1
