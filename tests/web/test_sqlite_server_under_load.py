"""The SQLite demo as several people use it at once: ``contactpoint serve`` as a real
process on an embedded SQLite database, with the demo's settings — the audit sealer every
quarter second, the daily jobs at start, and the e-mail sender (here every second, to a
real SMTP server) — and signed-in people of every role searching, opening records,
deciding review tasks and reading their pages, while others mistype their password.

For a bounded time no request may fail with a server error or a dropped connection: the
"database is locked" 500s that three people met on the demo came from transactions that
read and then wrote while another connection had written in between.
"""

from __future__ import annotations

import csv
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from contactpoint import db, migrate
from contactpoint.access import credentials
from contactpoint.kinds.access import Role
from contactpoint.notify import service as notify
from contactpoint.synth import generate
from contactpoint.tables.review import ReviewStatus, ReviewTask
from tests.builders import load_population
from tests.mailbox import Mailbox, SmtpServer
from tests.people import PASSWORD, active_user
from tests.server import served_environment, serving

LOAD_SECONDS = 20
AS_OF = date(2026, 6, 1)
ROLES = {
    "load.practitioner1": Role.PRACTITIONER,
    "load.practitioner2": Role.PRACTITIONER,
    "load.keyprofessional": Role.KEY_PROFESSIONAL,
    "load.datamanager": Role.DATA_MANAGER,
    "load.nationaladmin": Role.NATIONAL_ADMIN,
    "load.auditor": Role.AUDITOR,
}


@dataclass
class Tally:
    """What the clients saw: every answer's status, and each failure in words."""

    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, what: str, answer: httpx.Response) -> httpx.Response:
        with self.lock:
            self.statuses[answer.status_code] += 1
            if answer.status_code >= 500:
                request_id = answer.headers.get("X-Request-ID")
                self.failures.append(f"{what}: {answer.status_code} (request {request_id})")
        return answer

    def broke(self, what: str, error: Exception) -> None:
        with self.lock:
            self.failures.append(f"{what}: {type(error).__name__}")


@dataclass(frozen=True)
class Demo:
    url: str
    database_url: str
    secrets: dict[str, str]
    people: list[tuple[str, str]]  # (family name, date of birth) from the NHS file
    mailbox: Mailbox
    log: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """A small synthetic population in a SQLite file, an account per role, some e-mails
    waiting in the outbox, and the server running with the demo's settings."""
    workdir = tmp_path_factory.mktemp("sqlite-demo")
    database_url = f"sqlite:///{workdir / 'contactpoint.db'}"
    engine = db.make_engine(database_url)
    migrate.upgrade(engine)
    synth = workdir / "synth"
    generate(synth, children=300, seed=4711, as_of=AS_OF)
    secrets = {}
    with db.unit_of_work(engine) as session:
        load_population(session, synth, AS_OF)
        for username, role in ROLES.items():
            secrets[username] = active_user(session, username, role).totp_secret or ""
        for n in range(20):
            notify.email_only(session, f"someone{n}@example.org", "test")
    engine.dispose()
    with (synth / "nhs-demographics.csv").open(encoding="utf-8") as handle:
        people = [(row["family_name"], row["date_of_birth"]) for row in csv.DictReader(handle)]

    mailbox = Mailbox()
    smtp = SmtpServer(mailbox)
    smtp.start()
    environment = served_environment(
        CONTACTPOINT_DATABASE_URL=database_url,
        CONTACTPOINT_VAR_DIR=str(workdir / "var"),
        CONTACTPOINT_SMTP_HOST="127.0.0.1",
        CONTACTPOINT_SMTP_PORT=str(smtp.port),
        CONTACTPOINT_EMAIL_SEND_INTERVAL_SECONDS="1",
        # Searches keep writing audit entries all the way through: the per-user limit
        # (tested on its own) would turn most of them into quick refusals.
        CONTACTPOINT_SEARCHES_PER_MINUTE="100000",
    )
    log = workdir / "serve.log"
    try:
        with serving(environment, log) as url:
            yield Demo(url, database_url, secrets, people, mailbox, log)
    finally:
        smtp.stop()


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]*)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _signed_in(demo: Demo, username: str, tally: Tally) -> httpx.Client:
    client = httpx.Client(base_url=demo.url, timeout=60)
    page = client.get("/sign-in").text
    answer = tally.saw(
        "POST /sign-in",
        client.post(
            "/sign-in",
            data={"username": username, "password": PASSWORD, "csrf_token": _csrf(page)},
        ),
    )
    assert answer.status_code == 303, answer.text
    page = client.get(answer.headers["location"]).text
    code = credentials.current_totp(demo.secrets[username], time.time() + 30)
    answer = tally.saw(
        "POST /sign-in/code",
        client.post("/sign-in/code", data={"code": code, "csrf_token": _csrf(page)}),
    )
    assert answer.status_code == 303, answer.text
    return client


