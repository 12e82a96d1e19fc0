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


class AccessRefused(ContactPointError):
    """The access policy refused a look at a child's record; the message says why in
    words the user may see. The refusal is audited before this is raised."""


class AccountRefused(ContactPointError):
    """An account change that policy or the account's state does not allow."""


class DecisionRefused(ContactPointError):
    """A data manager's decision (link, keep apart, merge, unmerge) cannot be made as
    asked; nothing was changed."""


class TaskAlreadyDecided(DecisionRefused):
    """Someone else decided the review task first."""

    def __init__(self, task_id: int, status: str, decided_by: str | None, when: str) -> None:
        self.task_id = task_id
        self.status = status
        self.decided_by = decided_by
        super().__init__(
            f"review task {task_id} was already decided ({status.replace('_', ' ')})"
            f" by {decided_by or 'an unknown user'} at {when}; nothing was changed"
        )


class MergeRefused(DecisionRefused):
    """Two children cannot be merged; the message says why and what to do instead."""


class UnmergeRefused(DecisionRefused):
    """A merge cannot be undone; the message says why and what to do first."""


class InvalidValues(InvalidValue):
    """Several values of one request are not valid: each problem, in the form's order
    (the first as the error itself, for callers that name one field)."""

    def __init__(self, problems: tuple[InvalidValue, ...]) -> None:
        self.problems = problems
        first = problems[0]
        super().__init__(first.field, first.value, first.reason)
        self.args = ("; ".join(str(problem) for problem in problems),)


class SearchTooBroad(InvalidValue):
    """A search whose fields cannot narrow the index down to a useful list (gender
    alone, a family name alone, nothing at all); the message names the fields given and
    those that would make it searchable."""

    def __init__(self, given: tuple[str, ...], add: str, helpful: tuple[str, ...] = ()) -> None:
        self.given = given
        # The fields any one of which would make the search narrow enough.
        self.helpful = helpful
        field = " and ".join(given) if given else "search"
        reason = f"too broad to search by; {add}" if given else f"nothing to search by; {add}"
        super().__init__(field, "", reason)
