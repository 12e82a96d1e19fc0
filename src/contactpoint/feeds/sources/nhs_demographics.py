"""NHS demographics (PDS extract): NHS number, address and registered GP practice."""

from __future__ import annotations

from contactpoint.children.facts import ChildFacts, IdentifierFact, RegistrationFact
from contactpoint.feeds.fields import NHS_GENDERS, RowReader
from contactpoint.feeds.sources.base import Source, address, columns
from contactpoint.kinds.children import IdentifierScheme, RegistrationKind


def standardise(row: RowReader) -> ChildFacts:
    row.text("record_id", required=True, max_length=100, key=True)
    nhs = row.nhs_number(required=True, key=True)
    given = row.text("given_names", required=True)
    family = row.text("family_name", required=True)
    born = row.date("date_of_birth", required=True, birth=True)
    gender = row.choice("gender", NHS_GENDERS, required=True, default="U")
    home = address(row)
    practice = row.matching("gp_practice_code", r"[A-Z]\d{5}", "a letter and 5 digits")
    practice_name = row.text("gp_practice_name")
    registered = row.date("gp_registration_date")
    shield = row.marked("sensitive")
    row.finish()
    registrations: tuple[RegistrationFact, ...] = ()
    if practice:
        registrations = (
            RegistrationFact(RegistrationKind.GP, practice, practice_name, start_date=registered),
        )
    return ChildFacts(
        source=SOURCE.name,
        record_id=row.record_id,
        given_names=given,
        family_name=family,
        date_of_birth=born,
        gender=gender or "U",
        recorded_on=registered,
        identifiers=(IdentifierFact(IdentifierScheme.NHS_NUMBER, nhs or ""),),
        address=home,
        registrations=registrations,
        shield=shield,
    )


SOURCE = Source(
    name="nhs-demographics",
    title="NHS demographics",
    columns=columns(
        "record_id nhs_number given_names family_name date_of_birth gender",
        "address postcode gp_practice_code gp_practice_name gp_registration_date sensitive",
    ),
    standardise=standardise,
    continues_when_scaled_down=False,
)
