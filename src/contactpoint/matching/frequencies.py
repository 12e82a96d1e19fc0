"""How common each value is among the people in front of the matcher.

A shared value is evidence in inverse proportion to how many people hold it: a shared
rare surname says more than a shared "Smith", and a shared 1 January — the date a
source writes when it knows only the year — says little. The model's own tables were
counted on its training data; these are counted on the index and the file being
loaded, so a placeholder date or a local common name weighs little without anyone
writing a list of them.

Values are counted by *people*, not records: a value's count is the number of distinct
people who hold it — told apart by the sound of the other name and the year of birth
(for a date of birth, a postcode or a place, by the sound of the family name: families, rather),
and counted only where those are known — so one child with ten records, however
misspelt, does not make its birthday look common. A value's share is
the chance that *another* person holds it, (n − 1) / N, smoothed towards the model's
own figure with the weight of ``PRIOR_PEOPLE`` people: a small index leans on the
model, a large one on itself.

A date of birth held by far more people than one day of its year can hold — twenty
times the year's average day, and at least five people — is a placeholder: the day a
source writes when it knows only the year (1 January, in most). Agreeing on it says the
year and no more, so its share is the year's: a placeholder and a common name no longer
add up to a link between strangers born the same year. Nothing lists the placeholders;
the counts find them, whatever day a source uses. Pure: counts come in, tables go out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from contactpoint.matching.record import MatchRecord

# The fields that tell one person from another when counting a column's values.
PERSON_KEYS: dict[str, tuple[str, ...]] = {
    "dob": ("family_phonetic",),
    "given_first": ("family_phonetic", "birth_year"),
    "family": ("given_phonetic", "birth_year"),
    "postcode": ("family_phonetic",),
    "locality": ("family_phonetic",),
    # Not a term-frequency column: the year's people, to tell a placeholder date.
    "birth_year": ("family_phonetic",),
}
# How many people the model's own frequencies count for against the live ones.
PRIOR_PEOPLE = 10_000
# A date of birth held by this many times the people of its year's average day, and by
# at least PLACEHOLDER_PEOPLE, is a placeholder for "born that year".
PLACEHOLDER_RATIO = 20
PLACEHOLDER_PEOPLE = 5
DAYS_IN_YEAR = 365.25

PersonCounts = Mapping[str, Mapping[str, int]]


@dataclass(frozen=True, slots=True)
class ValueCounts:
    """For each column, the number of distinct people holding each value: the sum of
    ``layers`` (a file's people and the index's are counted apart and added, never
    copied into one table: an index of a million children holds hundreds of thousands
    of values, and copying them cost every single-record match tens of milliseconds)."""

    layers: tuple[PersonCounts, ...]

    @classmethod
    def of(cls, records: Iterable[MatchRecord]) -> ValueCounts:
        """Count the values of ``records`` (which may hold one person many times)."""
        seen: dict[str, set[tuple[object, ...]]] = defaultdict(set)
        for record in records:
            for column, keys in PERSON_KEYS.items():
                item = (getattr(record, column), *(getattr(record, key) for key in keys))
                if None not in item:
                    seen[column].add(item)
        counted = {
            column: Counter(str(item[0]) for item in pairs) for column, pairs in seen.items()
        }
        return cls((counted,))

    def plus(self, other: PersonCounts) -> ValueCounts:
        """These counts with ``other``'s added (people in both are counted twice: the
        index's and a file's people are counted apart, and a few doubles do not matter)."""
        return ValueCounts((*self.layers, other))

    @property
    def counts(self) -> dict[str, Counter[str]]:
        """Every layer added up, column by column."""
        merged: dict[str, Counter[str]] = {}
        for layer in self.layers:
            for column, counts in layer.items():
                merged.setdefault(column, Counter()).update(counts)
        return merged

    def tables(
        self,
        prior: Mapping[str, Mapping[str, float]],
        average: Mapping[str, float],
        weight: int = PRIOR_PEOPLE,
    ) -> dict[str, Mapping[str, float]]:
        """Term-frequency tables for the columns in ``average``: each value's chance of
        being another person's, smoothed towards ``prior`` (the model's table; for a
        value it lacks, the column's ``average`` share, which adjusts nothing). Each
        share is worked out when the matcher asks for it."""
        found: dict[str, Mapping[str, float]] = {}
        for column, share in average.items():
            counts = tuple(layer[column] for layer in self.layers if column in layer)
            people = sum(sum(layer.values()) for layer in counts)
            shares = Shares(counts, people, prior.get(column, {}), share, weight)
            if column == "dob":
                years = tuple(layer["birth_year"] for layer in self.layers if "birth_year" in layer)
                found[column] = DateShares(shares, years)
            else:
                found[column] = shares
        return found


class Shares(Mapping[str, float]):
    """One column's term-frequency table: ``(n - 1 + weight × prior) / (N - 1 + weight)``
    for each value ``n`` people hold of ``N``, computed as it is looked up."""

    def __init__(
        self,
        counts: tuple[Mapping[str, int], ...],
        people: int,
        prior: Mapping[str, float],
        share: float,
        weight: int,
    ) -> None:
        self._counts, self._people, self._prior = counts, people, prior
        self._share, self._weight = share, weight

    def held(self, value: str) -> int:
        """How many people hold ``value``."""
        return sum(layer.get(value, 0) for layer in self._counts)

    def __getitem__(self, value: str) -> float:
        held = self.held(value)
        if not held:
            raise KeyError(value)
        return (held - 1 + self._weight * self._prior.get(value, self._share)) / (
            self._people - 1 + self._weight
        )

    def __iter__(self) -> Iterator[str]:
        return iter({value for layer in self._counts for value in layer})

    def __len__(self) -> int:
        return len({value for layer in self._counts for value in layer})


class DateShares(Mapping[str, float]):
    """The date-of-birth table: each date's share, but a placeholder's is its year's."""

    def __init__(self, dates: Shares, years: tuple[Mapping[str, int], ...]) -> None:
        self._dates, self._years = dates, years
        self._year_people = sum(sum(layer.values()) for layer in years)

    def _year_held(self, value: str) -> int:
        return sum(layer.get(value[:4], 0) for layer in self._years)

    def placeholder(self, value: str) -> bool:
        """Whether ``value`` (``YYYY-MM-DD``) is held far more often than a day can be."""
        return _placeholder(self._dates.held(value), self._year_held(value))

    def __getitem__(self, value: str) -> float:
        share = self._dates[value]
        year = self._year_held(value)
        if year and _placeholder(self._dates.held(value), year):
            return max(share, year / self._year_people)
        return share

    def __iter__(self) -> Iterator[str]:
        return iter(self._dates)

    def __len__(self) -> int:
        return len(self._dates)


def _placeholder(held: int, year_held: int) -> bool:
    """``held`` people on one day of a year that ``year_held`` people were born in: far
    more than a day can hold."""
    return held >= PLACEHOLDER_PEOPLE and held * DAYS_IN_YEAR >= PLACEHOLDER_RATIO * year_held
