"""The hard rules: what stops an automatic link whatever the score. Pure.

* conflicting identifiers: the record's NHS number or UPN is not among the child's own;
* different gender and given names that are not variants of each other;
* multiple births: the child has a brother or sister with the same date of birth in the
  same family, and the record's given name is no closer to the child's than to theirs
  (a nickname or a typo is a variant; a sibling's name is not; a name that begins a
  sibling's, as Abdi begins Abdirahman, may be theirs cut short; a "sibling" known only
  by a nickname or a typo of the child's name is a part of the child, not a twin); and a
  record with the child's birthday (or that birthday but for a slip: day and month
  swapped, one character) and family but a given name that is no variant of theirs is
  taken for a twin not yet in the index, and becomes a new child;
* a record must fit the child as a whole, not one record of it: a date of birth more
  than a year from most of the child's, or fitting only the child's records that lack
  a name or date the record has, shows the child to be another;
* a date of birth that agrees with the child's only on the year, one of the two a
  placeholder (1 January, where a source knew only the year): with given names that
  are not variants the record is a brother or sister born that year (a twin, perhaps);
  with a real date none of the child's real dates agrees with, a namesake born that
  year. Either way another child. Nor may such a record, agreeing with a second child
  on names and a placeholder alone (not the home), join the two
  (``placeholder_elsewhere``);
* a given name that is no variant of the child's (nor one cut short), with no date of
  birth in common (one side has none, or they differ): a brother or sister, however
  strongly the family name and the home agree.

Rules that show a candidate to be another child (``ANOTHER_CHILD``) pass it over for the
next candidate; the others send the record to a data manager.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

from contactpoint.matching.coherence import (
    BIRTH,
    DATE_OF_BIRTH_CONFLICT,
    EXACT,
    FAMILY,
    FITS_ONLY_INCOMPLETE_RECORDS,
    GIVEN,
    GIVEN_DIFFERENT,
    NOT_VARIANTS,
    YEAR_APART,
    birthday_mistyped,
    complete,
    given_fit,
    incoherent,
)
from contactpoint.matching.comparisons import COMPARISONS
from contactpoint.matching.evidence import (
    multiple_birth,
    one_childs_names,
    same_given_names,
    short_form_of,
    two_birthdays,
    two_registrations,
)
from contactpoint.matching.model import PLACEHOLDER_YEAR, MatchModel, Score
from contactpoint.matching.record import MatchRecord
from contactpoint.matching.siblings import brother_or_sister, first_name_cut
from contactpoint.matching.transposed import turned

# Same birthday and family, given names that are not variants: a twin the index has not
# seen yet, far more often than one child recorded under two unrelated names.
UNSEEN_TWIN = "same date of birth and family but given names that are not variants"
SIBLINGS_ON_ONE_CLAIM = "another child on the same child benefit claim"
DIFFERENT_CHILDREN = "different identifiers and given names that are not variants"
FITS_A_TWIN_BETTER = "a twin or other multiple birth whose given name fits better"
SECOND_REGISTRATION = "a second birth registration under other given names"
YEAR_ONLY_SIBLING = "other given names, and only the year of birth in common"
NO_BIRTHDAY_IN_COMMON = "other given names, and no date of birth in common"
NEITHER_NAME = "neither the given name nor the family name is one the child is known by"
# Rules that show a candidate to be another child, not a question for anyone.
ANOTHER_CHILD = (
    DATE_OF_BIRTH_CONFLICT,
    FITS_ONLY_INCOMPLETE_RECORDS,
    UNSEEN_TWIN,
    SIBLINGS_ON_ONE_CLAIM,
    DIFFERENT_CHILDREN,
    FITS_A_TWIN_BETTER,
    SECOND_REGISTRATION,
    YEAR_ONLY_SIBLING,
    NO_BIRTHDAY_IN_COMMON,
    NEITHER_NAME,
)
ANOTHER_GIVEN_NAME = 3  # the given-name level: the names share only one of their words
SAME_FAMILY = (1, 2)  # exact, or one part of a double-barrelled name
# Date-of-birth levels one slip from the same: day and month swapped, one character.
_SLIPS = tuple(
    index
    for index, level in enumerate(COMPARISONS[BIRTH].levels)
    if level.label in ("day and month swapped", "one character different")
)

# Family-name levels of two names that are not one: they only sound alike, or differ.
_FAMILY_AT_ODDS = tuple(
    index
    for index, level in enumerate(COMPARISONS[FAMILY].levels)
    if level.label in ("sounds alike", "different")
)

# Given-name levels of one name written another way: a nickname, a typo.
_ANOTHER_WAY = tuple(
    index
    for index, level in enumerate(COMPARISONS[GIVEN].levels)
    if level.label in ("nickname", "typo")
)

# Whatever names a candidate child: an id, or a child still to be created.
K = TypeVar("K", bound=Hashable)


def broken_rule(
    model: MatchModel,
    review: float,
    record: MatchRecord,
    records: Sequence[MatchRecord],
    score: Score,
    child: K,
    others: Sequence[K],
    candidates: Mapping[K, Sequence[MatchRecord]],
) -> str | None:
    """Why ``record`` may not link to ``child`` (``records``) automatically, whatever
    its ``score``; None when nothing stops it. ``others``: the other candidates, among
    them the child's twins; ``review``: the review threshold."""
    claims = {r.benefit_line for r in records if r.benefit_claim == record.benefit_claim}
    if record.benefit_line and claims - {None} and record.benefit_line not in claims:
        return SIBLINGS_ON_ONE_CLAIM
    # How close the record's given name comes to any name the child is known by.
    given_level = given_fit(record, records)
    shares_identifier = False
    for identifier in ("nhs_number", "upn"):
        value = getattr(record, identifier)
        held = {getattr(r, identifier) for r in records} - {None}
        if value and held:
            if value not in held:
                # Different identifiers and unrelated given names: another child (a
                # twin, typically), not a question for anyone.
                if given_level in NOT_VARIANTS:
                    return DIFFERENT_CHILDREN
                return f"conflicting {identifier.replace('_', ' ')}"
            shares_identifier = True
    if record.registered_birth and any(r.registered_birth for r in records):
        # A second birth registration: a twin (or a brother or sister) — every child has
        # one. The same given names may be a re-registration, for a person to confirm.
        if any(same_given_names(record, r) for r in records if r.registered_birth):
            return "a second birth registration with the same names"
        return SECOND_REGISTRATION
    genders = {r.gender for r in records} - {None}
    if record.gender and genders and record.gender not in genders and given_level != EXACT:
        # Olivia and Oliver: a different gender needs the very same given name.
        return "different gender and given names that are not the same"
    if shares_identifier:
        return None
    if _neither_name(record, records, given_level) and _neither_name_turned(record, records):
        # Neither name is one the child is known by, as written or turned round, and no
        # identifier says otherwise: however alike the birthday and the home, another
        # child (Conor Hare beside Harry McCallion, twins at one address under their
        # two parents' names).
        return NEITHER_NAME
    if score.contributions[BIRTH].level == PLACEHOLDER_YEAR:
        # Born the same year, by a placeholder date: another given name makes the record
        # a brother or sister (a twin, perhaps); a real date that none of the child's
        # real dates agrees with, a namesake born the same year.
        if given_level in NOT_VARIANTS:
            return YEAR_ONLY_SIBLING
        if two_birthdays([record], records, model.placeholder_date):
            return DATE_OF_BIRTH_CONFLICT
    if brother_or_sister(record, records, given_level):
        return NO_BIRTHDAY_IN_COMMON
    if int(score.levels[BIRTH]) == YEAR_APART and not birthday_mistyped(record, records):
        return "dates of birth more than a year apart"
    whole = incoherent(model, review, record, records)
    if whole:
        return whole
    for other in others:
        if (
            other != child
            and multiple_birth(records, candidates[other])
            and not held_twice(records, candidates[other])
        ):
            fit = given_fit(record, candidates[other])
            if fit and (fit < given_level or (given_level == 0 and fit not in NOT_VARIANTS)):
                return FITS_A_TWIN_BETTER
            if fit == given_level and fit:
                # Both twins' first names fit as well (both Mohammed): the whole given
                # names tell them apart, where they are one twin's and not the other's —
                # but a first name alone is one twin's whole name and the other's with
                # his middle name left off ("Mohammed" beside twins Mohammed and
                # Mohammed Ibrahim): only a person can tell which.
                mine = any(same_given_names(record, r) for r in records)
                theirs = any(same_given_names(record, r) for r in candidates[other])
                if theirs and not mine and len(record.given_tokens or ()) > 1:
                    return FITS_A_TWIN_BETTER
                if mine and not theirs and len(record.given_tokens or ()) > 1:
                    continue
            if fit == given_level or (
                short_form_of(record, candidates[other])
                and not any(same_given_names(record, r) for r in records)
            ):
                # "Abdi" is one twin's first name and may be the other's (Abdirahman)
                # cut short: which twin the record is, only a person can tell.
                return "a twin or other multiple birth: the given name fits a sibling as well"
    same_birth = int(score.levels[BIRTH]) == EXACT and int(score.levels[FAMILY]) in SAME_FAMILY
    if same_birth and not record.registered_birth and any(r.registered_birth for r in records):
        # The child's birth registration is in the index, and a twin's would be too: a
        # twin would be a candidate of its own (same birthday and family), so there is
        # no unseen twin to fear. (A second registration is itself the twin.)
        return None
    slipped = int(score.levels[BIRTH]) in _SLIPS and int(score.levels[FAMILY]) in SAME_FAMILY
    if (same_birth or slipped) and given_level in NOT_VARIANTS:
        # The twin's birthday may be recorded with a slip (day and month swapped, one
        # character): Tanvir Miah, "born 2020-05-09", at the home of his twin Adam.
        return UNSEEN_TWIN
    named = [r for r in records if r.given_first]
    if (
        same_birth
        and given_level == EXACT
        and named
        and not any(one_childs_names(record, r) for r in named)
    ):
        # Mohammed Talha beside Mohammed Ibrahim, born the same day: a twin.
        return UNSEEN_TWIN
    if (
        same_birth
        and given_level == ANOTHER_GIVEN_NAME
        and not any(same_given_names(record, r) or first_name_cut(record, r) for r in records)
    ):
        # "Grace" and "Lottie Grace" born the same day: one child, or twins?
        return "same date of birth and family; the given names share only one name"
    return None


