"""DWP child benefit claims: one row per child on a claim; the claimant is a carer."""

from __future__ import annotations

from contactpoint.children.facts import CarerFact, ChildFacts, IdentifierFact
from contactpoint.feeds.fields import GENDERS, UK_DATE, RowReader
from contactpoint.feeds.sources.base import Source, address, columns
from contactpoint.kinds.children import IdentifierScheme

RELATIONSHIPS = {
    name.upper(): name
    for name in ("mother", "father", "grandparent", "step-parent", "other-relative", "other")
}


def standardise(row: RowReader) -> ChildFacts:
    row.text("record_id", required=True, max_length=100, key=True)
    claim = row.matching(
        "child_benefit_reference",
        r"CHB\d{8}[A-Z]{2}",
        "CHB, 8 digits and 2 letters",
        required=True,
        key=True,
    )
    number = row.integer("child_number", low=1, high=20, required=True, key=True)
    given = row.text("child_given_names", required=True)
    family = row.text("child_family_name", required=True)
    born = row.date("child_date_of_birth", required=True, fmt=UK_DATE, birth=True)
    gender = row.choice("child_gender", GENDERS, default="U")
    started = row.date("award_start_date", fmt=UK_DATE)
    relationship = row.choice("claimant_relationship", RELATIONSHIPS)
    home = address(row)
    claimant = CarerFact(
        row.text("claimant_given_names"),
        row.text("claimant_family_name"),
        relationship,
        parental_responsibility=relationship in ("mother", "father") or None,
        address_line=home.address_line if home else None,
        postcode=home.postcode if home else None,
    )
    row.finish()
    return ChildFacts(
        source=SOURCE.name,
        record_id=row.record_id,
        given_names=given,
        family_name=family,
        date_of_birth=born,
        gender=gender or "U",
        recorded_on=started,
        identifiers=(IdentifierFact(IdentifierScheme.CHILD_BENEFIT, f"{claim}/{number}"),),
        address=home,
        carers=(claimant,) if claimant.given_names or claimant.family_name else (),
    )


SOURCE = Source(
    name="dwp-child-benefit",
    title="DWP child benefit",
    columns=columns(
        "record_id child_benefit_reference child_number child_given_names child_family_name"
        " child_date_of_birth",
        "claimant_given_names claimant_family_name claimant_relationship child_gender"
        " address postcode award_start_date",
    ),
    standardise=standardise,
    continues_when_scaled_down=False,
)