def _searcher(demo: Demo, client: httpx.Client, tally: Tally) -> None:
    """Search by family name and date of birth, open the first child found (API and page)."""
    family_name, born = random.choice(demo.people)
    found = tally.saw(
        "GET /api/v1/children",
        client.get(
            "/api/v1/children",
            params={"reason": "safeguarding", "family_name": family_name, "date_of_birth": born},
        ),
    )
    if found.status_code == 200 and found.json()["results"]:
        cp_id = found.json()["results"][0]["cp_id"]
        tally.saw(
            "GET /api/v1/children/{cp_id}",
            client.get(f"/api/v1/children/{cp_id}", params={"reason": "safeguarding"}),
        )
        tally.saw(
            "GET /children/{cp_id}",
            client.get(f"/children/{cp_id}", params={"reason": "safeguarding"}),
        )
    tally.saw("GET /inbox", client.get("/inbox"))


def _data_manager(demo: Demo, client: httpx.Client, tally: Tally) -> None:
    """Open the review queue and keep apart the first open task, as the reported user did."""
    tally.saw("GET /review", client.get("/review"))
    engine = db.make_engine(demo.database_url)
    with db.unit_of_work(engine, read_only=True) as session:
        task_id = session.scalar(
            select(ReviewTask.id).where(ReviewTask.status == ReviewStatus.OPEN).limit(1)
        )
    engine.dispose()
    if task_id is not None:
        page = tally.saw("GET /review/{id}", client.get(f"/review/{task_id}")).text
        tally.saw(
            "POST /review/{id}/keep-apart",
            client.post(
                f"/review/{task_id}/keep-apart",
                data={"reason": "Different children", "csrf_token": _csrf(page)},
            ),
        )


def _page_reader(*paths: str) -> Callable[[Demo, httpx.Client, Tally], None]:
    def read(demo: Demo, client: httpx.Client, tally: Tally) -> None:
        for path in paths:
            tally.saw(f"GET {path}", client.get(path))

    return read


def _mistyping(demo: Demo, tally: Tally, until: float) -> None:
    """Someone who keeps getting their password wrong: each try is written down."""
    client = httpx.Client(base_url=demo.url, timeout=60)
    while time.monotonic() < until:
        page = client.get("/sign-in").text
        tally.saw(
            "POST /sign-in (wrong password)",
            client.post(
                "/sign-in",
                data={"username": "nobody.here", "password": "wrong", "csrf_token": _csrf(page)},
            ),
        )


WORK = {
    Role.PRACTITIONER: _searcher,
    Role.KEY_PROFESSIONAL: _searcher,
    Role.DATA_MANAGER: _data_manager,
    Role.NATIONAL_ADMIN: _page_reader("/admin", "/inbox"),
    Role.AUDITOR: _page_reader("/audit", "/inbox"),
}


def test_people_of_every_role_at_once_never_meet_a_server_error(demo: Demo) -> None:
    tally = Tally()
    until = time.monotonic() + LOAD_SECONDS

    def person(username: str) -> None:
        try:
            client = _signed_in(demo, username, tally)
            while time.monotonic() < until:
                WORK[ROLES[username]](demo, client, tally)
        except httpx.HTTPError as error:
            tally.broke(username, error)

    threads = [threading.Thread(target=person, args=(u,)) for u in ROLES]
    threads.append(threading.Thread(target=_mistyping, args=(demo, tally, until)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=LOAD_SECONDS + 120)

    print(tally.statuses)
    assert not tally.failures, f"{tally.failures[:10]} of {sum(tally.statuses.values())}"
    assert tally.statuses[200] > 100, tally.statuses
    errors = [line for line in demo.log.read_text().splitlines() if " ERROR " in line]
    assert not errors, errors[:10]
    # The sender ran beside them and delivered the outbox.
    delivered = {address for email in demo.mailbox.received for address in email.to}
    assert {f"someone{n}@example.org" for n in range(20)} <= delivered