def held_twice(records: Sequence[MatchRecord], other: Sequence[MatchRecord]) -> bool:
    """The child ``other``, born the same day into the same family as the child
    ``records``, is known only by names the child could bear: a nickname or a typo of
    the child's given name ("Luke" beside Lucas, "Yousuf" beside Yusuf), or names one of
    the child's records could be (``one_childs_names``): a part of that child that
    founded a child of its own, far more often than a twin — unless each holds a birth
    registration of that day (``two_registrations``: two births). Such a "twin" sends
    no record to a person for fitting it as well as the child; a twin with a name of
    its own (Oscar, Kyle Oluwaseun beside Oluwaseun, Mohammed Ibrahim beside Mohammed
    Talha) still does."""
    named = [r for r in other if r.given_first]
    return (
        bool(named)
        and not two_registrations(records, other)
        and all(
            given_fit(r, records) in _ANOTHER_WAY or any(one_childs_names(r, c) for c in records)
            for r in named
        )
    )


def either_twin(
    model: MatchModel, child: K, other: K, candidates: Mapping[K, Sequence[MatchRecord]]
) -> bool:
    """One of two children is known by no given name (none, or initials only) and the
    other has a twin among the candidates — born the same day, not on a placeholder
    (``multiple_birth``), not a part of the child under another name (``held_twice``),
    of a gender and an initial the nameless child's records allow: the nameless records
    could be either twin's, and no record of the named one shows which, so none joins
    the two."""
    for unnamed, named in ((child, other), (other, child)):
        if not nameless(candidates[unnamed]):
            continue
        mine = candidates[named]
        for third in candidates:
            theirs = candidates[third]
            if third in (child, other) or not multiple_birth(mine, theirs):
                continue
            if _on_placeholders(model, mine, theirs):
                continue
            if _could_be(candidates[unnamed], theirs) and not held_twice(mine, theirs):
                return True
    return False


