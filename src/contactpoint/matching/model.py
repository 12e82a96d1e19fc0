"""The trained Fellegi–Sunter model as data, and the online scorer that applies it.

A model file holds Splink's settings with trained m and u probabilities, the prior, and
the term-frequency tables it was trained with. ``MatchModel.score`` computes exactly what
Splink's ``predict`` computes for a pair — the prior log-odds plus, per comparison, the
level's log2(m/u) and, on exact-match levels with term-frequency adjustment,
log2(u_exact) − log2(max(tf_left, tf_right)) — without a database.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contactpoint.errors import Invalid
from contactpoint.matching.comparisons import COMPARISONS, Comparison
from contactpoint.matching.frequencies import DateShares
from contactpoint.matching.record import MatchRecord

MODEL_FORMAT = "contactpoint-match-model/2"
# Splink clamps m and u to this before taking logarithms; so must we, for equal weights.
M_U_CLAMP_MIN = 1e-300
_BIRTH = "date_of_birth"
_EXACT = 1  # every comparison's level after the null level
_DATES = next(c for c in COMPARISONS if c.name == _BIRTH)
_YEARS_APART = len(_DATES.levels) - 1  # "different": more than a year apart
_YEAR_NEXT = _YEARS_APART - 1  # "within a year"
PLACEHOLDER_YEAR = "the year of a placeholder date"


class ModelInvalid(Invalid):
    """A model file that this version cannot use; the reason says why."""


@dataclass(frozen=True, slots=True)
class Contribution:
    """One comparison's part in a match weight."""

    comparison: str
    level: str
    weight: float
    tf_adjustment: float

    @property
    def total(self) -> float:
        return self.weight + self.tf_adjustment


@dataclass(frozen=True, slots=True)
class Score:
    weight: float
    contributions: tuple[Contribution, ...]
    # The level index reached on each comparison, one digit each: "1120110".
    levels: str

    @property
    def probability(self) -> float:
        return float(1.0 / (1.0 + 2.0 ** (-self.weight)))


@dataclass(frozen=True, slots=True)
class _TrainedLevel:
    label: str
    weight: float  # log2(m/u); 0 for a null level
    tf_column: str | None
    log2_u_exact: float
    tf_minimum: float


