"""What every source module provides, and the readers they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from contactpoint.children.facts import AddressFact, ChildFacts
from contactpoint.feeds.fields import RowReader
from contactpoint.feeds.parse import Column
from contactpoint.geography import la_for_postcode

LA_CODE_PATTERN = r"E(0[6-9]|10)\d{6}"
LA_CODE_DESCRIPTION = "an English local authority's ONS code such as E08000035"


@dataclass(frozen=True, slots=True)
class Source:
    """A source system: its file format and how a row becomes ``ChildFacts``."""

    name: str
    title: str
    columns: tuple[Column, ...]
    standardise: Callable[[RowReader], ChildFacts]
    # Whether the scaled-down service keeps receiving it (DESIGN §4).
    continues_when_scaled_down: bool


def columns(required: str, optional: str) -> tuple[Column, ...]:
    """Columns from two space-separated lists of names."""
    return tuple(Column(name, True) for name in required.split()) + tuple(
        Column(name) for name in optional.split()
    )


def address(reader: RowReader, line_field: str = "address") -> AddressFact | None:
    """The row's address and postcode, with the authority the postcode lies in."""
    line = reader.text(line_field, max_length=400)
    postcode = reader.postcode()
    if line is None and postcode is None:
        return None
    return AddressFact(line, postcode, la_for_postcode(postcode) if postcode else None)


def la_code(reader: RowReader, field: str = "la_code", *, required: bool = True) -> str | None:
    return reader.matching(field, LA_CODE_PATTERN, LA_CODE_DESCRIPTION, required=required)
