"""How common each value is among the people in front of the matcher.

A shared value is evidence in inverse proportion to how many people hold it: a shared
rare surname says more than a shared "Smith", and a shared 1 January — the date a
source writes when it knows only the year — says little. The model's own tables were
counted on its training data; these are counted on the index and the file being
loaded, so a placeholder date or a local common name weighs little without anyone
writing a list of them.

Values are counted by *people*, not records: a value's count is the number of distinct
people who hold it — told apart by the sound of the other name and the year of birth
(for a date of birth or a postcode, by the sound of the family name: families, rather),
and counted only where those are known — so one child with ten records, however
misspelt, does not make its birthday look common. A value's share is
the chance that *another* person holds it, (n − 1) / N, smoothed towards the model's
own figure with the weight of ``PRIOR_PEOPLE`` people: a small index leans on the
model, a large one on itself. Pure: counts come in, tables go out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from contactpoint.matching.record import MatchRecord

# The fields that tell one person from another when counting a column's values.
PERSON_KEYS: dict[str, tuple[str, ...]] = {
    "dob": ("family_phonetic",),
    "given_first": ("family_phonetic", "birth_year"),
    "family": ("given_phonetic", "birth_year"),
    "postcode": ("family_phonetic",),
}
# How many people the model's own frequencies count for against the live ones.
PRIOR_PEOPLE = 10_000

PersonCounts = Mapping[str, Mapping[str, int]]


@dataclass(frozen=True, slots=True)
class ValueCounts:
    """For each column, the number of distinct people holding each value."""

    counts: dict[str, Counter[str]]

    @classmethod
    def of(cls, records: Iterable[MatchRecord]) -> ValueCounts:
        """Count the values of ``records`` (which may hold one person many times)."""
        seen: dict[str, set[tuple[object, ...]]] = defaultdict(set)
        for record in records:
            for column, keys in PERSON_KEYS.items():
                item = (getattr(record, column), *(getattr(record, key) for key in keys))
                if None not in item:
                    seen[column].add(item)
        return cls(
            {column: Counter(str(item[0]) for item in pairs) for column, pairs in seen.items()}
        )

    def plus(self, other: PersonCounts) -> ValueCounts:
        """These counts with ``other``'s added (people in both are counted twice: the
        index's and a file's people are counted apart, and a few doubles do not matter)."""
        merged = {column: Counter(counts) for column, counts in self.counts.items()}
        for column, counts in other.items():
            merged.setdefault(column, Counter()).update(counts)
        return ValueCounts(merged)

    def tables(
        self,
        prior: Mapping[str, Mapping[str, float]],
        average: Mapping[str, float],
        weight: int = PRIOR_PEOPLE,
    ) -> dict[str, dict[str, float]]:
        """Term-frequency tables for the columns in ``average``: each value's chance of
        being another person's, smoothed towards ``prior`` (the model's table; for a
        value it lacks, the column's ``average`` share, which adjusts nothing)."""
        found: dict[str, dict[str, float]] = {}
        for column, share in average.items():
            counts = self.counts.get(column, Counter())
            people = sum(counts.values())
            table = prior.get(column, {})
            found[column] = {
                value: (n - 1 + weight * table.get(value, share)) / (people - 1 + weight)
                for value, n in counts.items()
            }
        return found
