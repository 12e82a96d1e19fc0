"""The templates' filters for telephone numbers and audit actions (issue 16's smaller
points: "+441130214151" shown as stored; the audit trail's "What" showing codes)."""

from __future__ import annotations

import pytest

from contactpoint.web.words import audit_action, phone


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+441130214151", "0113 021 4151"),
        ("0113 496 0123", "0113 496 0123"),
        ("07700900123", "07700 900123"),
        ("+33 1 23 45 67 89", "+33 1 23 45 67 89"),
        ("ext. 4", "ext. 4"),
        (None, ""),
    ],
)
def test_a_telephone_number_is_shown_as_people_write_it(stored: str | None, shown: str) -> None:
    assert phone(stored) == shown


def test_an_audit_action_is_shown_in_words() -> None:
    assert audit_action("record.view") == "Looked at a record"
    assert audit_action("key_professional.appoint") == "Key professional appoint"
