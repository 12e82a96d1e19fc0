"""Reading typed values out of one row's cells, collecting every problem found.

A source module asks a ``RowReader`` for each value it needs; a bad value returns
``None`` and is recorded as a ``RowError`` (field and reason, never the value), so one
pass reports every problem in the row. Problems come in two kinds:

* a **refusal** (``errors``): the row cannot be loaded — a required value is missing,
  or a ``key`` value (the record's own id, the identifier the source knows the child by,
  a death's date) is not valid. ``finish`` raises ``RowInvalid``;
* a **warning** (``warnings``): any other value that is not valid. The row loads with
  that field empty for matching (the cells are kept as received in the source record),
  so one garbled date or postcode never loses a child.
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
_SHAPES = {ISO_DATE: "YYYY-MM-DD", UK_DATE: "DD/MM/YYYY"}

GENDERS = {"M": "M", "F": "F", "U": "U", "MALE": "M", "FEMALE": "F"}
NHS_GENDERS = {"0": "U", "1": "M", "2": "F", "9": "U"}


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem in a row: line, record id, field and reason (never the value)."""

    line: int
    record_id: str | None
    field: str
    reason: str


class RowInvalid(Exception):
    """A row failed validation; ``errors`` lists every problem found in it."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors))


def _parse_date(value: str, formats: tuple[str, ...]) -> date | None:
    for fmt in formats:
        year, month, day = value[:4], value[5:7], value[8:]
        if (
            fmt == ISO_DATE
            and len(value) == 10
            and value[4] == value[7] == "-"
            and year.isdigit()
            and month.isdigit()
            and day.isdigit()
        ):
            # The common shape without strptime (a tenth of a national load's checking).
            try:
                return date(int(year), int(month), int(day))
            except ValueError:
                continue
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


# Every text a row gives is kept in a column of this length or more (the match tables
# hold a given name's first word in 100 characters; ``feed_run_exceptions`` a record id
# in 100; e-mail addresses are kept in 200).
TEXT_LENGTH = 200
NAME_LENGTH = 100
RECORD_ID_LENGTH = 100
EMAIL_LENGTH = 200


def length_of(field: str) -> int:
    """The longest value a field may have: its column's length."""
    if field == "record_id":
        return RECORD_ID_LENGTH
    if field.endswith(("given_names", "family_name", "maiden_name")):
        return NAME_LENGTH
    return TEXT_LENGTH


