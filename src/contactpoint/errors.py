"""The one family of domain errors.

Every error a person can act on is a ``ContactPointError``; the web and CLI layers turn
each subclass into a status or exit code in one place (``cli.py``; ``web`` later) and
never inspect an error's text.
"""

from __future__ import annotations


class ContactPointError(Exception):
    """A problem a user or operator can act on; the message says what and where."""


class InvalidValue(ContactPointError, ValueError):
    """A single value (identifier, postcode, date) is not valid."""

    def __init__(self, field: str, value: str, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class FileRefused(ContactPointError):
    """A feed file is structurally broken or not allowed; nothing was loaded."""

    def __init__(self, file: str, reason: str, row: int | None = None) -> None:
        self.file = file
        self.reason = reason
        self.row = row
        where = f" (row {row})" if row is not None else ""
        super().__init__(f"{file}{where}: {reason}")


class SourceSuspended(FileRefused):
    """The source is suspended (scaled-down mode); its files are refused."""


class UnknownSource(ContactPointError):
    """No source of that name."""


class NotFound(ContactPointError):
    """A record asked for by id does not exist."""
