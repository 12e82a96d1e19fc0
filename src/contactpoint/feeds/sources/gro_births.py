"""GRO birth registrations: the most trusted source of a child's birth name and date."""

from __future__ import annotations

from contactpoint.children.facts import CarerFact, ChildFacts, IdentifierFact
from contactpoint.feeds.fields import GENDERS, RowReader
from contactpoint.feeds.sources.base import Source, address, columns
from contactpoint.kinds.children import IdentifierScheme

BIRTH_ENTRY = r"\d{4}/[A-Z]{3}/\d{5}"


def standardise(row: RowReader) -> ChildFacts:
    entry = row.matching(
        "record_id", BIRTH_ENTRY, "a GRO birth entry YYYY/DDD/NNNNN", required=True, key=True
    )
    registered = row.date("registration_date", required=True)
    given = row.text("given_names", required=True)
    family = row.text("family_name", required=True)
    born = row.date("date_of_birth", required=True, birth=True)
    gender = row.choice("gender", GENDERS, required=True, default="U")
    nhs = row.nhs_number()
    home = address(row)
    carers = []
    if row.text("mother_given_names") or row.text("mother_family_name"):
        carers.append(
            CarerFact(
                row.text("mother_given_names"),
                row.text("mother_family_name"),
                "mother",
                parental_responsibility=True,
                address_line=home.address_line if home else None,
                postcode=home.postcode if home else None,
            )
        )
    if row.text("father_given_names") or row.text("father_family_name"):
        # A father named on the register has parental responsibility (births since 2003).
        carers.append(
            CarerFact(
                row.text("father_given_names"),
                row.text("father_family_name"),
                "father",
                parental_responsibility=True,
            )
        )
    if born and registered and registered < born:
        row.warn("registration_date", "is before the date of birth")
    row.finish()
    ids = [IdentifierFact(IdentifierScheme.GRO_BIRTH_ENTRY, entry or "")]
    if nhs:
        ids.append(IdentifierFact(IdentifierScheme.NHS_NUMBER, nhs))
    return ChildFacts(
        source=SOURCE.name,
        record_id=row.record_id,
        given_names=given,
        family_name=family,
        date_of_birth=born,
        gender=gender or "U",
        recorded_on=registered,
        identifiers=tuple(ids),
        address=home,
        carers=tuple(carers),
    )


SOURCE = Source(
    name="gro-births",
    title="GRO birth registrations",
    columns=columns(
        "record_id registration_date given_names family_name date_of_birth gender",
        "place_of_birth nhs_number mother_given_names mother_family_name mother_maiden_name"
        " father_given_names father_family_name address postcode",
    ),
    standardise=standardise,
    continues_when_scaled_down=True,
    # A pre-birth plan held against the mother passes to the child born to her.
)