def twins_name(
    model: MatchModel, child: K, other: K, candidates: Mapping[K, Sequence[MatchRecord]]
) -> bool:
    """One of two children is known only by given names a twin of the other could bear
    too ("Mohammed" beside twins Mohammed Ibrahim and Mohammed: ``one_childs_names``
    with the twin's, of a gender the twin's records allow; twins born the same real day,
    not on a placeholder): a record of the named child that fits it is no evidence it is
    that child rather than the twin."""
    for piece, named in ((other, child), (child, other)):
        records = [r for r in candidates[piece] if r.given_first]
        if not records or len(records) < len(candidates[piece]):
            continue  # nameless records: ``either_twin``'s
        mine = candidates[named]
        for third, theirs in candidates.items():
            if (
                third not in (child, other)
                and multiple_birth(mine, theirs)
                and not _on_placeholders(model, mine, theirs)
                and not held_twice(mine, theirs)
                and _could_be(records, theirs)
                and all(any(one_childs_names(r, t) for t in theirs) for r in records)
            ):
                return True
    return False


def _neither_name(record: MatchRecord, records: Sequence[MatchRecord], given_level: int) -> bool:
    """The record's given name (at ``given_level``) is no variant of the child's, and its
    family name only sounds like or differs from every one of theirs."""
    return given_level in NOT_VARIANTS and _family_fit(record, records) in _FAMILY_AT_ODDS


