"""``contactpoint serve`` as a real process for tests: started on a free port with the
environment a test gives it, ready once ``/healthz`` answers, stopped afterwards.

The environment starts from this process's, less the ``CONTACTPOINT_*`` settings the test
suite sets for the apps it builds in process (no background e-mail sender or daily jobs):
a served process runs with the settings the demo and production run with, unless the
test says otherwise.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.mailbox import free_port

STARTUP_SECONDS = 30
# Set by tests/conftest.py for in-process apps only.
IN_PROCESS_ONLY = (
    "CONTACTPOINT_EMAIL_SEND_INTERVAL_SECONDS",
    "CONTACTPOINT_SIGNPOSTING_HOUSEKEEPING_HOURS",
)


def served_environment(**settings: str) -> dict[str, str]:
    """This process's environment as a served process should see it, plus ``settings``."""
    environment = {k: v for k, v in os.environ.items() if k not in IN_PROCESS_ONLY}
    return environment | settings


def _wait_until_healthy(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"contactpoint serve exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    pytest.fail(
        f"contactpoint serve did not answer /healthz in {STARTUP_SECONDS}s:\n{log.read_text()}"
    )


@contextmanager
def serving(environment: Mapping[str, str], log: Path, *args: str) -> Iterator[str]:
    """Run ``contactpoint serve`` (with ``args``) in ``environment`` on a free port, its
    output in ``log``; yield its base URL once healthy. Stopped (TERM, then KILL) after."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = Path(sys.executable).with_name("contactpoint")
    with log.open("wb") as output:
        server = subprocess.Popen(
            [str(command), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            env={**environment, "CONTACTPOINT_SERVICE_URL": url},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
