"""The comparisons of the matching model, each level defined twice: as the SQL Splink
runs in bulk and as the Python the online scorer runs, side by side so they stay equal.

Only operations with one exact meaning in both are used — equality, list overlap,
Levenshtein and Damerau-Levenshtein distance (unit costs; DuckDB's
``damerau_levenshtein`` is the unrestricted distance rapidfuzz's ``DamerauLevenshtein``
computes) and integer arithmetic — so bulk and online scoring assign every pair the same
levels; ``tests/service/test_score_parity.py`` proves it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from rapidfuzz.distance import DamerauLevenshtein, Levenshtein

from contactpoint.matching.record import MatchRecord

Predicate = Callable[[MatchRecord, MatchRecord], bool]


@dataclass(frozen=True, slots=True)
class Level:
    label: str
    sql: str
    test: Predicate
    is_null: bool = False
    tf_column: str | None = None


@dataclass(frozen=True, slots=True)
class Comparison:
    name: str
    levels: tuple[Level, ...]

    def level_of(self, left: MatchRecord, right: MatchRecord) -> int:
        """Index into ``levels`` of the first level the pair satisfies (the last is ELSE)."""
        for index, level in enumerate(self.levels):
            if level.test(left, right):
                return index
        raise AssertionError("the last level of a comparison is ELSE")

    def splink(self) -> dict[str, Any]:
        """This comparison as a Splink settings dictionary."""
        levels = []
        for level in self.levels:
            entry: dict[str, Any] = {"sql_condition": level.sql, "label_for_charts": level.label}
            if level.is_null:
                entry["is_null_level"] = True
            if level.tf_column:
                entry["tf_adjustment_column"] = level.tf_column
                entry["tf_adjustment_weight"] = 1.0
            levels.append(entry)
        return {"output_column_name": self.name, "comparison_levels": levels}


def _get(record: MatchRecord, column: str) -> Any:
    return getattr(record, column)


def null(column: str) -> Level:
    get = attrgetter(column)
    return Level(
        "missing",
        f'"{column}_l" IS NULL OR "{column}_r" IS NULL',
        lambda a, b: get(a) is None or get(b) is None,
        is_null=True,
    )


def unless_both(column: str, better: str) -> Level:
    """Missing — either side lacks ``column`` — or said better: both have ``better``."""
    get, has = attrgetter(column), attrgetter(better)
    return Level(
        "missing",
        f'"{column}_l" IS NULL OR "{column}_r" IS NULL'
        f' OR ("{better}_l" IS NOT NULL AND "{better}_r" IS NOT NULL)',
        lambda a, b: (
            get(a) is None or get(b) is None or (has(a) is not None and has(b) is not None)
        ),
        is_null=True,
    )


def exact(column: str, label: str = "exact", tf: bool = False) -> Level:
    get = attrgetter(column)
    return Level(
        label,
        f'"{column}_l" = "{column}_r"',
        lambda a, b: get(a) == get(b),
        tf_column=column if tf else None,
    )


def cross(left_column: str, right_column: str, label: str) -> Level:
    """``left_column`` of either side equals ``right_column`` of the other."""
    sql = f'"{left_column}_l" = "{right_column}_r" OR "{right_column}_l" = "{left_column}_r"'

    def test(a: MatchRecord, b: MatchRecord) -> bool:
        one, two = _get(a, left_column), _get(b, right_column)
        three, four = _get(a, right_column), _get(b, left_column)
        return (one is not None and one == two) or (three is not None and three == four)

    return Level(label, sql, test)


def overlap(column: str, label: str) -> Level:
    """The two lists share an element."""

    def test(a: MatchRecord, b: MatchRecord) -> bool:
        return not set(_get(a, column) or ()).isdisjoint(_get(b, column) or ())

    return Level(label, f'list_has_any("{column}_l", "{column}_r")', test)


def related(value_column: str, relations_column: str, label: str) -> Level:
    """Either side's value is among the other side's relations (a direct nickname)."""
    sql = (
        f'list_contains("{relations_column}_l", "{value_column}_r")'
        f' OR list_contains("{relations_column}_r", "{value_column}_l")'
    )

    def test(a: MatchRecord, b: MatchRecord) -> bool:
        return _get(b, value_column) in (_get(a, relations_column) or ()) or _get(
            a, value_column
        ) in (_get(b, relations_column) or ())

    return Level(label, sql, test)


def typo(column: str, label: str = "typo") -> Level:
    """One edit apart, or two edits apart when both are six letters or longer; two
    neighbouring letters swapped ("Haryr" for Harry) count as one edit (Damerau)."""
    left, right = f'"{column}_l"', f'"{column}_r"'
    sql = (
        f"damerau_levenshtein({left}, {right}) <= 1 OR (damerau_levenshtein({left}, {right})"
        f" <= 2 AND least(length({left}), length({right})) >= 6)"
    )

    def test(a: MatchRecord, b: MatchRecord) -> bool:
        one, two = _get(a, column), _get(b, column)
        distance = DamerauLevenshtein.distance(one, two, score_cutoff=2)
        return distance <= 1 or (distance <= 2 and min(len(one), len(two)) >= 6)

    return Level(label, sql, test)


def one_edit(column: str, label: str) -> Level:
    return Level(
        label,
        f'levenshtein("{column}_l", "{column}_r") = 1',
        lambda a, b: Levenshtein.distance(_get(a, column), _get(b, column), score_cutoff=1) == 1,
    )


def within(column: str, limit: int, label: str) -> Level:
    return Level(
        label,
        f'abs("{column}_l" - "{column}_r") <= {limit}',
        lambda a, b: abs(_get(a, column) - _get(b, column)) <= limit,
    )


ELSE = Level("different", "ELSE", lambda a, b: True)


COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "given_name",
        (
            null("given_first"),
            exact("given_first", tf=True),
            related("given_first", "given_variants", "nickname"),
            overlap("given_tokens", "another given name"),
            typo("given_first"),
            exact("given_phonetic", "sounds alike"),
            ELSE,
        ),
    ),
    Comparison(
        "family_name",
        (
            null("family"),
            exact("family", tf=True),
            overlap("family_tokens", "part of a double-barrelled name"),
            typo("family"),
            exact("family_phonetic", "sounds alike"),
            ELSE,
        ),
    ),
    Comparison(
        "date_of_birth",
        (
            null("dob"),
            exact("dob", tf=True),
            cross("dob", "dob_swapped", "day and month swapped"),
            one_edit("dob", "one character different"),
            within("dob_days", 365, "within a year"),
            ELSE,
        ),
    ),
    Comparison("gender", (null("gender"), exact("gender"), ELSE)),
    Comparison(
        "postcode",
        (
            null("postcode"),
            exact("postcode", tf=True),
            exact("postcode_sector", "same sector"),
            exact("postcode_district", "same district"),
            ELSE,
        ),
    ),
    Comparison("address", (null("address"), exact("address"), typo("address"), ELSE)),
    # The town, only where a postcode is missing: where both have one, the postcode has
    # said where the child lives, and the town would count the same evidence twice.
    Comparison(
        "locality",
        (
            unless_both("locality", "postcode"),
            exact("locality", "same place", tf=True),
            ELSE,
        ),
    ),
    Comparison("nhs_number", (null("nhs_number"), exact("nhs_number"), ELSE)),
    Comparison("upn", (null("upn"), exact("upn"), ELSE)),
)
