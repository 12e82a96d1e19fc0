"""The decision rules on hand-made records: candidates passed over, children joined by a
record that shows them to be one, and the cases where a person must decide instead."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from contactpoint.children.facts import AddressFact, CarerFact, ChildFacts, IdentifierFact
from contactpoint.kinds.children import IdentifierScheme
from contactpoint.linkage.registry import shipped_document
from contactpoint.matching.decide import Decision, Outcome, Thresholds, decide
from contactpoint.matching.model import MatchModel
from contactpoint.matching.record import MatchRecord, match_record
from contactpoint.matching.rules import (
    NEITHER_NAME,
    NO_BIRTHDAY_IN_COMMON,
    SIBLINGS_ON_ONE_CLAIM,
    UNSEEN_TWIN,
)

THRESHOLDS = Thresholds(link=3.0, review=-3.0, margin=5.0)
ONE_CLAIM = "carers full name of a parent on the claim"


@cache
def model() -> MatchModel:
    return MatchModel(shipped_document())


def record(uid: int, **changes: Any) -> MatchRecord:
    """A record of Ava Rose Hughes, born 2015-03-02 in Leeds, changed as given."""
    values: dict[str, Any] = {
        "source": "nhs-demographics",
        "given_names": "Ava Rose",
        "family_name": "Hughes",
        "born": date(2015, 3, 2),
        "gender": "F",
        "address": "12 Cardigan Road, Leeds",
        "postcode": "LS6 1LF",
        "nhs": None,
        "upn": None,
        "benefit": None,
        "mother": None,
    } | changes
    identifiers = [
        IdentifierFact(scheme, values[key])
        for scheme, key in (
            (IdentifierScheme.NHS_NUMBER, "nhs"),
            (IdentifierScheme.UPN, "upn"),
            (IdentifierScheme.CHILD_BENEFIT, "benefit"),
        )
        if values[key]
    ]
    carers = (CarerFact(*values["mother"].split(" "), "mother"),) if values["mother"] else ()
    facts = ChildFacts(
        source=values["source"],
        record_id=str(uid),
        given_names=values["given_names"],
        family_name=values["family_name"],
        date_of_birth=values["born"],
        gender=values["gender"],
        identifiers=tuple(identifiers),
        address=(
            AddressFact(values["address"], values["postcode"])
            if values["postcode"] or values["address"]
            else None
        ),
        carers=carers,
    )
    return match_record(uid, facts)


def test_a_twin_seen_first_does_not_hide_the_childs_own_weaker_record() -> None:
    # Ava's twin Isla lives at the new address with Ava; Ava's only record is her birth
    # registration at the old one. Isla's likeness is stronger, but she is another child.
    ava_birth = record(1, source="gro-births", postcode="LS8 2QB", address="3 Oak Street, Leeds")
    isla = record(2, given_names="Isla Mae")
    incoming = record(3, given_names="Ava")
    decision = decide(model(), incoming, {"ava": [ava_birth], "isla": [isla]}, THRESHOLDS)
    assert decision.outcome is Outcome.LINK
    assert decision.child == "ava"


def test_with_no_other_candidate_an_unseen_twin_becomes_a_new_child() -> None:
    isla = record(2, given_names="Isla Mae")
    decision = decide(model(), record(3, given_names="Ava"), {"isla": [isla]}, THRESHOLDS)
    assert decision.outcome is Outcome.NEW
    assert decision.rule == UNSEEN_TWIN


def test_an_unseen_twin_whose_birthday_has_a_slip_is_still_a_twin() -> None:
    # Adam Ali Miah, born 5 September 2020; his twin Tanvir's record at their home has
    # the day and month swapped (or one digit wrong): another given name, the same
    # family and home, a birthday but for a slip — a twin, not Adam.
    home = {"family_name": "Miah", "gender": "M", "address": "78 Gill Close, Birmingham",
            "postcode": "B15 6LN"}  # fmt: skip
    adam = [record(1, given_names="Adam Ali", born=date(2020, 9, 5), **home)]
    for slip in (date(2020, 5, 9), date(2020, 9, 6)):
        tanvir = record(2, given_names="Tanvir", born=slip, **home)
        decision = decide(model(), tanvir, {"adam": adam}, THRESHOLDS)
        assert (decision.outcome, decision.rule) == (Outcome.NEW, UNSEEN_TWIN)


def test_a_brother_or_sister_on_the_same_claim_is_another_child() -> None:
    sister = record(2, benefit="CHB12345678AB/1")
    decision = decide(
        model(), record(3, benefit="CHB12345678AB/2"), {"sister": [sister]}, THRESHOLDS
    )
    assert decision.outcome is Outcome.NEW
    assert decision.rule == SIBLINGS_ON_ONE_CLAIM


def test_a_record_matching_two_pieces_of_one_child_joins_them() -> None:
    # The birth registration holds the NHS number; a benefit claim from the new home
    # holds the address. The GP record has both: the two are one child.
    birth = record(1, source="gro-births", nhs="9434765919", postcode="LS8 2QB", address="x")
    claim = record(2, source="dwp-child-benefit", family_name="Hughes-Kaur")
    both = record(3, nhs="9434765919")
    decision = decide(model(), both, {"birth": [birth], "claim": [claim]}, THRESHOLDS)
    assert decision.outcome is Outcome.LINK
    assert {decision.child, decision.joins} == {"birth", "claim"}


def test_two_children_holding_different_nhs_numbers_are_never_joined() -> None:
    one = record(1, nhs="9434765919")
    other = record(2, nhs="9434765870")
    decision = decide(model(), record(3), {"one": [one], "other": [other]}, THRESHOLDS)
    assert decision.joins is None
    assert decision.outcome is Outcome.REVIEW
    assert decision.also is not None


def test_a_record_matching_a_registered_child_and_its_second_nhs_record_joins_the_first() -> None:
    # The NHS holds Ava twice, under two NHS numbers; only one of the two children holds
    # her birth registration. Her school record fits both alike: it goes to the
    # registered child, and a data manager is asked whether the other is Ava too.
    registered = [
        record(1, source="gro-births", nhs="9434765919"),
        record(2, nhs="9434765919"),
    ]
    duplicate = [record(3, nhs="9434765870")]
    school = record(4, source="school-census")
    for order in (("ava", "second"), ("second", "ava")):
        children = {"ava": registered, "second": duplicate}
        candidates = {key: children[key] for key in order}
        decision = decide(model(), school, candidates, THRESHOLDS)
        assert decision.outcome is Outcome.LINK
        assert decision.child == "ava"
        assert decision.also == "second"
        assert decision.joins is None


def test_two_nhs_records_of_different_genders_are_not_taken_for_one_child() -> None:
    registered = [record(1, source="gro-births", nhs="9434765919")]
    other = [record(3, nhs="9434765870", gender="M")]
    decision = decide(
        model(), record(4, gender=None), {"ava": registered, "other": other}, THRESHOLDS
    )
    assert decision.outcome is Outcome.REVIEW


def test_two_birth_registrations_are_never_joined_by_the_matcher() -> None:
    one = record(1, source="gro-births")
    other = record(2, source="gro-births")
    decision = decide(model(), record(3), {"one": [one], "other": [other]}, THRESHOLDS)
    assert decision.joins is None
    assert decision.outcome is Outcome.REVIEW


def test_the_child_holding_the_records_nhs_number_wins_over_a_stopped_best_match() -> None:
    # "Ava" and "Ava Rose" born the same day in one family: a twin, or one child? A
    # person would ask, unless another candidate holds the record's own NHS number.
    ava_rose = record(1, source="dwp-child-benefit")
    held = record(2, source="gro-births", nhs="9434765919", postcode="LS8 2QB", address="x")
    incoming = record(3, given_names="Rose", nhs="9434765919")
    decision = decide(model(), incoming, {"stopped": [ava_rose], "held": [held]}, THRESHOLDS)
    assert decision.outcome is Outcome.LINK
    assert decision.child == "held"
    assert decision.also == "stopped"


def test_the_same_given_names_with_a_typo_are_one_child_not_twins() -> None:
    known = record(1, given_names="Maryam Noor")
    decision = decide(model(), record(2, given_names="Mariam Noor"), {"k": [known]}, THRESHOLDS)
    assert decision.outcome is Outcome.LINK


def test_given_names_sharing_only_one_name_on_the_same_birthday_go_to_review() -> None:
    known = record(1, given_names="Lottie Grace")
    decision = decide(model(), record(2, given_names="Grace"), {"k": [known]}, THRESHOLDS)
    assert decision.outcome is Outcome.REVIEW


def moved_birth() -> MatchRecord:
    return record(
        1,
        source="gro-births",
        family_name="Jones",
        postcode="ST2 8AA",
        address="42 Clarke Street, Stoke",
        mother="Sarah Jones",
    )


def test_the_mothers_name_links_a_claim_made_after_a_move_and_a_new_surname() -> None:
    claim = record(2, source="dwp-child-benefit", family_name="Thomas", mother="Sarah Thomas")
    without = record(3, source="dwp-child-benefit", family_name="Thomas")
    assert model().weight(claim, moved_birth()) < THRESHOLDS.link
    assert decide(model(), claim, {"b": [moved_birth()]}, THRESHOLDS).outcome is Outcome.LINK
    assert decide(model(), without, {"b": [moved_birth()]}, THRESHOLDS).outcome is not Outcome.LINK


def test_the_mothers_name_never_links_a_brother_sister_or_twin() -> None:
    for sibling in (
        record(2, source="dwp-child-benefit", family_name="Thomas", mother="Sarah Thomas",
               born=date(2016, 5, 9)),
        record(2, source="dwp-child-benefit", family_name="Thomas", mother="Sarah Thomas",
               given_names="Isla Mae"),
    ):  # fmt: skip
        decision = decide(model(), sibling, {"b": [moved_birth()]}, THRESHOLDS)
        assert decision.outcome is not Outcome.LINK


def test_a_second_birth_registration_is_another_child_not_a_link() -> None:
    twin = record(2, source="gro-births", given_names="Eva Jane")
    decision = decide(model(), twin, {"b": [record(1, source="gro-births")]}, THRESHOLDS)
    assert decision.outcome is Outcome.NEW
    again = record(3, source="gro-births")
    decision = decide(model(), again, {"b": [record(1, source="gro-births")]}, THRESHOLDS)
    assert decision.outcome is Outcome.REVIEW


def school_record_of_the_aden_twins(given_names: str) -> Decision[str]:
    """Twins Abdi Abdullahi and Abdirahman Aden, each with a birth record, and a school's
    record named ``given_names``: how ``decide`` places it."""
    born = {"family_name": "Aden", "born": date(2016, 6, 13), "gender": "M"}
    abdi = record(1, given_names="Abdi Abdullahi", nhs="4987312778", **born)
    abdirahman = record(2, given_names="Abdirahman", nhs="7509902959", **born)
    incoming = record(3, given_names=given_names, source="school-census", **born)
    return decide(model(), incoming, {"abdi": [abdi], "abdirahman": [abdirahman]}, THRESHOLDS)


def test_a_name_that_begins_a_twins_name_goes_to_a_person() -> None:
    # A school records Abdirahman as "Abdi": the other twin's first name exactly, and
    # Abdirahman's cut short. Nothing in the record tells which twin it is.
    decision = school_record_of_the_aden_twins("Abdi")
    assert decision.outcome is Outcome.REVIEW
    assert decision.rule is not None and "fits a sibling as well" in decision.rule


def test_a_twins_full_name_still_links_to_that_twin() -> None:
    decision = school_record_of_the_aden_twins("Abdi Abdullahi")
    assert decision.outcome is Outcome.LINK
    assert decision.child == "abdi"


def khan_twins() -> dict[str, list[MatchRecord]]:
    """Twins registered at birth as Mohammed Talha and Mohammed Ibrahim Khan: brothers
    are often both Mohammed first."""
    born = {"family_name": "Khan", "born": date(2016, 5, 6), "gender": "M"}
    return {
        "talha": [record(1, source="gro-births", given_names="Mohammed Talha", **born)],
        "ibrahim": [record(2, source="gro-births", given_names="Mohammed Ibrahim", **born)],
    }


def test_twins_who_are_both_mohammed_first_are_told_apart_by_their_other_names() -> None:
    born = {"family_name": "Khan", "born": date(2016, 5, 6), "gender": "M"}
    for name, twin in (("Mohammed Talha", "talha"), ("Mohammed Ibrahim", "ibrahim")):
        claim = record(3, source="dwp-child-benefit", given_names=name, **born)
        decision = decide(model(), claim, khan_twins(), THRESHOLDS)
        assert (decision.outcome, decision.child) == (Outcome.LINK, twin)


def test_a_twin_known_only_as_mohammed_goes_to_a_person() -> None:
    born = {"family_name": "Khan", "born": date(2016, 5, 6), "gender": "M"}
    claim = record(3, source="dwp-child-benefit", given_names="Mohammed", **born)
    assert decide(model(), claim, khan_twins(), THRESHOLDS).outcome is Outcome.REVIEW


def test_mohammed_talha_beside_only_mohammed_ibrahim_is_a_twin_not_yet_seen() -> None:
    born = {"family_name": "Khan", "born": date(2016, 5, 6), "gender": "M"}
    ibrahim = record(2, given_names="Mohammed Ibrahim", **born)
    talha = record(3, source="dwp-child-benefit", given_names="Mohammed Talha", **born)
    decision = decide(model(), talha, {"ibrahim": [ibrahim]}, THRESHOLDS)
    assert decision.outcome is Outcome.NEW
    assert decision.rule == UNSEEN_TWIN
    # A middle name left off, or misspelt, is still the same child.
    for same in ("Mohammed", "Mohammed Ibrahem"):
        again = record(4, source="dwp-child-benefit", given_names=same, **born)
        assert decide(model(), again, {"ibrahim": [ibrahim]}, THRESHOLDS).child == "ibrahim"


def test_twins_registered_as_mohammed_and_mohammed_ismail_are_two_children() -> None:
    # One twin registered by his first name alone, the other with a second name: the
    # first could be the second's name cut short, but two births were registered. A
    # claim naming only "Mohammed" could be either (a source that leaves middle names
    # off): a person's question (test_a_first_name_alone_is_a_question_when_twins_share_it).
    born = {"family_name": "Begum", "born": date(2016, 5, 6), "gender": "M"}
    twins = {
        "mohammed": [record(1, source="gro-births", given_names="Mohammed", **born)],
        "ismail": [record(2, source="gro-births", given_names="Mohammed Ismail", **born)],
    }
    for name, twin in (
        ("Mohammed Ismail", "ismail"),
        ("Mohammed Ismial", "ismail"),
        ("Ismail", "ismail"),
    ):
        claim = record(3, source="dwp-child-benefit", given_names=name, **born)
        decision = decide(model(), claim, twins, THRESHOLDS)
        assert (decision.outcome, decision.child, decision.joins) == (Outcome.LINK, twin, None)


def test_a_second_registration_with_the_same_names_is_not_taken_for_a_twin() -> None:
    # A re-registration repeats the child's names: whether it is one child is a person's
    # question, and the two registrations are not kept apart as twins.
    first = [record(1, source="gro-births", given_names="Mohammed Ismail")]
    again = record(2, source="gro-births", given_names="Mohammed Ismail")
    decision = decide(model(), again, {"first": first}, THRESHOLDS)
    assert decision.outcome is Outcome.REVIEW


def test_a_given_name_written_with_a_space_inside_it_is_the_same_name() -> None:
    # Registered as Abdulrahman, claimed for as "Abdul Rahman" (and typed "Jac ob"): one
    # child, not a twin the index has not seen.
    born = {"family_name": "Osman", "born": date(2018, 2, 9), "gender": "M"}
    for registered, claimed in (("Abdulrahman", "Abdul Rahman"), ("Jacob", "Jac ob")):
        birth = record(1, source="gro-births", given_names=registered, **born)
        claim = record(2, source="dwp-child-benefit", given_names=claimed, **born)
        for incoming, child in ((claim, birth), (birth, claim)):
            decision = decide(model(), incoming, {"one": [child]}, THRESHOLDS)
            assert (decision.outcome, decision.child) == (Outcome.LINK, "one")


def test_a_name_run_together_is_never_linked_to_the_other_twin() -> None:
    born = {"family_name": "Osman", "born": date(2018, 2, 9), "gender": "M"}
    twins = {
        "abdulrahman": [record(1, source="gro-births", given_names="Abdulrahman", **born)],
        "abdullahi": [record(2, source="gro-births", given_names="Abdullahi", **born)],
    }
    claim = record(3, source="dwp-child-benefit", given_names="Abdul Rahman", **born)
    decision = decide(model(), claim, twins, THRESHOLDS)
    # Abdulrahman's, but "Abdul" may also be Abdullahi cut short (as Abdi is Abdirahman):
    # a person confirms.
    assert (decision.outcome, decision.child) == (Outcome.REVIEW, "abdulrahman")


def test_a_sister_with_no_date_of_birth_in_common_is_another_child() -> None:
    # Rosie Isabella Jenkins's record has no date of birth; her twin Mila's has one. At
    # one home and in one family, another given name with nothing to say the two are
    # one child is a sister — however strongly the home and the family name agree.
    home = {"family_name": "Jenkins", "address": "3 The Avenue, Sittingbourne"}
    rosie = [record(1, given_names="Rosie Isabella", born=None, postcode="ME10 1JE", **home)]
    mila = record(2, given_names="Mila", born=date(2019, 12, 17), postcode="ME10 1JE", **home)
    assert model().score(mila, rosie[0]).weight >= THRESHOLDS.link
    decision = decide(model(), mila, {"rosie": rosie}, THRESHOLDS)
    assert (decision.outcome, decision.rule) == (Outcome.NEW, NO_BIRTHDAY_IN_COMMON)
    # Her own given names, or a typo of them, are still Rosie.
    for name in ("Rosie", "Rosei Isabella"):
        also = record(3, given_names=name, born=date(2019, 12, 17), postcode="ME10 1JE", **home)
        assert decide(model(), also, {"rosie": rosie}, THRESHOLDS).outcome is Outcome.LINK


def test_one_mis_keyed_gender_does_not_keep_a_child_in_two() -> None:
    # Brett's first record gave him as a girl, and founded a child of its own; a record
    # fitting both children strongly shows them to be one. Two children each known by
    # two records of one gender are two, and the record only asks about them.
    brett = {"given_names": "Brett", "family_name": "Dwyer", "born": date(2011, 5, 28)}
    boy = [record(uid, gender="M", **brett) for uid in (1, 2, 3)]
    girl = [record(4, gender="F", **brett)]
    incoming = record(5, gender="M", **brett)
    decision = decide(model(), incoming, {"boy": boy, "girl": girl}, THRESHOLDS)
    assert (decision.outcome, decision.child, decision.joins) == (Outcome.LINK, "boy", "girl")
    girl.append(record(6, gender="F", **brett))
    decision = decide(model(), incoming, {"boy": boy, "girl": girl}, THRESHOLDS)
    assert decision.joins is None
    assert decision.also == "girl"


def test_a_part_of_the_child_under_a_nickname_is_not_taken_for_a_twin() -> None:
    # Lucas's first school record called him Luke, and founded a child of its own: born
    # the same day at the same home under another first name, it looks like a twin. A
    # record with no given name fits both alike; a nickname's piece is no twin to fear,
    # so the record links to Lucas. Beside a twin with a name of its own (Oscar) it
    # still goes to a person.
    home = {
        "family_name": "Courcey",
        "born": date(2014, 10, 6),
        "gender": "M",
        "address": "124 Brown Street, Chelmsford",
        "postcode": "CM1 9ZY",
    }
    lucas = [record(1, given_names="Lucas Arthur", **home), record(2, given_names="Lucas", **home)]
    nameless = record(4, given_names=None, **home)
    luke = [record(3, given_names="Luke", **home)]
    decision = decide(model(), nameless, {"lucas": lucas, "luke": luke}, THRESHOLDS)
    assert (decision.outcome, decision.child) == (Outcome.LINK, "lucas")
    oscar = [record(3, given_names="Oscar", **home)]
    decision = decide(model(), nameless, {"lucas": lucas, "oscar": oscar}, THRESHOLDS)
    assert decision.outcome is Outcome.REVIEW
    assert decision.rule is not None and "fits a sibling as well" in decision.rule


def test_a_child_known_by_no_given_name_is_not_joined_to_one_of_twins() -> None:
    # Anna and Jacqueline Brown, twins, born the same day at one home; a record with no
    # given name founded a child of its own (it could be either). Jacqueline's next
    # record fits her child and the nameless one alike: it joins Jacqueline and nothing
    # more, whichever of the two it fits best.
    home = {
        "family_name": "Brown",
        "born": date(2023, 2, 12),
        "address": "58 Gibson Road, Chelmsford",
        "postcode": "CM1 5EA",
    }
    anna = [record(1, given_names="Anna Elise", **home)]
    jacqueline = [record(2, given_names="Jacqueline Rose Anne", **home, gender=None)]
    nameless = [record(3, given_names=None, **home)]
    incoming = record(4, given_names="Jacqueline Rose Anne", **home)
    candidates = {"anna": anna, "jacqueline": jacqueline, "nameless": nameless}
    decision = decide(model(), incoming, candidates, THRESHOLDS)
    assert (decision.outcome, decision.child, decision.joins) == (Outcome.LINK, "jacqueline", None)
    # Without the twin in view, the nameless child is a part of Jacqueline: joined.
    decision = decide(
        model(), incoming, {"jacqueline": jacqueline, "nameless": nameless}, THRESHOLDS
    )
    assert decision.outcome is Outcome.LINK
    assert {decision.child, decision.joins} == {"jacqueline", "nameless"}
    # Nor beside a brother: the nameless records are a girl's.
    brother = [record(1, given_names="Oscar", **home, gender="M")]
    decision = decide(model(), incoming, {**candidates, "anna": brother}, THRESHOLDS)
    assert {decision.child, decision.joins} == {"jacqueline", "nameless"}


def test_names_that_were_once_nicknames_are_two_childrens_names_now() -> None:
    # The nicknames package relates Emily to Amelia (older usage); born the same day at
    # one home, they are twins' names, not one child's name and its nickname.
    home = {"family_name": "Fletcher", "born": date(2009, 5, 6), "postcode": "FY7 4SH"}
    amelia = [record(1, given_names="Amelia Sophia", **home)]
    decision = decide(
        model(), record(2, given_names="Emily", **home), {"amelia": amelia}, THRESHOLDS
    )
    assert decision.outcome is not Outcome.LINK
    millie = record(3, given_names="Millie", **home)
    assert decide(model(), millie, {"amelia": amelia}, THRESHOLDS).outcome is Outcome.LINK


def test_a_record_neither_of_whose_names_the_child_bears_is_another_child() -> None:
    # Twins at one home under their two parents' names: Harry McCallion, Conor Hare.
    # Conor's record agrees on the birthday and the home; neither name is Harry's.
    home = {"born": date(2009, 3, 18), "gender": "M", "postcode": "NE5 4BR",
            "address": "8 Carter Street, Newcastle"}  # fmt: skip
    harry = [record(1, given_names="Harry", family_name="McCallion", **home)]
    conor = record(2, given_names="Conor", family_name="Hare", **home)
    decision = decide(model(), conor, {"harry": harry}, THRESHOLDS)
    assert (decision.outcome, decision.rule) == (Outcome.NEW, NEITHER_NAME)
    # A shared NHS number says the child has been renamed: linked.
    harry = [record(1, given_names="Harry", family_name="McCallion", nhs="9434765919", **home)]
    renamed = record(2, given_names="Conor", family_name="Hare", nhs="9434765919", **home)
    assert decide(model(), renamed, {"harry": harry}, THRESHOLDS).outcome is Outcome.LINK
    # One name the child bears (the family's) is enough to ask the usual questions.
    brother = record(3, given_names="Conor", family_name="McCallion", **home)
    assert decide(model(), brother, {"harry": harry}, THRESHOLDS).rule != NEITHER_NAME
    # Nor is a record written the other way round, an initial for a given name, at odds.
    turned = record(4, given_names="McCallion", family_name="H", **home)
    assert decide(model(), turned, {"harry": harry}, THRESHOLDS).outcome is Outcome.LINK


def test_a_first_name_cut_short_before_the_same_middle_name_is_the_same_child() -> None:
    # "Liv Louisa" and "Mo Hamza": a first name the nickname list does not know, cut
    # from the child's (Olivia, Mohammed), before the very same middle name — one child,
    # not twins sharing a name. "Kyle Oluwaseun" beside Oluwaseun still goes to a person.
    home = {"family_name": "Roberts", "born": date(2024, 5, 28), "postcode": "SS8 8XP",
            "address": "32 Johnson Road, Canvey Island"}  # fmt: skip
    olivia = [record(1, given_names="Olivia Louisa", **home)]
    liv = record(2, given_names="Liv Louisa", **home)
    assert decide(model(), liv, {"olivia": olivia}, THRESHOLDS).outcome is Outcome.LINK
    mohammed = [record(1, given_names="Mohammed Hamza", **home, gender="M")]
    mo = record(2, given_names="Mo Hamza", **home, gender="M")
    assert decide(model(), mo, {"mohammed": mohammed}, THRESHOLDS).outcome is Outcome.LINK
    seun = [record(1, given_names="Oluwaseun", **home, gender="M")]
    kyle = record(2, given_names="Kyle Oluwaseun", **home, gender="M")
    assert decide(model(), kyle, {"seun": seun}, THRESHOLDS).outcome is not Outcome.LINK


def test_a_place_strangers_share_is_no_house_and_a_town_counts_only_without_a_postcode() -> None:
    # "no fixed abode" (or a town given instead of an address) is shared by strangers:
    # not one house. Where neither record has a postcode, the place they name is some
    # evidence; where both have one, the postcode has said it and the town adds nothing.
    nowhere = {"address": "no fixed abode", "postcode": None}
    levels = dict(
        (c.comparison, c.level)
        for c in model().score(record(1, **nowhere), record(2, **nowhere)).contributions
    )
    assert (levels["address"], levels["locality"]) == ("missing", "same place")
    in_bury = {"address": "9 Hunt Crescent, Bury", "postcode": None}
    moved = {"address": "14 Mill Lane, Bury", "postcode": None}
    town = model().score(record(1, **in_bury), record(2, **moved)).contributions
    assert next(c for c in town if c.comparison == "locality").total > 0
    same_postcode = model().score(record(1), record(2, address="14 Mill Lane, Leeds"))
    assert next(c for c in same_postcode.contributions if c.comparison == "locality").level == (
        "missing"
    )


def test_a_brother_at_the_same_home_is_no_question_for_a_person() -> None:
    # Jack Hughes, born 2012, at Ava's home: the family and the house add up to a score
    # between the thresholds, but another given name and another birthday make him her
    # brother — a new child, not a review.
    jack = record(2, given_names="Jack", gender=None, born=date(2012, 7, 19))
    score = model().score(jack, record(1))
    assert THRESHOLDS.review <= score.weight < THRESHOLDS.link
    decision = decide(model(), jack, {"ava": [record(1)]}, THRESHOLDS)
    assert (decision.outcome, decision.rule) == (Outcome.NEW, NO_BIRTHDAY_IN_COMMON)


def test_brothers_sharing_a_first_name_are_two_children_without_a_birthday_in_common() -> None:
    # Muhammad Rahim (no date of birth on this record) at the home of his brother
    # Muhammad Adam: each has a given name the other has not, and no birthday says
    # otherwise. Muhammad alone (a middle name left off) is still Adam.
    home = {"family_name": "Akhtar", "gender": "M", "address": "8 Wilson Road, London",
            "postcode": "E1W 6JS"}  # fmt: skip
    adam = [record(1, given_names="Muhammad Adam", born=date(2015, 1, 28), **home)]
    rahim = record(2, given_names="Muhammad Rahim", born=None, **home)
    assert model().score(rahim, adam[0]).weight >= THRESHOLDS.link
    decision = decide(model(), rahim, {"adam": adam}, THRESHOLDS)
    assert (decision.outcome, decision.rule) == (Outcome.NEW, NO_BIRTHDAY_IN_COMMON)
    alone = record(3, given_names="Muhammad", born=None, **home)
    assert decide(model(), alone, {"adam": adam}, THRESHOLDS).outcome is Outcome.LINK


def test_a_first_name_alone_is_a_question_when_twins_share_it() -> None:
    # Twins Mohammed Ibrahim and Mohammed Akhtar: a benefit claim for "Mohamad" is one
    # twin's whole name and the other's with his middle name left off. Only a person can
    # tell which; "Mohammed Ibrahim" in full is still his own.
    home = {"family_name": "Akhtar", "gender": "M", "born": date(2021, 3, 9),
            "address": "4 Hill Street, Nottingham", "postcode": "NG7 1JL"}  # fmt: skip
    twins = {
        "ibrahim": [record(1, source="gro-births", given_names="Mohammed Ibrahim", **home)],
        "mohammed": [record(2, source="gro-births", given_names="Mohammed", **home)],
    }
    claim = record(3, source="dwp-child-benefit", given_names="Mohamad", **home)
    decision = decide(model(), claim, twins, THRESHOLDS)
    assert decision.outcome is Outcome.REVIEW
    full = record(4, source="dwp-child-benefit", given_names="Mohammed Ibrahim", **home)
    decision = decide(model(), full, twins, THRESHOLDS)
    assert (decision.outcome, decision.child) == (Outcome.LINK, "ibrahim")


def test_a_record_of_one_twin_is_no_bridge_to_a_child_known_by_the_name_both_bear() -> None:
    # Twins Mohammed Ibrahim and Mohammed Akhtar, registered at birth. A benefit claim
    # for "Mohammed" at the family's new home founded a child of its own. Mohammed
    # Ibrahim's NHS record, at the new home, fits that child better than his own birth
    # registration (the home) — but "Mohammed" could be either twin: the NHS record goes
    # to the child holding its NHS number, and joins nothing.
    old = {"family_name": "Akhtar", "gender": "M", "born": date(2021, 3, 9),
           "address": "2 Mill Lane, Sheffield", "postcode": "S35 6HL"}  # fmt: skip
    new = {**old, "address": "4 Hill Street, Nottingham", "postcode": "NG7 1JL"}
    ibrahim = [
        record(1, source="gro-births", given_names="Mohammed Ibrahim", nhs="9434765919", **old)
    ]
    mohammed = [record(2, source="gro-births", given_names="Mohammed", nhs="9434765870", **old)]
    claim = [record(3, source="dwp-child-benefit", given_names="Mohammed", **new)]
    candidates = {"ibrahim": ibrahim, "mohammed": mohammed, "claim": claim}
    gp = record(4, given_names="Mohammed Ibrahim", nhs="9434765919", **new)
    assert model().weight(gp, claim[0]) > model().weight(gp, ibrahim[0])
    decision = decide(model(), gp, candidates, THRESHOLDS)
    assert (decision.outcome, decision.child, decision.joins) == (Outcome.LINK, "ibrahim", None)
