"""Database engine, the declarative base and the unit of work.

This is the one module that owns sessions and the only place that commits: services
receive a ``Session`` and never commit; ``unit_of_work`` commits on success and rolls
back on any error, so a failed operation leaves the database exactly as it was.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    Enum,
    MetaData,
    Select,
    Table,
    create_engine,
    event,
    func,
    text,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.sql.util import find_tables

from contactpoint.dialects import postgresql
from contactpoint.settings import get_settings

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with constraint names that migrations can rely on."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Timestamped:
    """``created_at`` and ``updated_at``, timezone-aware and set by the database."""

    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


def str_enum(kind: type[enum.Enum], name: str) -> Enum:
    """A string column holding an enum's values, checked the same way on every database."""
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


# The execution option that marks a unit of work as only reading (``read_only=True``).
READ_ONLY = "contactpoint_read_only"
# How long a SQLite transaction waits for the database's one write lock.
SQLITE_LOCK_TIMEOUT_SECONDS = 30


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``. A database error's text never carries the statement's
    values (names, postcodes): it may reach a log.

    SQLite gets foreign keys, WAL and a busy timeout, and every transaction that may
    write begins ``IMMEDIATE``: it takes the write lock when it begins, waiting its turn
    for up to the busy timeout. A deferred transaction that reads and then writes cannot
    wait: if another connection wrote since its first read, SQLite fails it at once with
    "database is locked" (a snapshot cannot be upgraded), which is what three people on
    the demo met beside the audit sealer. Units of work that only read
    (``unit_of_work(read_only=True)``) begin deferred and never block or wait."""
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_LOCK_TIMEOUT_SECONDS}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, open transactions, so BEGIN covers reads too.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # Deleted content is overwritten with zeros, not left in free pages: a purged
            # child's name must not linger in the file.
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            reading = connection.get_execution_options().get(READ_ONLY, False)
            connection.exec_driver_sql("BEGIN DEFERRED" if reading else "BEGIN IMMEDIATE")

        return engine
    # A pool as large as the requests one worker serves at once: connections past the
    # pool are closed on return, and opening one per request (a PostgreSQL backend each)
    # cost more than the request itself (measured on the search benchmark).
    kwargs.setdefault("pool_size", get_settings().database_pool_size)
    kwargs.setdefault("max_overflow", 10)
    return create_engine(url, pool_pre_ping=True, **kwargs)


def reading(engine: Engine) -> Engine:
    """``engine`` for work that only reads: on SQLite its transactions take no write lock
    (see ``make_engine``)."""
    return engine.execution_options(**{READ_ONLY: True})


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (default: the configured database)."""
    return make_engine(url or get_settings().database_url)


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    """Sessions bound to ``engine`` that keep objects readable after commit."""
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


# Where a unit of work that reads from a replica keeps the replica's engine, and the
# primary's log position the replica must have replayed before it is read.
REPLICA = "contactpoint replica"
MUST_REACH = "contactpoint must reach"


# Who is asking and what they did: read on the primary even by a unit that reads the
# index from a replica, so a sign-out, a suspension or the search limit holds at once.
PRIMARY_ONLY = frozenset(
    {
        "api_tokens", "audit_children", "audit_head", "audit_log", "audit_personal",
        "login_sessions", "national_policy", "sign_in_failures", "user_roles", "users",
    }
)  # fmt: skip


class ReplicaReading(Session):
    """A unit of work whose plain reads of the index (``select`` statements that lock
    nothing and touch no ``PRIMARY_ONLY`` table) go to a streaming replica, while every
    write — flushes, inserts, updates, deletes, locking reads, raw SQL — goes to the
    primary: a search reads the index from the replica and writes its audit entry on the
    primary, in one unit of work."""

    def get_bind(self, mapper: Any = None, *, clause: Any = None, **kw: Any) -> Engine | Connection:
        replica = replica_of(self)
        if (
            replica is not None
            and not self._flushing
            and isinstance(clause, Select)
            and clause._for_update_arg is None
            and not _tables_of(clause) & PRIMARY_ONLY
        ):
            return replica
        return super().get_bind(mapper, clause=clause, **kw)


def _tables_of(statement: Select[Any]) -> set[str]:
    return {t.name for t in find_tables(statement, check_columns=True) if isinstance(t, Table)}


def replica_engine() -> Engine | None:
    """The configured streaming replica (``read_database_url``), if there is one."""
    url = get_settings().read_database_url
    return get_engine(url) if url else None


def replica_of(session: Session) -> Engine | None:
    """The replica ``session`` reads from: None when it reads from none, or when the
    replica has not yet replayed the position it must reach (``MUST_REACH``: the user's
    own last write), checked once, at its first read."""
    must_reach = session.info.pop(MUST_REACH, None)
    replica: Engine | None = session.info.get(REPLICA)
    if replica is not None and must_reach is not None and not caught_up(replica, must_reach):
        session.info[REPLICA] = replica = None
    return replica


