"""``contactpoint serve`` with a streaming replica (``CONTACTPOINT_READ_DATABASE_URL``,
issue 17, item 4), against a real hot standby the test starts: searches read the index
there and are audited on the primary; after a user's own write the next search reads
the primary until the standby has replayed it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from contactpoint import db, migrate
from contactpoint.feeds import pipeline
from contactpoint.kinds.access import Role
from contactpoint.tables.audit import AuditEntry
from tests.builders import birth, nhs_number, write_feed
from tests.people import active_user
from tests.replica import primary_and_standby, replay, wait_until_replayed
from tests.server import served_environment, serving
from tests.web.test_connections_cut import signed_in

pytestmark = pytest.mark.xdist_group("replica")


def _found(client: httpx.Client, serial: int) -> int:
    answer = client.get(
        "/api/v1/children", params={"reason": "safeguarding", "identifier": nhs_number(serial)}
    )
    assert answer.status_code == 200, answer.text
    return len(answer.json()["results"])


def test_searches_read_the_standby_and_a_users_own_write_is_read_from_the_primary(
    tmp_path: Path,
) -> None:
    with primary_and_standby() as pair:
        primary = db.make_engine(pair.primary)
        migrate.upgrade(primary)
        with db.unit_of_work(primary) as session:
            path = write_feed(tmp_path / "a.csv", "gro-births", [birth(n) for n in (1, 2, 3)])
            pipeline.load_file(session, source_name="gro-births", path=path, loaded_by="t")
            secret = active_user(session, "replica.user", Role.PRACTITIONER).totp_secret or ""
            other = active_user(session, "replica.other", Role.PRACTITIONER).totp_secret or ""
        environment = served_environment(
            CONTACTPOINT_DATABASE_URL=pair.primary,
            CONTACTPOINT_READ_DATABASE_URL=pair.standby,
            CONTACTPOINT_SEARCHES_PER_MINUTE="1000",
        )
        with serving(environment, tmp_path / "serve.log") as url:
            client = signed_in(url, "replica.user", secret)
            assert client.cookies.get("cp-written")  # signing in wrote on the primary
            wait_until_replayed(pair.primary_port, pair.standby_port)
            replay(pair.standby_port, paused=True)
            try:
                with db.unit_of_work(primary) as session:  # another's write, not the user's
                    path = write_feed(tmp_path / "b.csv", "gro-births", [birth(4)])
                    pipeline.load_file(session, source_name="gro-births", path=path, loaded_by="t")
                # The standby has not replayed the fourth child: the search read it there.
                assert _found(client, 1) == 1
                assert _found(client, 4) == 0
                # Someone who has just written (signed in, after the pause): their next
                # search reads the primary, until the standby has replayed that far.
                writer = signed_in(url, "replica.other", other)
                assert _found(writer, 4) == 1
                assert _found(client, 4) == 0
            finally:
                replay(pair.standby_port, paused=False)
            wait_until_replayed(pair.primary_port, pair.standby_port)
            assert _found(client, 4) == 1
        with db.unit_of_work(primary, read_only=True) as session:
            searches = select(func.count()).where(AuditEntry.action == "search")
            assert session.scalar(searches) == 5  # every search audited on the primary
        primary.dispose()
