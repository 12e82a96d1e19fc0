"""A PostgreSQL primary and a streaming standby of its own, for tests of reading from a
replica. The machine's own cluster allows no replication connections, so this starts a
fresh primary (``initdb``) on a free port and a hot standby (``pg_basebackup -R``) on
another, as the ``postgres`` user when run as root; both are stopped and removed after.
With ``CI=true`` missing PostgreSQL binaries fail the test, as every real component does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.mailbox import free_port

STARTUP_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Pair:
    primary: str  # SQLAlchemy URLs of the database "contactpoint" on each
    standby: str
    primary_port: int
    standby_port: int


def _bindir() -> Path:
    found = shutil.which("pg_config")
    if found:
        config = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=False)
        if config.returncode == 0 and (Path(config.stdout.strip()) / "initdb").exists():
            return Path(config.stdout.strip())
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if versions:
        return versions[-1].parent
    message = "PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) are not installed"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _as_postgres(*command: str | Path) -> list[str]:
    words = [str(word) for word in command]
    return ["runuser", "-u", "postgres", "--", *words] if os.geteuid() == 0 else words


def _run(*command: str | Path) -> None:
    subprocess.run(_as_postgres(*command), check=True, capture_output=True, timeout=120)


@contextmanager
def primary_and_standby() -> Iterator[Pair]:
    """A primary with a database ``contactpoint`` and a hot standby streaming from it."""
    bindir = _bindir()
    base = Path(tempfile.mkdtemp(prefix="contactpoint-replica-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    primary, standby = base / "primary", base / "standby"
    primary_port, standby_port = free_port(), free_port()
    started: list[Path] = []
    try:
        _run(bindir / "initdb", "-D", primary, "-A", "trust", "-U", "postgres", "--no-sync")
        settings = (
            f"port = {primary_port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{base}'\nwal_level = replica\n"
            "max_wal_senders = 4\nhot_standby = on\nfsync = off\n"
        )
        _append(primary / "postgresql.conf", settings)
        _run(bindir / "pg_ctl", "-D", primary, "-l", base / "primary.log", "-w", "start")
        started.append(primary)
        admin = f"postgresql://postgres@127.0.0.1:{primary_port}/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute("CREATE DATABASE contactpoint")
        _run(
            bindir / "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary_port),
            "-U", "postgres", "-D", standby, "-R", "-X", "stream", "--checkpoint=fast",
        )  # fmt: skip
        _append(standby / "postgresql.conf", f"port = {standby_port}\n")
        _run(bindir / "pg_ctl", "-D", standby, "-l", base / "standby.log", "-w", "start")
        started.append(standby)
        url = "postgresql+psycopg://postgres@127.0.0.1:{}/contactpoint"
        pair = Pair(url.format(primary_port), url.format(standby_port), primary_port, standby_port)
        _wait_for_standby(standby_port)
        yield pair
    finally:
        for directory in reversed(started):
            subprocess.run(
                _as_postgres(bindir / "pg_ctl", "-D", directory, "-m", "immediate", "stop"),
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(base, ignore_errors=True)


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def _wait_for_standby(port: int) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/contactpoint") as c:
                if c.execute("SELECT pg_is_in_recovery()").fetchone() == (True,):
                    return
        except psycopg.OperationalError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the standby on port {port} did not start in {STARTUP_SECONDS}s")


def replay(port: int, *, paused: bool) -> None:
    """Pause or resume the standby's replay of the primary's log."""
    call = "pg_wal_replay_pause()" if paused else "pg_wal_replay_resume()"
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/contactpoint") as connection:
        connection.execute(f"SELECT {call}")


def wait_until_replayed(primary_port: int, standby_port: int) -> None:
    """Until the standby has replayed everything the primary has written so far."""
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{primary_port}/contactpoint") as p:
        row = p.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    assert row is not None
    deadline = time.monotonic() + STARTUP_SECONDS
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{standby_port}/contactpoint") as s:
        while time.monotonic() < deadline:
            done = s.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (row[0],))
            if done.fetchone() == (True,):
                return
            time.sleep(0.1)
    pytest.fail("the standby did not catch up with the primary")