def _neither_name_turned(record: MatchRecord, records: Sequence[MatchRecord]) -> bool:
    """``_neither_name`` with the record's names turned round ("Kemp M" for M. Kemp)."""
    other_way = turned(record)
    return _neither_name(other_way, records, given_fit(other_way, records))


def _family_fit(record: MatchRecord, records: Sequence[MatchRecord]) -> int:
    """The closest family-name level the record reaches with any of a child's records
    (0, missing, where no pair has family names on both sides)."""
    family = COMPARISONS[FAMILY]
    known = [level for r in records if (level := family.level_of(record, r)) != 0]
    return min(known) if known else 0


def _on_placeholders(
    model: MatchModel, one: Sequence[MatchRecord], other: Sequence[MatchRecord]
) -> bool:
    """Every birthday two children share is a placeholder: no sign of twins."""
    births = {r.dob for r in one if r.dob} & {r.dob for r in other}
    return all(model.placeholder_date(born) for born in births)


def nameless(records: Sequence[MatchRecord]) -> bool:
    """A child known by no given name: none of its records has one (an initial is none)."""
    return not any(r.given_first for r in records)


def _could_be(records: Sequence[MatchRecord], twin: Sequence[MatchRecord]) -> bool:
    """Whether records without a given name could be the twin's: no gender the twin's
    records never have, no initial none of its names begins with."""
    genders = {r.gender for r in records} - {None}
    theirs = {r.gender for r in twin} - {None}
    if genders and theirs and not genders & theirs:
        return False
    return all(given_fit(r, twin) != GIVEN_DIFFERENT for r in records)


def may_bridge(
    model: MatchModel,
    record: MatchRecord,
    one: Sequence[MatchRecord],
    other: Sequence[MatchRecord],
    score: Score,
) -> bool:
    """Whether ``record``, joining the child ``one``, may show the child ``other`` (which
    it fits at ``score``) to be the same child: it has both names and a date of birth;
    its birthday, or its child's, is one of the other's (placeholders aside); and it
    fits the other by more than names and a placeholder away from the home."""
    return (
        complete(record)
        and not two_birthdays([record, *one], other, model.placeholder_date)
        and not placeholder_elsewhere(model, record, score)
    )


def placeholder_elsewhere(model: MatchModel, record: MatchRecord, score: Score) -> bool:
    """The pair agrees on its date of birth only through a placeholder (the same one, or
    one and a date of its year), and not on the home: names and a year, what namesakes
    share. Never enough to join two children."""
    birth = score.contributions[BIRTH]
    on_placeholder = birth.level == PLACEHOLDER_YEAR or (
        birth.level == "exact" and record.dob is not None and model.placeholder_date(record.dob)
    )
    return on_placeholder and not _same_home(score)


def _same_home(score: Score) -> bool:
    """The pair's postcodes agree (or share a sector), or their addresses (or but for a
    typo)."""
    home = {c.comparison: c.level for c in score.contributions}
    return home["postcode"] in ("exact", "same sector") or home["address"] in ("exact", "typo")
