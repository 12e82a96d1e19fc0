"""A mail catcher for the demo: an SMTP server on this machine that delivers every
e-mail it is sent to a folder, one ``.eml`` file each (``contactpoint notify catch``;
``make demo`` runs it beside the server). The demo's e-mails then arrive, as they would
in an inbox, and anyone can read them; nothing is sent anywhere. Not for production: it
accepts any sender and recipient, and listens only on the loopback address.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

LOOPBACK = "127.0.0.1"


class Folder:
    """An aiosmtpd handler writing each message to ``folder`` whole, or not at all (a
    temporary name, then renamed), named by the time it arrived."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            number = next(self._numbers)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{os.getpid()}-{number}.eml"
        temporary = self.folder / f".{name}.part"
        temporary.write_bytes(envelope.original_content or envelope.content)
        temporary.replace(self.folder / name)
        return "250 2.0.0 Delivered to the demo's mail folder"


@contextmanager
def catching(folder: Path, port: int) -> Iterator[Controller]:
    """An SMTP server on the loopback address and ``port`` delivering to ``folder``
    (made if missing), for as long as the ``with`` lasts."""
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(Folder(folder), hostname=LOOPBACK, port=port)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def caught(folder: Path) -> list[Path]:
    """The e-mails delivered to ``folder``, oldest first."""
    return sorted(folder.glob("*.eml"))
