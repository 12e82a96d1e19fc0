"""The audit trail's chain: entries written without a lock, sealed after their commit,
guarded by the database, verified end to end — on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Engine, delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from contactpoint import db, migrate
from contactpoint.audit import service as audit
from contactpoint.tables.audit import (
    PG_GUARD,
    SQLITE_GUARDS,
    AuditEntry,
    AuditHead,
    AuditPersonal,
    lift_guard,
)

ANN = audit.Actor("ann.practitioner", None)


def _write(session: Session, count: int, action: str = "search") -> None:
    for n in range(count):
        audit.record(session, ANN, action, reason="identity", details={"n": n})


def test_entries_wait_unsealed_until_sealed_in_the_order_written(session: Session) -> None:
    _write(session, 5)
    waiting = audit.verify(session)
    assert waiting.intact and waiting.entries == 0 and waiting.unsealed == 5
    assert audit.seal(session) == 5
    rows = session.execute(select(AuditEntry.id, AuditEntry.position).order_by(AuditEntry.id))
    assert [position for _id, position in rows] == [1, 2, 3, 4, 5]
    _write(session, 2)
    assert audit.seal(session) == 2
    result = audit.verify(session)
    assert (result.intact, result.entries, result.unsealed) == (True, 7, 0)
    head = session.get(AuditHead, 1)
    last = session.scalars(select(AuditEntry).where(AuditEntry.position == 7)).one()
    assert head is not None and (head.last_position, head.last_hash) == (7, last.hash)


def test_sealing_works_in_batches_and_seals_nothing_twice(session: Session) -> None:
    _write(session, 7)
    assert [audit.seal(session, limit=3) for _ in range(4)] == [3, 3, 1, 0]
    assert audit.verify(session).entries == 7


def test_a_personal_part_kept_apart_is_checked_while_kept_and_may_be_erased(
    session: Session,
) -> None:
    _write(session, 2)
    audit.record(session, ANN, "search", details={"results": 0}, personal={"criteria": "Zoë"})
    audit.seal(session)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.position == 3)).one()
    assert "Zoë" not in str(entry.details) and audit.PERSONAL in entry.details
    assert audit.verify(session).intact
    session.execute(
        update(AuditPersonal)
        .values(data={"criteria": "Zoe"})
        .execution_options(synchronize_session=False)
    )
    broken = audit.verify(session)
    assert (broken.broken_at, broken.entry_id) == (3, entry.id)
    assert broken.problem == "its personal part, kept apart, was altered"
    # Erased (as a purge erases it, key and all): the chain verifies, and nothing of
    # the criteria is left.
    session.execute(delete(AuditPersonal))
    assert audit.verify(session).intact


def test_verify_names_the_first_altered_entry_and_its_place(session: Session) -> None:
    _write(session, 6)
    audit.seal(session)
    target = session.scalars(select(AuditEntry.id).where(AuditEntry.position == 3)).one()
    lift_guard(session)
    session.execute(text("UPDATE audit_log SET reason = 'tampered' WHERE id = :id"), {"id": target})
    result = audit.verify(session)
    assert (result.intact, result.broken_at, result.entry_id) == (False, 3, target)
    assert "altered" in (result.problem or "")
    assert result.describe().startswith(f"audit entry {target} at position 3")


def test_verify_notices_reordered_removed_and_lost_last_entries(session: Session) -> None:
    _write(session, 4)
    audit.seal(session)
    lift_guard(session)
    ids = {p: i for p, i in session.execute(select(AuditEntry.position, AuditEntry.id))}
    # Two entries swapped in the chain: the links no longer meet.
    session.execute(text("UPDATE audit_log SET position = -1 WHERE id = :id"), {"id": ids[2]})
    session.execute(text("UPDATE audit_log SET position = 2 WHERE id = :id"), {"id": ids[3]})
    session.execute(text("UPDATE audit_log SET position = 3 WHERE id = :id"), {"id": ids[2]})
    result = audit.verify(session)
    assert (result.broken_at, result.entry_id) == (2, ids[3]) and "link" in (result.problem or "")
    # One removed from the middle.
    session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[3]})
    result = audit.verify(session)
    assert (result.broken_at, result.entry_id) == (2, None) and "missing" in (result.problem or "")
    assert result.describe().startswith("an entry at position 2")


def test_verify_notices_an_entry_put_where_no_sealer_puts_one(session: Session) -> None:
    """An entry marked sealed at place 0 or below would otherwise never be chained."""
    _write(session, 3)
    audit.seal(session, limit=2)
    hidden = session.scalars(select(AuditEntry.id).where(AuditEntry.position.is_(None))).one()
    lift_guard(session)
    session.execute(
        text("UPDATE audit_log SET position = -1, previous_hash = 'x', hash = 'y' WHERE id = :id"),
        {"id": hidden},
    )
    result = audit.verify(session)
    assert (result.intact, result.broken_at, result.entry_id) == (False, -1, hidden)
    assert "no sealer gives" in (result.problem or "")


def test_verify_notices_the_last_entries_deleted(session: Session) -> None:
    _write(session, 4)
    audit.seal(session)
    lift_guard(session)
    session.execute(text("DELETE FROM audit_log WHERE position = 4"))
    result = audit.verify(session)
    assert (result.intact, result.broken_at) == (False, 4)
    assert "after 3 are missing" in (result.problem or "")


def test_the_database_allows_only_the_one_sealing_update(session: Session) -> None:
    _write(session, 2)
    unsealed = session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).first()
    refused = [
        "UPDATE audit_log SET reason = 'x'",  # the unsealed entries' contents
        "DELETE FROM audit_log",
        # Sealing while changing what the entry says.
        f"UPDATE audit_log SET position = 90, previous_hash = 'a', hash = 'b',"
        f" actor = 'someone else' WHERE id = {unsealed}",
        # Sealing without a hash.
        f"UPDATE audit_log SET position = 90 WHERE id = {unsealed}",
        # Sealing at a place no sealer gives (verify walks from 1).
        f"UPDATE audit_log SET position = 0, previous_hash = 'a', hash = 'b' WHERE id = {unsealed}",
        f"UPDATE audit_log SET position = -3, previous_hash = 'a', hash = 'b'"
        f" WHERE id = {unsealed}",
    ]
    audit.seal(session)
    refused += [
        "UPDATE audit_log SET reason = 'x'",  # sealed entries' contents
        # Sealing a sealed entry again, with another hash.
        "UPDATE audit_log SET position = 91, previous_hash = 'a', hash = 'c'"
        f" WHERE id = {unsealed}",
    ]
    for statement in refused:
        with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
            session.execute(text(statement))
    if session.get_bind().dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
            # CASCADE: past the tables naming entries (audit_children, audit_personal),
            # so the trigger is what refuses it.
            session.execute(text("TRUNCATE audit_log CASCADE"))
    assert audit.verify(session).intact


def test_a_unit_of_work_seals_its_entries_after_it_commits(committed_engine: Engine) -> None:
    with db.unit_of_work(committed_engine) as session:
        _write(session, 3)
    with db.unit_of_work(committed_engine) as session:
        result = audit.verify(session)
    assert (result.entries, result.unsealed) == (3, 0)


def test_a_rolled_back_unit_of_work_leaves_no_entry(committed_engine: Engine) -> None:
    with pytest.raises(RuntimeError), db.unit_of_work(committed_engine) as session:
        _write(session, 2)
        raise RuntimeError("the action failed")
    with db.unit_of_work(committed_engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0
        assert audit.verify(session).intact


def test_entries_left_to_a_background_sealer_are_sealed_by_it(committed_engine: Engine) -> None:
    with db.unit_of_work(committed_engine) as session:
        audit.leave_sealing_to_background(session)
        _write(session, 3)
    with db.unit_of_work(committed_engine) as session:
        assert audit.verify(session).unsealed == 3
    assert audit.seal_pending(committed_engine) == 3
    assert audit.seal_pending(committed_engine) == 0
    with db.unit_of_work(committed_engine) as session:
        assert audit.verify(session).entries == 3


# Row locks between concurrent transactions are PostgreSQL's: these tests run on it alone.
ON_POSTGRESQL = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)


@pytest.fixture
def postgres(committed_engine: Engine) -> Iterator[Engine]:
    assert committed_engine.dialect.name == "postgresql"
    yield committed_engine


@ON_POSTGRESQL
def test_writers_never_wait_for_one_another(postgres: Engine) -> None:
    """The point of sealing after the commit: a transaction that has audited and not yet
    committed does not hold up another's audit entry."""
    slow = db.session_factory(postgres)()
    try:
        _write(slow, 1, action="record.view")  # written, not committed
        with db.unit_of_work(postgres) as quick:
            quick.execute(text("SET LOCAL lock_timeout = '2s'"))
            audit.leave_sealing_to_background(quick)
            _write(quick, 1, action="search")
        slow.commit()
    finally:
        slow.close()
    audit.seal_pending(postgres)
    with db.unit_of_work(postgres) as session:
        chain = session.scalars(select(AuditEntry.action).order_by(AuditEntry.position)).all()
        assert audit.verify(session).intact
    assert sorted(chain) == ["record.view", "search"]


