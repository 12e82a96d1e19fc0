"""Reading posted forms: a field's text, a GOV.UK date input, and a domain error's
reason as the sentence a form shows next to its field.

A form is read once its CSRF token has been checked (``auth.CheckedForm``). A value is
the posted text with NUL removed (no keyboard types it, and PostgreSQL refuses it) and,
unless asked otherwise, trimmed; a field that is absent is "".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from contactpoint.errors import InvalidValue
from contactpoint.web.auth import CheckedForm


@dataclass(frozen=True, slots=True)
class Posted:
    """A posted form's fields."""

    form: FormData

    def value(self, name: str, *, strip: bool = True) -> str:
        found = self.form.get(name, "")
        text = found.replace("\x00", "") if isinstance(found, str) else ""
        return text.strip() if strip else text

    def values(self, name: str) -> list[str]:
        """Every value of a field posted more than once (checkboxes)."""
        return [
            value.replace("\x00", "") for value in self.form.getlist(name) if isinstance(value, str)
        ]

    def date_parts(self, name: str) -> dict[str, str]:
        """A date input's day, month and year as typed (cut short: shown again)."""
        return {f"{name}-{part}": self.value(f"{name}-{part}")[:10] for part in DATE_PARTS}

    def day(self, name: str) -> date | None:
        return posted_date(self.value, name)


DATE_PARTS = ("day", "month", "year")


def posted_date(value: Callable[[str], str], name: str) -> date | None:
    """A GOV.UK date input's day, month and year (fields ``name-day`` and so on); None
    when all three are blank; ``InvalidValue`` naming ``name`` when it is no real date."""
    parts = {part: value(f"{name}-{part}") for part in DATE_PARTS}
    if not any(parts.values()):
        return None
    missing = [part for part, text in parts.items() if not text]
    if missing:
        raise InvalidValue(name, "", f"must include a {' and a '.join(missing)}")
    day, month, year = parts.values()
    if not all(text.isascii() and text.isdigit() for text in parts.values()) or len(year) != 4:
        raise InvalidValue(name, "", "must be a real date")
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise InvalidValue(name, "", "must be a real date") from None


def date_values(name: str, day: date) -> dict[str, str]:
    """A date input's fields filled in with ``day``."""
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


def sentence(text: str, field: str | None = None, labels: Mapping[str, str] | None = None) -> str:
    """A domain error's reason as a sentence, naming ``field`` by its label where the
    reason needs a subject ("is required" → "Start date is required")."""
    if field and text.startswith(("is ", "must ")):
        return f"{(labels or {}).get(field, field)} {text}"
    return text[:1].upper() + text[1:]


async def read_posted(request: Request, _user: CheckedForm) -> Posted:
    """The posted form of a signed-in user, once its CSRF token has checked."""
    return Posted(await request.form())


PostedForm = Annotated[Posted, Depends(read_posted)]
