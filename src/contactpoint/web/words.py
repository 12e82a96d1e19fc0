"""Dates, times, counts, telephone numbers and audit actions as GOV.UK writes them and
people read them: the templates' filters, and the subject access report's words."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import phonenumbers

LONDON = ZoneInfo("Europe/London")


def count(value: int) -> str:
    """A count with thousands separators: 12,345."""
    return f"{value:,}"


def govuk_date(value: date | datetime | None) -> str:
    """A date as GOV.UK writes it: 6 August 2010."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _in_london(value)
    return f"{value.day} {value:%B %Y}"


def govuk_time(value: datetime) -> str:
    """A time as GOV.UK writes it: 9am, 12:15pm, midday, midnight."""
    value = _in_london(value)
    if value.hour == 0 and value.minute == 0:
        return "midnight"
    if value.hour == 12 and value.minute == 0:
        return "midday"
    hour = value.hour % 12 or 12
    minutes = f":{value.minute:02d}" if value.minute else ""
    return f"{hour}{minutes}{'am' if value.hour < 12 else 'pm'}"


def govuk_datetime(value: datetime | None) -> str:
    """6 August 2010 at 12:15pm, in UK time."""
    if value is None:
        return ""
    return f"{govuk_date(value)} at {govuk_time(value)}"


def phone(value: str | None) -> str:
    """A telephone number as people write it: 0113 496 0123 for a UK number, +33 1 23
    45 67 89 for another country's; as given when it is not one."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_possible_number(number):
        return value
    national = number.country_code == 44
    style = phonenumbers.PhoneNumberFormat
    return phonenumbers.format_number(number, style.NATIONAL if national else style.INTERNATIONAL)


# What an audit entry's action code means, in words (others: the code's words).
ACTIONS = {
    "record.view": "Looked at a record",
    "record.override": "Opened a record in an emergency",
    "search": "Searched",
    "refused": "Refused",
    "subject_access": "Subject access report",
    "sign_in.password": "Signed in (password)",
    "sign_in.code": "Signed in (code)",
    "sign_out": "Signed out",
    "review.queue": "Looked at the review queue",
    "review.link": "Linked records",
    "review.keep_apart": "Kept records apart",
    "child.shield": "Shielded a record",
    "child.unshield": "Lifted a shield",
    "child.archive": "Moved a record to the archive",
    "child.purge": "Destroyed a record",
    "involvement.register": "Registered involvement",
    "flag.set": "Set a flag",
    "flag.end": "Ended a flag",
    "contact.alert": "Contact alert",
    "feed.load": "Loaded a feed file",
}


def audit_action(code: str) -> str:
    """An audit action code in words: "record.view" is "Looked at a record"."""
    if code in ACTIONS:
        return ACTIONS[code]
    words = code.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _in_london(value: datetime) -> datetime:
    # SQLite hands back naive timestamps; the database writes them in UTC.
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(LONDON)
