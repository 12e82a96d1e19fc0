"""Involvement and vulnerability flags from the children's-services feed.

After a ``la-childrens-services`` load (in the load's own transaction, so the two are
undone together), each of the run's rows becomes — or updates — one involvement (keyed
by the row's record id) and a flag per period it gives (child protection plan, looked
after). A row arriving again renews its involvement for a full period. The
practitioner's account is found by e-mail address, so signals reach their inbox. Then
signals are raised around every child the run touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contactpoint import bulk
from contactpoint.children.record import (
    CHILDRENS_SERVICES,
    sensitive_category,
)
from contactpoint.errors import InvalidValue
from contactpoint.identifiers import normalise_phone
from contactpoint.notify.message import valid_address
from contactpoint.settings import get_settings
from contactpoint.signposting import signals
from contactpoint.tables.access import User
from contactpoint.tables.children import SourceRecord
from contactpoint.tables.signposting import FlagKind, Involvement, Origin, VulnerabilityFlag

PERIODS = (("cp_plan", FlagKind.CHILD_PROTECTION_PLAN), ("looked_after", FlagKind.LOOKED_AFTER))
FEED_ACTOR = "feed la-childrens-services"


@dataclass(frozen=True, slots=True)
class FeedSignposting:
    involvements: int
    flags: int
    signals: int


def apply(session: Session, feed_run_id: int, today: date) -> FeedSignposting:
    """Bring involvements and flags in line with the run's rows; raise signals."""
    rows = session.execute(
        select(SourceRecord.record_id, SourceRecord.child_id, SourceRecord.payload).where(
            SourceRecord.feed_run_id == feed_run_id, SourceRecord.source == CHILDRENS_SERVICES
        )
    ).all()
    if not rows:
        return FeedSignposting(0, 0, 0)
    keys = [_key(record_id) for record_id, _c, _p in rows]
    involvements = _by_key(session, Involvement, keys)
    flags = _by_key(
        session, VulnerabilityFlag, [f"{key}:{period}" for key in keys for period, _k in PERIODS]
    )
    emails = {_text(p, "practitioner_email").lower() for _r, _c, p in rows} - {""}
    accounts = _accounts(session, emails)
    active_until = today + timedelta(days=get_settings().involvement_active_days)
    touched: set[int] = set()
    involved = flagged = 0
    for record_id, child_id, payload in rows:
        key = _key(record_id)
        values = _involvement(payload, accounts)
        if values is not None:
            involvement = involvements.get(key)
            if involvement is None:
                involvement = Involvement(
                    feed_key=key, origin=Origin.FEED, registered_by=FEED_ACTOR
                )
                session.add(involvement)
            for name, value in values.items():
                setattr(involvement, name, value)
            involvement.child_id = child_id
            involvement.active_until = active_until
            involvement.reminded_on = None
            involved += 1
        for period, kind in PERIODS:
            started = _day(payload, f"{period}_start")
            if started is None:
                continue
            flag = flags.get(f"{key}:{period}")
            if flag is None:
                flag = VulnerabilityFlag(
                    feed_key=f"{key}:{period}", origin=Origin.FEED, set_by=FEED_ACTOR, kind=kind
                )
                session.add(flag)
            flag.child_id = child_id
            flag.started_on = started
            flag.ended_on = _day(payload, f"{period}_end")
            flag.la_code = _text(payload, "la_code")
            flagged += 1
        touched.add(child_id)
    session.flush()
    raised = signals.raise_signals(session, touched, today)
    return FeedSignposting(involved, flagged, len(raised))


def _key(record_id: str) -> str:
    return f"{CHILDRENS_SERVICES}:{record_id}"


def _by_key(session: Session, model: Any, keys: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for part in bulk.parts(session, sorted(set(keys))):
        for row in session.scalars(select(model).where(bulk.among(session, model.feed_key, part))):
            found[row.feed_key] = row
    return found


def _accounts(session: Session, emails: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for part in bulk.parts(session, sorted(emails)):
        for user_id, email in session.execute(
            select(User.id, func.lower(User.email)).where(
                bulk.among(session, func.lower(User.email), part)
            )
        ):
            found.setdefault(email, user_id)
    return found


def _involvement(payload: dict[str, Any], accounts: Mapping[str, int]) -> dict[str, Any] | None:
    """An involvement's values from a row, or None when the row names no practitioner."""
    service = _text(payload, "service_type")
    name = _text(payload, "practitioner_name")
    if not service or not name:
        return None
    # The feed loads a row whose address is not valid without it (a warning).
    email = _text(payload, "practitioner_email").lower() or None
    if email is not None and not valid_address(email):
        email = None
    number = _text(payload, "practitioner_phone")
    phone = _phone(number) if number else None
    return {
        "user_id": accounts.get(email or ""),
        "service_type": service[:100],
        "organisation": (_text(payload, "organisation") or "not given")[:200],
        "la_code": _text(payload, "la_code") or None,
        "practitioner_name": name[:200],
        "practitioner_role": _text(payload, "practitioner_role")[:200] or None,
        "email": email,
        "phone": phone,
        "started_on": _day(payload, "involvement_start") or date.today(),
        "lead_professional": _flag(payload, "lead_professional"),
        "early_help_assessment": _flag(payload, "early_help_assessment"),
        "sensitive": sensitive_category(service) is not None,
    }


@lru_cache(maxsize=4096)
def _phone(number: str) -> str | None:
    """A practitioner's number in standard form (cached: a file names each practitioner
    on many rows, and parsing a number is slow)."""
    try:
        return normalise_phone(number)
    except InvalidValue:
        return None  # not valid: the feed loaded the row without it (a warning)


def _text(payload: dict[str, Any], name: str) -> str:
    """A cell as received, spaces collapsed ("" when empty)."""
    value = payload.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _day(payload: dict[str, Any], name: str) -> date | None:
    text = _text(payload, name)
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _flag(payload: dict[str, Any], name: str) -> bool:
    return _text(payload, name).upper() in ("Y", "YES")
