"""The one family of domain errors, in a few categories.

Every error a person can act on is a ``ContactPointError`` of one category: ``Invalid``
(what was asked is malformed), ``NotFound`` (nothing by that name), ``Refused`` (not for
who is asking: the access policy, a role, a token's scope), ``Conflict`` (not in the
state things are in: a decided task, a closed record, a suspended source),
``NotSignedIn``, or ``Unavailable`` (not just now). The edges map the categories, not
each error, to an HTTP status (``web.errors``) and an exit code (``cli.console``), and
never inspect an error's text.
"""

from __future__ import annotations

from typing import Any


class ContactPointError(Exception):
    """A problem a user or operator can act on; the message says what and where.

    ``audit``: the audit entry the error's refusal made (``audit.service.Refusal``), set
    by the service that wrote it; should the request's transaction roll back with the
    error, the web layer writes it again in a transaction of its own."""

    audit: Any = None


class Invalid(ContactPointError):
    """What was asked for is malformed: a value, a file, a model document."""


class NotFound(ContactPointError):
    """Nothing by the name or id asked for."""


class Refused(ContactPointError):
    """Not for who is asking: the access policy, their roles or their token said no. The
    web layer writes each one to the audit trail."""


class Conflict(ContactPointError):
    """Not possible in the state things are in (a task already decided, a record closed,
    a source suspended, a cap reached); nothing was changed."""


class NotSignedIn(ContactPointError):
    """Who is asking is not known: never signed in, signed out, expired or the second
    factor missing (``access.auth.SignInRefused``, a failed sign-in, is one too)."""


class Unavailable(ContactPointError):
    """The service cannot do it just now (its database schema is not yet migrated)."""


class InvalidValue(Invalid, ValueError):
    """A single value (identifier, postcode, date) is not valid."""

    def __init__(self, field: str, value: str, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class FileRefused(Invalid):
    """A feed file is structurally broken or not allowed; nothing was loaded."""

    def __init__(self, file: str, reason: str, row: int | None = None) -> None:
        self.file = file
        self.reason = reason
        self.row = row
        where = f" (row {row})" if row is not None else ""
        super().__init__(f"{file}{where}: {reason}")


class SourceSuspended(FileRefused, Conflict):
    """The source is suspended (scaled-down mode); its files are refused."""


class UnknownSource(NotFound):
    """No source of that name."""


class AccessRefused(Refused):
    """The access policy refused a look at a child's record; the message says why in
    words the user may see. The refusal is audited before this is raised."""


class AccountRefused(Conflict):
    """An account change that policy or the account's state does not allow."""


class DecisionRefused(Conflict):
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