@contextmanager
def two_entries_and_the_head_held(postgres: Engine) -> Iterator[None]:
    """Two committed entries waiting to be sealed, and the chain head locked by another
    transaction (a sealer at work) until the block ends."""
    with db.unit_of_work(postgres) as session:
        audit.leave_sealing_to_background(session)
        _write(session, 2)
    holder = db.session_factory(postgres)()
    try:
        holder.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update())
        yield
    finally:
        holder.rollback()
        holder.close()


@ON_POSTGRESQL
def test_a_sealer_leaves_the_chain_to_one_already_sealing(postgres: Engine) -> None:
    with two_entries_and_the_head_held(postgres):
        done: list[int] = []
        other = threading.Thread(target=lambda: done.append(audit.seal_pending(postgres)))
        other.start()
        other.join(timeout=10)
        assert done == [0]  # did not wait for the lock
    assert audit.seal_pending(postgres) == 2


def test_the_guard_restored_by_tests_is_the_one_the_migration_installs(
    empty_engine: Engine,
) -> None:
    migrate.upgrade(empty_engine)
    with empty_engine.connect() as connection:
        if empty_engine.dialect.name == "postgresql":
            installed = connection.execute(
                text("SELECT prosrc FROM pg_proc WHERE proname = 'audit_log_refuse_change'")
            ).scalar_one()
            assert installed.strip() in PG_GUARD
        else:
            triggers = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
            rows = connection.execute(text(f"{triggers} AND tbl_name = 'audit_log'")).all()
            assert dict(rows) == SQLITE_GUARDS


