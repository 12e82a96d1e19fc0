"""DfE School Census: UPN, legal name and the school the pupil is on roll at."""

from __future__ import annotations

from contactpoint.children.facts import ChildFacts, IdentifierFact, RegistrationFact
from contactpoint.feeds.fields import RowReader
from contactpoint.feeds.sources.base import Source, address, columns, la_code
from contactpoint.kinds.children import IdentifierScheme, RegistrationKind


def standardise(row: RowReader) -> ChildFacts:
    row.text("record_id", required=True, max_length=100, key=True)
    upn = row.upn(required=True, key=True)
    former = row.upn("former_upn")
    given = row.text("given_names", required=True)
    row.text("preferred_given_name")
    family = row.text("family_name", required=True)
    born = row.date("date_of_birth", required=True, birth=True)
    gender = row.choice("gender", {"M": "M", "F": "F"}, required=True, default="U")
    home = address(row)
    urn = row.matching("school_urn", r"\d{6}", "6 digits", required=True)
    school = row.text("school_name", required=True)
    authority = la_code(row)
    entered = row.date("entry_date")
    census = row.date("census_date", required=True)
    row.finish()
    ids = [IdentifierFact(IdentifierScheme.UPN, upn or "")]
    if former and former != upn:
        ids.append(IdentifierFact(IdentifierScheme.UPN, former))
    return ChildFacts(
        source=SOURCE.name,
        record_id=row.record_id,
        given_names=given,
        family_name=family,
        date_of_birth=born,
        gender=gender or "U",
        recorded_on=census,
        la_code=authority,
        identifiers=tuple(ids),
        address=home,
        registrations=(
            RegistrationFact(RegistrationKind.SCHOOL, urn or "", school, authority, entered),
        ),
    )


SOURCE = Source(
    name="school-census",
    title="DfE School Census",
    columns=columns(
        "record_id upn given_names family_name date_of_birth gender school_urn school_name"
        " la_code census_date",
        "former_upn preferred_given_name address postcode entry_date",
    ),
    standardise=standardise,
    continues_when_scaled_down=False,
)
