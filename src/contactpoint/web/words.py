"""Dates, times, counts, telephone numbers and audit actions as GOV.UK writes them and
people read them: the templates' filters, and the subject access report's words."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import phonenumbers

from contactpoint.audit.actions import AuditAction

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
ACTIONS: dict[str, str] = {
    AuditAction.RECORD_VIEW: "Looked at a record",
    AuditAction.RECORD_OVERRIDE: "Opened a record in an emergency",
    AuditAction.SEARCH: "Searched",
    AuditAction.REFUSED: "Refused",
    AuditAction.SUBJECT_ACCESS: "Subject access report",
    AuditAction.SIGN_IN_PASSWORD: "Signed in (password)",
    AuditAction.SIGN_IN_CODE: "Signed in (code)",
    AuditAction.SIGN_OUT: "Signed out",
    AuditAction.REVIEW_QUEUE: "Looked at the review queue",
    AuditAction.REVIEW_LINK: "Linked records",
    AuditAction.REVIEW_KEEP_APART: "Kept records apart",
    AuditAction.CHILD_SHIELD: "Shielded a record",
    AuditAction.CHILD_UNSHIELD: "Lifted a shield",
    AuditAction.CHILD_ARCHIVE: "Moved a record to the archive",
    AuditAction.CHILD_PURGE: "Destroyed a record",
    AuditAction.INVOLVEMENT_REGISTER: "Registered involvement",
    AuditAction.FLAG_SET: "Set a flag",
    AuditAction.FLAG_END: "Ended a flag",
    AuditAction.CONTACT_ALERT: "Contact alert",
    AuditAction.FEED_LOAD: "Loaded a feed file",
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
