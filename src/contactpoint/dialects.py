"""What differs between the two databases the service runs on, told in one place:
PostgreSQL in production, SQLite (one writer at a time) for the demo and tests. Every
other module asks ``postgresql(...)`` here — none reads a dialect's name — and takes
its locks from here: on PostgreSQL advisory locks and ``SKIP LOCKED``; on SQLite the
database's single write lock already makes writers take turns.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Connection, Engine, Select, func, select, text
from sqlalchemy.orm import Session

Q = TypeVar("Q", bound=Select)  # type: ignore[type-arg]


def postgresql(bind: Session | Connection | Engine) -> bool:
    """Whether ``bind`` (a session, a connection or an engine) talks to PostgreSQL."""
    engine_or_connection = bind.get_bind() if isinstance(bind, Session) else bind
    return engine_or_connection.dialect.name == "postgresql"


def try_turn(session: Session, key: int) -> bool:
    """On PostgreSQL, take the transaction-scoped advisory lock ``key`` if free (held
    until ``session``'s transaction ends); whether it was taken. SQLite: always."""
    if not postgresql(session):
        return True
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(key))))


def wait_turn(session: Session, key: int) -> None:
    """On PostgreSQL, wait for the transaction-scoped advisory lock ``key``."""
    if postgresql(session):
        session.execute(select(func.pg_advisory_xact_lock(key)))


@contextmanager
def alone(engine: Engine, key: int) -> Iterator[bool]:
    """Whether this process holds the session-scoped advisory lock ``key``, kept on an
    autocommit connection of its own until the block ends (PostgreSQL; on SQLite one
    writer is let in at a time anyway: always True)."""
    if not postgresql(engine):
        yield True
        return
    # Autocommit: a session's advisory lock outlives transactions, and none is left open.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        held = bool(connection.scalar(select(func.pg_try_advisory_lock(key))))
        try:
            yield held
        finally:
            if held:
                connection.scalar(select(func.pg_advisory_unlock(key)))


def skipping_locked(query: Q, bind: Session | Connection | Engine) -> Q:
    """On PostgreSQL the rows a statement claims are locked, and rows another
    transaction holds are skipped; SQLite has one writer at a time, so a claim made in
    one statement cannot meet another."""
    if postgresql(bind):
        return query.with_for_update(skip_locked=True)
    return query


# Memory a whole-index count may take to hash its groups: with PostgreSQL's default
# 4 MB, counting the people behind each date of birth of a million children (900,000
# groups) spilled to disk for over seven minutes; with this, 1.4 s.
COUNTING_MEMORY = "256MB"


@contextmanager
def memory_to_count(session: Session) -> Iterator[None]:
    """On PostgreSQL, let the statements inside hash large aggregates in memory (for this
    transaction only, then back to the server's setting). SQLite: nothing to set."""
    if not postgresql(session):
        yield
        return
    session.execute(text(f"SET LOCAL work_mem = '{COUNTING_MEMORY}'"))
    try:
        yield
    finally:
        session.execute(text("SET LOCAL work_mem TO DEFAULT"))
