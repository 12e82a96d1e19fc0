"""Audit action codes: one enumeration, each code read off its name, none twice."""

from __future__ import annotations

import re

from contactpoint.audit.actions import AuditAction


def test_each_code_is_its_name_in_the_stored_form_and_none_is_used_twice() -> None:
    codes = [action.value for action in AuditAction]
    assert len(codes) == len(set(codes))
    for action in AuditAction:
        assert re.fullmatch(r"[a-z_]+(\.[a-z_]+)?", action.value), action
        assert re.sub(r"[^A-Z0-9]+", "_", action.value.upper()) == action.name
