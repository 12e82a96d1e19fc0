"""GRO death registrations of children: mark the child deceased."""

from __future__ import annotations

from contactpoint.children.facts import ChildFacts, IdentifierFact
from contactpoint.feeds.fields import GENDERS, RowReader
from contactpoint.feeds.sources.base import Source, address, columns
from contactpoint.kinds.children import IdentifierScheme

DEATH_ENTRY = r"\d{4}/[A-Z]{3}/D\d{5}"


def standardise(row: RowReader) -> ChildFacts:
    row.matching(
        "record_id", DEATH_ENTRY, "a GRO death entry YYYY/DDD/DNNNNN", required=True, key=True
    )
    registered = row.date("registration_date", required=True)
    given = row.text("given_names", required=True)
    family = row.text("family_name", required=True)
    born = row.date("date_of_birth", required=True, birth=True)
    died = row.date("date_of_death", required=True, key=True)
    gender = row.choice("gender", GENDERS, required=True, default="U")
    nhs = row.nhs_number()
    home = address(row)
    if born and died and died < born:
        row.fail("date_of_death", "is before the date of birth")
    row.finish()
    ids = (IdentifierFact(IdentifierScheme.NHS_NUMBER, nhs),) if nhs else ()
    return ChildFacts(
        source=SOURCE.name,
        record_id=row.record_id,
        given_names=given,
        family_name=family,
        date_of_birth=born,
        gender=gender or "U",
        date_of_death=died,
        recorded_on=registered,
        identifiers=ids,
        address=home,
    )


SOURCE = Source(
    name="gro-deaths",
    title="GRO death registrations",
    columns=columns(
        "record_id registration_date given_names family_name date_of_birth date_of_death gender",
        "nhs_number address postcode",
    ),
    standardise=standardise,
    continues_when_scaled_down=True,
)
