"""Term-frequency tables counted by people, in layers (a file's and the index's), each
share worked out when it is looked up: the same shares as adding the layers up first."""

from __future__ import annotations

from collections import Counter

from contactpoint.matching.frequencies import ValueCounts

INDEX = {"family": {"smith": 40, "hughes": 3, "okafor": 1}, "dob": {"2014-01-01": 30}}
FILE = {"family": Counter({"smith": 2, "zaman": 1})}
PRIOR = {"family": {"smith": 0.01}}
AVERAGE = {"family": 0.001, "dob": 0.0003}


def test_a_share_is_the_smoothed_count_of_both_layers_added_up() -> None:
    tables = ValueCounts((FILE,)).plus(INDEX).tables(PRIOR, AVERAGE, weight=100)
    people = 40 + 3 + 1 + 2 + 1
    family = tables["family"]
    assert family["smith"] == (42 - 1 + 100 * 0.01) / (people - 1 + 100)
    assert family["zaman"] == (1 - 1 + 100 * 0.001) / (people - 1 + 100)  # the average share
    assert family.get("nobody") is None  # no one holds it: no adjustment
    assert set(family) == {"smith", "hughes", "okafor", "zaman"} and len(family) == 4
    assert tables["dob"]["2014-01-01"] == (30 - 1 + 100 * 0.0003) / (30 - 1 + 100)


def test_the_layers_add_up_to_the_counts() -> None:
    counts = ValueCounts((FILE,)).plus(INDEX).counts
    assert counts["family"] == Counter({"smith": 42, "hughes": 3, "okafor": 1, "zaman": 1})
