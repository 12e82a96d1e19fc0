"""The server when the database cuts its connections (issue 18, item 8): ``contactpoint
serve`` as a real process on PostgreSQL, signed-in people searching while every one of
its connections is terminated again and again (``pg_terminate_backend``, as a failover or
an administrator does). A request whose connection is cut answers 503 with
``Retry-After`` — never 500 — and closes its connection properly, so no client meets
"connection reset by peer"; the server recovers by itself."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import Engine

from contactpoint import db
from contactpoint.access import credentials
from contactpoint.kinds.access import Role
from tests.builders import birth, write_feed
from tests.people import PASSWORD, active_user
from tests.server import served_environment, serving

ON_POSTGRESQL = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
SECONDS = 8
QUERY = {"reason": "safeguarding", "family_name": "Hussain", "date_of_birth": "2015-03-02"}


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]*)"', page)
    assert found
    return found.group(1)


def signed_in(url: str, username: str, secret: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)
    page = client.get("/sign-in").text
    answer = client.post(
        "/sign-in", data={"username": username, "password": PASSWORD, "csrf_token": _csrf(page)}
    )
    page = client.get(answer.headers["location"]).text
    code = credentials.current_totp(secret, time.time() + 30)
    answer = client.post("/sign-in/code", data={"code": code, "csrf_token": _csrf(page)})
    assert answer.status_code == 303, answer.text
    return client


@ON_POSTGRESQL
def test_connections_cut_under_requests_answer_503_and_never_reset(
    committed_engine: Engine, tmp_path: Path
) -> None:
    from contactpoint.feeds import pipeline

    secrets = {}
    with db.unit_of_work() as session:
        path = write_feed(tmp_path / "b.csv", "gro-births", [birth(n) for n in range(1, 30)])
        pipeline.load_file(session, source_name="gro-births", path=path, loaded_by="t")
        for n in range(3):
            user = active_user(session, f"cut.{n}", Role.PRACTITIONER)
            secrets[user.username] = user.totp_secret or ""
    database = committed_engine.url.database
    statuses: Counter[int] = Counter()
    broken: list[str] = []
    # Searches all the way through: the per-user limit (tested on its own) would refuse them.
    environment = served_environment(CONTACTPOINT_SEARCHES_PER_MINUTE="100000")
    with serving(environment, tmp_path / "serve.log") as url:
        clients = [signed_in(url, name, secret) for name, secret in secrets.items()]
        until = time.monotonic() + SECONDS

        def search(client: httpx.Client) -> None:
            while time.monotonic() < until:
                try:
                    answer = client.get(
                        "/api/v1/children",
                        params=QUERY,
                    )
                except httpx.TransportError as error:  # a reset, a dropped connection
                    broken.append(type(error).__name__)
                    continue
                statuses[answer.status_code] += 1
                if answer.status_code == 503:
                    assert answer.headers.get("retry-after") == "30"

        def cut() -> None:
            with psycopg.connect(
                committed_engine.url.set(drivername="postgresql").render_as_string(False),
                autocommit=True,
            ) as admin:
                while time.monotonic() < until:
                    admin.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = %s AND pid <> pg_backend_pid()",
                        (database,),
                    )
                    time.sleep(0.3)

        threads = [threading.Thread(target=search, args=(c,)) for c in clients]
        threads.append(threading.Thread(target=cut))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # Recovered by itself: the next search is answered.
        after = clients[0].get("/api/v1/children", params=QUERY)
    assert after.status_code == 200, after.text
    assert broken == [] and statuses[500] == 0, (statuses, broken)
    assert statuses[200] > 0
