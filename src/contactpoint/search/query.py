"""What a practitioner types into a search, checked: ``SearchQuery`` holds the text of
each field as given and, once validated, the ``Criteria`` the search runs on.

Every refusal is an ``InvalidValue`` naming the field (``SearchTooBroad`` for a query
that cannot narrow the index down), with a message a person can act on. Values are only
ever text here: nothing a user types reaches a database except through the standard
forms and keys built from it.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from functools import partial
from typing import TypeVar

from contactpoint.errors import InvalidValue, InvalidValues, SearchTooBroad
from contactpoint.identifiers import normalise_cp_id, normalise_nhs_number, normalise_upn
from contactpoint.identifiers import parse_postcode as parse_full_postcode
from contactpoint.matching.standardise import clean_name
from contactpoint.text import checked

# Longest text accepted in each field (before anything else is done with it).
MAX_LENGTH = {
    "given_names": 100,
    "family_name": 100,
    "date_of_birth": 20,
    "born_from": 20,
    "born_to": 20,
    "gender": 10,
    "postcode": 10,
    "address": 200,
    "identifier": 20,
}
# A range of dates of birth may span at most this many years: each day is a key looked up.
MAX_RANGE_YEARS = 5
EARLIEST_YEAR = 1900

_YEAR = re.compile(r"^(\d{4})$")
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_MONTH_FIRST = re.compile(r"^(\d{1,2})[/.\- ](\d{4})$")
_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
_SECTOR = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ([0-9])$")
# A full postcode at the end of an address typed in one box.
_POSTCODE_AT_END = re.compile(r"([A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2})\s*$")
_GENDERS = {"m": "M", "male": "M", "boy": "M", "f": "F", "female": "F", "girl": "F"}
_NOT_STATED = {"u", "unknown", "not known", "not stated"}
_DATE_FORMS = "DD/MM/YYYY, YYYY-MM-DD, MM/YYYY or a year (YYYY)"
T = TypeVar("T")


class IdentifierKind(enum.StrEnum):
    NHS_NUMBER = "nhs_number"
    UPN = "upn"
    CP_ID = "cp_id"


@dataclass(frozen=True, slots=True)
class Identifier:
    kind: IdentifierKind
    value: str  # canonical form


@dataclass(frozen=True, slots=True)
class DateRange:
    """Dates of birth from ``first`` to ``last``, both included."""

    first: date
    last: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def days(self) -> Iterator[date]:
        for offset in range((self.last - self.first).days + 1):
            yield self.first + timedelta(days=offset)

    def years(self) -> range:
        return range(self.first.year, self.last.year + 1)

    def describe(self) -> str:
        """``born in 2015``, ``born in March 2015`` or ``born between … and …``."""
        whole_year = (self.first.month, self.first.day, self.last.month, self.last.day)
        if self.first.year == self.last.year and whole_year == (1, 1, 12, 31):
            return f"born in {self.first.year}"
        if self.first.day == 1 and self.last == _end_of_month(self.first):
            return f"born in {self.first:%B %Y}"
        if (self.first.month, self.first.day, self.last.month, self.last.day) == (1, 1, 12, 31):
            return f"born between {self.first.year} and {self.last.year}"
        return f"born between {self.first:%d/%m/%Y} and {self.last:%d/%m/%Y}"


@dataclass(frozen=True, slots=True)
class Criteria:
    """A validated query in standard form; ``None`` where the field was left blank."""

    given_names: str | None = None
    family_name: str | None = None
    date_of_birth: date | None = None  # an exact date
    born: DateRange | None = None  # a year, a month or a range
    gender: str | None = None  # "M" or "F"
    postcode: str | None = None  # "LS6 2AB", or a district "LS6" or sector "LS6 2"
    full_postcode: bool = False
    address: str | None = None
    identifier: Identifier | None = None

    def given(self) -> tuple[str, ...]:
        """The fields a search can use, by the names of ``SearchQuery``'s fields."""
        present = {
            "given_names": self.given_names,
            "family_name": self.family_name,
            "date_of_birth": self.date_of_birth or self.born,
            "gender": self.gender,
            "postcode": self.postcode,
            "address": self.address,
            "identifier": self.identifier,
        }
        return tuple(name for name, value in present.items() if value)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A search as typed: any of names, a date of birth (exact, a month or a year), a
    range of dates of birth (``born_from``–``born_to``), gender, postcode or address, and
    an identifier (NHS number, UPN or ContactPoint ID). Validated on construction."""

    given_names: str | None = None
    family_name: str | None = None
    date_of_birth: str | None = None
    born_from: str | None = None
    born_to: str | None = None
    gender: str | None = None
    postcode: str | None = None
    address: str | None = None
    identifier: str | None = None
    criteria: Criteria = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "criteria", _criteria(self))


def _criteria(query: SearchQuery) -> Criteria:
    """The query checked field by field: every field that is not valid is reported at
    once (``InvalidValues``), then whether the valid whole can be searched."""
    problems: list[InvalidValue] = []

    def check(work: Callable[[], T], blank: T) -> T:
        try:
            return work()
        except InvalidValue as problem:
            problems.append(problem)
            return blank

    text: dict[str, str] = {}
    for name in MAX_LENGTH:
        text[name] = check(partial(_text, name, getattr(query, name)), "")
    no_name: str | None = None
    given_names = check(partial(_name, "given_names", text["given_names"]), no_name)
    family_name = check(partial(_name, "family_name", text["family_name"]), no_name)
    no_dates: tuple[date | None, DateRange | None] = (None, None)
    exact, born = check(partial(_dates, text, date.today()), no_dates)
    gender = check(partial(_gender, text["gender"]), no_name)
    no_postcode: tuple[str | None, bool] = (None, False)
    postcode, full = check(partial(_postcode, text["postcode"]), no_postcode)
    address = text["address"] or None
    if address and postcode is None and not text["postcode"]:
        # "12 Cardigan Road, Leeds LS6 1LF" typed in one box: the postcode is searchable.
        found = _POSTCODE_AT_END.search(address)
        if found:
            postcode, full = check(partial(_postcode, found.group(1)), no_postcode)
    no_identifier: Identifier | None = None
    identifier = check(partial(_identifier, text["identifier"]), no_identifier)
    if problems:
        order = {name: place for place, name in enumerate(MAX_LENGTH)}  # the form's order
        problems.sort(key=lambda problem: order.get(problem.field, len(order)))
        raise problems[0] if len(problems) == 1 else InvalidValues(tuple(problems))
    criteria = Criteria(
        given_names=given_names,
        family_name=family_name,
        date_of_birth=exact,
        born=born,
        gender=gender,
        postcode=postcode,
        full_postcode=full,
        address=address,
        identifier=identifier,
    )
    _check_searchable(criteria)
    return criteria


def _text(name: str, value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidValue(name, repr(value)[:40], "must be text")
    limit = MAX_LENGTH[name]
    if len(value) > limit:
        raise InvalidValue(name, value[:limit], f"is longer than {limit} characters")
    return " ".join(checked(name, value).split())


def _name(name: str, value: str) -> str | None:
    if not value:
        return None
    if not clean_name(value):
        raise InvalidValue(name, value, "must contain letters (A to Z; accents are fine)")
    return value


def _gender(value: str) -> str | None:
    lowered = value.lower()
    if not lowered or lowered in _NOT_STATED:
        return None
    if lowered not in _GENDERS:
        raise InvalidValue("gender", value, "must be male or female, or left blank")
    return _GENDERS[lowered]


def _postcode(value: str) -> tuple[str | None, bool]:
    """A full postcode, or a district or sector (compared at the precision given)."""
    if not value:
        return None, False
    upper = value.upper()
    try:
        return str(parse_full_postcode(upper)), True
    except InvalidValue:
        pass
    if _DISTRICT.match(upper):
        return upper, False
    sector = _SECTOR.match(upper)
    if sector:
        return f"{sector.group(1)} {sector.group(2)}", False
    raise InvalidValue(
        "postcode", value, "is not a UK postcode (LS6 2AB), district (LS6) or sector (LS6 2)"
    )


def _identifier(value: str) -> Identifier | None:
    if not value:
        return None
    compact = re.sub(r"[\s\-]", "", value).upper()
    try:
        if compact.startswith("CP"):
            return Identifier(IdentifierKind.CP_ID, normalise_cp_id(value))
        if compact.isdigit():
            return Identifier(IdentifierKind.NHS_NUMBER, normalise_nhs_number(value))
        if compact[:1].isalpha():
            return Identifier(IdentifierKind.UPN, normalise_upn(value))
    except InvalidValue as error:
        raise InvalidValue("identifier", value, f"{error.field}: {error.reason}") from None
    raise InvalidValue(
        "identifier",
        value,
        "is not an NHS number (10 digits), UPN (13 characters) or ContactPoint ID (CP-XXXX-XXXX-X)",
    )


def _dates(text: dict[str, str], today: date) -> tuple[date | None, DateRange | None]:
    """An exact date of birth, or a range (a year, a month, or from–to)."""
    given, start, end = text["date_of_birth"], text["born_from"], text["born_to"]
    if given and (start or end):
        raise InvalidValue(
            "date_of_birth", given, "give a date of birth or a range (born_from, born_to), not both"
        )
    if given:
        first, last = _period("date_of_birth", given, today)
        return (first, None) if first == last else (None, DateRange(first, last))
    if not (start or end):
        return None, None
    if not start:
        raise InvalidValue("born_from", start, "give both ends of a range of dates of birth")
    if not end:
        raise InvalidValue("born_to", end, "give both ends of a range of dates of birth")
    first = _period("born_from", start, today)[0]
    last = min(_period("born_to", end, today)[1], today)
    if first > last:
        raise InvalidValue("born_from", start, "is after born_to")
    if (last - first).days > MAX_RANGE_YEARS * 366:
        raise InvalidValue(
            "born_to", end, f"a range of dates of birth may span at most {MAX_RANGE_YEARS} years"
        )
    return None, DateRange(first, last)


def _period(name: str, value: str, today: date) -> tuple[date, date]:
    """The first and last day ``value`` names: one day, a month or a year."""
    try:
        if match := _YEAR.match(value):
            year = int(match.group(1))
            first, last = date(year, 1, 1), date(year, 12, 31)
        elif match := _ISO.match(value):
            first = last = date(*(int(part) for part in match.groups()))
        elif match := _DAY_FIRST.match(value):
            day, month, year = (int(part) for part in match.groups())
            first = last = date(year, month, day)
        elif match := _ISO_MONTH.match(value) or _MONTH_FIRST.match(value):
            parts = [int(part) for part in match.groups()]
            year, month = (parts[0], parts[1]) if parts[0] > 12 else (parts[1], parts[0])
            first = date(year, month, 1)
            last = _end_of_month(first)
        else:
            raise InvalidValue(name, value, f"is not a date: use {_DATE_FORMS}")
    except ValueError as error:
        if isinstance(error, InvalidValue):
            raise
        raise InvalidValue(name, value, "is not a real date") from None
    if first.year < EARLIEST_YEAR:
        raise InvalidValue(name, value, f"is before {EARLIEST_YEAR}")
    if first > today:
        raise InvalidValue(name, value, "is in the future")
    return first, min(last, today)


def _end_of_month(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _check_searchable(criteria: Criteria) -> None:
    """Refuse a query that no index lookup narrows down: every search needs an
    identifier, both names, or a name, date of birth or full postcode together with
    another of them (a district or sector counts with an exact date of birth)."""
    if _searchable(criteria):
        return
    helpful = [
        name
        for name, value in (
            ("given_names", "Alex"),
            ("family_name", "Smith"),
            ("date_of_birth", date(2000, 1, 1)),
            ("postcode", "LS6 2AB"),
        )
        if _searchable(_with(criteria, name, value))
    ]
    if helpful:
        add = "add " + _either(helpful) + ", or an identifier"
    else:
        add = (
            "give a name with a date of birth or postcode, both names, or an identifier"
            " (NHS number, UPN or ContactPoint ID)"
        )
    raise SearchTooBroad(criteria.given(), add, tuple(helpful))


def _searchable(c: Criteria) -> bool:
    names = bool(c.given_names or c.family_name)
    when = bool(c.date_of_birth or c.born)
    where = c.full_postcode or bool(c.postcode and c.date_of_birth)
    return bool(
        c.identifier
        or (c.given_names and c.family_name)
        or (names and (when or where))
        or (when and where)
    )


def _with(criteria: Criteria, name: str, value: object) -> Criteria:
    values = {slot: getattr(criteria, slot) for slot in Criteria.__slots__}
    values[name] = value
    if name == "postcode":
        values["full_postcode"] = True
    return Criteria(**values)


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


# The fields a practitioner types, in the form's order.
TYPED_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(SearchQuery) if f.init)


def typed_query(values: Mapping[str, str | None]) -> SearchQuery:
    """A query from the typed fields (blank as not given); other keys are ignored."""
    return SearchQuery(**{name: values.get(name) or None for name in TYPED_FIELDS})


def as_typed(query: SearchQuery) -> dict[str, str]:
    """The fields the practitioner filled in, as typed (for the audit trail)."""
    return {name: value for name in TYPED_FIELDS if (value := getattr(query, name))}