def read_connection(session: Session) -> Connection:
    """The connection for a unit of work's raw reads: the replica's when it reads from one
    (``unit_of_work(replica=...)``), else its own."""
    replica = replica_of(session)
    if replica is not None:
        return session.connection(bind_arguments={"bind": replica})
    return session.connection()


def written_up_to(engine: Engine) -> str | None:
    """How far the primary's write-ahead log has been written (a PostgreSQL LSN), for a
    reader that must see what was just committed; None on SQLite."""
    if not postgresql(engine):
        return None
    with engine.connect() as connection:
        return str(connection.scalar(text("SELECT pg_current_wal_lsn()")))


def caught_up(replica: Engine, position: str) -> bool:
    """Whether ``replica`` has replayed the primary's log up to ``position`` (an LSN), so
    a read there sees every write committed before it."""
    with replica.connect() as connection:
        return bool(
            connection.scalar(
                text("SELECT coalesce(pg_last_wal_replay_lsn() >= CAST(:at AS pg_lsn), false)"),
                {"at": position},
            )
        )


@contextmanager
def unit_of_work(
    engine: Engine | None = None, *, read_only: bool = False, replica: Engine | None = None
) -> Iterator[Session]:
    """One transaction: commit if the block succeeds, roll back if it raises. Work
    registered with ``after_commit`` runs once the commit has succeeded. A ``read_only``
    unit takes no write lock on SQLite (see ``make_engine``): it must not write. With a
    ``replica``, plain reads go there and everything else to ``engine`` (``ReplicaReading``)."""
    base = engine or get_engine()
    bind = reading(base) if read_only else base
    # A plain Session, not a sessionmaker's: making a factory per request cost more.
    if replica is None:
        session = Session(bind=bind, expire_on_commit=False)
    else:
        session = ReplicaReading(bind=bind, expire_on_commit=False)
        session.info[REPLICA] = replica
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        follow_ups = session.info.pop(_AFTER_COMMIT, {})
        session.close()
    for name, work in follow_ups.items():
        try:
            work(base)
        except Exception as error:  # what committed stays committed; the work is retried
            log.error("%s after a commit failed: %s", name, describe_error(error))


_AFTER_COMMIT = "after commit"


def reclaim(engine: Engine, tables: Sequence[str] = (), *, full: bool = False) -> None:
    """Have the database drop what deleted rows left behind, so their values leave its
    files. PostgreSQL: VACUUM the ``tables`` (dead row versions hold the old values until
    vacuumed; ``full``: VACUUM FULL of everything, rewriting every table — exclusive
    locks, for decommissioning only). SQLite: connections delete securely (zeros over the
    content), so what remains is the write-ahead log's copies of the old pages: it is
    checkpointed into the file and truncated (``full``: and the file VACUUMed)."""
    if postgresql(engine):
        with engine.connect() as connection:
            autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
            if full:
                autocommit.execute(text("VACUUM FULL"))
            for table in () if full else tables:
                quoted = engine.dialect.identifier_preparer.quote(table)
                autocommit.execute(text(f"VACUUM {quoted}"))
        return
    statements = ["PRAGMA wal_checkpoint(TRUNCATE)"]
    if full:
        statements += ["VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"]
    # pysqlite outside any transaction (the engine opens them with BEGIN itself).
    raw = engine.raw_connection()
    try:
        for statement in statements:
            raw.driver_connection.execute(statement)  # type: ignore[union-attr]
    finally:
        raw.close()


def describe_error(error: BaseException) -> str:
    """What went wrong, fit for a log: the error's class and, for a database error, what
    the driver says of it without the statement or its values. SQLite's messages name
    no values ("database is locked", "UNIQUE constraint failed: children.cp_id");
    PostgreSQL's can quote them (``invalid input syntax …: "…"``, DETAIL lines), so
    for it the condition, its SQLSTATE and the constraint's name are given instead."""
    kind = type(error).__name__
    original = getattr(error, "orig", None)
    if not isinstance(error, DBAPIError) or original is None:
        return kind
    diagnosis = getattr(original, "diag", None)
    if diagnosis is None:  # SQLite
        return f"{kind}: {(str(original).splitlines() or [''])[0]}"
    described = f"{kind}: {type(original).__name__}"
    if diagnosis.sqlstate:
        described += f" (SQLSTATE {diagnosis.sqlstate})"
    if diagnosis.constraint_name:
        described += f" on {diagnosis.constraint_name}"
    return described


def after_commit(session: Session, name: str, work: Callable[[Engine], object]) -> None:
    """Have the unit of work holding ``session`` run ``work(engine)`` in its own
    transaction(s) once it has committed — once per name however often registered; not
    at all if it rolls back. Work that must not be lost is retried by its owner (the
    audit trail's background sealer, ``contactpoint audit verify``)."""
    session.info.setdefault(_AFTER_COMMIT, {})[name] = work