class RowReader:
    """Typed access to one row's cells for a source module."""

    def __init__(
        self,
        line: int,
        cells: dict[str, str],
        *,
        today: date,
        oldest_age_years: int = OLDEST_PLAUSIBLE_AGE_YEARS,
    ) -> None:
        self.line = line
        self.cells = cells
        self.today = today
        self.oldest_age_years = oldest_age_years
        self.errors: list[RowError] = []
        self.warnings: list[RowError] = []

    @property
    def record_id(self) -> str:
        """The row's record id as a problem report keeps it (cut to its column: a record
        id too long is itself the problem reported)."""
        return self.cells.get("record_id", "")[:RECORD_ID_LENGTH]

    def fail(self, field: str, reason: str) -> None:
        """The row cannot be loaded, because of ``field``."""
        self.errors.append(RowError(self.line, self.record_id or None, field, reason))

    def warn(self, field: str, reason: str) -> None:
        """The row loads without ``field``'s value."""
        self.warnings.append(RowError(self.line, self.record_id or None, field, reason))

    def _invalid(self, field: str, reason: str, key: bool) -> None:
        (self.fail if key else self.warn)(field, reason)

    def finish(self) -> None:
        """Raise ``RowInvalid`` if the row cannot be loaded (warnings do not stop it)."""
        if self.errors:
            raise RowInvalid(self.errors)

    def text(
        self,
        field: str,
        *,
        required: bool = False,
        max_length: int | None = None,
        key: bool = False,
    ) -> str | None:
        """The cell, whitespace collapsed; ``None`` if empty (refused if ``required``).
        Longer than ``max_length`` (by default the field's column, ``length_of``): a row
        problem, refused for a ``key`` field (a required one too), else left out."""
        value = re.sub(r"\s+", " ", self.cells.get(field, "")).strip()
        if not value:
            if required:
                self.fail(field, "is required")
            return None
        max_length = max_length or length_of(field)
        if len(value) > max_length:
            if required:
                key = True
            self._invalid(field, f"is longer than {max_length} characters", key)
            return None
        return value

    def matching(
        self,
        field: str,
        pattern: str,
        description: str,
        *,
        required: bool = False,
        key: bool = False,
    ) -> str | None:
        value = self.text(field, required=required, key=key)
        if value is None:
            return None
        value = value.upper()
        if not re.fullmatch(pattern, value):
            self._invalid(field, f"must be {description}", key)
            return None
        return value

    def date(
        self,
        field: str,
        *,
        required: bool = False,
        fmt: str | tuple[str, ...] = ISO_DATE,
        birth: bool = False,
        key: bool = False,
    ) -> date | None:
        """A date in ``fmt`` (or any of several formats, tried in order); never in the
        future; a birth date at most ``oldest_age_years`` ago."""
        value = self.text(field, required=required, key=key)
        if value is None:
            return None
        formats = (fmt,) if isinstance(fmt, str) else fmt
        parsed = _parse_date(value, formats)
        if parsed is None:
            shapes = " or ".join(_SHAPES[f] for f in formats)
            self._invalid(field, f"is not a real date in the form {shapes}", key)
            return None
        if parsed > self.today:
            self._invalid(field, "is in the future", key)
            return None
        if birth and self.today.year - parsed.year > self.oldest_age_years:
            self._invalid(field, f"is more than {self.oldest_age_years} years ago", key)
            return None
        return parsed

    def birth_year(self, field: str) -> int | None:
        """The year of a date of birth the row gives only in part — a year alone
        ("2014"), or a date whose day or month is garbled ("2014-86-18", "31/02/2014") —
        when it is a plausible year of birth (not in the future, at most
        ``oldest_age_years`` ago). The date itself is reported as ``date`` reports it; the
        year still tells two children born years apart from each other."""
        value = self.cells.get(field, "").strip()
        if len(value) < 4:
            return None
        for year in (value[:4], value[-4:]):
            if year.isdigit() and 0 <= self.today.year - int(year) <= self.oldest_age_years:
                return int(year)
        return None

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
            self.warn(field, f"must be one of {', '.join(sorted(set(options)))}")
            return default
        return options[key]

    def marked(self, field: str) -> bool:
        """A Y/N column that protects a child (a sensitive or shield flag): anything but
        empty or N counts as Y, so a garbled value (warned about) errs on the safe side."""
        valid = self.flag(field)
        return valid or self.cells.get(field, "").strip().upper() not in ("", "N", "NO")

    def flag(self, field: str) -> bool:
        return self.choice(field, {"Y": "Y", "N": "N", "YES": "Y", "NO": "N"}, default="N") == "Y"

    def integer(
        self, field: str, *, low: int, high: int, required: bool = False, key: bool = False
    ) -> int | None:
        value = self.text(field, required=required, key=key)
        if value is None:
            return None
        if not value.isdigit() or not low <= int(value) <= high:
            self._invalid(field, f"must be a whole number from {low} to {high}", key)
            return None
        return int(value)

    def identifier(
        self,
        field: str,
        normalise: Callable[[str], str],
        *,
        required: bool = False,
        key: bool = False,
    ) -> str | None:
        value = self.text(field, required=required, key=key)
        if value is None:
            return None
        try:
            return normalise(value)
        except InvalidValue as error:
            self._invalid(field, error.reason, key)
            return None

    def nhs_number(
        self, field: str = "nhs_number", *, required: bool = False, key: bool = False
    ) -> str | None:
        return self.identifier(field, identifiers.normalise_nhs_number, required=required, key=key)

    def upn(self, field: str = "upn", *, required: bool = False, key: bool = False) -> str | None:
        return self.identifier(field, identifiers.normalise_upn, required=required, key=key)

    def postcode(self, field: str = "postcode") -> str | None:
        return self.identifier(field, identifiers.normalise_postcode)

    def phone(self, field: str) -> str | None:
        return self.identifier(field, identifiers.normalise_phone)

    def email(self, field: str) -> str | None:
        value = self.text(field, max_length=EMAIL_LENGTH)
        if value is None:
            return None
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", value):
            self.warn(field, "is not an email address")
            return None
        return value.lower()
