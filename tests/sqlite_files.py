"""Reading a live SQLite database's files from a test without corrupting it."""

from __future__ import annotations

import subprocess
from pathlib import Path


def database_bytes(database: Path) -> bytes:
    """The bytes of an SQLite database file and its ``-wal`` and ``-shm`` files, read by
    a child process. Opening and closing any of them in this process would drop every
    POSIX lock the process holds on them — SQLite's own included, for the connections
    it keeps open — and a server or load in another process writing to the same file
    then corrupts it ("database disk image is malformed" in the tests after)."""
    files = sorted(str(p) for p in database.parent.glob(f"{database.name}*"))
    return subprocess.run(["cat", *files], check=True, capture_output=True).stdout
