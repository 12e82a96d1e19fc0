"""What every piece of text a person or system types must be: no control characters.

A NUL byte cannot be stored by PostgreSQL and other control characters (a tab aside)
have no place in a name, a reason or a search; text holding one is refused as invalid
input naming its field, before it reaches a query or the audit trail.
"""

from __future__ import annotations

import re

from contactpoint.errors import InvalidValue

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def checked(field: str, value: str) -> str:
    """``value`` unchanged, or ``InvalidValue`` if it holds a control character (the
    value itself is not repeated: it may be what an attacker sent)."""
    if _CONTROL.search(value):
        raise InvalidValue(field, "", "must not contain control characters")
    return value
