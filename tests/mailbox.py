"""A real SMTP server for tests (aiosmtpd) that records every e-mail it accepts.

``Mailbox`` is the server's handler: it refuses the addresses in ``refuse`` with a
permanent 550, and can hang up without accepting the n-th e-mail (``hang_up_on``), as a
server that dies mid-send does. ``SmtpServer`` runs it on 127.0.0.1 and can be stopped
and started again on the same port, keeping what it has received.
"""

from __future__ import annotations

import socket
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from typing import Any

from aiosmtpd.controller import Controller

from contactpoint.notify.sender import SmtpSettings


@dataclass(frozen=True)
class Received:
    message_id: str
    to: tuple[str, ...]
    subject: str
    body: str


@dataclass
class Mailbox:
    refuse: set[str] = field(default_factory=set)
    hang_up_on: int | None = None
    received: list[Received] = field(default_factory=list)
    data_commands: int = 0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_commands += 1
        if self.data_commands == self.hang_up_on:
            server.transport.abort()  # gone before accepting it: the e-mail is not here
            return "421 4.3.0 Closing"
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(
            Received(
                message_id=str(message["Message-ID"]),
                to=tuple(envelope.rcpt_tos),
                subject=str(message["Subject"]),
                body=message.get_body().get_content(),  # type: ignore[union-attr]
            )
        )
        return "250 2.0.0 Accepted"

    def count_by_message_id(self) -> Counter[str]:
        return Counter(email.message_id for email in self.received)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpServer:
    """An aiosmtpd server on a fixed port, stopped and started at will."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox
        self.port = free_port()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def settings(self, **overrides: Any) -> SmtpSettings:
        values: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": self.port,
            "sender": "ContactPoint <no-reply@contactpoint.example>",
            "timeout": 5.0,
        }
        return SmtpSettings(**(values | overrides))
