"""A relink's pairs held as sorted arrays read as a mapping: each record and its partners."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactpoint.review.relink_engines import Partners


@given(st.lists(st.tuples(st.integers(1, 60), st.integers(1, 60)), max_size=80))
def test_partners_are_every_pair_either_way_round(pairs: list[tuple[int, int]]) -> None:
    pairs = [(left, right) for left, right in pairs if left != right]
    expected: dict[int, list[int]] = {}
    for left, right in pairs:
        expected.setdefault(left, []).append(right)
        expected.setdefault(right, []).append(left)
    found = Partners(
        np.array([left for left, _ in pairs], dtype="int64"),
        np.array([right for _, right in pairs], dtype="int64"),
    )
    assert {uid: found[uid] for uid in found} == {
        uid: sorted(others) for uid, others in expected.items()
    }
    assert len(found) == len(expected) and found.pairs == len(pairs)
    assert found.get(61, ()) == ()
    with pytest.raises(KeyError):
        found[0]
