"""Subject access in the words people use: the report's fields and values as a family
reads them (the page and the PDF alike) — "Date of birth: 20 March 2015", "Gender:
Female", "Scheme: NHS number", "from GRO birth registrations, 20 March 2015", "Looked at
a record" — never ISO timestamps, codes or source names. The JSON keeps the data as it
is, for machines."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from contactpoint.feeds.sources import SOURCES
from contactpoint.web.words import audit_action, govuk_date, govuk_datetime

SOURCE_TITLES = {name: source.title for name, source in SOURCES.items()}
GENDERS = {"M": "Male", "F": "Female", "U": "Not known", "X": "Not specified"}
SCHEMES = {
    "nhs_number": "NHS number",
    "upn": "Unique pupil number (UPN)",
    "gro_birth_entry": "Birth registration entry",
    "child_benefit_ref": "Child Benefit reference",
    "la_child_id": "Local authority's child ID",
}
LABELS = {
    "cp_id": "ContactPoint ID",
    "nhs_number": "NHS number",
    "upn": "UPN",
    "la_code": "Local authority",
    "recorded_on": "Recorded",
    "received_at": "Received",
    "received_on": "Received",
    "record_id": "Record ID",
    "at": "When",
    "who": "Who",
    "action": "What",
    "outcome": "Outcome",
    "reason": "Reason given",
    "cells": "As received",
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def label(key: str) -> str:
    """A field's name in words: "date_of_birth" is "Date of birth"."""
    if key in LABELS:
        return LABELS[key]
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def text(value: Any, key: str = "") -> str:
    """A value in words, by what it is and the field it is in."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Mapping):
        if "source" in value and ("recorded_on" in value or "received_on" in value):
            return _provenance(value)
        return "; ".join(
            f"{label(k)}: {text(v, k)}" for k, v in value.items() if v not in (None, "", [], {})
        )
    if isinstance(value, list | tuple):
        return ", ".join(text(v, key) for v in value)
    if isinstance(value, datetime):
        return govuk_datetime(value)
    if isinstance(value, date):
        return govuk_date(value)
    words = str(value)
    lookup = {"gender": GENDERS, "scheme": SCHEMES, "source": SOURCE_TITLES}.get(key)
    if lookup is not None:
        return lookup.get(words, words)
    if key == "action":
        return audit_action(words)
    if key in ("outcome", "status"):
        return words.replace("_", " ").capitalize()
    if _DATETIME.match(words):
        return govuk_datetime(datetime.fromisoformat(words))
    if _DATE.match(words):
        return govuk_date(date.fromisoformat(words))
    return words


def _provenance(value: Mapping[str, Any]) -> str:
    source = SOURCE_TITLES.get(str(value["source"]), str(value["source"]))
    when = value.get("recorded_on")
    day = text(when) if when else f"received {text(value.get('received_on'))}"
    return f"from {source}, {day}"
