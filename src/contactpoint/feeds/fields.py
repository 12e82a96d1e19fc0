"""Reading typed values out of one row's cells, collecting every problem found.

A source module asks a ``RowReader`` for each value it needs; a bad value is recorded
as a ``RowError`` (field and reason, never the value) and returns ``None``, so one pass
reports every problem in the row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from contactpoint import identifiers
from contactpoint.errors import InvalidValue

# Dates of birth older than this are not a child's, whatever the source says.
OLDEST_PLAUSIBLE_AGE_YEARS = 25

ISO_DATE = "%Y-%m-%d"
UK_DATE = "%d/%m/%Y"

GENDERS = {"M": "M", "F": "F", "U": "U", "MALE": "M", "FEMALE": "F"}
NHS_GENDERS = {"0": "U", "1": "M", "2": "F", "9": "U"}


@dataclass(frozen=True, slots=True)
class RowError:
    """Why a row was rejected: line, record id, field and reason."""

    line: int
    record_id: str | None
    field: str
    reason: str


class RowInvalid(Exception):
    """A row failed validation; ``errors`` lists every problem found in it."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors))


class RowReader:
    """Typed access to one row's cells for a source module."""

    def __init__(self, line: int, cells: dict[str, str], *, today: date) -> None:
        self.line = line
        self.cells = cells
        self.today = today
        self.errors: list[RowError] = []

    @property
    def record_id(self) -> str:
        return self.cells.get("record_id", "")

    def fail(self, field: str, reason: str) -> None:
        self.errors.append(RowError(self.line, self.record_id or None, field, reason))

    def finish(self) -> None:
        """Raise ``RowInvalid`` if any value in the row was bad."""
        if self.errors:
            raise RowInvalid(self.errors)

    def text(self, field: str, *, required: bool = False, max_length: int = 200) -> str | None:
        value = re.sub(r"\s+", " ", self.cells.get(field, "")).strip()
        if not value:
            if required:
                self.fail(field, "is required")
            return None
        if len(value) > max_length:
            self.fail(field, f"is longer than {max_length} characters")
            return None
        return value

    def matching(
        self, field: str, pattern: str, description: str, *, required: bool = False
    ) -> str | None:
        value = self.text(field, required=required)
        if value is None:
            return None
        value = value.upper()
        if not re.fullmatch(pattern, value):
            self.fail(field, f"must be {description}")
            return None
        return value

    def date(
        self, field: str, *, required: bool = False, fmt: str = ISO_DATE, birth: bool = False
    ) -> date | None:
        """A date in ``fmt``; never in the future; a birth date at most 25 years ago."""
        value = self.text(field, required=required)
        if value is None:
            return None
        try:
            parsed = datetime.strptime(value, fmt).date()
        except ValueError:
            shape = "YYYY-MM-DD" if fmt == ISO_DATE else "DD/MM/YYYY"
            self.fail(field, f"is not a real date in the form {shape}")
            return None
        if parsed > self.today:
            self.fail(field, "is in the future")
            return None
        if birth and self.today.year - parsed.year > OLDEST_PLAUSIBLE_AGE_YEARS:
            self.fail(field, f"is more than {OLDEST_PLAUSIBLE_AGE_YEARS} years ago")
            return None
        return parsed

    def choice(
        self,
        field: str,
        options: dict[str, str],
        *,
        required: bool = False,
        default: str | None = None,
    ) -> str | None:
        value = self.text(field, required=required)
        if value is None:
            return default
        key = value.upper()
        if key not in options:
            self.fail(field, f"must be one of {', '.join(sorted(set(options)))}")
            return default
        return options[key]

    def flag(self, field: str) -> bool:
        return self.choice(field, {"Y": "Y", "N": "N", "YES": "Y", "NO": "N"}, default="N") == "Y"

    def integer(self, field: str, *, low: int, high: int, required: bool = False) -> int | None:
        value = self.text(field, required=required)
        if value is None:
            return None
        if not value.isdigit() or not low <= int(value) <= high:
            self.fail(field, f"must be a whole number from {low} to {high}")
            return None
        return int(value)

    def identifier(
        self, field: str, normalise: Callable[[str], str], *, required: bool = False
    ) -> str | None:
        value = self.text(field, required=required)
        if value is None:
            return None
        try:
            return normalise(value)
        except InvalidValue as error:
            self.fail(field, error.reason)
            return None

    def nhs_number(self, field: str = "nhs_number", *, required: bool = False) -> str | None:
        return self.identifier(field, identifiers.normalise_nhs_number, required=required)

    def upn(self, field: str = "upn", *, required: bool = False) -> str | None:
        return self.identifier(field, identifiers.normalise_upn, required=required)

    def postcode(self, field: str = "postcode") -> str | None:
        return self.identifier(field, identifiers.normalise_postcode)

    def phone(self, field: str) -> str | None:
        return self.identifier(field, identifiers.normalise_phone)

    def email(self, field: str) -> str | None:
        value = self.text(field, max_length=254)
        if value is None:
            return None
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", value):
            self.fail(field, "is not an email address")
            return None
        return value.lower()
