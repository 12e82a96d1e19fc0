"""Fast, reproducible random choices for the synthetic population.

Everything random in the generator draws from a ``random.Random`` it was handed, never
from the module-level functions, so one seed gives one population. ``Weighted`` is a
precomputed cumulative table: a draw is one ``random()`` and one bisection, which is
what lets 100,000 children generate in seconds.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Sequence
from datetime import date, timedelta
from functools import cache
from importlib.resources import files
from itertools import accumulate
from random import Random
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Weighted(Generic[T]):
    """A fixed list of items with weights, drawn from with ``pick(rng)``."""

    __slots__ = ("_cumulative", "_items", "_total")

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        if not items or len(items) != len(weights):
            raise ValueError("need as many weights as items, and at least one item")
        self._items = list(items)
        self._cumulative = list(accumulate(weights))
        self._total = self._cumulative[-1]

    @classmethod
    def zipf(cls, items: Sequence[T], exponent: float = 0.8) -> Weighted[T]:
        """Items listed most frequent first, weighted 1/rank**exponent like real names."""
        return cls(items, [1 / (rank**exponent) for rank in range(1, len(items) + 1)])

    @property
    def items(self) -> list[T]:
        return list(self._items)

    def pick(self, rng: Random) -> T:
        return self._items[bisect_right(self._cumulative, rng.random() * self._total)]

    def top(self, count: int) -> list[T]:
        """The ``count`` items of greatest weight, heaviest first."""
        weights = [b - a for a, b in zip([0.0, *self._cumulative], self._cumulative, strict=False)]
        order = sorted(range(len(weights)), key=lambda i: -weights[i])
        return [self._items[i] for i in order[:count]]


def chance(rng: Random, probability: float) -> bool:
    """True with the given probability (one draw even when the probability is 0)."""
    return rng.random() < probability


def day_between(rng: Random, first: date, last: date) -> date:
    """A day from ``first`` to ``last`` inclusive; ``first`` when the range is empty."""
    span = (last - first).days
    if span <= 0:
        return first
    return first + timedelta(days=rng.randint(0, span))


def unique_number(rng: Random, used: set[int], low: int, high: int) -> int:
    """A number in ``[low, high)`` not yet in ``used`` (which it joins)."""
    while True:
        value = rng.randrange(low, high)
        if value not in used:
            used.add(value)
            return value


@cache
def reference(name: str) -> Any:
    """A JSON reference table shipped in ``contactpoint/synth/data``."""
    text = files("contactpoint.synth").joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text)
