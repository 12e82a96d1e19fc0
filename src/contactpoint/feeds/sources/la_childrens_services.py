"""Local authority children's services: the child, a carer, the practitioner involved,
and child-protection and looked-after status.

Involvement and vulnerability flags are validated here, kept in the source record's
payload, and made into signposting's involvements and flags after the load
(``signposting.feed``, which ``feeds.pipeline`` runs).
"""

from __future__ import annotations

from contactpoint.children.facts import CarerFact, ChildFacts, IdentifierFact
from contactpoint.feeds.fields import GENDERS, RowReader
from contactpoint.feeds.sources.base import Source, address, columns, la_code
from contactpoint.kinds.children import IdentifierScheme


def standardise(row: RowReader) -> ChildFacts:
    row.text("record_id", required=True, max_length=100, key=True)
    authority = la_code(row)
    local_id = row.text("la_child_id", required=True, max_length=30, key=True)
    given = row.text("given_names", required=True)
    family = row.text("family_name", required=True)
    born = row.date("date_of_birth", birth=True)
    gender = row.choice("gender", GENDERS, default="U")
    nhs = row.nhs_number()
    upn = row.upn()
    home = address(row)
    carer = CarerFact(
        row.text("carer_given_names"),
        row.text("carer_family_name"),
        row.text("carer_relationship", max_length=40),
    )
    for field in ("service_type", "organisation", "practitioner_name", "practitioner_role"):
        row.text(field)
    row.email("practitioner_email")
    row.phone("practitioner_phone")
    row.date("involvement_start")
    row.flag("lead_professional")
    row.flag("early_help_assessment")
    for period in ("cp_plan", "looked_after"):
        start = row.date(f"{period}_start")
        end = row.date(f"{period}_end")
        if end and not start:
            row.fail(f"{period}_end", f"is given without {period}_start")
        elif start and end and end < start:
            row.fail(f"{period}_end", f"is before {period}_start")
    shield = row.marked("shield")
    row.finish()
    ids = [IdentifierFact(IdentifierScheme.LA_CHILD_ID, f"{authority}:{local_id}")]
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
        gender=gender or "U",
        la_code=authority,
        identifiers=tuple(ids),
        address=home,
        carers=(carer,) if carer.given_names or carer.family_name else (),
        shield=shield,
    )


SOURCE = Source(
    name="la-childrens-services",
    title="Local authority children's services",
    columns=columns(
        "record_id la_code la_child_id given_names family_name",
        "date_of_birth gender nhs_number upn address postcode carer_given_names"
        " carer_family_name carer_relationship service_type organisation practitioner_name"
        " practitioner_role practitioner_email practitioner_phone involvement_start"
        " lead_professional early_help_assessment cp_plan_start cp_plan_end"
        " looked_after_start looked_after_end shield",
    ),
    standardise=standardise,
    continues_when_scaled_down=True,
)
