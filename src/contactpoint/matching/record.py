"""The comparable form of one source record: what matching scores, blocks and trains on."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from contactpoint.children.facts import ChildFacts
from contactpoint.kinds.children import IdentifierScheme
from contactpoint.matching.standardise import (
    clean_name,
    date_key,
    day_number,
    family_name_key,
    first_given_name,
    house_key,
    locality_key,
    name_tokens,
    name_variants,
    phonetic,
    postcode_parts,
    swapped_day_month,
)


@dataclass(frozen=True, slots=True)
class MatchRecord:
    """Standardised values of one record; ``None`` where the source said nothing."""

    uid: int
    given_first: str | None
    given_tokens: tuple[str, ...] | None
    given_variants: tuple[str, ...] | None
    given_phonetic: str | None
    family: str | None
    family_tokens: tuple[str, ...] | None
    family_phonetic: str | None
    dob: str | None
    dob_swapped: str | None
    dob_days: int | None
    birth_year: int | None
    gender: str | None
    postcode: str | None
    postcode_sector: str | None
    postcode_district: str | None
    address: str | None
    nhs_number: str | None
    upn: str | None
    # Parents and carers named with the child: "first-given-name family-name" of each,
    # and their first given names alone (a mother who has since married keeps hers).
    carer_names: tuple[str, ...] | None
    carer_given: tuple[str, ...] | None
    # A child benefit claim line, "CHB12345678AB/2": the claim is shared by brothers
    # and sisters, the line is the child's own.
    benefit_line: str | None = None
    # True for a GRO birth registration: every birth in England has one, twins included.
    registered_birth: bool = False
    # The town an address names last, or a place given instead of an address
    # (``standardise.locality_key``): compared only where a postcode is missing.
    locality: str | None = None

    @property
    def benefit_claim(self) -> str | None:
        return self.benefit_line.split("/")[0] if self.benefit_line else None

    def as_dict(self) -> dict[str, Any]:
        """Columns for a data frame (lists for the list-valued columns)."""
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name in MATCH_COLUMNS
            for value in (getattr(self, name),)
        }


MATCH_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(MatchRecord))
# The columns holding lists of names.
LIST_COLUMNS: tuple[str, ...] = (
    "given_tokens",
    "given_variants",
    "family_tokens",
    "carer_names",
    "carer_given",
)


def _or_none(value: str) -> str | None:
    return value or None


def given_relations(given: str, tokens: tuple[str, ...]) -> tuple[str, ...] | None:
    """The first given name's relations (its nicknames), and the first two given names
    run together: one name written with a space inside it — "Abdul Rahman" for
    Abdulrahman, "Mary Ann" for Maryann, a typed "Jac ob" — is the name written without,
    not a twin's."""
    if not given:
        return None
    variants = set(name_variants(given))
    if len(tokens) > 1:
        variants.add(tokens[0] + tokens[1])
    return tuple(sorted(variants))


def match_record(uid: int, facts: ChildFacts) -> MatchRecord:
    """The comparable form of what one source record says."""
    given = first_given_name(facts.given_names)
    given_tokens = name_tokens(facts.given_names)
    if len(given) == 1:
        # An initial ("J", "J. T.") is no name to compare: the given name counts as
        # missing, and the initial, kept in the tokens, must fit the child's names.
        given = ""
    family = family_name_key(facts.family_name)
    family_tokens = name_tokens(facts.family_name)
    born = facts.date_of_birth
    postcode, sector, district = postcode_parts(facts.address.postcode if facts.address else None)
    line = facts.address.address_line if facts.address else None
    carers = [
        (first_given_name(carer.given_names), family_name_key(carer.family_name))
        for carer in facts.carers
    ]
    identifiers: dict[IdentifierScheme, str] = {}
    for identifier in facts.identifiers:
        identifiers.setdefault(identifier.scheme, identifier.value)
    return MatchRecord(
        uid=uid,
        given_first=_or_none(given),
        given_tokens=given_tokens or None,
        given_variants=given_relations(given, given_tokens),
        given_phonetic=_or_none(phonetic(given)),
        family=_or_none(family),
        family_tokens=family_tokens or None,
        family_phonetic=_or_none(phonetic(clean_name(facts.family_name).replace(" ", ""))),
        dob=_or_none(date_key(born)),
        dob_swapped=_or_none(swapped_day_month(born)),
        dob_days=day_number(born),
        birth_year=born.year if born else facts.birth_year,
        gender=facts.gender if facts.gender in ("M", "F") else None,
        postcode=_or_none(postcode),
        postcode_sector=_or_none(sector),
        postcode_district=_or_none(district),
        address=_or_none(house_key(line)),
        nhs_number=identifiers.get(IdentifierScheme.NHS_NUMBER),
        upn=identifiers.get(IdentifierScheme.UPN),
        carer_names=tuple(sorted({f"{g} {f}" for g, f in carers if g and f})) or None,
        carer_given=tuple(sorted({g for g, _f in carers if g})) or None,
        benefit_line=identifiers.get(IdentifierScheme.CHILD_BENEFIT),
        registered_birth=facts.source == "gro-births",
        locality=_or_none(locality_key(line)),
    )
