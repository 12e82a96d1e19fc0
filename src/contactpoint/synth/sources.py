"""Each source's rows: what that source knows about the population, as it writes it.

One function per source reads the population at the date the source looks (birth
registration, death registration, the extract day, census day), passes the values
through the source's ``Recorder`` and returns ``(row, child_key)`` pairs in the order
the file is written. Columns are exactly those of ``docs/feeds.md``.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from random import Random

from contactpoint.synth.errors import Recorder
from contactpoint.synth.population import Child, Involvement, Population
from contactpoint.synth.sampling import chance, unique_number

Row = dict[str, str]
Rows = list[tuple[Row, str]]

HEADERS: dict[str, tuple[str, ...]] = {
    "gro-births": (
        "record_id", "registration_date", "given_names", "family_name", "date_of_birth",
        "gender", "place_of_birth", "nhs_number", "mother_given_names", "mother_family_name",
        "mother_maiden_name", "father_given_names", "father_family_name", "address", "postcode",
    ),
    "gro-deaths": (
        "record_id", "registration_date", "given_names", "family_name", "date_of_birth",
        "date_of_death", "gender", "nhs_number", "address", "postcode",
    ),
    "dwp-child-benefit": (
        "record_id", "child_benefit_reference", "child_number", "claimant_given_names",
        "claimant_family_name", "claimant_relationship", "child_given_names",
        "child_family_name", "child_date_of_birth", "child_gender", "address", "postcode",
        "award_start_date",
    ),
    "nhs-demographics": (
        "record_id", "nhs_number", "given_names", "family_name", "date_of_birth", "gender",
        "address", "postcode", "gp_practice_code", "gp_practice_name", "gp_registration_date",
        "sensitive",
    ),
    "school-census": (
        "record_id", "upn", "former_upn", "given_names", "preferred_given_name", "family_name",
        "date_of_birth", "gender", "address", "postcode", "school_urn", "school_name",
        "la_code", "entry_date", "census_date",
    ),
    "la-childrens-services": (
        "record_id", "la_code", "la_child_id", "given_names", "family_name", "date_of_birth",
        "gender", "nhs_number", "upn", "address", "postcode", "carer_given_names",
        "carer_family_name", "carer_relationship", "service_type", "organisation",
        "practitioner_name", "practitioner_role", "practitioner_email", "practitioner_phone",
        "involvement_start", "lead_professional", "early_help_assessment", "cp_plan_start",
        "cp_plan_end", "looked_after_start", "looked_after_end", "shield",
    ),
    "local": (
        "record_id", "given_names", "family_name", "date_of_birth", "gender", "postcode",
        "address", "nhs_number", "upn",
    ),
}  # fmt: skip
SOURCES = tuple(name for name in HEADERS if name != "local")

_NHS_SEX = {"M": "1", "F": "2", "U": "9", "": "0"}
_INVALID_DATE_OF_BIRTH = [("impossible_date", "date_of_birth"), ("future_date", "date_of_birth")]
_INVALID_POSTCODE = [("unparseable_postcode", "postcode")]
_INVALID_NHS = [("nhs_number_check_digit", "nhs_number")]
_INVALID_UPN = [("upn_check_letter", "upn")]


def _names(rec: Recorder, child: Child, day: date) -> tuple[str, str]:
    given = rec.given_names(child.given_names)
    family = rec.family_name(rec.family_name_of(child, day))
    return rec.noise(given, family)


def gro_births(population: Population, rec: Recorder) -> Rows:
    rows: Rows = []
    for child in population.people:
        registered = child.birth_registered
        if registered is None:
            continue
        mother, father = child.family.mother, child.father
        given, family = rec.noise(
            rec.given_names(child.given_names),
            rec.family_name(child.family_name_on(registered)),
        )
        home = child.family.address_on(child.date_of_birth)
        mothers_name = mother.family_name_on(registered)
        maiden = mother.maiden_name if mother.maiden_name != mothers_name else ""
        row = {
            "record_id": child.gro_birth_entry,
            "registration_date": rec.write_date(registered),
            "given_names": given,
            "family_name": family,
            "date_of_birth": rec.write_date(rec.date_of_birth(child.date_of_birth, registered)),
            "gender": child.sex,
            "place_of_birth": child.place_of_birth,
            "nhs_number": child.nhs_number if chance(rec.rng, 0.98) else "",
            "mother_given_names": rec.plain(mother.given_names),
            "mother_family_name": rec.plain(mothers_name),
            "mother_maiden_name": rec.plain(maiden),
            "father_given_names": rec.plain(father.given_names) if father else "",
            "father_family_name": rec.plain(father.family_name) if father else "",
            "address": rec.address(home),
            "postcode": rec.postcode(home.postcode),
        }
        rec.spoil(row, _INVALID_NHS + _INVALID_DATE_OF_BIRTH + _INVALID_POSTCODE)
        rows.append((row, child.key))
    rows.sort(key=lambda pair: pair[0]["record_id"])
    return rows


def gro_deaths(population: Population, rec: Recorder) -> Rows:
    rows: Rows = []
    for child in population.people:
        died, registered = child.died, child.death_registered
        if died is None or registered is None:
            continue
        given, family = _names(rec, child, died)
        home = child.address_on(died)
        row = {
            "record_id": child.gro_death_entry,
            "registration_date": rec.write_date(registered),
            "given_names": given,
            "family_name": family,
            "date_of_birth": rec.write_date(rec.date_of_birth(child.date_of_birth, died)),
            "date_of_death": rec.write_date(died),
            "gender": child.sex,
            "nhs_number": child.nhs_number if chance(rec.rng, 0.9) else "",
            "address": rec.address(home),
            "postcode": rec.postcode(home.postcode),
        }
        rec.spoil(
            row,
            [*_INVALID_NHS, ("impossible_date", "date_of_death"), ("future_date", "date_of_birth"),
             *_INVALID_POSTCODE],
        )  # fmt: skip
        rows.append((row, child.key))
    rows.sort(key=lambda pair: pair[0]["record_id"])
    return rows


def dwp_child_benefit(population: Population, rec: Recorder) -> Rows:
    as_of = population.as_of
    ids: set[int] = set()
    claimants: dict[int, tuple[str, str]] = {}  # one claim, one claimant name on every line
    rows: Rows = []
    for child in population.people:
        family = child.family
        if child.award_start is None or family.claimant is None:
            continue
        if not child.alive_on(as_of) or not child.in_england_on(as_of):
            continue
        if _in_care_since(child.involvement, as_of - timedelta(weeks=8)):
            continue  # benefit stops after eight weeks in care
        relationship = family.claimant_relationship
        if relationship == "father" and child.father is not family.claimant:
            relationship = "step-parent"
        claimant = family.claimant
        if family.key not in claimants:
            claimants[family.key] = (
                rec.plain(claimant.given_names),
                rec.plain(claimant.family_name),
            )
        claimant_given, claimant_family = claimants[family.key]
        given, family_name = _names(rec, child, as_of)
        home = family.address_on(as_of)
        previous = family.previous_address(as_of)
        if previous is not None and chance(rec.rng, rec.rates.stale_address):
            rec.count("stale_address")
            home = previous
        row = {
            "record_id": f"{unique_number(rec.rng, ids, 10**9, 10**10)}",
            "child_benefit_reference": family.claim_reference,
            "child_number": str(child.child_number),
            "claimant_given_names": claimant_given,
            "claimant_family_name": claimant_family,
            "claimant_relationship": relationship,
            "child_given_names": given,
            "child_family_name": family_name,
            "child_date_of_birth": rec.write_date(rec.date_of_birth(child.date_of_birth, as_of)),
            "child_gender": rec.gender(child.sex),
            "address": rec.address(home),
            "postcode": rec.postcode(home.postcode),
            "award_start_date": rec.write_date(child.award_start),
        }
        rec.spoil(
            row,
            [("impossible_date", "child_date_of_birth"), ("future_date", "child_date_of_birth"),
             *_INVALID_POSTCODE],
        )  # fmt: skip
        rows.append((row, child.key))
    rows.sort(key=lambda pair: (pair[0]["child_benefit_reference"], int(pair[0]["child_number"])))
    return rows


def _in_care_since(involvement: Involvement | None, day: date) -> bool:
    if involvement is None or involvement.looked_after is None:
        return False
    start, end = involvement.looked_after
    return end is None and start <= day


def nhs_demographics(population: Population, rec: Recorder) -> Rows:
    as_of = population.as_of
    ids: set[int] = set()
    rows: Rows = []
    for child in population.people:
        if not child.nhs_number or not child.alive_on(as_of):
            continue
        if chance(rec.rng, 0.007):
            continue  # not in this extract (restricted records, cross-border registrations)
        numbers = [child.nhs_number]
        if child.duplicate_nhs_number:
            numbers.append(child.duplicate_nhs_number)
        for index, number in enumerate(numbers):
            given, family = _names(rec, child, as_of)
            home = rec.address_of(child, as_of)
            practice = child.practice
            if index:  # the duplicate record was made from an older registration
                home = child.previous_address(as_of) or home
                practice = practice if chance(rec.rng, 0.5) else None
            row = {
                "record_id": f"P{unique_number(rec.rng, ids, 10**8, 10**9)}",
                "nhs_number": number,
                "given_names": given,
                "family_name": family,
                "date_of_birth": rec.write_date(rec.date_of_birth(child.date_of_birth, as_of)),
                "gender": _NHS_SEX[rec.gender(child.sex)],
                "address": rec.address(home),
                "postcode": rec.postcode(home.postcode),
                "gp_practice_code": practice.code if practice else "",
                "gp_practice_name": practice.name if practice else "",
                "gp_registration_date": rec.write_date(child.practice_since) if practice else "",
                "sensitive": "Y" if sensitive(child.key) else "N",
            }
            rec.spoil(row, _INVALID_NHS + _INVALID_DATE_OF_BIRTH + _INVALID_POSTCODE)
            rows.append((row, child.key))
    rows.sort(key=lambda pair: pair[0]["record_id"])
    return rows


def school_census(population: Population, rec: Recorder) -> Rows:
    census = population.census_date
    pupils: dict[str, int] = {}
    rows: Rows = []
    for child in population.people:
        school = child.school
        if school is None:
            continue
        given, family = _names(rec, child, census)
        home = rec.address_of(child, census)
        pupil = pupils.get(school.urn, 0) + 1
        pupils[school.urn] = pupil
        row = {
            "record_id": f"{school.urn}-{pupil:05d}",
            "upn": child.upn,
            "former_upn": child.former_upn,
            "given_names": given,
            "preferred_given_name": _preferred(rec.rng, population, child),
            "family_name": family,
            "date_of_birth": rec.write_date(rec.date_of_birth(child.date_of_birth, census)),
            "gender": child.census_sex,
            "address": rec.address(home),
            "postcode": rec.postcode(home.postcode),
            "school_urn": school.urn,
            "school_name": school.name,
            "la_code": school.authority.gss,
            "entry_date": rec.write_date(child.school_entry),
            "census_date": rec.write_date(census),
        }
        rec.spoil(row, _INVALID_UPN + _INVALID_DATE_OF_BIRTH + _INVALID_POSTCODE)
        rows.append((row, child.key))
    rows.sort(key=lambda pair: (pair[0]["la_code"], pair[0]["record_id"]))
    return rows


def _preferred(rng: Random, population: Population, child: Child) -> str:
    """The name a pupil goes by, where the school records one that differs."""
    if not chance(rng, 0.1):
        return ""
    first = child.given_names[0]
    if first in ("Muhammad", "Mohammed") and len(child.given_names) > 1:
        return child.given_names[1]
    forms = population.names.familiar_forms_of(first)
    return rng.choice(forms) if forms else ""


def la_childrens_services(population: Population, rec: Recorder) -> Rows:
    as_of = population.as_of
    ids: set[int] = set()
    rows: Rows = []
    for child in population.people:
        involvement = child.involvement
        if involvement is None:
            continue
        given, family = _names(rec, child, as_of)
        home = rec.address_of(child, as_of)
        born = rec.write_date(rec.date_of_birth(child.date_of_birth, as_of))
        if chance(rec.rng, 0.01):
            rec.count("missing_date_of_birth")  # newly known: not yet recorded
            born = ""
        number = ""
        if child.nhs_number and chance(rec.rng, 0.75):
            duplicate = child.duplicate_nhs_number and chance(rec.rng, 0.3)
            number = child.duplicate_nhs_number if duplicate else child.nhs_number
        row = {
            "given_names": given,
            "family_name": family,
            "date_of_birth": born,
            "gender": rec.gender(child.sex),
            "nhs_number": number,
            "upn": child.upn if child.upn and chance(rec.rng, 0.6) else "",
            "address": rec.address(home),
            "postcode": rec.postcode(home.postcode),
        }
        row["shield"] = "Y" if sensitive(child.key) else ""
        rows.append((_involvement_row(rec, ids, involvement, row), child.key))
    for unborn in population.unborn:
        home = unborn.family.address_on(as_of)
        given, family = rec.noise(unborn.given_names, unborn.family.mother.family_name)
        row = {
            "given_names": given,
            "family_name": family,
            "date_of_birth": "",
            "gender": "",
            "nhs_number": "",
            "upn": "",
            "address": rec.address(home),
            "postcode": rec.postcode(home.postcode),
            "shield": "",
        }
        rows.append((_involvement_row(rec, ids, unborn.involvement, row), unborn.key))
    rows.sort(key=lambda pair: (pair[0]["la_code"], pair[0]["record_id"]))
    return rows


# About one child in 500 has a record the NHS marks sensitive (and their authority
# shields): chosen from the child's key, so no random draw of the population changes.
SENSITIVE_ONE_IN = 500


def sensitive(key: str) -> bool:
    """Whether this synthetic child's records are marked sensitive."""
    return int(hashlib.sha256(key.encode()).hexdigest(), 16) % SENSITIVE_ONE_IN == 0


