"""Why a child matched a search, in a few words built from the comparison levels of the
score: "exact family name, date of birth day and month swapped, same postcode district".

Pure. Only fields the query gave are described; a field the query gave but the child's
record does not hold is said to be "not held". The words come from the levels' labels
(``matching.comparisons``), so a new level reads sensibly even before it has words here.
"""

from __future__ import annotations

from datetime import date

from contactpoint.matching.model import Score
from contactpoint.matching.record import MatchRecord
from contactpoint.search.query import Criteria, DateRange
from contactpoint.search.rank import near

# The field of the query each comparison reads (its null level's column).
_QUERY_COLUMN = {
    "given_name": "given_first",
    "family_name": "family",
    "date_of_birth": "dob",
    "gender": "gender",
    "postcode": "postcode",
    "address": "address",
    "nhs_number": "nhs_number",
    "upn": "upn",
    "parents": "carer_given",
}
_NOUN = {
    "given_name": "given name",
    "family_name": "family name",
    "date_of_birth": "date of birth",
    "gender": "gender",
    "postcode": "postcode",
    "address": "address",
    "nhs_number": "NHS number",
    "upn": "UPN",
    "parents": "parent's name",
}
_PHRASES = {
    ("given_name", "exact"): "exact given name",
    ("given_name", "nickname"): "given name a nickname or its full form",
    ("given_name", "another given name"): "shares a given name",
    ("given_name", "typo"): "given name spelt differently",
    ("given_name", "sounds alike"): "given name sounds alike",
    ("family_name", "exact"): "exact family name",
    ("family_name", "part of a double-barrelled name"): "part of a double-barrelled family name",
    ("family_name", "typo"): "family name spelt differently",
    ("family_name", "sounds alike"): "family name sounds alike",
    ("date_of_birth", "exact"): "exact date of birth",
    ("date_of_birth", "day and month swapped"): "date of birth day and month swapped",
    ("date_of_birth", "one character different"): "date of birth one character different",
    ("date_of_birth", "within a year"): "date of birth within a year",
    ("gender", "exact"): "same gender",
    ("postcode", "exact"): "same postcode",
    ("postcode", "same sector"): "same postcode sector",
    ("postcode", "same district"): "same postcode district",
    ("address", "exact"): "same address",
    ("address", "typo"): "address nearly the same",
    ("nhs_number", "exact"): "same NHS number",
    ("upn", "exact"): "same UPN",
}
_NAME_COLUMNS = {"given_name": "given_first", "family_name": "family"}
# Identifiers first: they say the most.
_ORDER = ("nhs_number", "upn")


def reason(
    score: Score,
    query: MatchRecord,
    record: MatchRecord | None,
    criteria: Criteria,
    *,
    by_cp_id: bool = False,
    merged_cp_id: bool = False,
) -> str:
    """The reason a child is in the results, from its best record's score."""
    parts: list[str] = []
    if by_cp_id:
        parts.append(
            "ContactPoint ID of a child merged into this one"
            if merged_cp_id
            else "same ContactPoint ID"
        )
    contributions = sorted(
        score.contributions,
        key=lambda c: _ORDER.index(c.comparison) if c.comparison in _ORDER else len(_ORDER),
    )
    for contribution in contributions:
        name, level = contribution.comparison, contribution.level
        if name == "date_of_birth" and criteria.born is not None and record is not None:
            parts.append(_born(criteria.born, record))
            continue
        if getattr(query, _QUERY_COLUMN.get(name, ""), None) is None:
            continue  # the query did not give this field
        noun = _NOUN.get(name, name.replace("_", " "))
        if level == "missing":
            parts.append(f"{noun} not held")
        elif level == "different" and name in _NAME_COLUMNS and record is not None:
            column = _NAME_COLUMNS[name]
            slip = near(getattr(query, column), getattr(record, column))
            parts.append(f"{noun} spelt differently" if slip else f"different {noun}")
        elif level == "different":
            parts.append(f"different {noun}")
        else:
            parts.append(_PHRASES.get((name, level), f"{noun}: {level}"))
    return ", ".join(parts) if parts else "matches the search"


def _born(born: DateRange, record: MatchRecord) -> str:
    """A year, month or range asked for: whether the child's date of birth lies in it."""
    if record.dob is None:
        return "no date of birth held"
    if date.fromisoformat(record.dob) in born:
        return born.describe()
    return f"{born.describe()} with day and month swapped"
