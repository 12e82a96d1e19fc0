"""Reading the index from a streaming replica (issue 17, item 4), against a real hot
standby that the test starts itself (``tests/replica.py``): a search's reads go to the
standby, its audit entry and every write to the primary; the standby's replay is paused
to tell the two apart, and ``db.caught_up`` says when a read there would see a write
just committed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from contactpoint import db, migrate
from contactpoint.access.reasons import reason
from contactpoint.audit.service import Actor
from contactpoint.feeds import pipeline
from contactpoint.kinds.access import Role
from contactpoint.search.practitioner import find_children
from contactpoint.search.query import SearchQuery
from contactpoint.tables.audit import AuditEntry
from contactpoint.tables.children import Child
from tests.builders import birth, nhs_number, write_feed
from tests.people import active_user, principal_of
from tests.replica import Pair, primary_and_standby, replay, wait_until_replayed

pytestmark = pytest.mark.xdist_group("replica")


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    with primary_and_standby() as started:
        yield started


@pytest.fixture(scope="module")
def engines(pair: Pair) -> Iterator[tuple[Engine, Engine]]:
    primary, standby = db.make_engine(pair.primary), db.make_engine(pair.standby)
    migrate.upgrade(primary)
    yield primary, standby
    primary.dispose()
    standby.dispose()


def _load(engine: Engine, tmp_path: Path, *serials: int) -> None:
    with db.unit_of_work(engine) as session:
        path = write_feed(
            tmp_path / f"births-{serials[0]}.csv", "gro-births", [birth(n) for n in serials]
        )
        pipeline.load_file(session, source_name="gro-births", path=path, loaded_by="t")


def _search(engine: Engine, replica: Engine | None, username: str, serial: int) -> int:
    with db.unit_of_work(engine, replica=replica) as session:
        found = find_children(
            session,
            principal_of(session, username),
            Actor(username),
            SearchQuery(identifier=nhs_number(serial)),
            reason("safeguarding"),
        )
    return len(found.findings)


def test_a_search_reads_the_standby_and_writes_its_audit_entry_on_the_primary(
    pair: Pair, engines: tuple[Engine, Engine], tmp_path: Path
) -> None:
    primary, standby = engines
    _load(primary, tmp_path, 1, 2, 3)
    with db.unit_of_work(primary) as session:
        active_user(session, "replica.reader", Role.PRACTITIONER)
    wait_until_replayed(pair.primary_port, pair.standby_port)
    replay(pair.standby_port, paused=True)
    try:
        _load(primary, tmp_path, 4)  # on the primary only, while the standby waits
        written = db.written_up_to(primary)
        assert written is not None and not db.caught_up(standby, written)
        # Read from the standby, the fourth child is not there yet; on the primary it is.
        assert _search(primary, standby, "replica.reader", 4) == 0
        assert _search(primary, None, "replica.reader", 4) == 1
        assert _search(primary, standby, "replica.reader", 1) == 1
    finally:
        replay(pair.standby_port, paused=False)
    wait_until_replayed(pair.primary_port, pair.standby_port)
    assert db.caught_up(standby, written)
    assert _search(primary, standby, "replica.reader", 4) == 1
    # Every search audited on the primary (the standby refuses writes: none went there).
    with db.unit_of_work(primary, read_only=True) as session:
        searches = select(func.count()).where(AuditEntry.action == "search")
        assert session.scalar(searches) == 4


def test_a_unit_reading_the_standby_still_writes_to_the_primary(
    pair: Pair, engines: tuple[Engine, Engine], tmp_path: Path
) -> None:
    primary, standby = engines
    _load(primary, tmp_path, 11)
    wait_until_replayed(pair.primary_port, pair.standby_port)
    with db.unit_of_work(primary, replica=standby) as session:
        child = session.scalars(select(Child).where(Child.given_names.is_not(None))).first()
        assert child is not None
        child.archive_age = 21  # read on the standby, written on the primary
    with db.unit_of_work(primary, read_only=True) as session:
        assert session.get(Child, child.id).archive_age == 21  # type: ignore[union-attr]