class MatchModel:
    """A trained model: score any pair of match records and explain the score."""

    def __init__(self, document: dict[str, Any]) -> None:
        if document.get("format") != MODEL_FORMAT:
            raise ModelInvalid(
                f"model format is {document.get('format')!r}; this version reads {MODEL_FORMAT!r}"
            )
        self.version: str = document["version"]
        self.document = document
        settings = document["splink"]
        prior = settings["probability_two_random_records_match"]
        self.prior_weight = math.log2(prior / (1 - prior))
        self.term_frequencies: dict[str, Mapping[str, float]] = document["term_frequencies"]
        trained = {c["output_column_name"]: c for c in settings["comparisons"]}
        if sorted(trained) != sorted(c.name for c in COMPARISONS):
            raise ModelInvalid(
                "the model's comparisons are not this version's: "
                f"{sorted(trained)} against {sorted(c.name for c in COMPARISONS)}"
            )
        self._levels = {c.name: _trained_levels(c, trained[c.name]) for c in COMPARISONS}
        self._tests = [
            (c.name == _BIRTH, tuple(level.test for level in c.levels), self._levels[c.name])
            for c in COMPARISONS
        ]

    @classmethod
    def load(cls, path: Path) -> MatchModel:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise ModelInvalid(f"{path}: not a readable model file ({error})") from None
        return cls(document)

    def average_shares(self) -> dict[str, float]:
        """Each term-frequency column's exact-match u: the share of a typical value,
        whose adjustment is zero."""
        return {
            level.tf_column: 2.0**level.log2_u_exact
            for levels in self._levels.values()
            for level in levels
            if level.tf_column is not None
        }

    def with_term_frequencies(self, tables: Mapping[str, Mapping[str, float]]) -> MatchModel:
        """This model weighing values by ``tables`` (counted on the index in front of
        it) instead of the tables it was trained with, column by column."""
        adapted = copy.copy(self)
        adapted.term_frequencies = {**self.term_frequencies, **tables}
        return adapted

    def placeholder_date(self, value: str) -> bool:
        """Whether the date of birth ``value`` is, in the index this model was adapted
        to, a placeholder for "born that year" (``matching.frequencies.DateShares``)."""
        table = self.term_frequencies.get("dob")
        return isinstance(table, DateShares) and table.placeholder(value)

    def score(self, left: MatchRecord, right: MatchRecord) -> Score:
        """The match weight of a pair and each comparison's contribution."""
        contributions = []
        levels = []
        total = self.prior_weight
        for comparison in COMPARISONS:
            index = comparison.level_of(left, right)
            level = self._levels[comparison.name][index]
            label = level.label
            if comparison.name == _BIRTH and (birth := self._by_year(index, left, right)) != index:
                # The level string keeps the dates' own level (the data as it is); the
                # weight is that of the years.
                level = self._levels[_BIRTH][birth]
                label = PLACEHOLDER_YEAR if birth == _EXACT else level.label
            adjustment = self._tf_adjustment(level, left, right)
            contributions.append(Contribution(comparison.name, label, level.weight, adjustment))
            levels.append(str(index))
            total += level.weight + adjustment
        return Score(total, tuple(contributions), "".join(levels))

    def explain_levels(self, levels: str) -> tuple[Contribution, ...]:
        """The contributions behind a stored level string (without term frequencies,
        which depend on the values compared)."""
        if len(levels) != len(COMPARISONS):
            raise ModelInvalid(f"'{levels}' is not a level string of this model")
        return tuple(
            Contribution(
                c.name, self._levels[c.name][int(i)].label, self._levels[c.name][int(i)].weight, 0.0
            )
            for c, i in zip(COMPARISONS, levels, strict=True)
        )

    def weight(self, left: MatchRecord, right: MatchRecord) -> float:
        """The match weight alone (the fast path of ``score``: it runs for every
        candidate pair of every load, so it walks precomputed level tests)."""
        total = self.prior_weight
        for birth, tests, trained in self._tests:
            for index, (test, level) in enumerate(zip(tests, trained, strict=True)):
                if test(left, right):
                    if birth:
                        level = trained[self._by_year(index, left, right)]
                    total += level.weight
                    if level.tf_column is not None:
                        total += self._tf_adjustment(level, left, right)
                    break
        return total

    def birth_level(self, left: MatchRecord, right: MatchRecord) -> int:
        """The date-of-birth level the pair is weighed at: the dates' own, or where one
        is a placeholder, that of their years (``_by_year``)."""
        return self._by_year(_DATES.level_of(left, right), left, right)

    def _by_year(self, index: int, left: MatchRecord, right: MatchRecord) -> int:
        """Two dates of birth that differ, one of them a placeholder for "born that
        year": only the years can agree. The same year weighs as agreeing on the
        placeholder (its share is the year's); neighbouring years are "within a year",
        and years further apart are years apart, however alike the dates look (1
        January 2011 and 1 January 2016 are one character different)."""
        if index <= _EXACT or left.dob is None or right.dob is None:
            return index
        if not (self.placeholder_date(left.dob) or self.placeholder_date(right.dob)):
            return index
        apart = abs(int(left.dob[:4]) - int(right.dob[:4]))
        if apart == 0:
            return _EXACT
        return max(index, _YEAR_NEXT) if apart == 1 else _YEARS_APART

    def _tf_adjustment(self, level: _TrainedLevel, left: MatchRecord, right: MatchRecord) -> float:
        if level.tf_column is None:
            return 0.0
        table = self.term_frequencies.get(level.tf_column, {})
        values = [table.get(getattr(record, level.tf_column)) for record in (left, right)]
        known = [v for v in values if v is not None]
        if not known:
            return 0.0
        return level.log2_u_exact - math.log2(max(*known, level.tf_minimum))


def _trained_levels(comparison: Comparison, trained: dict[str, Any]) -> list[_TrainedLevel]:
    levels = trained["comparison_levels"]
    if [lv["sql_condition"] for lv in levels] != [lv.sql for lv in comparison.levels]:
        raise ModelInvalid(f"comparison {comparison.name}: its levels are not this version's")
    # Term-frequency adjustments are relative to the exact-match level's u.
    exact = next((lv for lv in levels if lv.get("tf_adjustment_column")), None)
    result = []
    for level, ours in zip(levels, comparison.levels, strict=True):
        if level.get("is_null_level"):
            result.append(_TrainedLevel(ours.label, 0.0, None, 0.0, 0.0))
            continue
        m, u = level.get("m_probability"), level.get("u_probability")
        if m is None or u is None:
            raise ModelInvalid(
                f"comparison {comparison.name}, level '{ours.label}': not trained (m={m}, u={u})"
            )
        result.append(
            _TrainedLevel(
                ours.label,
                math.log2(max(m, M_U_CLAMP_MIN) / max(u, M_U_CLAMP_MIN)),
                level.get("tf_adjustment_column"),
                math.log2(exact["u_probability"]) if exact else 0.0,
                float(level.get("tf_minimum_u_value", 0.0)),
            )
        )
    return result