def _involvement_row(rec: Recorder, ids: set[int], involvement: Involvement, row: Row) -> Row:
    authority = involvement.authority
    practitioner = involvement.practitioner
    carer = involvement.carer
    cp_plan = involvement.cp_plan or (None, None)
    looked_after = involvement.looked_after or (None, None)
    full = {
        "record_id": f"{authority.dfe}-{unique_number(rec.rng, ids, 10**7, 10**8)}",
        "la_code": authority.gss,
        "la_child_id": involvement.la_child_id,
        **row,
        "carer_given_names": rec.plain(carer.given_names) if carer else "",
        "carer_family_name": rec.plain(carer.family_name) if carer else "",
        "carer_relationship": involvement.carer_relationship,
        "service_type": involvement.service,
        "organisation": practitioner.organisation,
        "practitioner_name": practitioner.name,
        "practitioner_role": practitioner.role,
        "practitioner_email": practitioner.email,
        "practitioner_phone": practitioner.phone,
        "involvement_start": rec.write_date(involvement.start),
        "lead_professional": "Y" if involvement.lead_professional else "N",
        "early_help_assessment": "Y" if involvement.early_help_assessment else "N",
        "cp_plan_start": rec.write_date(cp_plan[0]),
        "cp_plan_end": rec.write_date(cp_plan[1]),
        "looked_after_start": rec.write_date(looked_after[0]),
        "looked_after_end": rec.write_date(looked_after[1]),
    }
    rec.spoil(full, _INVALID_NHS + _INVALID_UPN + _INVALID_DATE_OF_BIRTH + _INVALID_POSTCODE)
    return full


WRITERS = {
    "gro-births": gro_births,
    "gro-deaths": gro_deaths,
    "dwp-child-benefit": dwp_child_benefit,
    "nhs-demographics": nhs_demographics,
    "school-census": school_census,
    "la-childrens-services": la_childrens_services,
}
