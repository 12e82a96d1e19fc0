"""What the JSON API's routes share: the base of every body and answer schema (explicit
fields only, never a table, nothing extra accepted) and the documented refusals of a
call that changes something."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    """A request body (``...Create``) or an answer (``...Read``)."""

    model_config = ConfigDict(extra="forbid")


SIGNED_IN: dict[int | str, dict[str, Any]] = {401: {"description": "Not signed in"}}
# A call that changes something: the session cookie and its CSRF token (X-CSRF-Token).
WRITES: dict[int | str, dict[str, Any]] = {
    **SIGNED_IN,
    403: {"description": "Refused by the access policy, or no CSRF token (audited)"},
}
