"""The service as a user meets it: ``contactpoint serve`` on a fresh PostgreSQL database,
driven by Debian's Chromium through Playwright.

``live_server`` starts the real command once per worker, on a new database upgraded by the
migrations; ``browser`` is the system Chromium (``make install`` puts it there, and
Playwright never downloads a browser of its own); ``page`` is a new page in a new context
for each test, and ``new_page`` makes more, with other context options. ``add_user`` makes
an active account in the live database and ``sign_in`` goes through the sign-in forms as
that person; ``signed_in_page`` is a page already signed in (one sign-in per run, its
cookies reused). Every test here is marked for xdist group ``browser``, so that one
worker owns the server and the browser (see ``pytest_collection_modifyitems``).

Outside CI a missing PostgreSQL or Chromium skips these tests; with ``CI=true`` either is
a failure.
"""

from __future__ import annotations

import itertools
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, StorageState, expect, sync_playwright
from sqlalchemy import Engine

from contactpoint import db, migrate
from contactpoint.access import credentials
from contactpoint.kinds.access import Role
from tests.conftest import IN_CI, _postgres_url, _reachable, _worker
from tests.mailbox import Mailbox, SmtpServer
from tests.people import LEEDS, PASSWORD, active_user
from tests.server import served_environment, serving

BROWSER_TESTS = Path(__file__).parent
NewPage = Callable[..., Page]


@dataclass(frozen=True)
class LiveServer:
    """A running ``contactpoint serve``: where it answers, and its database, for building
    the world a test needs (``with db.unit_of_work(live_server.engine) as session: ...``).
    Its e-mails go to a real SMTP server (aiosmtpd) on 127.0.0.1, whose ``mailbox`` keeps
    every one it accepts; ``environment`` is the server's, for other ``contactpoint``
    commands run against it (``contactpoint notify send``)."""

    url: str
    engine: Engine
    mailbox: Mailbox
    environment: dict[str, str]


@dataclass(frozen=True)
class Person:
    """Someone with an active account: what they type to sign in."""

    username: str
    password: str
    totp_secret: str

    def code(self) -> str:
        """Their authenticator's next code: the current one was used to enrol, and a code
        is accepted once only."""
        return credentials.current_totp(self.totp_secret, time.time() + 30)


AddUser = Callable[..., Person]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put every browser test in xdist group ``browser``, so one worker runs the server and
    the browser (``tryfirst``: xdist reads the mark in its own hook, after this one).

    With pytest 9.2 and pytest-xdist 3.8.0 the grouping has no effect (pytest-xdist issue
    1386: xdist still renames the node id the old way), so each worker that gets a browser
    test starts its own server, database and browser: correct, only slower.
    """
    for item in items:
        if item.path.is_relative_to(BROWSER_TESTS):
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``contactpoint serve`` on a free port and a new, migrated PostgreSQL database,
    sending e-mail to an SMTP server of its own (no background sender: the outbox is sent
    when a test runs ``contactpoint notify send``)."""
    database_url = _reachable(_postgres_url(f"contactpoint_browser_{_worker()}"))
    engine = db.make_engine(database_url)
    migrate.upgrade(engine)
    mailbox = Mailbox()
    smtp = SmtpServer(mailbox)
    smtp.start()

    workdir = tmp_path_factory.mktemp("live-server")
    # The demo's settings (the audit sealer and the daily jobs run), but no background
    # e-mail sender: tests send the outbox when they mean to.
    environment = served_environment(
        CONTACTPOINT_DATABASE_URL=database_url,
        CONTACTPOINT_VAR_DIR=str(workdir / "var"),
        CONTACTPOINT_SMTP_HOST="127.0.0.1",
        CONTACTPOINT_SMTP_PORT=str(smtp.port),
        CONTACTPOINT_EMAIL_SEND_INTERVAL_SECONDS="0",
    )
    try:
        with serving(environment, workdir / "serve.log") as url:
            yield LiveServer(
                url=url,
                engine=engine,
                mailbox=mailbox,
                environment=environment | {"CONTACTPOINT_SERVICE_URL": url},
            )
    finally:
        engine.dispose()
        smtp.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium, the one on PATH."""
    chromium = shutil.which("chromium")
    if chromium is None:
        message = "Chromium is not installed: run 'make install'"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: browser tests never skip)")
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium,
            # This machine reaches no network but the package registries: stop Chromium
            # calling Google's services at start. (Playwright adds the other quiet flags.)
            args=["--disable-quic", "--disable-gpu"],
        )
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser: Browser, live_server: LiveServer) -> Iterator[NewPage]:
    """Make a page in a new context (own cookies and storage) whose ``goto("/")`` is the
    live server; keyword arguments are Playwright's context options. Closed after the test."""
    contexts = []

    def make(**options: Any) -> Page:
        context = browser.new_context(base_url=live_server.url, **options)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: NewPage) -> Page:
    """A new page for this test, with JavaScript on, as most readers have it."""
    return new_page()


@pytest.fixture(scope="session")
def add_user(live_server: LiveServer) -> AddUser:
    """Make a new active account (a practitioner unless roles are given; in Leeds unless
    another authority is given) in the live database, with a password and an enrolled
    authenticator."""
    numbers = itertools.count(1)

    def add(*roles: Role, la_code: str = LEEDS) -> Person:
        username = f"browser.user{next(numbers)}"
        with db.unit_of_work(live_server.engine) as session:
            user = active_user(session, username, *(roles or (Role.PRACTITIONER,)), la_code=la_code)
            secret = user.totp_secret
        assert secret is not None
        return Person(username=username, password=PASSWORD, totp_secret=secret)

    return add


def sign_in(page: Page, person: Person) -> None:
    """Fill in the sign-in forms as ``person``, starting from the page the service shows."""
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title("Enter the code from your authenticator app – ContactPoint")
    page.get_by_label("Enter the code from your authenticator app").fill(person.code())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text(
        "Enter the code from your authenticator app"
    )


def search_for_child(page: Page, given_names: str, family_name: str, born: str) -> None:
    """Search from the search page, for assessing the child's needs, and wait for the
    results page."""
    page.get_by_label("Given names").fill(given_names)
    page.get_by_label("Family name").fill(family_name)
    page.get_by_label("Date of birth").fill(born)
    page.get_by_label("Assessing the child's needs (including early help)").check()
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_title("Search results – ContactPoint")


@pytest.fixture(scope="session")
def signed_in_state(browser: Browser, live_server: LiveServer, add_user: AddUser) -> StorageState:
    """The cookies of a practitioner signed in once through the forms, for new contexts:
    ``new_page(storage_state=signed_in_state)``."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto("/")
    sign_in(page, add_user(Role.PRACTITIONER))
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def signed_in_page(new_page: NewPage, signed_in_state: StorageState) -> Page:
    """A new page whose context is signed in as a practitioner."""
    return new_page(storage_state=signed_in_state)
