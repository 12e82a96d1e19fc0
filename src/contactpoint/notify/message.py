"""What an e-mail says and how it is built, with no database: the address check, the
text (no child's details: only what kind of notification waits and where to sign in),
the Message-ID made once per e-mail, the MIME message and the retry backoff."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

MAX_ADDRESS = 254
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)

# A dot-atom local part (RFC 5322, without quoted strings or comments) and a domain of
# at least two DNS labels: what every public-sector mail system accepts.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_TOP_LABEL = re.compile(r"[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59}")

# How each kind of notification is named in an e-mail; other kinds are "a notification".
KIND_NAMES = {
    "match_signal": "match signal",
    "reminder": "reminder",
    "contact_alert": "contact alert",
    "misuse_alert": "misuse alert",
}


def valid_address(address: str) -> bool:
    """Whether ``address`` is a plain e-mail address (name@example.gov.uk): no display
    name, no spaces or line breaks, a domain with a dot."""
    if len(address) > MAX_ADDRESS or address.count("@") != 1:
        return False
    local, domain = address.split("@")
    labels = domain.split(".")
    return (
        len(local) <= 64
        and _LOCAL.fullmatch(local) is not None
        and len(labels) >= 2
        and all(_LABEL.fullmatch(label) for label in labels)
        and _TOP_LABEL.fullmatch(labels[-1]) is not None
    )


def valid_link(link: str) -> bool:
    """Whether ``link`` is a path within the service (/children/CP-…), never another site."""
    return (
        link.startswith("/")
        and not link.startswith("//")
        and len(link) <= 200
        and not any(c.isspace() or c == "\\" for c in link)
    )


def new_message_id() -> str:
    """A globally unique RFC 5322 Message-ID, made once for each e-mail."""
    return f"<outbox-{uuid.uuid4().hex}@contactpoint.invalid>"


def email_text(kind: str, link: str | None, service_url: str) -> tuple[str, str]:
    """The subject and body of the e-mail for a notification of ``kind``. They say what
    waits and where, never what it is about: the inbox shows that after sign-in."""
    name = KIND_NAMES.get(kind, "notification")
    article = "an" if name[0] in "aeiou" else "a"
    where = service_url.rstrip("/") + (link or "/")
    subject = f"ContactPoint: you have {article} new {name}"
    body = (
        f"You have {article} new {name} in ContactPoint.\n"
        "\n"
        f"Sign in to read it and act on it:\n{where}\n"
        "\n"
        "This e-mail holds no details of any child: you see them only once you have"
        " signed in.\n"
        "Do not reply to this e-mail.\n"
    )
    return subject, body


def build_message(
    *, sender: str, to: str, subject: str, body: str, message_id: str, date: datetime
) -> EmailMessage:
    """The e-mail as sent; the same ``message_id`` on every attempt."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message.set_content(body)
    return message


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: one minute, doubling,
    at most an hour."""
    return min(FIRST_RETRY * (1 << min(max(attempts - 1, 0), 16)), LONGEST_RETRY)
