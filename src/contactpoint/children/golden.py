"""The golden record: what the index shows for a child, chosen from its source records.

Survivorship rules (documented in docs/data-model.md):

* date of birth and gender: the most trusted source that states them
  (GRO births, GRO deaths, NHS, School Census, DWP, children's services, local);
* names: the most recently recorded name, trust breaking ties; GRO holds the birth name;
* address: the most recently recorded address, trust breaking ties;
* date of death: from a GRO death registration, which makes the child deceased;
* responsible authority: the authority of the current address, else of the latest
  source that names one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from contactpoint.children.facts import ChildFacts
from contactpoint.kinds.children import ChildStatus

TRUST = (
    "gro-births",
    "gro-deaths",
    "nhs-demographics",
    "school-census",
    "dwp-child-benefit",
    "la-childrens-services",
    "local",
)


@dataclass(frozen=True, slots=True)
class Golden:
    """The derived fields of a ``Child`` row."""

    given_names: str | None
    family_name: str | None
    date_of_birth: date | None
    gender: str
    date_of_death: date | None
    status: ChildStatus
    incomplete: bool
    address_line: str | None
    postcode: str | None
    responsible_la_code: str | None


def _trust(facts: ChildFacts) -> int:
    return len(TRUST) - TRUST.index(facts.source) if facts.source in TRUST else 0


def _by_trust(records: Sequence[ChildFacts]) -> list[ChildFacts]:
    return sorted(records, key=_trust, reverse=True)


def _by_recency(records: Sequence[ChildFacts]) -> list[ChildFacts]:
    return sorted(records, key=lambda f: (f.recorded_on or date.min, _trust(f)), reverse=True)


def build_golden(records: Sequence[ChildFacts]) -> Golden:
    """The golden record from every source record linked to one child."""
    if not records:
        raise ValueError("a golden record needs at least one source record")
    trusted = _by_trust(records)
    recent = _by_recency(records)
    born = next((f.date_of_birth for f in trusted if f.date_of_birth), None)
    gender = next((f.gender for f in trusted if f.gender in ("M", "F")), "U")
    named = next((f for f in recent if f.given_names and f.family_name), None) or next(
        f for f in recent
    )
    died = next((f.date_of_death for f in trusted if f.date_of_death), None)
    housed = next((f for f in recent if f.address), None)
    address = housed.address if housed else None
    authority = (address.la_code if address else None) or next(
        (f.la_code for f in recent if f.la_code), None
    )
    return Golden(
        given_names=named.given_names,
        family_name=named.family_name,
        date_of_birth=born,
        gender=gender,
        date_of_death=died,
        status=ChildStatus.DECEASED if died else ChildStatus.ACTIVE,
        incomplete=born is None or not (named.given_names and named.family_name),
        address_line=address.address_line if address else None,
        postcode=address.postcode if address else None,
        responsible_la_code=authority,
    )
