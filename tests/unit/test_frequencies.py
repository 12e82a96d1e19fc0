"""Term-frequency tables counted by people, in layers (a file's and the index's), each
share worked out when it is looked up: the same shares as adding the layers up first."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

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


def test_a_date_held_far_more_often_than_a_day_can_be_weighs_as_its_year() -> None:
    # 2014: 930 families, two and a half a day on average. 1 January is held by 200 of
    # them (a source's placeholder for "born in 2014"); 3 March by 3, as any day might
    # be. 2015's 1 January is an ordinary day.
    days = [date(2014, 1, 2) + timedelta(days=n) for n in range(364)]
    dates = {day.isoformat(): 2 for day in days} | {"2014-01-01": 200, "2014-03-03": 3}
    dates["2015-01-01"] = 2
    index = {"dob": dates, "birth_year": {"2014": 930, "2015": 730}}
    tables = ValueCounts((index,)).tables({}, {"dob": 0.0003}, weight=100)
    plain = ValueCounts(({"dob": dates},)).tables({}, {"dob": 0.0003}, weight=100)["dob"]
    born = tables["dob"]
    assert born["2014-01-01"] == 930 / 1660  # the year's share: it says no more
    assert plain["2014-01-01"] < 0.3
    assert born["2014-03-03"] == plain["2014-03-03"]  # an ordinary day
    assert born["2015-01-01"] == plain["2015-01-01"]  # 1 January held as often as a day
    assert born.get("2016-05-05") is None and len(born) == 366


def test_a_handful_of_people_never_make_a_placeholder() -> None:
    # In a small index one day's four people are many times the year's average, but
    # four people on one day happen: fewer than five never make a placeholder.
    index = {"dob": {"2014-06-01": 4}, "birth_year": {"2014": 20}}
    born = ValueCounts((index,)).tables({}, {"dob": 0.0003}, weight=100)["dob"]
    assert born["2014-06-01"] == (4 - 1 + 100 * 0.0003) / (4 - 1 + 100)
