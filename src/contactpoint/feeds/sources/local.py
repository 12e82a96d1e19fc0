"""The generic ``local`` file any local partner can send (and batch tracing reads)."""

from __future__ import annotations

from contactpoint.children.facts import ChildFacts, IdentifierFact
from contactpoint.feeds.fields import GENDERS, ISO_DATE, UK_DATE, RowReader
from contactpoint.feeds.sources.base import Source, address, columns
from contactpoint.kinds.children import IdentifierScheme


def standardise(row: RowReader) -> ChildFacts:
    row.text("record_id", required=True, max_length=100, key=True)
    given = row.text("given_names")
    family = row.text("family_name")
    if given is None and family is None:
        row.fail("given_names", "at least one of given_names and family_name is required")
    # A local partner's system may write either form; both are unambiguous.
    born = row.date("date_of_birth", birth=True, fmt=(ISO_DATE, UK_DATE))
    # A year alone, or a date garbled in its day or month, still gives the year.
    year = row.birth_year("date_of_birth") if born is None else None
    gender = row.choice("gender", {k: v for k, v in GENDERS.items() if len(k) == 1}, default="U")
    home = address(row)
    nhs = row.nhs_number()
    upn = row.upn()
    row.finish()
    ids = []
    if nhs:
        ids.append(IdentifierFact(IdentifierScheme.NHS_NUMBER, nhs))
    if upn:
        ids.append(IdentifierFact(IdentifierScheme.UPN, upn))
    return ChildFacts(
        source=SOURCE.name,
        record_id=row.record_id,
        given_names=given,
        family_name=family,
        date_of_birth=born,
        birth_year=year,
        gender=gender or "U",
        identifiers=tuple(ids),
        address=home,
    )


SOURCE = Source(
    name="local",
    title="Local partner file",
    columns=columns(
        "record_id", "given_names family_name date_of_birth gender postcode address nhs_number upn"
    ),
    standardise=standardise,
    continues_when_scaled_down=True,
)
