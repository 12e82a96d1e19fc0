"""A placeholder date of birth (1 January, where a source knew only the year) against a
real date of its year: they agree on the year, and weigh as much as two placeholders
do; and what that agreement alone may not do."""

from __future__ import annotations

from datetime import date

from contactpoint.matching.coherence import DATE_OF_BIRTH_CONFLICT
from contactpoint.matching.decide import Outcome, decide
from contactpoint.matching.model import PLACEHOLDER_YEAR, Score
from contactpoint.matching.rules import YEAR_ONLY_SIBLING
from tests.unit.test_coherence import placeholder_model
from tests.unit.test_decide import THRESHOLDS, model, record

OLIVER = {"given_names": "Oliver", "family_name": "Smith", "gender": "M"}
HERNE_BAY = {"address": "11 Webster Road, Herne Bay", "postcode": "CT6 7NB"}


def birth(score: Score) -> tuple[str, float]:
    part = next(c for c in score.contributions if c.comparison == "date_of_birth")
    return part.level, part.total


def test_a_placeholder_and_a_real_date_of_its_year_agree_on_the_year() -> None:
    placeholder = placeholder_model(date(2018, 1, 1))
    real = record(1, born=date(2018, 6, 23), **OLIVER, **HERNE_BAY)
    first = record(2, born=date(2018, 1, 1), **OLIVER, **HERNE_BAY)
    also_first = record(3, born=date(2018, 1, 1), **OLIVER, **HERNE_BAY)
    score = placeholder.score(first, real)
    level, weight = birth(score)
    assert level == PLACEHOLDER_YEAR
    # What the level string (and a review task's explanation) says is the dates' own.
    assert placeholder.explain_levels(score.levels)[2].level == "within a year"
    # As much as two records on the placeholder: the year's share, a few bits.
    assert weight == birth(placeholder.score(first, also_first))[1]
    assert 2 < weight < 6
    assert placeholder.weight(first, real) == placeholder.score(first, real).weight
    # Another year is no agreement; nor is 1 January where it is as common as any day.
    earlier = record(4, born=date(2017, 6, 23), **OLIVER, **HERNE_BAY)
    assert birth(placeholder.score(first, earlier))[0] == "within a year"
    level, plain = birth(model().score(first, real))
    assert level == "within a year"
    assert weight - plain > 8  # "within a year" tells strongly against one child
    decision = decide(placeholder, first, {"oliver": [real]}, THRESHOLDS)
    assert (decision.outcome, decision.child) == (Outcome.LINK, "oliver")


def test_a_sister_born_that_year_by_a_placeholder_is_another_child() -> None:
    # Huda Kemp's twin Mariam, recorded on 1 January of their year under a misspelt
    # family name: the home and the year are theirs, the given name is not Huda's.
    placeholder = placeholder_model(date(2021, 1, 1))
    home = {"address": "47 Barnes Drive, Nottingham", "postcode": "NG6 9LS", "gender": "F"}
    huda = [record(1, given_names="Huda", family_name="Kemp", born=date(2021, 12, 10), **home)]
    mariam = record(2, given_names="Mariam", family_name="Kemo", born=date(2021, 1, 1), **home)
    decision = decide(placeholder, mariam, {"huda": huda}, THRESHOLDS)
    assert (decision.outcome, decision.rule) == (Outcome.NEW, YEAR_ONLY_SIBLING)


def test_a_namesake_whose_real_birthday_is_none_of_the_childs_is_another_child() -> None:
    # Anisa Miah of Birmingham, born 7 April 2019 and also recorded on 1 January; Anisa
    # Miah of London was born on 20 August 2019. They share names and a year, no more.
    placeholder = placeholder_model(date(2019, 1, 1))
    anisa = {"given_names": "Anisa", "family_name": "Miah", "gender": "F"}
    birmingham = {"address": "59 Mill Road, Birmingham", "postcode": "B16 3SQ"}
    child = [
        record(1, born=date(2019, 4, 7), **anisa, **birmingham),
        record(2, born=date(2019, 1, 1), **anisa, **birmingham),
    ]
    london = record(
        3, born=date(2019, 8, 20), address="39 Meadow Lane, London", postcode="E1W 6TW", **anisa
    )
    decision = decide(placeholder, london, {"birmingham": child}, THRESHOLDS)
    assert (decision.outcome, decision.rule) == (Outcome.NEW, DATE_OF_BIRTH_CONFLICT)


def test_names_and_a_placeholder_year_never_join_children_at_two_homes() -> None:
    # Hafsa Akhtar of Manchester, born 3 July 2024, and a Hafsa Akhtar of Luton known so
    # far only by her year. A Luton record on 1 January is the Luton girl's; that it
    # fits the Manchester girl on names and the year is what namesakes share, and no
    # reason to make the two one.
    placeholder = placeholder_model(date(2024, 1, 1))
    hafsa = {"given_names": "Hafsa", "family_name": "Akhtar", "gender": "F"}
    manchester = {"address": "77 Bennett Street, Manchester", "postcode": "M19 8HJ"}
    luton = {"address": "102 Butler Terrace, Luton", "postcode": "LU4 4PE"}
    children = {
        "manchester": [record(1, born=date(2024, 7, 3), **hafsa, **manchester)],
        "luton": [record(2, born=date(2024, 1, 1), **hafsa, **luton)],
    }
    incoming = record(3, born=date(2024, 1, 1), **hafsa, **luton)
    assert placeholder.weight(incoming, children["manchester"][0]) >= THRESHOLDS.link
    decision = decide(placeholder, incoming, children, THRESHOLDS)
    assert (decision.outcome, decision.child, decision.joins) == (Outcome.LINK, "luton", None)
    # At the Manchester home the record is hers (the home is the evidence), and still
    # no bridge to Luton.
    at_home = record(4, born=date(2024, 1, 1), **hafsa, **manchester)
    decision = decide(placeholder, at_home, children, THRESHOLDS)
    assert (decision.outcome, decision.child, decision.joins) == (Outcome.LINK, "manchester", None)


def test_placeholders_of_years_apart_are_years_apart_however_alike_they_look() -> None:
    # Mohammed Rashid, born 2011, and his brother Muhammad, born 2016, at one house; a
    # source knew only their years. 1 January 2011 and 1 January 2016 are one character
    # apart, a slip between two real dates; between placeholders, five years.
    placeholder = placeholder_model(date(2016, 1, 1))
    home = {"address": "4 Holland Avenue, Birmingham", "postcode": "B42 5DP", "gender": "M"}
    older = [record(1, given_names="Mohammed", family_name="Rashid", born=date(2011, 1, 1), **home)]
    younger = record(2, given_names="Muhammad", family_name="Rashid", born=date(2016, 1, 1), **home)
    assert birth(placeholder.score(younger, older[0]))[0] == "different"
    assert birth(model().score(younger, older[0]))[0] == "one character different"
    decision = decide(placeholder, younger, {"older": older}, THRESHOLDS)
    assert (decision.outcome, decision.rule) == (Outcome.NEW, DATE_OF_BIRTH_CONFLICT)
    # A year apart is "within a year", as for two real dates.
    this_year = record(3, born=date(2016, 1, 1), **OLIVER)
    next_year = record(4, born=date(2017, 1, 1), **OLIVER)
    assert birth(placeholder.score(next_year, this_year))[0] == "within a year"
