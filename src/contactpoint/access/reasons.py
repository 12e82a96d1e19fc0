"""Reasons for access: every search and every look at a record states one (DESIGN §6,
§8). Chosen from a fixed list; "other" needs words of the user's own. The reason goes to
the audit trail with the access."""

from __future__ import annotations

from dataclasses import dataclass

from contactpoint.errors import InvalidValue
from contactpoint.text import checked

REASONS: dict[str, str] = {
    "safeguarding": "A safeguarding or child protection concern",
    "assessment": "Assessing the child's needs (including early help)",
    "new_to_service": "The child is new to my service",
    "coordinating": "Finding other practitioners to coordinate support",
    "identity": "Confirming the child's identity or details",
    "data_quality": "Resolving a data quality issue (data managers)",
    "s47_enquiry": "A child protection enquiry (section 47, Children Act 1989)",
    "serious_case_review": "A serious case review",
    "child_death_review": "A child death review",
    "other": "Another reason (say what)",
}
MAX_OTHER = 500
# The statutory enquiries for which a record long in the archive may be opened (DESIGN §9).
STATUTORY = frozenset({"s47_enquiry", "serious_case_review", "child_death_review"})


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    # The user's own words (for "other"; optional detail for the rest).
    detail: str | None = None

    def __str__(self) -> str:
        label = REASONS[self.code]
        return f"{label}: {self.detail}" if self.detail else label


def reason(code: str | None, detail: str | None = None) -> Reason:
    """A valid reason, or ``InvalidValue`` naming the field."""
    if not code:
        raise InvalidValue("reason", "", "choose a reason for looking at children's records")
    if code not in REASONS:
        raise InvalidValue("reason", code[:40], "is not one of the reasons for access")
    text = checked("reason_detail", (detail or "")).strip()
    if len(text) > MAX_OTHER:
        raise InvalidValue("reason_detail", "", f"use at most {MAX_OTHER} characters")
    if code == "other" and not text:
        raise InvalidValue("reason_detail", "", "say why you need to look")
    return Reason(code, text or None)
