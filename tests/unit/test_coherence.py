"""A record joins a child as a whole: chains through one record, dates of birth years
apart and records missing a name part cannot grow a child into two people; initials and
missing given names are neither evidence nor a twin."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from contactpoint.matching.coherence import DATE_OF_BIRTH_CONFLICT, FITS_ONLY_INCOMPLETE_RECORDS
from contactpoint.matching.decide import Outcome, decide
from contactpoint.matching.evidence import multiple_birth
from contactpoint.matching.frequencies import ValueCounts
from contactpoint.matching.model import MatchModel
from contactpoint.matching.rules import NEITHER_NAME, UNSEEN_TWIN
from tests.unit.test_decide import THRESHOLDS, model, record


def test_a_chain_of_three_records_never_joins_two_people() -> None:
    # William Cooper, born 1 Jan 2014 in Sheffield; a record with his given name and
    # birthday but no family name fits him; William Routledge, born the same placeholder
    # day in Newport, fits that incomplete record — but not William Cooper himself.
    cooper = record(
        1, given_names="William", family_name="Cooper", born=date(2014, 1, 1),
        gender="M", address="4 Mill Lane, Sheffield", postcode="S10 2TN",
    )  # fmt: skip
    bridge = record(
        2, given_names="William", family_name=None, born=date(2014, 1, 1),
        gender="M", address="9 High Street, Newport", postcode="NP20 1AA",
    )  # fmt: skip
    routledge = record(
        3, given_names="William", family_name="Routledge", born=date(2014, 1, 1),
        gender="M", address="9 High Street, Newport", postcode="NP20 1AA",
    )  # fmt: skip
    assert decide(model(), bridge, {"cooper": [cooper]}, THRESHOLDS).outcome is not Outcome.NEW
    # Against the incomplete record alone, Routledge is a strong match...
    alone = decide(model(), routledge, {"bridge": [bridge]}, THRESHOLDS)
    assert alone.outcome is Outcome.LINK
    # ...but against the child as a whole he fits only the record that lacks a name.
    whole = decide(model(), routledge, {"cooper": [cooper, bridge]}, THRESHOLDS)
    assert whole.outcome is Outcome.NEW
    assert whole.rule == FITS_ONLY_INCOMPLETE_RECORDS


def test_a_date_of_birth_years_from_the_childs_makes_another_child() -> None:
    # The child is known, on three records, as born 21 February 2015; a record that fits
    # one undated record of hers but says 2019 is someone else.
    born = [
        record(n, given_names="Maryam", family_name="Rafiq", born=date(2015, 2, 21))
        for n in (1, 2, 3)
    ]
    # (At another house: with every name and the house the same, a date years out is
    # a slip — see below.)
    elsewhere = {"address": "9 Valley Street, Manchester", "postcode": "M18 3BA"}
    undated = record(4, given_names="Maryam", family_name="Rafiq", born=None, **elsewhere)
    later = record(5, given_names="Maryam", family_name="Rafiq", born=date(2019, 1, 1), **elsewhere)
    decision = decide(model(), later, {"maryam": [*born, undated]}, THRESHOLDS)
    assert decision.outcome is Outcome.NEW
    assert decision.rule == DATE_OF_BIRTH_CONFLICT


def test_one_stray_date_of_birth_does_not_split_a_child() -> None:
    # Most of the child's records agree with the new one; one was mistyped years out.
    good = [record(n, born=date(2015, 3, 2)) for n in (1, 2, 3)]
    stray = record(4, born=date(2011, 8, 30))
    decision = decide(model(), record(5), {"ava": [*good, stray]}, THRESHOLDS)
    assert decision.outcome is Outcome.LINK


def test_an_initial_that_fits_links_and_one_that_does_not_is_a_twin() -> None:
    ava = [record(1), record(2)]
    fits = decide(model(), record(3, given_names="A."), {"ava": ava}, THRESHOLDS)
    assert fits.outcome is Outcome.LINK
    other = decide(model(), record(4, given_names="J"), {"ava": ava}, THRESHOLDS)
    assert other.outcome is Outcome.NEW
    assert other.rule == UNSEEN_TWIN


def test_a_record_without_a_given_name_links_to_the_child_not_to_a_new_twin() -> None:
    decision = decide(model(), record(3, given_names=None), {"ava": [record(1)]}, THRESHOLDS)
    assert decision.outcome is Outcome.LINK


def test_a_child_known_by_no_given_name_is_not_taken_for_a_twin() -> None:
    nameless = [record(1, given_names=None)]
    assert not multiple_birth(nameless, [record(2)])
    assert multiple_birth([record(3, given_names="Isla")], [record(2)])


def test_a_record_missing_a_name_cannot_join_two_children() -> None:
    # Ava and her twin Isla are both indexed; a record with no given name fits both.
    ava, isla = record(1), record(2, given_names="Isla")
    decision = decide(
        model(), record(3, given_names=None), {"ava": [ava], "isla": [isla]}, THRESHOLDS
    )
    assert decision.joins is None


def test_all_the_names_at_one_numbered_house_make_a_date_years_out_a_slip() -> None:
    # Ava Rose Hughes of 12 Cardigan Road, born 2 March 2015; a record with every name
    # and the house the same but 2009 was mistyped, not another Ava Rose Hughes there.
    slip = record(3, born=date(2009, 3, 2))
    decision = decide(model(), slip, {"ava": [record(1), record(2)]}, THRESHOLDS)
    assert decision.outcome is Outcome.LINK


def test_at_a_street_or_town_alone_a_date_years_out_is_still_another_child() -> None:
    known = [record(n, address="Cardigan Road, Leeds") for n in (1, 2)]
    slip = record(3, born=date(2009, 3, 2), address="Cardigan Road, Leeds")
    assert decide(model(), slip, {"ava": known}, THRESHOLDS).outcome is not Outcome.LINK


def test_brothers_who_share_a_first_given_name_at_one_house_stay_two() -> None:
    # Two brothers both Muhammad first, known by their second names: not one child.
    brothers = {"given_names": "Muhammad", "family_name": "McGarry", "gender": "M"}
    older = record(1, born=date(2021, 1, 28), **brothers)
    younger = record(2, born=date(2025, 11, 5), **brothers | {"given_names": "Muhammad Hamza"})
    assert decide(model(), younger, {"older": [older]}, THRESHOLDS).outcome is not Outcome.LINK


def test_a_record_that_fits_two_sisters_never_joins_them() -> None:
    # Sienna (2015) and Victoria (2018) at one house; Sienna's record with her year
    # mistyped as 2018 is hers — and no reason to make the sisters one child.
    sienna = [record(n, given_names="Sienna", born=date(2015, 4, 5)) for n in (1, 2)]
    victoria = [record(n, given_names="Victoria", born=date(2018, 12, 8)) for n in (3, 4)]
    slip = record(5, given_names="Sienna", born=date(2018, 4, 5))
    decision = decide(model(), slip, {"sienna": sienna, "victoria": victoria}, THRESHOLDS)
    assert (decision.outcome, decision.child, decision.joins) == (Outcome.LINK, "sienna", None)


def test_a_record_whose_names_fit_only_one_child_never_joins_two() -> None:
    # Femi Sesay, and a child known only as "V Wood" with a placeholder birthday, at one
    # flat. Femi's record fits the other child on the home and the date alone: the
    # names say nothing of it (an initial, another family name) — no reason to join.
    home = {"address": "6 Hussain Avenue, Manchester", "postcode": "M1 5WQ", "gender": "M"}
    femi = [record(n, given_names="Femi", family_name="Sesay", **home) for n in (1, 2)]
    wood = [record(3, given_names="V", family_name="Wood", **home)]
    oluwafemi = record(4, given_names="Femi", family_name="Sesay", **home)
    both = decide(model(), oluwafemi, {"femi": femi, "wood": wood}, THRESHOLDS)
    assert (both.outcome, both.child, both.joins) == (Outcome.LINK, "femi", None)
    # Alone, "V Wood" is not Femi Sesay either: neither name is one that child is known by.
    alone = decide(model(), oluwafemi, {"wood": wood}, THRESHOLDS)
    assert (alone.outcome, alone.rule) == (Outcome.NEW, NEITHER_NAME)


def test_a_placeholder_birthday_never_joins_two_children_born_that_year() -> None:
    # Two Oliver Smiths born in 2018, each on a real birthday and on 1 January — the
    # day a source wrote when it knew only the year, as this index's counts show. A
    # record with only that placeholder fits both, and is no reason to make them one.
    placeholder = placeholder_model(date(2018, 1, 1))
    oliver = {"given_names": "Oliver", "family_name": "Smith", "gender": "M"}
    kent = {"address": "11 Webster Road, Herne Bay", "postcode": "CT6 7NB"}
    tyne = {"address": "17 Brooks Road, Prudhoe", "postcode": "NE42 0PZ"}
    herne_bay = [
        record(1, born=date(2018, 6, 23), **oliver, **kent),
        record(2, born=date(2018, 1, 1), **oliver, **kent),
    ]
    prudhoe = [
        record(3, born=date(2018, 10, 2), **oliver, **tyne),
        record(4, born=date(2018, 1, 1), **oliver, **tyne),
    ]
    bridge = record(5, born=date(2018, 1, 1), address=None, postcode=None, **oliver)
    children = {"herne bay": herne_bay, "prudhoe": prudhoe}
    assert placeholder.placeholder_date("2018-01-01")
    assert not placeholder.placeholder_date("2018-06-23")
    decision = decide(placeholder, bridge, children, THRESHOLDS)
    assert decision.joins is None
    # Where 1 January is as common as any day, it is a birthday, and the two Olivers
    # are one child recorded twice on it.
    assert decide(model(), bridge, children, THRESHOLDS).joins is not None


def placeholder_model(day: date) -> MatchModel:
    """The shipped model adapted to an index of 6,400 families, 400 of them with a child
    born in ``day``'s year, 60 of those on ``day``: fifty times an average day."""
    base = model()
    years = {str(day.year): 400, str(day.year - 8): 6_000}
    counts = ValueCounts(({"dob": {day.isoformat(): 60}, "birth_year": years},))
    return base.with_term_frequencies(counts.tables(base.term_frequencies, base.average_shares()))


def test_a_record_whose_birthday_is_not_the_other_childs_never_joins_them() -> None:
    # Mo Mahmood of 57 Mill Lane, born 26 October 2026, is known so far by one record
    # with the year alone; another Mo Mahmood, of 51 Ball Grove, was born on 1 May. "Mo
    # Mahmood, 26 October 2026, 57 Mill Lane" is the first boy's: it fits the second
    # only through his record without a date, and is no reason to make them one.
    names = {"given_names": "Mo", "family_name": "Mahmood", "gender": "M"}
    mill_lane = {"address": "57 Mill Lane, Luton", "postcode": "LU2 0WY"}
    ball_grove = {"address": "51 Ball Grove, Luton", "postcode": "LU2 6PH"}
    first = [replace(record(1, **names, born=None, **mill_lane), birth_year=2026)]
    second = [
        record(2, **names, born=date(2026, 5, 1), **ball_grove),
        record(3, **names, born=None, postcode="LU2 6PH", address=None),
    ]
    mo = record(4, **names, born=date(2026, 10, 26), **mill_lane)
    decision = decide(model(), mo, {"first": first, "second": second}, THRESHOLDS)
    assert (decision.outcome, decision.child, decision.joins) == (Outcome.LINK, "first", None)
