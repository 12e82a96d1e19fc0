"""Every domain error is of one category, and the edges map categories, not errors: a
refusal is a 403 wherever it comes from, a state that does not allow it a 409."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import contactpoint
from contactpoint.cli.console import EXIT_CODES, EXIT_REFUSED, EXIT_USAGE
from contactpoint.errors import (
    Conflict,
    ContactPointError,
    DecisionRefused,
    Invalid,
    NotFound,
    NotSignedIn,
    Refused,
    SourceSuspended,
    Unavailable,
    UnknownSource,
)
from contactpoint.web.errors import AUDITED_REFUSALS, status_for

CATEGORIES = (Invalid, NotFound, Refused, Conflict, NotSignedIn, Unavailable)


def every_error() -> list[type[ContactPointError]]:
    for module in pkgutil.walk_packages(contactpoint.__path__, "contactpoint."):
        if ".migrations" not in module.name and not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found: list[type[ContactPointError]] = []
    todo = [ContactPointError]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return [e for e in found if e not in CATEGORIES]


@pytest.mark.parametrize("error", every_error(), ids=lambda e: e.__name__)
def test_every_domain_error_is_of_a_category(error: type[ContactPointError]) -> None:
    assert any(issubclass(error, category) for category in CATEGORIES)


def test_the_web_maps_each_category_to_one_status() -> None:
    assert status_for(Invalid("x")) == 422
    assert status_for(NotFound("x")) == 404
    assert status_for(Refused("x")) == 403
    assert status_for(Conflict("x")) == 409
    assert status_for(NotSignedIn("x")) == 401
    assert status_for(Unavailable("x")) == 503
    # A data manager's decision that cannot be made is a conflict, like every other.
    assert status_for(DecisionRefused("task 1 was decided")) == 409
    # A suspended source's file is refused for the state the source is in.
    assert status_for(SourceSuspended("f.csv", "suspended")) == 409


def test_refusals_and_not_signed_in_are_the_audited_ones() -> None:
    assert (Refused, NotSignedIn) == AUDITED_REFUSALS


def test_the_command_line_maps_an_unknown_source_to_usage_and_the_rest_to_refused() -> None:
    def code(error: ContactPointError) -> int:
        return next(code for kind, code in EXIT_CODES if isinstance(error, kind))

    assert code(UnknownSource("nowhere")) == EXIT_USAGE
    assert {code(c("x")) for c in (Invalid, NotFound, Refused, Conflict)} == {EXIT_REFUSED}
