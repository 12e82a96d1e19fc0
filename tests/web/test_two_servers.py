"""The web tier shares nothing but PostgreSQL (issue 17, item 4): two ``contactpoint
serve`` processes on one database, as behind a load balancer, each serve whatever
request arrives — a session, a form's CSRF token, a sign-out and the per-user search
limit hold across both, because each lives in the database and nowhere else."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from sqlalchemy import Engine

from contactpoint import db
from contactpoint.feeds import pipeline
from contactpoint.kinds.access import Role
from tests.builders import birth, write_feed
from tests.people import active_user
from tests.server import served_environment, serving
from tests.web.test_connections_cut import ON_POSTGRESQL, QUERY, signed_in


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]*)"', page)
    assert found
    return found.group(1)


@ON_POSTGRESQL
def test_a_user_signed_in_on_one_server_is_served_by_the_other(
    committed_engine: Engine, tmp_path: Path
) -> None:
    with db.unit_of_work() as session:
        path = write_feed(tmp_path / "b.csv", "gro-births", [birth(n) for n in range(1, 6)])
        pipeline.load_file(session, source_name="gro-births", path=path, loaded_by="t")
        secret = active_user(session, "two.servers", Role.PRACTITIONER).totp_secret or ""
    environment = served_environment(CONTACTPOINT_SEARCHES_PER_MINUTE="3")
    with (
        serving(environment, tmp_path / "a.log") as first,
        serving(environment, tmp_path / "b.log") as second,
    ):
        on_first = signed_in(first, "two.servers", secret)
        on_second = httpx.Client(base_url=second, cookies=on_first.cookies, timeout=30)
        # The session made on the first server is known to the second.
        assert on_second.get("/api/v1/children", params=QUERY).status_code == 200
        # A form's token from one server is good on the other (it lives in the session).
        token = _csrf(on_first.get("/search").text)
        found = on_second.post("/search", data={**QUERY, "csrf_token": token})
        assert found.status_code == 200
        # The per-user limit counts searches on both (3 a minute: the fourth is refused).
        assert on_first.get("/api/v1/children", params=QUERY).status_code == 200
        assert on_second.get("/api/v1/children", params=QUERY).status_code == 429
        assert on_first.get("/api/v1/children", params=QUERY).status_code == 429
        # Signing out on one ends the session on both.
        assert on_second.post("/sign-out", data={"csrf_token": token}).status_code == 303
        assert on_first.get("/api/v1/children", params=QUERY).status_code == 401