def test_entries_chained_before_sealing_existed_verify_after_the_upgrade(
    empty_engine: Engine,
) -> None:
    """Migration 0013 on a trail chained the old way (each entry's id its place)."""
    migrate.upgrade(empty_engine, "0012")
    previous = audit.GENESIS
    with empty_engine.begin() as connection:
        for n in (1, 2, 3):
            at = datetime(2026, 11, 30, 9, 0, n, tzinfo=UTC)
            fields = {
                "id": n, "at": at.isoformat(timespec="microseconds"), "user_id": None,
                "actor": "ann", "action": "search", "outcome": "allowed", "child_id": None,
                "reason": "identity", "details": {"n": n},
            }  # fmt: skip
            hashed = audit.entry_hash(previous, fields)
            row = {**fields, "at": at, "previous_hash": previous, "hash": hashed}
            connection.execute(AuditEntry.__table__.insert().values(row))
            previous = hashed
        connection.execute(
            text("UPDATE audit_head SET last_id = 3, last_hash = :h WHERE id = 1"), {"h": previous}
        )
    migrate.upgrade(empty_engine)
    with db.unit_of_work(empty_engine) as session:
        assert audit.verify(session).entries == 3
        _write(session, 2)  # new ids follow the old ones
    with db.unit_of_work(empty_engine) as session:
        result = audit.verify(session)
        assert (result.intact, result.entries) == (True, 5)
        positions = session.execute(select(AuditEntry.id, AuditEntry.position)).all()
        assert all(entry_id == position for entry_id, position in positions)
    command.downgrade(migrate.alembic_config(empty_engine), "0012")
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT last_id FROM audit_head")).scalar_one() == 5


def test_an_entry_cannot_be_sealed_into_the_chain_out_of_turn(session: Session) -> None:
    """A sealed entry's place is unique: two entries can never share it."""
    _write(session, 2)
    audit.seal(session, limit=1)
    with pytest.raises(DBAPIError), session.begin_nested():
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.position.is_(None))
            .values(position=1, previous_hash=audit.GENESIS, hash="f" * 64)
        )


@ON_POSTGRESQL
def test_a_sealer_told_to_wait_seals_everything_once_the_head_is_free(postgres: Engine) -> None:
    """``audit verify`` and decommissioning need every committed entry in the chain."""
    done: list[int] = []
    with two_entries_and_the_head_held(postgres):
        other = threading.Thread(
            target=lambda: done.append(audit.seal_pending(postgres, wait=True))
        )
        other.start()
        other.join(timeout=1)
        assert other.is_alive() and done == []  # waiting its turn
    other.join(timeout=10)
    assert done == [2]
